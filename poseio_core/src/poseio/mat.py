"""MATLAB MAT-files, for format plugins: which version a file is, and a v5 file's variables, without scipy.

A sniffer needs a file's variable names, a reader their sizes (to check them
against the memory budget before ``scipy.io.loadmat`` allocates anything),
and neither needs the data. `variables` walks the variable headers of a v5
file: one read of each variable's tag and, for a compressed one, the
decompression of its first few hundred bytes, so a 1 GB file is looked at in a
handful of small reads. A v7.3 file is HDF5 behind a 512-byte MATLAB header:
`version` recognises it, and ``probe.h5`` opens it.

The layout is MATLAB's published "MAT-File Format" (v5): a 128-byte text
header whose last two bytes give the byte order (``IM`` little-endian), then
one data element per variable, an 8-byte tag (type, byte count) and its data:
``miMATRIX`` (14), or ``miCOMPRESSED`` (15), a zlib stream holding one
``miMATRIX``. A matrix starts with three sub-elements: the array flags (the
class in their low byte), the dimensions and the name.

Example::

    from poseio.limits import check_allocation
    from poseio.mat import MatError, opened, variables, version

    if version(probe.head) == "5":
        try:
            with opened(probe) as stream:
                found = {v.name: v for v in variables(stream, probe.head)}
        except MatError as exc:
            raise poseio.ReadError(f"{probe.name}: {exc}", path=probe.path) from exc
        check_allocation(found["pred"].nbytes, "the variable pred", probe.name)
"""

from __future__ import annotations

import contextlib
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from poseio._plugins._probe import Probe

__all__ = [
    "CLASSES",
    "HEADER_SIZE",
    "ITEMSIZE",
    "MAX_VARIABLES",
    "NUMERIC",
    "V5_TEXT",
    "V73_TEXT",
    "MatError",
    "Variable",
    "is_numeric",
    "opened",
    "variables",
    "version",
]

#: The text a v5 file's header starts with.
V5_TEXT = b"MATLAB 5.0 MAT-file"
#: The text a v7.3 (HDF5) file's header starts with.
V73_TEXT = b"MATLAB 7.3 MAT-file"
#: The bytes of a MAT-file's text header; a v5 file's first variable follows it.
HEADER_SIZE = 128
_MI_INT8, _MI_INT32, _MI_UINT32, _MI_MATRIX, _MI_COMPRESSED = 1, 5, 6, 14, 15
#: MATLAB's array classes by the number in the array flags.
CLASSES = {
    1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single", 8: "int8", 9: "uint8",
    10: "int16", 11: "uint16", 12: "int32", 13: "uint32", 14: "int64", 15: "uint64", 17: "opaque",
}  # fmt: skip
#: Bytes per element of each class scipy reads as an array of its own dtype; char is 2 (UTF-16).
ITEMSIZE = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
            "int64": 8, "uint64": 8, "char": 2}  # fmt: skip
#: MATLAB's numeric classes.
NUMERIC = frozenset(ITEMSIZE) - {"char"}
#: How many variables `variables` lists at the most (a file with more is walked this far only).
MAX_VARIABLES = 128
#: The array flags, up to 32 dimensions and a 63-character name fit in this many bytes of an miMATRIX.
_MATRIX_HEAD = 256


class MatError(Exception):
    """The variable headers are not those of a v5 MAT-file (said in the message)."""


@dataclass(frozen=True)
class Variable:
    """One variable of a v5 MAT-file as its header declares it.

    Attributes:
        name: The variable's name.
        shape: MATLAB's dimensions (rows first), as ``scipy.io.loadmat`` returns the array.
        mclass: MATLAB's class (``"double"``, ``"single"``, ``"struct"``, ``"cell"``, ...; ``"unknown"``).
        stored: The bytes of its matrix element, uncompressed (for a struct or cell, its contents too).
    """

    name: str
    shape: tuple[int, ...]
    mclass: str
    stored: int

    @property
    def nbytes(self) -> int:
        """At least what reading it allocates: its elements at their class's size (8 if unknown) or its stored bytes."""
        return max(math.prod(self.shape) * ITEMSIZE.get(self.mclass, 8), self.stored)


def version(head: bytes) -> str | None:
    """``"5"`` or ``"7.3"`` from a file's first bytes (``probe.head``), or ``None`` when they are no MAT-file header."""
    if head.startswith(V73_TEXT):
        return "7.3"
    if head.startswith(V5_TEXT) and len(head) >= HEADER_SIZE and head[126:128] in (b"IM", b"MI"):
        return "5"
    return None


def is_numeric(mclass: str) -> bool:
    """Whether a class holds numbers: MATLAB's numeric classes, or an HDF5 dataset's dtype name (``float64``...)."""
    return mclass in NUMERIC or mclass.startswith(("float", "int", "uint"))


@contextlib.contextmanager
def opened(probe: Probe) -> Iterator[IO[bytes]]:
    """The probe's source as a binary stream; a caller's file object is put back where it was."""
    if probe.path is not None:
        with open(probe.path, "rb") as stream:
            yield stream
        return
    stream = probe.source
    position = stream.tell()
    try:
        yield stream
    finally:
        stream.seek(position)


def _element(buffer: bytes, offset: int, order: str) -> tuple[int, bytes, int]:
    """``(type, data, next offset)`` of the data element at ``offset`` (small or normal, padded to 8 bytes)."""
    if offset + 8 > len(buffer):
        raise MatError("a variable header is cut short")
    first, second = struct.unpack_from(order + "II", buffer, offset)
    if first >> 16:  # the small data element format: size and type in 4 bytes, the data in the next 4
        size = first >> 16
        if size > 4:
            raise MatError(f"a small data element declares {size} bytes (at most 4)")
        return first & 0xFFFF, buffer[offset + 4 : offset + 4 + size], offset + 8
    end = offset + 8 + second
    if end > len(buffer):
        raise MatError("a variable header is longer than MATLAB writes one")
    return first, buffer[offset + 8 : end], end + (-second % 8)


def _matrix(buffer: bytes, order: str) -> Variable:
    """The variable whose miMATRIX element (tag included) starts ``buffer``."""
    if len(buffer) < 8:
        raise MatError("a variable header is cut short")
    kind, stored = struct.unpack_from(order + "II", buffer)
    if kind != _MI_MATRIX:
        raise MatError(f"a variable is of element type {kind}, not miMATRIX (14)")
    kind, flags, offset = _element(buffer, 8, order)
    if kind != _MI_UINT32 or len(flags) < 4:
        raise MatError("a variable has no array flags")
    mclass = CLASSES.get(struct.unpack_from(order + "I", flags)[0] & 0xFF, "unknown")
    if mclass == "opaque":
        # A MATLAB object (a table, a string, ...; LEAP's labels file keeps its history table as one):
        # its name follows the flags, with no dimensions; its contents are MATLAB's own (not read here).
        kind, name, _ = _element(buffer, offset, order)
        if kind != _MI_INT8:
            raise MatError("a variable has no name")
        return Variable(name.decode("ascii", "replace"), (1, 1), mclass, stored)
    kind, dims, offset = _element(buffer, offset, order)
    if kind != _MI_INT32 or len(dims) % 4 or len(dims) < 8:
        raise MatError("a variable has no dimensions")
    shape = struct.unpack(order + f"{len(dims) // 4}i", dims)
    if min(shape) < 0:
        raise MatError(f"a variable declares negative dimensions {shape}")
    kind, name, _ = _element(buffer, offset, order)
    if kind != _MI_INT8:
        raise MatError("a variable has no name")
    return Variable(name.decode("ascii", "replace"), tuple(shape), mclass, stored)


def variables(stream: IO[bytes], head: bytes, *, limit: int = MAX_VARIABLES) -> list[Variable]:
    """The variables of a v5 MAT-file, from their headers only.

    Args:
        stream: The file, binary and seekable (see `opened`); where it is left is unspecified.
        head: The file's first bytes, at least `HEADER_SIZE` (``probe.head``): they give the byte order.
        limit: How many variables to list at the most.

    Returns:
        The variables in file order (an empty placeholder matrix is not listed).

    Raises:
        MatError: The headers are not a v5 file's (an element that is no
            variable, a cut or impossible header, broken compression).
    """
    order = "<" if head[126:128] == b"IM" else ">"
    size = stream.seek(0, 2)
    found: list[Variable] = []
    position = HEADER_SIZE
    while position + 8 <= size and len(found) < limit:
        stream.seek(position)
        kind, nbytes = struct.unpack(order + "II", stream.read(8))
        if kind == _MI_COMPRESSED:
            # Only the first bytes of the stream are decompressed: the header is all that is needed.
            try:
                buffer = zlib.decompressobj().decompress(stream.read(min(nbytes, 4 * _MATRIX_HEAD)), _MATRIX_HEAD)
            except zlib.error as exc:
                raise MatError(f"a compressed variable at byte {position} is not zlib data ({exc})") from exc
        elif kind == _MI_MATRIX:
            stream.seek(position)
            buffer = stream.read(min(nbytes + 8, _MATRIX_HEAD))
        else:
            raise MatError(f"the element at byte {position} is of type {kind}, not a variable (miMATRIX)")
        if nbytes:  # an empty miMATRIX is a placeholder, nothing to list
            found.append(_matrix(buffer, order))
        position += 8 + nbytes
    return found
