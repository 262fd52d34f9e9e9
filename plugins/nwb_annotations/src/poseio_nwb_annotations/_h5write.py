"""Writing TrainingFrame groups with h5py's low-level API (reading them: `_h5read`).

A TrainingFrame with two instances is 4 groups, 15 attributes, 4 datasets and
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
from h5py import h5a, h5d, h5g, h5s, h5t
from poseio.hdf5 import memory_type

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
        self.spaces: dict[tuple[int, ...], h5s.SpaceID] = {}
        self.texts: dict[str, np.ndarray] = {}
        self.ids = iter(object_ids(n_groups))

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
        number_type = memory_type(array.dtype)
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
        data_type = memory_type(data.dtype)
        dataset = h5d.create(parent, name.encode(), data_type, self._space(data.shape))
        dataset.write(h5s.ALL, h5s.ALL, data, mtype=data_type)

    @staticmethod
    def soft_link(parent: h5g.GroupID, name: str, target: str) -> None:
        """A soft link ``name`` to the absolute path ``target``."""
        parent.links.create_soft(name.encode(), target.encode())
