"""The header line of an Anipose ``pose-3d`` CSV, shared by the sniffer and the reader.

``anipose triangulate`` writes one row per frame and, for every bodypart, six
columns ``<bodypart>_x, _y, _z`` (the 3D point), ``_error`` (reprojection
error in pixels), ``_ncams`` (cameras used) and ``_score`` (the 2D scores
combined); then the axes alignment ``M_00 .. M_22`` (a rotation) and
``center_0 .. center_2``, and ``fnum``, the frame number. This module reads
only text and imports neither pandas nor numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

#: The columns every bodypart has, in the order Anipose writes them.
FIELDS = ("x", "y", "z", "error", "ncams", "score")
#: The fields of a bodypart's 3D point.
POSITION = ("x", "y", "z")
ROTATION = tuple(f"M_{i}{j}" for i in range(3) for j in range(3))
CENTER = tuple(f"center_{i}" for i in range(3))
FRAME = "fnum"


class ColumnsError(ValueError):
    """The header line is not Anipose's; the message says why."""


@dataclass(frozen=True)
class Columns:
    """Where each of Anipose's values sits in a row.

    Attributes:
        names: The header line's column names.
        bodyparts: The bodyparts, in the order their columns first appear.
        fields: For every bodypart, its fields' column positions.
        complete: Every bodypart has all six fields.
        other: Columns that are none of Anipose's (kept out of the points).
    """

    names: tuple[str, ...]
    bodyparts: tuple[str, ...]
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    complete: bool = True
    other: tuple[str, ...] = ()

    def position(self, name: str) -> int:
        """The position of a column (its first, if named twice), or -1."""
        return self._positions.get(name, -1)

    @cached_property
    def _positions(self) -> dict[str, int]:
        # Looked up once per column: a list search each time made a 100,000-column header take minutes.
        positions: dict[str, int] = {}
        for i, name in enumerate(self.names):
            positions.setdefault(name, i)
        return positions

    def point_columns(self) -> list[tuple[str, str] | None]:
        """``(bodypart, field)`` of every column of a bodypart with any of x, y and z, else ``None``.

        For `poseio.csv.check_point_columns`: `parse` keeps one column per
        field, so a field named twice, or a bodypart with an x but no y,
        would otherwise be read silently wrong or dropped.
        """
        keys: list[tuple[str, str] | None] = []
        special = {*ROTATION, *CENTER, FRAME}
        for name in self.names:
            part, _, suffix = name.rpartition("_")
            keys.append((part, suffix) if part and suffix in FIELDS and name not in special else None)
        located = {key[0] for key in keys if key is not None and key[1] in POSITION}
        return [key if key is not None and key[0] in located else None for key in keys]

    def positions(self, field_name: str) -> list[int]:
        """The column of ``field_name`` for every bodypart; -1 where a bodypart lacks it."""
        return [self.fields[b].get(field_name, -1) for b in self.bodyparts]


def parse(names: list[str], *, cut: bool = False) -> Columns:
    """Group a header line's columns by bodypart.

    Args:
        names: The header fields.
        cut: The line was cut short (a wide header seen through the sniffer's
            first bytes): the last field may be partial and ``fnum`` unseen.

    Raises:
        ColumnsError: No bodypart has x, y and z, ``fnum`` is missing, or a
            bodypart has only some of Anipose's fields and none of its extras.
    """
    if cut and names:
        names = names[:-1]
    fields: dict[str, dict[str, int]] = {}
    other = []
    special = {*ROTATION, *CENTER, FRAME}
    for position, name in enumerate(names):
        part, _, suffix = name.rpartition("_")
        if part and suffix in FIELDS and name not in special:
            fields.setdefault(part, {})[suffix] = position
        elif name not in special:
            other.append(name)
    bodyparts = tuple(b for b, have in fields.items() if {"x", "y", "z"} <= set(have))
    if not bodyparts:
        raise ColumnsError("no columns <bodypart>_x, _y and _z")
    if FRAME not in names and not cut:
        raise ColumnsError("no fnum column")
    # Columns of another bodypart with only some fields (a "_score" alone) are not points.
    other += [f"{b}_{f}" for b in fields if b not in bodyparts for f in fields[b]]
    complete = all(len(fields[b]) == len(FIELDS) for b in bodyparts)
    if not complete and not all({"error", "score"} & set(fields[b]) for b in bodyparts):
        raise ColumnsError("bodyparts have x, y and z but none of Anipose's _error, _ncams and _score columns")
    return Columns(tuple(names), bodyparts, {b: fields[b] for b in bodyparts}, complete, tuple(other))
