"""The members of a ``.npz`` archive, read without trusting what the archive declares.

An ``.npz`` is a zip of ``.npy`` files. Its member names are in the zip's
central directory (a few hundred bytes at the end of the file): listing them
reads no array. Each member's shape and type are in its ``.npy`` header, so an
array's size is known, and checked against the load's memory budget, before
a byte of it is read. Object arrays (pickles, which run code when loaded) are
never read: ``allow_pickle=False`` always.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import numpy as np
import poseio
from poseio.limits import check_allocation

#: The first bytes of every zip archive (a local file header).
ZIP_SIGNATURE = b"PK\x03\x04"


@contextmanager
def opened(probe: poseio.Probe) -> Iterator[zipfile.ZipFile]:
    """The source as a zip archive; a ReadError when it is none (a file object keeps its position)."""
    source: str | os.PathLike[str] | IO[bytes] = probe.path if probe.path is not None else probe.source
    position = None if probe.path is not None else probe.source.tell()
    try:
        with zipfile.ZipFile(source) as archive:
            yield archive
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise poseio.ReadError(
            f"{probe.name}: not a readable .npz file: its zip directory is damaged ({exc}); the file may be cut short",
            path=probe.path,
        ) from exc
    finally:
        if position is not None:
            probe.source.seek(position)


def arrays_of(archive: zipfile.ZipFile) -> dict[str, str]:
    """The archive's arrays: ``{array name: member name}`` (``X`` for ``X.npy``), in the archive's order."""
    return {name[: -len(".npy")]: name for name in archive.namelist() if name.endswith(".npy")}


def header(archive: zipfile.ZipFile, member: str, where: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and type a member's ``.npy`` header declares, reading only the header."""
    try:
        with archive.open(member) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise poseio.ReadError(f"{where}: the array {member} has no readable .npy header ({exc})") from exc
    return tuple(int(n) for n in shape), np.dtype(dtype)


def load_array(archive: zipfile.ZipFile, member: str, where: str, path: os.PathLike[str] | None) -> np.ndarray:
    """One member's array, after its declared size is drawn from the load's memory budget.

    Raises:
        UnsafeFileError: The array is larger than what the load has left of its budget.
        ReadError: The member is an object array (a pickle), or is damaged or cut short.
    """
    shape, dtype = header(archive, member, where)
    if dtype.hasobject:
        raise poseio.ReadError(
            f"{where}: the array {member} holds Python objects (a pickle, which could run code when loaded); "
            "TRex writes numbers only. Re-export the data from TRex",
            path=path,
        )
    check_allocation(
        int(np.prod(shape, dtype=object)) * dtype.itemsize, f"the array {member} {shape}", where, path=path
    )
    try:
        with archive.open(member) as f:
            return np.lib.format.read_array(f, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise poseio.ReadError(
            f"{where}: the array {member} cannot be read ({exc}); the file may be damaged or cut short", path=path
        ) from exc
