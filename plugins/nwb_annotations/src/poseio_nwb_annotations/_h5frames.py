"""Writing TrainingFrame groups with h5py's low-level API.

A TrainingFrame with two instances is 4 groups, 10 attributes, 4 datasets and
3 soft links. h5py's high-level objects cost about 90 microseconds per HDF5
object on the build machine; the low-level calls below make the same objects
(the same types, variable-length UTF-8 string attributes as hdmf writes them)
in well under half that time, which matters with 10,000 frames.
"""

from __future__ import annotations

import os
import uuid

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5l, h5s, h5t

NAMESPACE = "ndx-pose"
_TEXT = h5py.string_dtype()


def object_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUID strings, as hdmf gives every typed object.

    Made in one batch from one call to the OS's random source: ``uuid.uuid4()``
    per group costs as much as writing one of its attributes.
    """
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return [str(uuid.UUID(bytes=row.tobytes())) for row in raw]


class FrameWriter:
    """Creates typed groups, attributes, datasets and soft links below one open file.

    HDF5 types, dataspaces and constant attribute values are built once and
    reused: at 26 objects per TrainingFrame, rebuilding them per object costs
    more than HDF5 spends writing the object.
    """

    def __init__(self, n_groups: int = 0) -> None:
        self.scalar = h5s.create(h5s.SCALAR)
        self.text_type = h5t.py_create(_TEXT, logical=True)
        self.types: dict[np.dtype, h5t.TypeID] = {}
        self.spaces: dict[tuple[int, ...], h5s.SpaceID] = {}
        self.texts: dict[str, np.ndarray] = {}
        self.ids = iter(object_ids(n_groups))

    def _type(self, dtype: np.dtype) -> h5t.TypeID:
        if dtype not in self.types:
            self.types[dtype] = h5t.py_create(dtype, logical=True)
        return self.types[dtype]

    def _space(self, shape: tuple[int, ...]) -> h5s.SpaceID:
        if shape not in self.spaces:
            self.spaces[shape] = h5s.create_simple(shape)
        return self.spaces[shape]

    def _object_id(self) -> str:
        # More groups than announced are still given ids, one at a time.
        return next(self.ids, None) or str(uuid.uuid4())

    def text_attr(self, obj: h5g.GroupID, name: str, value: str, *, constant: bool = False) -> None:
        """A scalar variable-length UTF-8 string attribute (``constant`` values are kept for reuse)."""
        array = self.texts.get(value) if constant else None
        if array is None:
            array = np.array(value, dtype=_TEXT)
            if constant:
                self.texts[value] = array
        attr = h5a.create(obj, name.encode(), self.text_type, self.scalar)
        # No mtype here: h5py must convert Python strings itself (given the HDF5 type, it writes garbage).
        attr.write(array)

    def number_attr(self, obj: h5g.GroupID, name: str, value: np.generic) -> None:
        """A scalar numeric attribute of the value's own type."""
        array = np.asarray(value)
        number_type = self._type(array.dtype)
        attr = h5a.create(obj, name.encode(), number_type, self.scalar)
        attr.write(array, mtype=number_type)

    def typed_group(self, parent: h5g.GroupID, name: str, neurodata_type: str) -> h5g.GroupID:
        """A group with the namespace, type and object id attributes hdmf gives every typed group."""
        group = h5g.create(parent, name.encode())
        self.text_attr(group, "namespace", NAMESPACE, constant=True)
        self.text_attr(group, "neurodata_type", neurodata_type, constant=True)
        self.text_attr(group, "object_id", self._object_id())
        return group

    def dataset(self, parent: h5g.GroupID, name: str, data: np.ndarray) -> None:
        """A contiguous dataset holding ``data``."""
        data = np.ascontiguousarray(data)
        data_type = self._type(data.dtype)
        dataset = h5d.create(parent, name.encode(), data_type, self._space(data.shape))
        dataset.write(h5s.ALL, h5s.ALL, data, mtype=data_type)

    @staticmethod
    def soft_link(parent: h5g.GroupID, name: str, target: str) -> None:
        """A soft link ``name`` to the absolute path ``target``."""
        parent.links.create_soft(name.encode(), target.encode())


# Reading: the same low-level calls, several times faster than h5py's objects per frame.
# The helpers for links try the open and catch the miss: asking "does it exist?"
# first doubles the HDF5 calls for the common case where it does.

_MISSING = (KeyError, ValueError, TypeError, RuntimeError)
_MEMORY_TYPES: dict[np.dtype, h5t.TypeID] = {}


def _memory_type(dtype: np.dtype) -> h5t.TypeID:
    # Building the HDF5 type of a numpy dtype costs more than a small read, so it is done once.
    if dtype not in _MEMORY_TYPES:
        _MEMORY_TYPES[dtype] = h5t.py_create(dtype, logical=True)
    return _MEMORY_TYPES[dtype]


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
    """The target path of the soft link ``name``, or ``None`` when it is absent or not a soft link."""
    try:
        target = group.links.get_val(name.encode())
    except _MISSING:
        return None
    return target.decode("utf-8", "replace") if isinstance(target, bytes) else None


def soft_targets(group: h5g.GroupID) -> dict[str, str]:
    """``{link name: target path}`` for every soft link in the group."""
    targets = {}
    for name in group:
        if group.links.get_info(name).type == h5l.TYPE_SOFT:
            targets[name.decode("utf-8", "replace")] = group.links.get_val(name).decode("utf-8", "replace")
    return targets


def read_attr(obj: h5g.GroupID, name: str) -> object | None:
    """An attribute's value (a scalar or an array), or ``None`` when absent."""
    key = name.encode()
    # Asked first, unlike links: optional attributes such as the annotator are often
    # absent, and a failed open costs h5py several times a successful one.
    if not h5a.exists(obj, key):
        return None
    attr = h5a.open(obj, key)
    if attr.shape is None:  # an empty attribute holds no value
        return None
    value = np.empty(attr.shape, dtype=attr.dtype)
    attr.read(value)
    return value[()] if value.shape == () else value


def read_index(obj: h5g.GroupID, name: str) -> int | None:
    """A numeric attribute holding one whole number (a scalar or a one-element array), or ``None``.

    ``None`` also when it holds anything else; the caller then looks for it the slow way.
    """
    key = name.encode()
    if not h5a.exists(obj, key):
        return None
    attr = h5a.open(obj, key)
    if attr.shape is None:  # an empty attribute
        return None
    value = np.empty(attr.shape, dtype=np.int64)
    if value.size != 1:
        return None
    try:
        attr.read(value, mtype=_memory_type(value.dtype))
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
    """A whole dataset, converted by HDF5 to ``dtype`` on the way."""
    value = np.empty(dataset.shape, dtype=dtype)
    dataset.read(h5s.ALL, h5s.ALL, value, mtype=_memory_type(value.dtype))
    return value
