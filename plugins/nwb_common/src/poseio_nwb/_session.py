"""What an NWB file holds besides its poses: the objects a new file of poses would not carry.

An NWB session holds more than poses: the frames of its cameras, electrophysiology,
trials, units. ``poseio convert session.nwb out.nwb`` writes a new file from the
Labels, so those objects would be gone from the output. The readers list them in
``labels.provenance["nwb_objects_not_read"]``; the NWB writers' write claims name
them as a loss, so that such a conversion is refused unless the caller accepts a
pose-only file (``allow_loss=True``, ``--allow-loss``).

Not counted: the pose objects themselves, poseio's own tables, and what the
writers write again from the Labels: the Devices and external-file ImageSeries
that pose containers link to. An ImageSeries that stores its frames in the file
is counted even when a pose container links to it: the writer would not copy them.
"""

from __future__ import annotations

import posixpath

import h5py
from h5py import h5g, h5l, h5o
from poseio.hdf5 import text

from poseio_nwb._h5 import neurodata_type

#: The provenance key under which the readers list the session's other objects.
NOT_READ = "nwb_objects_not_read"
#: ndx-pose types, and the parts of PoseTraining, that the readers turn into Labels.
POSE_TYPES = frozenset(
    {
        "PoseEstimation",
        "MultiCameraPoseEstimation",
        "PoseTraining",
        "Skeletons",
        "Skeleton",
        "TrainingFrames",
        "SourceVideos",
    }
)
#: The groups whose children are a session's objects (``processing`` holds modules of them).
HOLDERS = (
    "acquisition",
    "analysis",
    "stimulus/presentation",
    "stimulus/templates",
    "intervals",
    "general/devices",
    "general/extracellular_ephys",
    "general/intracellular_ephys",
    "general/optophysiology",
)
#: The comments of the TimeSeries in which poseio's writer keeps instance scores.
SCORES_COMMENT = "poseio:instance_scores"


def objects_not_read(f: h5py.File) -> list[str]:
    """The paths of the session's objects that are neither poses nor written again from them."""
    return [path for path, rewritten in _session_objects(f) if not rewritten]


def objects_rewritten(f: h5py.File) -> list[str]:
    """The paths of the pose objects, and of what the writers write again from Labels (see the module doc)."""
    return [path for path, rewritten in _session_objects(f) if rewritten]


def _session_objects(f: h5py.File) -> list[tuple[str, bool]]:
    """Every child of the session's holders, and whether a writer writes it again from the Labels."""
    children = []
    for holder in HOLDERS:
        group = f.get(holder)
        if isinstance(group, h5py.Group):
            children.extend(f"{holder}/{name}" for name in group)
    processing = f.get("processing")
    if isinstance(processing, h5py.Group):
        for module in processing:
            if isinstance(processing.get(module), h5py.Group):
                children.extend(f"processing/{module}/{name}" for name in processing[module])
    if "units" in f:
        children.append("units")
    # A hard link back to the file's own layout (a loop to / or /processing) holds nothing of its own.
    layout = {f.id, *(f[h].id for h in ("processing", *HOLDERS) if isinstance(f.get(h), h5py.Group))}
    children = [path for path in children if getattr(f.get(path), "id", None) not in layout]
    linked = _linked_from_poses(f, children)
    return sorted((path, _rewritten(f, path, linked)) for path in children)


def _rewritten(f: h5py.File, path: str, linked: set[str]) -> bool:
    link = f.get(path, getlink=True)
    if not isinstance(link, h5py.HardLink):
        return True  # a link to another object: that object is counted where it lives
    obj = f[path]
    kind = neurodata_type(obj) or ""
    if kind in POSE_TYPES or path.rsplit("/", 1)[-1].startswith("poseio_"):
        return True
    if isinstance(obj, h5py.Group) and text(obj.attrs.get("comments")) == SCORES_COMMENT:
        return True
    if "/" + path in linked:
        # A camera or a video of the poses: written again, unless it stores frames the writer would not copy.
        data = obj.get("data") if isinstance(obj, h5py.Group) else None
        return not (isinstance(data, h5py.Dataset) and data.size > 0 and "external_file" not in obj)
    return False


def _linked_from_poses(f: h5py.File, children: list[str]) -> set[str]:
    """Targets of the soft links inside the pose objects among ``children`` (their videos, devices, skeletons).

    Only those objects are walked, never the whole file: over a URL, opening every
    object header of a large session would fetch much of it.
    """
    targets: set[str] = set()

    # h5py's low-level calls: a container of 30 series has some 200 links, and the high-level
    # Group.get makes several objects per link (this walk took a third of a 300-series load).
    def walk(group: h5g.GroupID, path: str, depth: int) -> None:
        if depth > 8:
            return
        for name in group:
            kind = group.links.get_info(name).type
            if kind == h5l.TYPE_SOFT:
                target = group.links.get_val(name).decode("utf-8", "replace")
                # A relative target is resolved from the group that holds the link, as HDF5 resolves it.
                targets.add(target if target.startswith("/") else posixpath.join(path, target))
            elif kind == h5l.TYPE_HARD:
                child = h5o.open(group, name)
                if isinstance(child, h5g.GroupID):
                    walk(child, posixpath.join(path, name.decode("utf-8", "replace")), depth + 1)

    for path in children:
        obj = f.get(path)
        if isinstance(obj, h5py.Group) and neurodata_type(obj) in POSE_TYPES:
            walk(obj.id, obj.name, 0)
    return targets
