"""The header rows of DeepLabCut's CSV files, read as text.

``DataFrame.to_csv`` writes one row per column level, each starting with the
level's name, then the data rows, each starting with its index::

    scorer,DLC_resnet50_openfieldOct30shuffle1_1030000,DLC_resnet50_...,...
    bodyparts,snout,snout,snout,leftear,...
    coords,x,y,likelihood,x,...
    0,21.5,265.4,0.99,33.8,...

Multi-animal files add an ``individuals`` row after ``scorer``. The index is a
frame number or an image path; labelled data of DeepLabCut >= 2.2 splits the
path over three index columns (``labeled-data``, video folder, image name),
whose cells in the header rows are empty. The sniffer and the reader share
this parser, so both judge a header alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from poseio_dlc._columns import MULTI_LEVELS, SINGLE_LEVELS, Columns, ColumnsError

#: The most header rows a file has (multi-animal).
MAX_ROWS = len(MULTI_LEVELS)


@dataclass(frozen=True)
class Header:
    """A parsed header.

    Attributes:
        rows: How many header rows precede the data.
        n_index: How many index columns start every row (1, or 3 for DeepLabCut >= 2.2 labels).
        columns: The labels of the data columns.
    """

    rows: int
    n_index: int
    columns: Columns

    @property
    def width(self) -> int:
        """Fields in every row, index columns included."""
        return self.n_index + len(self.columns)


def levels_of(rows: list[list[str]]) -> tuple[str, ...]:
    """The level names the first cells of the rows announce (``scorer``, [``individuals``], ...).

    Raises:
        ColumnsError: The first row does not start with ``scorer``.
    """
    if not rows or not rows[0] or rows[0][0] != "scorer":
        raise ColumnsError("its first row does not start with 'scorer' (a DeepLabCut header)")
    multi = len(rows) > 1 and bool(rows[1]) and rows[1][0] == "individuals"
    return MULTI_LEVELS if multi else SINGLE_LEVELS


def parse(rows: list[list[str]]) -> Header:
    """Parse the header rows of a DeepLabCut CSV.

    Args:
        rows: The file's first rows as fields; four suffice.

    Raises:
        ColumnsError: The rows are not such a header; the message says why.
    """
    levels = levels_of(rows)
    if len(rows) < len(levels):
        raise ColumnsError(f"its header stops after {len(rows)} rows; expected rows {', '.join(levels)}")
    header = rows[: len(levels)]
    for number, (row, level) in enumerate(zip(header, levels), start=1):
        if not row or row[0] != level:
            found = row[0] if row else "an empty row"
            raise ColumnsError(f"header row {number} starts with {found!r}, expected {level!r}")
    widths = [len(row) for row in header]
    if len(set(widths)) > 1:
        raise ColumnsError(f"its header rows have different numbers of fields: {widths}")
    width = widths[0]
    # Index columns after the first have empty cells in every header row.
    n_index = 1
    while n_index < width and not any(row[n_index] for row in header):
        n_index += 1
    labels = list(zip(*(row[n_index:] for row in header)))
    return Header(len(levels), n_index, Columns.from_labels(levels, labels))
