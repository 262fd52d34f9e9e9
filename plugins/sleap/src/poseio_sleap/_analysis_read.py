"""Reading SLEAP analysis HDF5 files: dense arrays of one video's tracks.

``tracks`` holds every coordinate on four axes (frame, track, node, xy) in
some order. sleap-io names the order in each dataset's ``dims`` attribute.
Older files do not: SLEAP wrote its (frame, node, xy, track) arrays transposed
for MATLAB, giving (track, xy, node, frame), and with ``transpose=False`` as
they were; a ``transpose`` root attribute, else the shapes, tell which. The
occupancy matrix was built (track, frame), so it is stored (frame, track) in
the transposed layout. Everything is read whole and transposed as a view.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import poseio
from poseio.options import refuse_unknown

from poseio_sleap._common import ANALYSIS, SLEAP_KEY, damage, decode_text, parse_json
from poseio_sleap._videos import fps_of, shape_of

AXES = ("frame", "track", "node", "xy")
#: SLEAP's default (``transpose=True``, sleap-io's "matlab" preset) and its ``transpose=False`` layout.
TRANSPOSED = ("track", "xy", "node", "frame")
UNTRANSPOSED = ("frame", "node", "xy", "track")


def _dims_attribute(dataset: Any) -> tuple[str, ...] | None:
    if "dims" not in dataset.attrs:
        return None
    dims = json.loads(decode_text(dataset.attrs["dims"]))
    return tuple(str(d) for d in dims)


def _flag(value: Any) -> bool:
    """A boolean attribute, which sleap-io 0.7 stored as the text 'True' or 'False'."""
    text = decode_text(value) if isinstance(value, (bytes, str, np.bytes_)) else value
    if isinstance(text, str):
        return text.strip().lower() not in ("false", "0", "no", "")
    return bool(text)


def _tracks_layout(h5file: Any, shape: tuple[int, ...], n_nodes: int, n_names: int, where: str) -> tuple[str, ...]:
    """The axis names of the stored ``tracks`` array, in stored order."""
    dims = _dims_attribute(h5file["tracks"])
    if dims is None and "transpose" in h5file.attrs:
        dims = TRANSPOSED if _flag(h5file.attrs["transpose"]) else UNTRANSPOSED
    if dims is None:

        def fits(candidate: tuple[str, ...]) -> bool:
            sizes = dict(zip(candidate, shape))
            return sizes["node"] == n_nodes and sizes["xy"] == 2 and (not n_names or sizes["track"] == n_names)

        # SLEAP's default first: with two nodes and as many tracks as frames both layouts fit.
        dims = next((c for c in (TRANSPOSED, UNTRANSPOSED) if fits(c)), TRANSPOSED)
    if sorted(dims) != sorted(AXES):
        raise poseio.ReadError(f"{where}: /tracks has dims {list(dims)}, not an order of {list(AXES)}")
    sizes = dict(zip(dims, shape))
    if sizes["node"] != n_nodes or sizes["xy"] != 2:
        raise poseio.ReadError(
            f"{where}: /tracks has shape {shape} ({', '.join(dims)}), which does not fit {n_nodes} node names "
            "and x, y coordinates; the file is damaged or not a SLEAP analysis file"
        )
    return dims


def _oriented(
    h5file: Any,
    name: str,
    wanted: tuple[str, ...],
    default: tuple[str, ...],
    sizes: dict[str, int],
    where: str,
    *,
    by_track: bool = False,
) -> np.ndarray | None:
    """Dataset ``name`` with its axes in the ``wanted`` order, or ``None`` when the file lacks it.

    ``by_track``: read it track by track when it is stored so (`_by_track`).
    """
    from poseio.hdf5 import values

    if name not in h5file:
        return None
    dataset = h5file[name]
    dims = _dims_attribute(dataset) or default
    if sorted(dims) != sorted(wanted) or dataset.shape != tuple(sizes[d] for d in dims):
        raise poseio.ReadError(
            f"{where}: /{name} has shape {dataset.shape} ({', '.join(dims)}), but /tracks holds "
            + ", ".join(f"{sizes[d]} {d}s" for d in wanted)
            + "; the file is damaged"
        )
    found = _by_track(dataset, dims, wanted) if by_track else None
    if found is not None:
        return found
    return np.transpose(values(dataset, np.float64), [dims.index(d) for d in wanted])


def _by_track(dataset: Any, dims: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray | None:
    """A ``(track, ..., frame)`` dataset as float64 with its axes in the ``wanted`` order, read track by track.

    Each track is read straight into place (HDF5 converts the type on the
    way) in memory that runs track by track, frame after frame: the order in
    which `poseio.PoseTable.from_dense` takes rows as a view, so the points
    and scores are read once and never copied. ``None`` when the stored order
    is another (the caller transposes a whole read instead).
    """
    from poseio.hdf5 import check_dataset

    if len(dims) < 2 or dims[0] != "track" or dims[-1] != "frame":
        return None
    check_dataset(dataset)
    rest = dims[1:-1]
    memory = (*rest, "track", "frame")
    sizes = dict(zip(dims, dataset.shape))
    out = np.empty(tuple(sizes[d] for d in memory))
    if out.size:
        # One call per stored row (a track's x or y of one node): a destination that is one contiguous
        # run keeps HDF5 on its fast path, where a strided one (a whole track at once) is 3x slower.
        for k in range(sizes["track"]):
            for row in np.ndindex(*(sizes[d] for d in rest)):
                dataset.read_direct(out, (k, *row, slice(None)), (*row, k, slice(None)))
    return np.transpose(out, [memory.index(d) for d in wanted])


def _skeleton(h5file: Any, node_names: list[str], where: str) -> tuple[poseio.Skeleton, list[str]]:
    """The file's skeleton, and notes on the symmetries that could not be kept."""
    from poseio.hdf5 import values

    edges: list[tuple[int, int]] = []
    if "edge_inds" in h5file and h5file["edge_inds"].size:
        found = values(h5file["edge_inds"])
        if found.ndim != 2 or found.shape[1] != 2 or not np.isin(found, np.arange(len(node_names))).all():
            raise poseio.ReadError(f"{where}: /edge_inds is not pairs of node indices below {len(node_names)}")
        edges = [(int(a), int(b)) for a, b in found]
    elif "edge_names" in h5file and h5file["edge_names"].size:
        pairs = values(h5file["edge_names"])
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise poseio.ReadError(f"{where}: /edge_names is not pairs of node names")
        edges = [(node_names.index(decode_text(a)), node_names.index(decode_text(b))) for a, b in pairs]
    notes, symmetries = [], []
    if "skeleton_symmetries" in h5file.attrs:  # sleap-io's extended metadata
        for pair in parse_json(h5file.attrs["skeleton_symmetries"]):
            if len(pair) == 2 and pair[0] != pair[1] and all(p in node_names for p in pair):
                symmetries.append((node_names.index(pair[0]), node_names.index(pair[1])))
            else:
                notes.append(f"symmetry {pair!r} names nodes the skeleton lacks; left out")
    name = decode_text(h5file.attrs["skeleton_name"]) if "skeleton_name" in h5file.attrs else ""
    return poseio.Skeleton(node_names, edges=edges, symmetries=symmetries, name=name or None), notes


def _video(h5file: Any, n_frames: int) -> poseio.Video:
    from poseio.hdf5 import read_text

    filename = read_text(h5file, "video_path") or ""
    backend = parse_json(h5file.attrs["video_backend_metadata"]) if "video_backend_metadata" in h5file.attrs else {}
    backend = backend if isinstance(backend, dict) else {}
    metadata: dict[str, Any] = {SLEAP_KEY: {"backend": backend}} if backend else {}
    if not filename:
        metadata["filename_unknown"] = True  # movement writes no video path
    # Without a recorded shape, the file still says how many frames the video has.
    shape = shape_of(backend.get("shape")) or (n_frames, 0, 0, 0)
    return poseio.Video(filename, shape=shape, fps=fps_of(backend.get("fps")), metadata=metadata)


def _provenance(h5file: Any, notes: list[str]) -> dict[str, Any]:
    from poseio.hdf5 import read_number, read_text

    record: dict[str, Any] = {
        key: decode_text(h5file.attrs[key]) for key in ("format", "preset", "sleap_io_version") if key in h5file.attrs
    }
    text = read_text(h5file, "provenance")
    if text:
        record["provenance"] = json.loads(text)
    labels_path = read_text(h5file, "labels_path")
    if labels_path:
        record["labels_path"] = labels_path
    if "video_ind" in h5file:
        record["video_ind"] = int(read_number(h5file, "video_ind"))
    provenance: dict[str, Any] = {SLEAP_KEY: record}
    if notes:
        provenance["notes"] = notes
    return provenance


def read_analysis(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a SLEAP analysis HDF5 file as Labels of predicted instances.

    Args:
        probe: The probe of the source (its HDF5 file is open).
        options: Read options; this reader takes none.

    Returns:
        Labels of one video and one skeleton; one track per slot of the file
        (none when the file names no tracks); instance, tracking and point scores.
    """
    from poseio.hdf5 import read_strings, values
    from poseio.limits import check_allocation

    refuse_unknown(options, (), ANALYSIS)
    h5file, where = probe.h5, probe.name
    with damage("the node and track names", where):
        node_names = read_strings(h5file["node_names"])
        track_names = read_strings(h5file["track_names"]) if "track_names" in h5file else []
    with damage("the layout of /tracks", where):
        shape = h5file["tracks"].shape
        if len(shape) != 4:
            raise poseio.ReadError(f"{where}: /tracks has {len(shape)} axes, a SLEAP analysis file four")
        dims = _tracks_layout(h5file, shape, len(node_names), len(track_names), where)
    sizes = dict(zip(dims, shape))
    n_frames, n_slots, n_nodes = sizes["frame"], sizes["track"], sizes["node"]
    if track_names and len(track_names) != n_slots:
        raise poseio.ReadError(f"{where}: {len(track_names)} track names for the {n_slots} tracks of /tracks")
    # The transposed arrays are copied once into the table: twice the stored size at most.
    check_allocation(2 * n_frames * n_slots * n_nodes * 3 * 8, f"{n_frames} frames of {n_slots} tracks", where)
    untransposed = dims == UNTRANSPOSED
    with damage("the tracks, occupancy and scores", where):
        points = _by_track(h5file["tracks"], dims, AXES)
        if points is None:
            points = np.transpose(values(h5file["tracks"], np.float64), [dims.index(d) for d in AXES])
        without_xy = tuple(d for d in dims if d != "xy")
        per_slot = tuple(d for d in dims if d in ("frame", "track"))
        point_scores = _oriented(h5file, "point_scores", AXES[:3], without_xy, sizes, where, by_track=True)
        scores = _oriented(h5file, "instance_scores", AXES[:2], per_slot, sizes, where)
        tracking = _oriented(h5file, "tracking_scores", AXES[:2], per_slot, sizes, where)
        # SLEAP built occupancy as (track, frame) and transposed it with the rest.
        occupancy_default = ("track", "frame") if untransposed else ("frame", "track")
        occupancy = _oriented(h5file, "track_occupancy", AXES[:2], occupancy_default, sizes, where)
        skeleton, notes = _skeleton(h5file, node_names, where)
        video = _video(h5file, n_frames)
        provenance = _provenance(h5file, notes)
    present = np.isfinite(points).all(axis=3).any(axis=2)
    if occupancy is not None:
        present |= occupancy != 0  # an occupied slot whose nodes are all hidden is still an instance
    table = poseio.PoseTable.from_dense(
        points,
        frame_idx=np.arange(n_frames),
        track=np.arange(n_slots) if track_names else None,
        predicted=True,
        point_scores=point_scores,
        score=scores,
        tracking_score=tracking,
        present=present,
    )
    tracks = [poseio.Track(name) for name in track_names]
    return poseio.Labels.from_table(table, videos=[video], skeletons=[skeleton], tracks=tracks, provenance=provenance)
