"""Low-level reading of NWB's HDF5 layout: strings, typed groups and soft links."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

import h5py
import numpy as np
from h5py import h5g, h5l, h5o

from poseio._errors import PoseioError, ReadError
from poseio._hdf5 import attribute_text, child_groups, text
from poseio._safety import check_dataset

# What h5py and numpy raise on a damaged object: a dangling link (KeyError), a
# scalar or dataset where a group belongs (TypeError), text where numbers belong
# or a wrong shape (ValueError, IndexError).
_DAMAGE = (KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError)


def values(dataset: h5py.Dataset, dtype: np.dtype | type | None = None) -> np.ndarray:
    """The whole of a dataset, after `check_dataset` (no reading outside the file, no hollow sizes).

    Every dataset an NWB reader reads whole goes through here.
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


def target_path(group: h5py.Group, name: str) -> str:
    """Where the child ``name`` of ``group`` really lives.

    h5py names an object reached through a soft link by the link's path, so
    the link's own target is what identifies the object (two links to one
    Skeleton give one path).
    """
    link = group.get(name, getlink=True)
    return link.path if isinstance(link, h5py.SoftLink) else group[name].name


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


def dangling_links(group: h5py.Group) -> list[str]:
    """Names of soft links in ``group`` whose target does not exist."""
    names = []
    for name in group:
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.SoftLink) and link.path not in group.file:
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
            "ndx-pose specification; write it again with the tool that made it"
        ) from exc
