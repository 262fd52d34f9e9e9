"""The three header rows of DeepLabCut's CSV layout, which Lightning Pose writes.

A Lightning Pose CSV is a pandas frame with three column levels written by
``DataFrame.to_csv``: each header row starts with the level's name and then
holds that level's value for every column::

    scorer,heatmap_tracker,heatmap_tracker,heatmap_tracker,...
    bodyparts,nose,nose,nose,...
    coords,x,y,likelihood,...
    0,12.5,40.25,0.98,...

The first column (or, in DeepLabCut >= 2.2 labels, the first three) is the
index: a frame number or an image path. A column whose bodypart and coords
cells are empty is a per-row column of its own (``set``: the train/validation/
test split of Lightning Pose's predictions on labelled frames). This module
only reads text: the sniffer and the reader share it, so both judge a header
the same way. It imports neither pandas nor numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The level names of a single-animal header, in order.
LEVELS = ("scorer", "bodyparts", "coords")
#: The coordinates that make a point; the others are kept as per-point values.
POSITION_COORDS = ("x", "y", "z")
SCORE_COORD = "likelihood"

#: Model types of Lightning Pose (its scorer is ``f"{model_type}_tracker"``) all start with
#: "heatmap" but one; the Ensemble Kalman Smoother of the same lab names its output too.
_OTHER_MODEL_SCORERS = frozenset({"regression_tracker", "ensemble-kalman_tracker"})


def is_model_scorer(scorer: str) -> bool:
    """Whether a scorer names a Lightning Pose model (``heatmap_tracker``, ``heatmap_mhcrnn_tracker``, ...).

    Args:
        scorer: The value of the ``scorer`` header row.

    Returns:
        True for scorers starting with ``heatmap`` and for ``regression_tracker``
        and ``ensemble-kalman_tracker`` (the Ensemble Kalman Smoother's output).
    """
    return scorer.startswith("heatmap") or scorer in _OTHER_MODEL_SCORERS


class HeaderError(ValueError):
    """The header rows do not follow the layout; the message says how."""


@dataclass(frozen=True)
class Header:
    """A parsed header.

    Attributes:
        rows: How many header rows precede the data.
        n_index: How many index columns start every row.
        scorers: The scorer of every column after the index columns.
        bodyparts: The bodypart of every such column ("" for a per-row column).
        coords: The coordinate of every such column ("" for a per-row column).
        multi_animal: The header has DeepLabCut's ``individuals`` row.
    """

    rows: int
    n_index: int
    scorers: tuple[str, ...]
    bodyparts: tuple[str, ...]
    coords: tuple[str, ...]
    multi_animal: bool = False

    @property
    def width(self) -> int:
        """Fields in every row, index columns included."""
        return self.n_index + len(self.scorers)

    @property
    def node_names(self) -> list[str]:
        """The bodyparts, in the order they first appear."""
        return list(dict.fromkeys(b for b in self.bodyparts if b))

    @property
    def model_scorers(self) -> list[str]:
        """The distinct scorers of the point columns."""
        return list(dict.fromkeys(s for s, b in zip(self.scorers, self.bodyparts) if b))

    def positions(self, coord: str) -> list[int]:
        """The data column (counted after the index columns) of ``coord`` for every node; -1 where absent."""
        found = {b: i for i, (b, c) in enumerate(zip(self.bodyparts, self.coords)) if b and c == coord}
        return [found.get(node, -1) for node in self.node_names]

    @property
    def value_coords(self) -> list[str]:
        """Per-point coordinates other than positions and likelihood (``x_ens_var``, ``visible``, ...)."""
        skip = {*POSITION_COORDS, SCORE_COORD}
        return list(dict.fromkeys(c for b, c in zip(self.bodyparts, self.coords) if b and c not in skip))

    @property
    def row_columns(self) -> list[tuple[int, str]]:
        """Per-row columns (empty bodypart and coords) as (data column, name)."""
        return [
            (i, s or f"column {self.n_index + i}")
            for i, (s, b) in enumerate(zip(self.scorers, self.bodyparts))
            if not b
        ]


def _cells(row: list[str]) -> tuple[str, ...]:
    return tuple(c if c.strip() else "" for c in row)


def parse(rows: list[list[str]]) -> Header:
    """Parse the header rows of a DeepLabCut-layout CSV.

    Args:
        rows: The file's first rows as fields; four suffice (a multi-animal
            header has four rows).

    Raises:
        HeaderError: The rows are not such a header; the message says why.
    """
    if not rows or not rows[0] or rows[0][0].strip() != "scorer":
        raise HeaderError("its first row does not start with 'scorer' (DeepLabCut/Lightning Pose header)")
    multi = len(rows) > 1 and bool(rows[1]) and rows[1][0].strip() == "individuals"
    levels = ("scorer", "individuals", "bodyparts", "coords") if multi else LEVELS
    if len(rows) < len(levels):
        raise HeaderError(f"its header stops after {len(rows)} rows; expected rows {', '.join(levels)}")
    header_rows = rows[: len(levels)]
    for row, level in zip(header_rows, levels):
        if not row or row[0].strip() != level:
            found = row[0] if row else "an empty row"
            raise HeaderError(f"header row {levels.index(level) + 1} starts with {found!r}, expected {level!r}")
    width = len(header_rows[0])
    if any(len(row) != width for row in header_rows):
        raise HeaderError(f"its header rows have different numbers of fields: {[len(r) for r in header_rows]}")
    # Index columns: DeepLabCut >= 2.2 writes labels with three (folder, video, image), whose
    # header cells are empty in every level row.
    n_index = 1
    while n_index < width and all(not row[n_index].strip() for row in header_rows):
        n_index += 1
    # Names are kept as written (pandas keeps their spaces too); blank cells count as empty.
    scorers, bodyparts, coords = (_cells(row[n_index:]) for row in (header_rows[0], header_rows[-2], header_rows[-1]))
    if not scorers:
        raise HeaderError("its header names no columns after the index")
    # A coord named twice or missing is the reader's to refuse (`poseio.csv.check_point_columns`):
    # such a header is this layout's, damaged, and the sniffer still claims it so that the reader says so.
    for i, (part, coord) in enumerate(zip(bodyparts, coords)):
        if bool(part) != bool(coord):
            raise HeaderError(f"column {n_index + i + 1} has a bodypart ({part!r}) or a coord ({coord!r}) but not both")
    header = Header(len(levels), n_index, scorers, bodyparts, coords, multi)
    if not header.node_names:
        raise HeaderError("its header names no bodyparts")
    return header
