"""CSV helpers for format plugins: headers read safely, rows parsed fast, damage reported as `ReadError`.

Pose tools write CSV tables whose header is theirs (DeepLabCut's level rows,
Anipose's ``<bodypart>_x`` names) but whose rows are numbers. A plugin parses
its header itself; what is the same in every such format is here:

- Sniffing: `head_lines` gives the text lines of a probe's first bytes (or why
  they are no CSV text), and `continues_past_head` tells whether the last of
  them may be cut short.
- Reading: `source_of` gives what to parse (a path, or a file object's bytes),
  `first_lines` the header lines (refusing a line longer than any header, and
  text that is not UTF-8), and `read_block` the rows below the header, parsed
  by pandas' C parser in one call, as one float64 array (a view of pandas'
  block when it can be), after refusing a truncated last row, rows wider than
  the header, rows split by a line break and cells that are not numbers, each
  with a message that says where.
- Checking the header: `check_point_columns` refuses a coordinate named
  twice or missing (``head_x`` twice, an ``x`` without its ``y``).
- Building Labels: `take_columns` takes points and scores out of the array
  as views, `frame_numbers` checks an index column of frame numbers, and
  `image_rows` turns an index of image paths (labelled frames) into one
  video per image folder.

Importing this module imports neither pandas nor h5py (sniffers use it);
`read_block` imports pandas when it runs.

Example::

    from poseio.csv import first_lines, frame_numbers, read_block, source_of, split_rows

    def read(probe):
        source = source_of(probe)
        names = split_rows(first_lines(source, 1, probe.name), probe.name)[0]
        at = names.index("frame")  # whole numbers: read from pandas' frame, kept out of the float array
        block, frame = read_block(source, skip=1, width=len(names), name=probe.name, index_columns=0, omit=[at])
        frames = frame_numbers(frame[at].to_numpy(), probe.name)
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from poseio._errors import InvalidOptionError, ReadError
from poseio._model._video import Video
from poseio._plugins._probe import Probe
from poseio._storage._policy import check_allocation

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_FRAME",
    "MAX_LINE_BYTES",
    "HeadLines",
    "ImageRows",
    "check_point_columns",
    "continues_past_head",
    "first_lines",
    "frame_numbers",
    "head_lines",
    "image_rows",
    "read_block",
    "source_of",
    "split_rows",
    "take_columns",
]

#: A header line longer than this is not a header (a file of one endless line, say).
MAX_LINE_BYTES = 64 * 2**20
#: The largest frame number read: float64, which a CSV's numbers become, counts one by one up to 2**53
#: (no video has that many frames, and int64 would wrap a larger one into a negative frame silently).
MAX_FRAME = 2**53
#: How many blank lines below a header are looked past for the first row.
_BLANK_LINES_LOOKED_PAST = 64
#: The end of a file read to tell whether its last row was cut short.
_TAIL_BYTES = 2**16
# The frame number in an image name: the last run of digits before the extension (img0042.png).
_FRAME_NUMBER = re.compile(r"(\d+)\D*$")


# -- sniffing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadLines:
    """The text lines of a probe's first bytes, as a CSV sniffer reads them.

    Attributes:
        lines: Every line, with its line end; the last one may be cut short
            (see `continues_past_head`).
        refusal: Why the bytes are no CSV text (``"the file is empty"``,
            binary content), or ``None``; ``lines`` is then empty.
    """

    lines: tuple[str, ...]
    refusal: str | None = None

    @property
    def complete(self) -> list[str]:
        """The lines that end within the bytes seen."""
        return [line for line in self.lines if line.endswith(("\n", "\r"))]


def head_lines(probe: Probe) -> HeadLines:
    """The lines of the probe's first bytes, decoded as UTF-8 (undecodable bytes replaced, a BOM dropped)."""
    head = probe.head
    if not head.strip():
        return HeadLines((), "the file is empty")
    if b"\0" in head:
        return HeadLines((), "binary content, not CSV text")
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    if not text.strip():  # a byte-order mark and blanks: sniffers would look for a first line that is not there
        return HeadLines((), "no text line (a byte-order mark alone)")
    return HeadLines(tuple(text.splitlines(keepends=True)))


def continues_past_head(probe: Probe) -> bool:
    """Whether the file holds more than the probe's first bytes, so that their last line may be cut short."""
    try:
        if probe.path is not None:
            size = probe.path.stat().st_size
        else:
            stream = probe.source
            position = stream.tell()
            size = stream.seek(0, io.SEEK_END)
            stream.seek(position)
    except (OSError, ValueError):
        return False
    return size > len(probe.head)


def split_rows(lines: Iterable[str], name: str = "the file") -> list[list[str]]:
    """The CSV fields of text lines (quoted names holding commas stay whole).

    Args:
        lines: The lines, line ends kept.
        name: The file's name, for messages.

    Raises:
        ReadError: The text cannot be split (a line end inside a field, as in a file whose lines end in a
            lone carriage return).
    """
    try:
        return list(csv.reader(lines))
    except csv.Error as exc:
        raise ReadError(
            f"{name}: its text cannot be split into CSV fields ({exc}); save it with \\n or \\r\\n line ends"
        ) from exc


# -- reading ------------------------------------------------------------------------------------------


def source_of(probe: Probe) -> Path | io.BytesIO:
    """What to parse: the file's path, or the bytes of a file object (read once, from the start)."""
    if probe.path is not None:
        return probe.path
    stream = probe.source
    stream.seek(0)
    return io.BytesIO(stream.read())


@contextmanager
def _open(source: Path | io.BytesIO) -> Iterator[io.BufferedIOBase]:
    """The file from its start: a path opened, or the bytes themselves (a copy would double a large file)."""
    if isinstance(source, Path):
        with open(source, "rb") as stream:
            yield stream
    else:
        source.seek(0)
        yield source


def first_lines(source: Path | io.BytesIO, count: int, name: str) -> list[str]:
    """The first ``count`` lines of the file as text, line ends kept (fewer when the file is shorter).

    Args:
        source: From `source_of`.
        count: How many lines to read.
        name: The file's name, for messages.

    Raises:
        ReadError: A line is longer than `MAX_LINE_BYTES`, the text is not UTF-8, or the file cannot be read.
    """
    lines: list[str] = []
    try:
        with _open(source) as stream:
            for _ in range(count):
                line = stream.readline(MAX_LINE_BYTES)
                if not line:
                    break
                if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
                    raise ReadError(f"{name}: its first rows are over {MAX_LINE_BYTES >> 20} MB long: not a header")
                lines.append(line.decode("utf-8-sig" if not lines else "utf-8"))
    except UnicodeDecodeError as exc:
        raise ReadError(f"{name}: its header is not UTF-8 text ({exc}); is it a CSV?") from exc
    except OSError as exc:
        raise ReadError(f"{name}: cannot be read ({exc})") from exc
    return lines


def _check_first_row(source: Path | io.BytesIO, skip: int, width: int, name: str) -> None:
    """Refuse a first row wider than the header before pandas sees it.

    pandas makes every field of a row past the names an index level: a first row of a
    million commas (a few megabytes) would take minutes and gigabytes before any error.
    """
    # pandas passes over blank lines: the first row is the first line below the header with text on it.
    lines = first_lines(source, skip + _BLANK_LINES_LOOKED_PAST + 1, name)[skip:]
    first = next((line for line in lines if line.strip()), None)
    if first is not None and len(row := split_rows([first], name)[0]) > width:
        raise ReadError(f"{name}: its first row has {len(row)} fields, its header {width}; the file is damaged")


#: What pandas holds for each column while it parses, beside the values: 2.8 kB measured (pandas 3.1,
#: 200,000 columns), rounded up. A header of 420,000 bodyparts cost gigabytes before a value was read.
PARSE_BYTES_PER_COLUMN = 3072


def _check_parse_size(source: Path | io.BytesIO, skip: int, width: int, name: str) -> None:
    """Draw what parsing the rows will take from the load's memory budget, before pandas starts.

    The rows are counted from the file's size and the length of its first row;
    each holds ``width`` float64 values, and each column costs pandas
    `PARSE_BYTES_PER_COLUMN` of its own.

    Raises:
        UnsafeFileError: The parse would take more than the load has left of its budget.
    """
    lines = [line for line in first_lines(source, skip + _BLANK_LINES_LOOKED_PAST + 1, name)[skip:] if line.strip()]
    size = source.getbuffer().nbytes if isinstance(source, io.BytesIO) else os.path.getsize(source)
    rows = size // max(len(lines[0].encode()), 1) if lines else 0
    check_allocation(
        rows * width * 8 + width * PARSE_BYTES_PER_COLUMN, f"the parse of about {rows} rows x {width} columns", name
    )


def _check_last_row(source: Path | io.BytesIO, width: int, name: str) -> None:
    """Refuse a file whose last row was cut short: CSV writers end every row with a line end."""
    with _open(source) as stream:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(max(0, size - _TAIL_BYTES))
        tail = stream.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    fields = split_rows([tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")], name)
    if fields and len(fields[0]) < width:
        raise ReadError(
            f"{name}: its last row has {len(fields[0])} of {width} fields and no line end: the file looks "
            "truncated. Copy or export it again"
        )


def _check_short_rows(source: Path | io.BytesIO, skip: int, width: int, n_rows: int, name: str) -> None:
    """Refuse a row split in two by a line break, which pandas reads as two rows padded with NaN.

    The second half of a split row often starts with a whole number, and would read as another
    frame of shifted values. A row of ``width`` fields broken after its ``k``-th comma gives two
    neighbouring rows of ``k + 1`` and ``width - k`` fields, one of them short: that pair is
    refused. A short row alone is taken as pandas takes it, its missing cells empty (some tools
    leave trailing empty cells out). The commas are counted first, without parsing: when no
    cell is quoted (a quoted cell may hold commas) and there are enough of them for full rows,
    no row is short, and the file is not read row by row.
    """
    header_commas = sum(line.count(",") for line in first_lines(source, skip, name))
    commas, quoted = _count_bytes(source)
    if not quoted and commas - header_commas >= (width - 1) * n_rows:
        return
    with _open(source) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        try:
            for _ in range(skip):
                text.readline()
            reader = csv.reader(text)
            row, before = 0, (-width, 0, 0)  # the data row above: its fields, its row, its line (none yet)
            for fields in reader:
                if not fields or (len(fields) == 1 and not fields[0].strip(" \t")):
                    continue  # a blank line, which pandas passes over
                row += 1
                if before[0] + len(fields) == width + 1 and min(before[0], len(fields)) < width:
                    raise ReadError(
                        f"{name}: data rows {before[1]} and {row} (lines {before[2]} and {skip + reader.line_num}) "
                        f"have {before[0]} and {len(fields)} of {width} fields: a line break splits a row in two. "
                        "The file is damaged; join the two lines, or export the file again"
                    )
                before = (len(fields), row, skip + reader.line_num)
        except csv.Error:
            return  # a field the csv module will not split (over 128 kB): pandas read it, so let it be
        finally:
            text.detach()  # the stream is the caller's (a BytesIO source): not to be closed with the wrapper


def _count_bytes(source: Path | io.BytesIO) -> tuple[int, bool]:
    """The commas in the file, and whether it holds a double quote; read in 16 MB pieces (about 50 ms for 200 MB)."""
    commas, quoted = 0, False
    with _open(source) as stream:
        while piece := stream.read(2**24):
            commas += int(np.count_nonzero(np.frombuffer(piece, dtype=np.uint8) == ord(",")))
            quoted = quoted or b'"' in piece
    return commas, quoted


#: How many faulty columns or bodyparts a message lists by name.
_LISTED = 5


def _listed(items: list[str]) -> str:
    more = len(items) - _LISTED
    return ", ".join(items[:_LISTED]) + (f" and {more} more" if more > 0 else "")


def check_point_columns(
    columns: Sequence[tuple[str, str] | None],
    name: str,
    *,
    required: Sequence[str] = ("x", "y"),
    first_column: int = 1,
    label: Callable[[int], str] | None = None,
) -> None:
    """Refuse a header that names a coordinate of a bodypart twice, or leaves one out.

    Every pose CSV reader calls this before it takes points from the rows:
    a column named twice (``head_x`` twice) made one reader take a node's x
    from another node's column, and a bodypart with an x but no y has no
    points; both loaded silently wrong data.

    Args:
        columns: For every column of the header, ``(bodypart, coord)``, or
            ``None`` for a column that holds no coordinate (an index, a
            per-row value). A bodypart of several animals is one text per
            animal (``"mouse1/snout"``).
        name: The file's name, for the message.
        required: The coords every bodypart must have.
        first_column: The number, counted from 1, of the file's column ``columns[0]``.
        label: How the message names column ``i`` of ``columns``; default ``bodypart/coord``.

    Raises:
        ReadError: Says which columns are named twice and which bodyparts
            lack which coords, and what to do.
    """
    label = label or (lambda i: "/".join(columns[i]))
    first: dict[tuple[str, str], int] = {}
    twice: list[str] = []
    coords_of: dict[str, set[str]] = {}
    for i, key in enumerate(columns):
        if key is None:
            continue
        if key in first:
            twice.append(f"{label(i)} (columns {first[key] + first_column} and {i + first_column})")
        else:
            first[key] = i
        coords_of.setdefault(key[0], set()).add(key[1])
    lacking = [
        f"{part} (no {' or '.join(c for c in required if c not in have)})"
        for part, have in coords_of.items()
        if not have.issuperset(required)
    ]
    problems = []
    if twice:
        problems.append(f"its header names {_listed(twice)} twice, so the values of those coordinates are ambiguous")
    if lacking:
        problems.append(f"bodyparts {_listed(lacking)} lack coordinates, so they have no points")
    if problems:
        raise ReadError(
            f"{name}: {'; '.join(problems)}. Every bodypart needs exactly one column for each of "
            f"{' and '.join(required)}: correct the header, or export the file again with the tool that made it"
        )


def read_block(
    source: Path | io.BytesIO,
    *,
    skip: int,
    width: int,
    name: str,
    index_columns: int = 1,
    text_columns: Collection[int] = (),
    omit: Collection[int] = (),
    label: Callable[[int], str] | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The rows below a CSV's header: the data columns as one float64 array, and pandas' frame of every column.

    The frame's columns are ``0 .. width-1``, the file's. The first
    ``index_columns`` are the index: one is read as pandas infers it (frame
    numbers or text), several as text (the parts of a path). The columns after
    them hold numbers, or nothing (NaN), except ``text_columns``, read as text
    and NaN in the array. pandas infers the number columns' types, which is
    faster than forcing float64 and gives the very floats the producers' own
    ``pandas.read_csv`` gives. Reading a large file from disk (5 MB and over),
    pandas 3.1 and later parse it in parallel and keep the float columns in
    one block; the array is then a view of that block, not a copy (writable:
    the frame is the caller's to drop). Smaller files, file objects and older
    pandas give a copy, which costs little beside their parse.

    A column of whole numbers (frame numbers) is int64 to pandas, in a block of
    its own: an array holding it too would be a copy of the whole table. Name
    such a column in ``omit`` and read it from the frame; the array then holds
    the other data columns, in their order, and is a view when they are
    neighbours in pandas' float block (the omitted column at either end).

    Args:
        source: From `source_of`.
        skip: The header lines above the rows.
        width: The fields of every row, index columns included.
        name: The file's name, for messages.
        index_columns: How many index columns start every row.
        text_columns: Data columns (positions in the frame) that hold text.
        omit: Data columns (positions in the frame, each once) left out of the array; they are still
            checked to be numbers unless they are ``text_columns``.
        label: Names a column (a position in the frame) in messages; default its number from 1.

    Returns:
        ``(n_rows, width - index_columns - len(omit))`` float64 values, and the frame.

    Raises:
        ReadError: A row is cut short (the last one) or split by a line
            break, the rows do not parse or are wider than ``width``, or a cell
            that must be a number is not one.
        ValueError: ``omit`` names a column that is not a data column.
    """
    import pandas as pd

    omitted = set(omit)
    if not omitted <= set(range(index_columns, width)):
        raise ValueError(f"omit={sorted(omitted)}: the data columns are {index_columns} to {width - 1}")
    _check_first_row(source, skip, width, name)
    _check_parse_size(source, skip, width, name)
    _check_last_row(source, width, name)
    text = set(text_columns) | (set(range(index_columns)) if index_columns > 1 else set())
    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        frame = pd.read_csv(
            source,
            header=None,
            skiprows=skip,
            names=list(range(width)),
            dtype={c: str for c in sorted(text)} or None,
            engine="c",
        )
    except (ValueError, OverflowError) as exc:  # pandas' ParserError and UnicodeDecodeError are ValueErrors
        raise ReadError(
            f"{name}: its rows cannot be parsed ({type(exc).__name__}: {str(exc).strip()}); the file is damaged"
        ) from exc
    if not isinstance(frame.index, pd.RangeIndex):
        # Every row had more fields than the header, and pandas made the extra ones an index.
        raise ReadError(f"{name}: its rows have more fields than its header ({width}); the file is damaged")
    if len(frame) and frame[width - 1].isna().any():  # a short row has a gap at its end, where pandas padded it
        _check_short_rows(source, skip, width, len(frame), name)
    numbers = [c for c in range(index_columns, width) if c not in text]
    _refuse_text_in(frame, numbers, skip, name, label or (lambda c: str(c + 1)))
    kept = [c for c in range(index_columns, width) if c not in omitted]
    if text.isdisjoint(kept):
        # A run of columns is a slice of pandas' block, so its array is a view; a list of columns is a copy.
        runs = bool(kept) and kept[-1] - kept[0] == len(kept) - 1
        block = frame.iloc[:, slice(kept[0], kept[-1] + 1) if runs else kept].to_numpy(dtype=np.float64)
        if not block.flags.writeable:  # a read-only view of pandas' block
            try:
                block.flags.writeable = True
            except ValueError:
                block = block.copy()
        return block, frame
    block = np.full((len(frame), len(kept)), np.nan)
    for position, column in enumerate(kept):
        if column not in text:
            block[:, position] = frame[column].to_numpy(dtype=np.float64)
    return block, frame


def _refuse_text_in(frame: pd.DataFrame, columns: list[int], skip: int, name: str, label: Callable[[int], str]) -> None:
    """Raise `ReadError` naming the first cell of ``columns`` that is not a number."""
    import pandas as pd

    if not len(frame):
        return
    kinds = [d.kind for d in frame.dtypes.tolist()]  # one Series, not one per column
    for column in columns:
        if kinds[column] not in "iuf":
            cells = frame[column]
            try:
                bad = (pd.to_numeric(cells, errors="coerce").isna() & cells.notna()).to_numpy()
            except OverflowError:  # whole numbers past float64's range, which pandas kept as Python ints
                bad = None
            if bad is not None and bad.any():
                row, why = int(np.argmax(bad)), "is not a number"
            else:  # True/False, or whole numbers pandas kept as Python ints: each cell says
                reasons = [_not_a_coordinate(cell) for cell in cells.tolist()]
                row = next((i for i, reason in enumerate(reasons) if reason), None)
                if row is None:
                    continue  # whole numbers that float64 holds
                why = reasons[row]
            raise ReadError(
                f"{name}: {cells.iloc[row]!r} in column {label(column)} (data row {row + 1}, line "
                f"{skip + row + 1}) {why}; the file is damaged"
            )


def _not_a_coordinate(cell: object) -> str | None:
    """Why a cell pandas left as an object is no coordinate (True, 10**400), or ``None`` when it is one."""
    if isinstance(cell, bool) or not isinstance(cell, (int, float, str)):
        return "is not a number"
    try:
        float(cell)
    except OverflowError:
        return "is too large for a coordinate"
    except ValueError:
        return "is not a number"
    return None


# -- building Labels ----------------------------------------------------------------------------------


def take_columns(block: np.ndarray, positions: np.ndarray, name: str) -> np.ndarray:
    """``block[:, positions]`` for an array of column positions (any shape), NaN where a position is -1.

    Positions laid out regularly (animal after animal, bodypart after
    bodypart, a bodypart's values side by side), as every producer writes
    them, give a view of the block, not a copy. Otherwise the copy is checked
    against the memory budget first.

    Args:
        block: ``(n_rows, n_columns)`` values.
        positions: Column positions; the result has shape ``(n_rows, *positions.shape)``.
        name: The file's name, for messages.
    """
    n_rows = len(block)
    if positions.size and (positions >= 0).all():
        base = int(positions.flat[0])
        steps = []
        for axis, length in enumerate(positions.shape):
            step = np.diff(positions, axis=axis) if length > 1 else np.zeros(1, dtype=np.int64)
            steps.append(int(step.flat[0]))
        grid = np.indices(positions.shape)
        regular = all(s >= 0 for s in steps) and np.array_equal(
            positions, base + sum(g * s for g, s in zip(grid, steps))
        )
        if regular:
            row, column = block.strides
            return np.lib.stride_tricks.as_strided(
                block[:, base:], shape=(n_rows, *positions.shape), strides=(row, *(s * column for s in steps))
            )
    check_allocation(n_rows * positions.size * 8, f"{n_rows} rows of {positions.size} values", name)
    taken = block[:, np.maximum(positions, 0)]
    taken[:, positions < 0] = np.nan
    return taken


def frame_numbers(values: np.ndarray, name: str, *, column: str = "frame number") -> np.ndarray:
    """An index column as frame numbers: whole, not negative, one row each.

    Args:
        values: The column (integers, or floats with NaN where a cell is empty; whole numbers past int64,
            which pandas keeps as Python ints, are taken as floats so that the message says their size).
        name: The file's name, for messages.
        column: What the column is, for messages.

    Returns:
        The frame numbers as int64 (the array itself when it already is).

    Raises:
        ReadError: A number that is missing, fractional, negative or past `MAX_FRAME`, or a frame with two rows.
    """
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=np.int64)  # a column without rows has no type of its own to check
    if values.dtype == object and all(type(v) is int for v in values.tolist()):
        values = values.astype(np.float64)  # whole numbers past int64, which pandas keeps as Python ints
    if values.dtype.kind not in "iuf":
        raise ReadError(f"{name}: the {column} column holds {values.dtype} values, not numbers")
    # Producers write frames in increasing order: one comparison pass tells, and then the first and
    # last frames bound the others, so integers need no other check (floats may be NaN or fractional).
    increasing = len(values) < 2 or bool((values[1:] > values[:-1]).all())
    if values.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > MAX_FRAME)
        rows = np.arange(len(values))
    else:
        # Increasing integers are in range when their first and last are.
        rows = np.array([0, len(values) - 1]) if increasing else np.arange(len(values))
        bad = (values[rows] < 0) | (values[rows] > MAX_FRAME)
    if bad.any():
        row = int(rows[np.argmax(bad)])
        raise ReadError(
            f"{name}: data row {row + 1} has {values[row].item()!r} as its {column}, "
            f"which must be a whole number from 0 to 2**53"
        )
    frames = values.astype(np.int64, copy=False)
    if not increasing:
        unique, counts = np.unique(frames, return_counts=True)
        if (counts > 1).any():
            raise ReadError(f"{name}: frame {int(unique[np.argmax(counts > 1)])} has more than one row")
    return frames


class ImageRows(NamedTuple):
    """Rows indexed by image paths, as videos and frames (see `image_rows`).

    Attributes:
        videos: One video per image folder, in the order the folders first appear.
        video: The video (index into ``videos``) of every row.
        frame_idx: The frame number of every row.
        in_row_order: The folders whose images are numbered in row order.
    """

    videos: list[Video]
    video: np.ndarray
    frame_idx: np.ndarray
    in_row_order: list[str]


def _folder_and_stem(path: str) -> tuple[str, str]:
    """An image path's folder and its name without the last suffix, as `PurePosixPath` gives them.

    Backslashes are read as slashes. A plain path (no empty or ``.`` parts) is
    split as text: a `PurePosixPath` per image was most of the time of reading a
    file of many images.
    """
    path = path.replace("\\", "/")
    if "//" in path or "/./" in path or path.startswith("./") or path.endswith(("/", "/.")) or path in ("", "."):
        image = PurePosixPath(path)
        return str(image.parent), image.stem
    head, slash, name = path.rpartition("/")
    dot = name.rfind(".")
    return head or (slash or "."), name[:dot] if 0 < dot < len(name) - 1 else name


def image_rows(
    paths: Sequence[str], name: str, *, video: str | None = None, fps: float | None = None, format: str
) -> ImageRows:
    """The videos and frames of rows indexed by image paths (labelled frames extracted from videos).

    Each image folder is a video (``labeled-data/m4s1``; Windows backslashes
    are read as slashes), named after the folder unless ``video`` names it,
    whose ``metadata["images"]`` maps each frame number to its image's path as
    written. An image's frame number is the last number in its name
    (``img0042.png`` is frame 42), as DeepLabCut and the tools that share its
    layout name the frames they extract; a folder whose names do not give
    distinct numbers is numbered in row order.

    Args:
        paths: The image path of every row.
        name: The file's name, for messages.
        video: The ``video=`` read option, which can name one folder's video only.
        fps: The ``fps=`` read option, given to every video.
        format: The format's name, for messages.

    Raises:
        ReadError: An image has two rows.
        InvalidOptionError: ``video`` is given, but the images come from several folders.
    """
    # Plain lists and sets: most files list a few images, for which numpy's calls cost more than the work.
    folders: dict[str, list[int]] = {}
    folder_of: list[int] = []
    numbers: list[int] = []
    seen: set[str] = set()
    for row, path in enumerate(paths):
        if path in seen:
            raise ReadError(f"{name}: the image {path!r} has more than one row")
        seen.add(path)
        folder, stem = _folder_and_stem(path)
        rows = folders.setdefault(folder, [])
        folder_of.append(folder_of[rows[0]] if rows else len(folders) - 1)
        rows.append(row)
        match = _FRAME_NUMBER.search(stem)
        number = int(match.group(1)) if match and len(match.group(1)) <= 16 else -1
        numbers.append(number if number <= MAX_FRAME else -1)  # a longer run of digits is no frame number
    if video is not None and len(folders) > 1:
        raise InvalidOptionError(
            f"{name}: video= names one video, but the images come from {len(folders)} folders", format=format
        )
    videos, in_row_order = [], []
    for folder, rows in folders.items():
        given = [numbers[r] for r in rows]
        if min(given) < 0 or len(set(given)) < len(rows):
            given = list(range(len(rows)))
            for r, number in zip(rows, given):
                numbers[r] = number
            in_row_order.append(folder)
        images = dict(zip(given, (paths[r] for r in rows)))
        videos.append(Video(video or folder, fps=fps, metadata={"images": images}))
    return ImageRows(videos, np.array(folder_of, dtype=np.int64), np.array(numbers, dtype=np.int64), in_row_order)
