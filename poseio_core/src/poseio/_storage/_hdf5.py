"""Reading HDF5 files quickly and safely: low-level walks, whole-dataset reads, damage as ReadError.

The probe's index and the NWB readers visit every group of a file and read one
attribute of each. Through h5py's high-level objects that costs about 75
microseconds per group (a link lookup, a Group object, an AttributeManager);
the low-level calls below do the same in about 30, which is a fifth of the time
of loading a 100,000-frame NWB file.
"""

from __future__ import annotations

import itertools
import math
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager

import h5py
import numpy as np
from h5py import h5a, h5g, h5l, h5o, h5t

from poseio._errors import PoseioError, ReadError
from poseio._storage._safety import check_dataset


def open_attribute(obj: h5o.ObjectID, name: bytes) -> h5a.AttrID | None:
    """The attribute ``name`` of an open object, or ``None`` when it is absent or empty.

    Asks whether it exists first: optional attributes are often absent, and a
    failed open costs h5py several times a successful one.
    """
    if not h5a.exists(obj, name):
        return None
    attr = h5a.open(obj, name)
    return None if attr.shape is None else attr  # no shape: an empty attribute


#: The largest attribute value read while sniffing or walking a file. An NWB file's text attributes
#: are a few kB; a damaged or crafted type can declare gigabytes, which reading would allocate.
MAX_ATTRIBUTE_BYTES = 16 * 2**20


def is_small(attr: h5a.AttrID) -> bool:
    """Whether an attribute's declared value fits in `MAX_ATTRIBUTE_BYTES` (its type's size times its shape)."""
    return _fits(attr.dtype, attr.shape)


def _fits(dtype: np.dtype, shape: tuple[int, ...] | None) -> bool:
    return dtype.itemsize * math.prod(shape or ()) <= MAX_ATTRIBUTE_BYTES


def text(value: object) -> str | None:
    """An HDF5 attribute or scalar as ``str`` (bytes decoded as UTF-8)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return text(value[()])
        if value.size == 1:
            return text(value.reshape(-1)[0])
    return str(value)


def attribute_text(obj: h5o.ObjectID, name: bytes) -> str | None:
    """A scalar string attribute of an open object, or ``None`` when it is absent, empty or not `is_small`."""
    if not h5a.exists(obj, name):
        return None
    attr = h5a.open(obj, name)
    # Each of h5py's shape and dtype properties asks the library again (about 5 us each): asked once here,
    # as an NWB load reads a few thousand of these attributes.
    shape = attr.shape
    if shape is None:  # an empty attribute
        return None
    dtype = attr.dtype
    if not _fits(dtype, shape):
        return None
    value = np.empty(shape, dtype=dtype)
    attr.read(value)
    return text(value)


def child_groups(group: h5g.GroupID, first: int | None = None) -> Iterator[tuple[bytes, h5g.GroupID]]:
    """``(name, id)`` of each child group reached through a hard link, in name order.

    Soft and external links are skipped, so a walk built on this visits each
    object once and never opens another file. With ``first``, only the first
    ``first`` links of the group are looked at, whatever they are.
    """
    names = iter(group) if first is None else itertools.islice(group, first)
    for name in names:
        if group.links.get_info(name).type != h5l.TYPE_HARD:
            continue
        child = h5o.open(group, name)
        if isinstance(child, h5g.GroupID):
            yield name, child


_MEMORY_TYPES: dict[np.dtype, h5t.TypeID] = {}


def memory_type(dtype: np.dtype) -> h5t.TypeID:
    """The HDF5 type of a numeric numpy dtype, made once per dtype.

    Passed as ``mtype`` to low-level reads and writes of numbers, it saves h5py
    building it on every call, which costs more than a small read. (Not for
    variable-length strings: h5py must convert those from Python objects itself.)
    """
    dtype = np.dtype(dtype)
    if dtype not in _MEMORY_TYPES:
        _MEMORY_TYPES[dtype] = h5t.py_create(dtype, logical=True)
    return _MEMORY_TYPES[dtype]


# What h5py and numpy raise on a damaged object: a dangling link (KeyError), a
# scalar or dataset where a group belongs (TypeError), text where numbers belong
# or a wrong shape (ValueError, IndexError), JSON of another shape than the format's
# (AttributeError: a list where a mapping belongs), a number too large for its type
# (OverflowError), a truncated chunk or a broken filter (OSError, RuntimeError).
_DAMAGE = (
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    AttributeError,
    OverflowError,
    UnicodeDecodeError,
    OSError,
    RuntimeError,
)


def values(dataset: h5py.Dataset, dtype: np.dtype | type | None = None) -> np.ndarray:
    """The whole of a dataset, after `check_dataset` (no reading outside the file, no hollow sizes).

    Every dataset a reader reads whole should go through here.
    """
    check_dataset(dataset)
    value = dataset[()]
    return value if dtype is None else np.asarray(value, dtype=dtype)


def read_text(group: h5py.Group, name: str) -> str | None:
    """A scalar string dataset (or the first element of a string array), or ``None``."""
    if name not in group or not isinstance(group[name], h5py.Dataset):
        return None
    return text(values(group[name]))


def read_strings(dataset: h5py.Dataset) -> list[str]:
    """A 1-D string dataset as a list of ``str``."""
    found = values(dataset)
    if np.ndim(found) == 0:
        return [text(found)]
    return [text(v) for v in found]


def read_number(group: h5py.Group, name: str) -> float | None:
    """A scalar numeric dataset as float, or ``None`` when absent."""
    if name not in group or not isinstance(group[name], h5py.Dataset):
        return None
    return float(np.asarray(values(group[name])).reshape(-1)[0])


def target_path(group: h5py.Group, name: str) -> str:
    """Where the child ``name`` of ``group`` really lives, as an absolute path.

    h5py names an object reached through a soft link by the link's path, so
    the link's own target is what names the object (two links to one
    Skeleton give one path). A relative target is resolved from the group
    that holds the link, as HDF5 resolves it: ``timestamps -> "ts_store"`` in
    two series names two datasets, and taking the text alone made them one.
    """
    link = group.get(name, getlink=True)
    if isinstance(link, h5py.SoftLink):
        return link.path if link.path.startswith("/") else posixpath.join(group.name, link.path)
    return group[name].name


def object_key(obj: h5py.HLObject) -> tuple[int, int]:
    """What identifies an HDF5 object whatever path reached it: its file's number and its address.

    Key caches by this, never by a path or a link's text: one text (a relative
    soft link) can name different objects from different groups, and one
    object can have many paths.
    """
    info = h5o.get_info(obj.id)
    return info.fileno, info.addr


def dangling_links(group: h5py.Group) -> list[str]:
    """Names of soft links in ``group`` whose target does not exist (relative targets looked up from ``group``)."""
    names = []
    for name in group:
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.SoftLink) and link.path not in group:
            names.append(name)
    return names


def location(obj: h5py.HLObject) -> str:
    """``<file>:<path in the file>`` of an HDF5 object, for error messages."""
    return f"{obj.file.filename}:{obj.name}"


@contextmanager
def reading(what: str, where: str | h5py.HLObject) -> Iterator[None]:
    """Report h5py's and numpy's errors inside the block as a ReadError about ``what`` at ``where``.

    Readers then raise their own precise errors for the cases they check, and
    every other kind of damage still reaches the user as a message that names
    the object, instead of a bare KeyError from deep inside h5py. ``where`` is
    a ``file:path`` text or the HDF5 object itself, whose location is then
    looked up only if something goes wrong (it costs h5py calls).
    """
    try:
        yield
    except PoseioError:
        raise
    except _DAMAGE as exc:
        where = where if isinstance(where, str) else location(where)
        detail = str(exc).strip("'\"")
        if isinstance(exc, KeyError) and "not found" in detail:
            detail = "a link inside it points to an object that does not exist"
        raise ReadError(
            f"{where}: {what} cannot be read ({detail}). The file is damaged or does not follow the "
            "format's specification; write it again with the tool that made it"
        ) from exc
