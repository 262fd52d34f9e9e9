"""DeepLabCut's column labels: one (scorer, [individual,] bodypart, coord) per data column.

Every DeepLabCut table, CSV or HDF5, is a pandas frame whose columns carry
three levels (``scorer``, ``bodyparts``, ``coords``) or, for multi-animal
projects, four (``scorer``, ``individuals``, ``bodyparts``, ``coords``). The
coords of a bodypart are ``x``, ``y`` and ``likelihood`` (predictions), ``x``
and ``y`` (labelled data) or ``x``, ``y``, ``z`` (3D triangulation). Both
readers turn their file's labels into a `Columns` and leave the rest to
`poseio_dlc._build`; this module imports neither numpy nor pandas, so the
sniffers use it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SINGLE_LEVELS = ("scorer", "bodyparts", "coords")
MULTI_LEVELS = ("scorer", "individuals", "bodyparts", "coords")
POSITION_COORDS = ("x", "y", "z")
LIKELIHOOD = "likelihood"
#: The individual of a multi-animal project that holds its unique bodyparts (an arena's corners, say).
UNIQUE_INDIVIDUAL = "single"

# DeepLabCut names a model's output "DLC_<net>_<task><date>shuffle<n>_<iteration>" (DeepCut_ before 2.1);
# a video's results are "<video>DLC_...", and 3D results are scored "DLC_3D".
_MODEL_MARKS = ("DLC_", "DeepCut")
# Files DeepLabCut names itself: labelled frames and the machine labels of active learning.
_OWN_FILE_PREFIXES = ("collecteddata_", "machinelabels")


def is_dlc_scorer(scorer: str) -> bool:
    """Whether a scorer is a DeepLabCut model's name (``DLC_resnet50_...``, ``DeepCut_...``, ``DLC_3D``).

    Args:
        scorer: The value of the ``scorer`` column level.

    Returns:
        True when it starts with or contains ``DLC_`` or ``DeepCut``, as
        DeepLabCut's model and video result names do.
    """
    return any(mark in scorer for mark in _MODEL_MARKS)


def is_dlc_file_name(name: str) -> bool:
    """Whether a file name is one DeepLabCut gives its own files (``CollectedData_*``, ``machinelabels*``)."""
    return name.lower().startswith(_OWN_FILE_PREFIXES)


class ColumnsError(ValueError):
    """Column labels that are not DeepLabCut's; the message says how."""


@dataclass(frozen=True)
class Columns:
    """The labels of a table's data columns, one entry per column in file order.

    Attributes:
        scorers: The scorer of every column.
        individuals: The individual of every column, or ``None`` for a
            single-animal table (no ``individuals`` level).
        bodyparts: The bodypart of every column ("" for a per-row column).
        coords: The coord of every column ("" for a per-row column).
    """

    scorers: tuple[str, ...]
    individuals: tuple[str, ...] | None
    bodyparts: tuple[str, ...]
    coords: tuple[str, ...]

    @classmethod
    def from_labels(cls, names: Sequence[str | None], labels: Sequence[Sequence[object]]) -> Columns:
        """Columns from level names and one label tuple per column, as pandas keeps them.

        Args:
            names: The level names (``scorer``, ``[individuals,]`` ``bodyparts``, ``coords``).
            labels: One tuple of level values per data column.

        Raises:
            ColumnsError: The levels or labels are not DeepLabCut's.
        """
        names = tuple(names)
        if names not in (SINGLE_LEVELS, MULTI_LEVELS):
            raise ColumnsError(
                f"its column levels are {list(names)}, not DeepLabCut's {list(SINGLE_LEVELS)} or {list(MULTI_LEVELS)}"
            )
        if not labels:
            raise ColumnsError("it has no data columns")
        width = len(names)
        rows = []
        for label in labels:
            if not isinstance(label, (tuple, list)) or len(label) != width:
                raise ColumnsError(f"a column label is {label!r}, not {width} names")
            rows.append(tuple("" if v is None else str(v) for v in label))
        levels = list(zip(*rows))
        individuals = levels[1] if width == 4 else None
        columns = cls(levels[0], individuals, levels[-2], levels[-1])
        columns.check()
        return columns

    @property
    def multi_animal(self) -> bool:
        """Whether the table has an ``individuals`` level."""
        return self.individuals is not None

    def __len__(self) -> int:
        return len(self.scorers)

    def individual(self, column: int) -> str | None:
        """The individual of a column (``None`` in a single-animal table)."""
        return None if self.individuals is None else self.individuals[column]

    @property
    def point_scorers(self) -> list[str]:
        """The distinct scorers of the columns that hold points, in file order."""
        return list(dict.fromkeys(s for s, b in zip(self.scorers, self.bodyparts) if b))

    @property
    def animals(self) -> list[tuple[str | None, list[str]]]:
        """Each individual (``None`` when single-animal) with its bodyparts that have x and y, in file order."""
        have: dict[str | None, dict[str, set[str]]] = {}
        for i, (part, coord) in enumerate(zip(self.bodyparts, self.coords)):
            if part:
                have.setdefault(self.individual(i), {}).setdefault(part, set()).add(coord)
        return [(animal, [p for p, coords in parts.items() if {"x", "y"} <= coords]) for animal, parts in have.items()]

    @property
    def has_z(self) -> bool:
        """Whether any bodypart has a z coord (DeepLabCut's 3D results)."""
        return "z" in self.coords

    @property
    def has_likelihood(self) -> bool:
        """Whether any bodypart has a likelihood (a model's predictions)."""
        return LIKELIHOOD in self.coords

    @property
    def other_coords(self) -> list[str]:
        """Coords of bodyparts other than x, y, z and likelihood, which are not read."""
        known = {*POSITION_COORDS, LIKELIHOOD}
        return list(dict.fromkeys(c for b, c in zip(self.bodyparts, self.coords) if b and c not in known))

    def position(self) -> dict[tuple[str | None, str, str], int]:
        """The column of every (individual, bodypart, coord)."""
        return {(self.individual(i), b, c): i for i, (b, c) in enumerate(zip(self.bodyparts, self.coords)) if b}

    def point_columns(self) -> list[tuple[str, str] | None]:
        """``(individual/bodypart, coord)`` of every column, ``None`` for a per-row one (`check_point_columns`)."""
        return [
            ("/".join(filter(None, (self.individual(i), part))), coord) if part else None
            for i, (part, coord) in enumerate(zip(self.bodyparts, self.coords))
        ]

    def check(self) -> None:
        """Refuse labels that are not DeepLabCut's: half a label, or no bodypart with a point.

        A coord named twice or missing is the reader's to refuse
        (`poseio.csv.check_point_columns`): such a header is DeepLabCut's, damaged.

        Raises:
            ColumnsError: The message says which column is wrong.
        """
        for i, (part, coord) in enumerate(zip(self.bodyparts, self.coords)):
            if bool(part) != bool(coord):
                raise ColumnsError(f"data column {i + 1} has a bodypart ({part!r}) or a coord ({coord!r}) but not both")
            if part and self.individuals is not None and not self.individuals[i]:
                raise ColumnsError(f"data column {i + 1} (bodypart {part!r}) names no individual")
        if not any(parts for _, parts in self.animals):
            raise ColumnsError("it names no bodyparts with an x and a y coord")
