"""Reading TrainingFrame groups with h5py's low-level API (writing them: `_h5write`).

A 10,000-frame PoseTraining is about 150,000 small HDF5 objects; through h5py's
high-level objects reading them took several times longer than these calls.
The helpers for links and groups try the open and catch the miss, because
asking "does it exist?" first doubles the HDF5 calls for the common case
where it does.
"""

from __future__ import annotations

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5l, h5s
from poseio.hdf5 import check_dataset, memory_type, open_attribute

_MISSING = (KeyError, ValueError, TypeError, RuntimeError)


def limit_metadata_cache(file_id: h5py.h5f.FileID, max_bytes: int = 4 << 20) -> None:
    """Keep HDF5's metadata cache for this open file below ``max_bytes``.

    Reading TrainingFrames visits each of tens of thousands of small object
    headers once. HDF5 grows its cache to hold them all (32 MB by default), and
    evicting that many entries made closing the file take 0.4 s of a 4 s load;
    a small cache costs nothing here because no header is visited twice.
    """
    config = file_id.get_mdc_config()
    if config.max_size > max_bytes:
        config.max_size = max_bytes
        config.min_size = min(config.min_size, max_bytes)
        config.set_initial_size = True
        config.initial_size = min(config.initial_size, max_bytes)
        file_id.set_mdc_config(config)


def child_names(group: h5g.GroupID) -> list[str]:
    """The names of a group's links."""
    return [name.decode("utf-8", "replace") for name in group]


def open_group(parent: h5g.GroupID, name: str) -> h5g.GroupID | None:
    """The child group ``name``, or ``None`` when there is no such link or it is not a group."""
    try:
        return h5g.open(parent, name.encode())
    except _MISSING:
        return None


def soft_target(group: h5g.GroupID, name: str) -> str | None:
    """The absolute target path of the soft link ``name``, or ``None`` when it is absent, not a soft link or relative.

    A relative target names different objects from different groups, so its
    text is no key; the caller then resolves it the slow way (`poseio.hdf5.target_path`).
    """
    try:
        target = group.links.get_val(name.encode())
    except _MISSING:
        return None
    return target.decode("utf-8", "replace") if isinstance(target, bytes) and target.startswith(b"/") else None


def soft_targets(group: h5g.GroupID) -> dict[str, str]:
    """``{link name: target path}`` for every soft link in the group with an absolute target (see `soft_target`)."""
    targets = {}
    for name in group:
        if group.links.get_info(name).type == h5l.TYPE_SOFT:
            target = group.links.get_val(name)
            if target.startswith(b"/"):
                targets[name.decode("utf-8", "replace")] = target.decode("utf-8", "replace")
    return targets


def read_index(obj: h5g.GroupID, name: str, member: str = "") -> int | None:
    """A numeric attribute holding one whole number (a scalar or a one-element array), or ``None``.

    ``None`` also when it holds anything else; the caller then looks for it the
    slow way. With ``member``, the attribute is that of ``obj``'s member of
    that name (which saves opening the member).
    """
    if member:
        try:  # most writers store it: one open beats asking first, then opening
            attr = h5a.open(obj, name.encode(), obj_name=member.rstrip("/").encode())
        except _MISSING:
            return None
        attr = None if attr.shape is None else attr
    else:
        attr = open_attribute(obj, name.encode())
    if attr is None:
        return None
    value = np.empty(attr.shape, dtype=np.int64)
    if value.size != 1:
        return None
    try:
        attr.read(value, mtype=memory_type(value.dtype))
    except (TypeError, OSError):  # not a number
        return None
    number = int(value.reshape(-1)[0])
    # HDF5 clips a uint64 above the int64 range to its maximum: read such a value exactly elsewhere.
    return None if number == np.iinfo(np.int64).max else number


def open_dataset(group: h5g.GroupID, name: str) -> h5d.DatasetID | None:
    """The child dataset ``name``, or ``None`` when absent."""
    try:
        return h5d.open(group, name.encode())
    except _MISSING:
        return None


def read_dataset(dataset: h5d.DatasetID, dtype: np.dtype) -> np.ndarray:
    """A whole dataset, converted by HDF5 to ``dtype`` on the way, after `check_dataset`."""
    check_dataset(dataset)
    value = np.empty(dataset.shape, dtype=dtype)
    dataset.read(h5s.ALL, h5s.ALL, value, mtype=memory_type(value.dtype))
    return value
