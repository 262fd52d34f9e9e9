"""Low-level reading of NWB's HDF5 layout: strings, typed groups and soft links."""

from __future__ import annotations

from collections.abc import Collection, Iterator

import h5py
from h5py import h5g, h5l, h5o
from poseio.hdf5 import attribute_text, child_groups, target_path


def neurodata_type(obj: h5py.HLObject) -> str | None:
    """The object's ``neurodata_type`` attribute as text, or ``None`` when it has none."""
    return attribute_text(obj.id, b"neurodata_type")


#: Typed groups whose insides hold no typed group a reader looks for: not walked.
LEAF_TYPES = frozenset(
    {
        "PoseEstimationSeries",
        "TimeSeries",
        "ImageSeries",
        "SpatialSeries",
        "Skeleton",
        "DynamicTable",
        "Images",
        "Device",
        "Subject",
        "TrainingFrames",
    }
)


def typed_groups(
    root: h5py.Group, *types: str, inside_matches: bool = True, leaves: frozenset[str] = LEAF_TYPES
) -> Iterator[h5py.Group]:
    """Every hard-linked group below ``root`` whose type is one of ``types``, in tree order.

    Unlike the probe's bounded index this walks the whole tree, except the
    cached ``/specifications`` and the insides of ``leaves`` (by default
    `LEAF_TYPES`, which includes the thousands of training frames), even when
    they are among ``types``.
    With ``inside_matches=False`` the insides of the groups yielded are not
    walked either. Soft and external links are not followed, and a group
    reached by a second hard link (a cycle, or two names for one group) is not
    walked again, so no object is visited twice and the walk always ends.
    """
    wanted = set(types)
    skip_specifications = root.name == "/"
    stack = [(root.id, skip_specifications)]
    seen = {root.id}
    while stack:
        group, at_file_root = stack.pop()
        children = []
        for name, child in child_groups(group):
            if (at_file_root and name == b"specifications") or child in seen:
                continue
            seen.add(child)
            kind = attribute_text(child, b"neurodata_type")
            if kind in wanted:
                yield h5py.Group(child)
                if inside_matches and kind not in leaves:
                    children.append((child, False))
            elif kind not in leaves:
                children.append((child, False))
        stack.extend(reversed(children))


def linked_groups(group: h5py.Group, *types: str, skip: Collection[str] = ()) -> list[tuple[str, h5py.Group]]:
    """``(target path, target)`` for each child group of the given types, linked or not.

    The target path is where the object really lives (h5py names an object
    reached through a soft link by the link's path), so it identifies the
    object: two links to one Skeleton give one path.

    NWB stores references such as a PoseEstimation's skeleton as soft links
    named after their target (``Skeleton-0``), so they are found by the
    target's type, never by the link's name. Dangling and external links are
    skipped, and so are the children named in ``skip`` (a container's series,
    already known not to be links: with dozens of them, looking at each again
    was a tenth of a load).
    """
    found = []
    gid = group.id
    for raw in gid:
        name = raw.decode("utf-8", "surrogateescape")
        if name in skip or gid.links.get_info(raw).type == h5l.TYPE_EXTERNAL:
            continue
        try:
            target = h5o.open(gid, raw)
        except (KeyError, OSError):
            continue  # a dangling soft link
        if isinstance(target, h5g.GroupID) and attribute_text(target, b"neurodata_type") in types:
            found.append((target_path(group, name), h5py.Group(target)))
    return found
