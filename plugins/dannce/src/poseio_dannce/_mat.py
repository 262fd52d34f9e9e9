"""MATLAB MAT-files: which version a file is, and the names and sizes of a v5 file's variables.

The variable headers of a v5 file are walked here, without scipy: the sniffer
needs the names (is there a ``pred``?) and the reader the sizes (checked
against the memory budget before scipy allocates anything), and neither needs
the data. Each variable costs one read of its tag and, for a compressed one,
the decompression of its first few hundred bytes: a 1 GB file is looked at in
a handful of small reads.

The layout is MATLAB's published "MAT-File Format" (v5): a 128-byte text
header whose last two bytes say the byte order, then one data element per
variable: an 8-byte tag (type, byte count), ``miMATRIX`` (14) or
``miCOMPRESSED`` (15, zlib holding one ``miMATRIX``), whose first sub-elements
are the array flags (class), the dimensions and the name.
"""

from __future__ import annotations

import contextlib
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import poseio

V5_TEXT = b"MATLAB 5.0 MAT-file"
V73_TEXT = b"MATLAB 7.3 MAT-file"
HEADER_SIZE = 128
MI_INT8, MI_INT32, MI_UINT32, MI_MATRIX, MI_COMPRESSED = 1, 5, 6, 14, 15
#: MATLAB's array classes by the number in the array flags.
CLASSES = {
    1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single", 8: "int8", 9: "uint8",
    10: "int16", 11: "uint16", 12: "int32", 13: "uint32", 14: "int64", 15: "uint64",
}  # fmt: skip
NUMERIC = frozenset({"double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"})
#: Bytes per element of each numeric class, for the memory budget (scipy reads every class as its own dtype).
ITEMSIZE = {"double": 8, "single": 4, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4,
            "int64": 8, "uint64": 8}  # fmt: skip
#: A DANNCE file holds four to six variables; a file with more is walked this far only.
MAX_VARIABLES = 64
#: The array flags, up to 32 dimensions and a 63-character name fit in this many bytes of an miMATRIX.
MATRIX_HEAD = 256


class MatError(Exception):
    """The variable headers are not those of a v5 MAT-file (said in the message)."""


@dataclass(frozen=True)
class Variable:
    """One variable of a MAT-file as its header declares it.

    Attributes:
        name: The variable's name.
        shape: MATLAB's dimensions (rows first), as ``scipy.io.loadmat`` returns the array.
        mclass: MATLAB's class (``"double"``, ``"cell"``, ...).
    """

    name: str
    shape: tuple[int, ...]
    mclass: str

    @property
    def nbytes(self) -> int:
        """What reading it allocates (8 bytes an element for a class of unknown size)."""
        return math.prod(self.shape) * ITEMSIZE.get(self.mclass, 8)


def version(head: bytes) -> str | None:
    """``"5"`` or ``"7.3"`` from a file's first bytes, or ``None`` when they are not a MAT-file's header."""
    if head.startswith(V73_TEXT):
        return "7.3"
    if head.startswith(V5_TEXT) and len(head) >= HEADER_SIZE and head[126:128] in (b"IM", b"MI"):
        return "5"
    return None


@contextlib.contextmanager
def opened(probe: poseio.Probe) -> Iterator[IO[bytes]]:
    """The probe's source as a binary stream; a caller's file object is left where it was."""
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
    if first >> 16:  # the small data element format: type and size in 4 bytes, data in the next 4
        size, kind = first >> 16, first & 0xFFFF
        if size > 4:
            raise MatError(f"a small data element declares {size} bytes (at most 4)")
        return kind, buffer[offset + 4 : offset + 4 + size], offset + 8
    end = offset + 8 + second
    if end > len(buffer):
        raise MatError("a variable header is longer than MATLAB writes one")
    return first, buffer[offset + 8 : end], offset + 8 + second + (-second % 8)


def _matrix(buffer: bytes, order: str) -> Variable:
    """The class, dimensions and name at the start of an miMATRIX element (``buffer`` from its tag on)."""
    if len(buffer) < 8:
        raise MatError("a variable header is cut short")
    kind = struct.unpack_from(order + "I", buffer)[0]
    if kind != MI_MATRIX:
        raise MatError(f"a variable is of element type {kind}, not miMATRIX (14)")
    offset = 8
    kind, flags, offset = _element(buffer, offset, order)
    if kind != MI_UINT32 or len(flags) < 4:
        raise MatError("a variable has no array flags")
    mclass = CLASSES.get(struct.unpack_from(order + "I", flags)[0] & 0xFF, "unknown")
    kind, dims, offset = _element(buffer, offset, order)
    if kind != MI_INT32 or len(dims) % 4 or len(dims) < 8:
        raise MatError("a variable has no dimensions")
    shape = struct.unpack(order + f"{len(dims) // 4}i", dims)
    if min(shape) < 0:
        raise MatError(f"a variable declares negative dimensions {shape}")
    kind, name, _ = _element(buffer, offset, order)
    if kind != MI_INT8:
        raise MatError("a variable has no name")
    return Variable(name.decode("ascii", "replace"), tuple(shape), mclass)


def variables(stream: IO[bytes], head: bytes) -> list[Variable]:
    """The variables of a v5 MAT-file, from their headers only (the first `MAX_VARIABLES`).

    Raises:
        MatError: The headers are not a v5 file's (a variable that is no
            matrix, a cut or impossible header, broken compression).
    """
    order = "<" if head[126:128] == b"IM" else ">"
    size = stream.seek(0, 2)
    found: list[Variable] = []
    position = HEADER_SIZE
    while position + 8 <= size and len(found) < MAX_VARIABLES:
        stream.seek(position)
        kind, nbytes = struct.unpack(order + "II", stream.read(8))
        if kind == MI_COMPRESSED:
            # The first bytes of the stream are enough: decompress no more than the header needs.
            compressed = stream.read(min(nbytes, 4 * MATRIX_HEAD))
            try:
                buffer = zlib.decompressobj().decompress(compressed, MATRIX_HEAD)
            except zlib.error as exc:
                raise MatError(f"a compressed variable at byte {position} is not zlib data ({exc})") from exc
        elif kind == MI_MATRIX:
            stream.seek(position)
            buffer = stream.read(min(nbytes + 8, MATRIX_HEAD))
        else:
            raise MatError(f"the element at byte {position} is of type {kind}, not a variable (miMATRIX)")
        if nbytes:  # an empty miMATRIX is an empty placeholder, nothing to list
            found.append(_matrix(buffer, order))
        position += 8 + nbytes
    return found
