"""`poseio.csv.read_block`, the helper the CSV format plugins parse their rows with.

Values are checked against the csv module's own split of the file and Python's
``float``, not against pandas, which the helper calls.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import poseio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from poseio.csv import read_block


def _write(path: Path, rows: list[list[str]], width: int) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([f"c{i}" for i in range(width)])
        writer.writerows(rows)
    return path


def _expected(path: Path, columns: list[int]) -> np.ndarray:
    """The cells of ``columns`` as Python reads them: float, NaN when empty."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(row[c]) if row[c] else np.nan for c in columns] for row in rows]).reshape(
        len(rows), len(columns)
    )


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_array_holds_every_column_not_omitted_in_order(tmp_path_factory, data):
    width = data.draw(st.integers(1, 8), label="width")
    n_rows = data.draw(st.integers(1, 12), label="rows")
    # Each column holds whole numbers (int64 to pandas) or floats with gaps, as frame numbers and coordinates do.
    whole = data.draw(st.lists(st.booleans(), min_size=width, max_size=width), label="whole")
    cells = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(repr), st.just(""))
    rows = [
        [str(data.draw(st.integers(0, 10**6))) if whole[c] else data.draw(cells) for c in range(width)]
        for _ in range(n_rows)
    ]
    omit = data.draw(st.sets(st.integers(0, width - 1)), label="omit")
    path = _write(tmp_path_factory.mktemp("csv") / "t.csv", rows, width)
    block, frame = read_block(path, skip=1, width=width, name="t.csv", index_columns=0, omit=omit)
    kept = [c for c in range(width) if c not in omit]
    assert block.shape == (n_rows, len(kept)) and block.dtype == np.float64
    assert np.array_equal(block, _expected(path, kept), equal_nan=True)
    for c in omit:  # the omitted columns are in the frame, as pandas read them
        assert np.array_equal(frame[c].to_numpy(dtype=np.float64), _expected(path, [c])[:, 0], equal_nan=True)
    block[:] = 1.0  # the array is the caller's: writable even when it is a view of the frame's block


def test_omitting_the_frame_number_column_leaves_a_view_of_the_floats(tmp_path):
    # Anipose's layout: float columns, then fnum, whole numbers pandas keeps in an int64 block of its own.
    # Over 5 MB, so that pandas (3.1 and later) parses in parallel and keeps the floats in one block.
    if tuple(int(n) for n in pd.__version__.split(".")[:2]) < (3, 1):
        pytest.skip(f"pandas {pd.__version__} keeps every column in a block of its own: the array is a copy")
    rows = [[repr(r + c / 10) for c in range(5)] + [str(r)] for r in range(200_000)]
    path = _write(tmp_path / "t.csv", rows, 6)
    assert path.stat().st_size > 5 * 2**20
    block, frame = read_block(path, skip=1, width=6, name="t.csv", index_columns=0, omit=[5])
    assert frame[5].dtype == np.int64
    assert np.shares_memory(block, frame[0].to_numpy())
    assert np.array_equal(block, _expected(path, list(range(5))))
    whole, _ = read_block(path, skip=1, width=6, name="t.csv", index_columns=0)
    assert np.array_equal(whole, _expected(path, list(range(6))))


def test_text_columns_are_nan_and_omitted_columns_still_must_be_numbers(tmp_path):
    rows = [["1.5", "note", "3"], ["2.5", "", "4"]]
    path = _write(tmp_path / "t.csv", rows, 3)
    block, frame = read_block(path, skip=1, width=3, name="t.csv", index_columns=0, text_columns=[1], omit=[2])
    assert block.tolist()[0][0] == 1.5 and np.isnan(block[:, 1]).all() and block.shape == (2, 2)
    assert frame[1].tolist()[0] == "note"
    rows[1][2] = "four"
    _write(path, rows, 3)
    with pytest.raises(poseio.ReadError, match=r"'four' in column 3 \(data row 2, line 3\) is not a number"):
        read_block(path, skip=1, width=3, name="t.csv", index_columns=0, text_columns=[1], omit=[2])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_row_split_by_a_line_break_is_refused_naming_it(tmp_path_factory, data):
    width = data.draw(st.integers(2, 6), label="width")
    cell = st.one_of(st.integers(0, 999).map(str), st.floats(0, 1e3, allow_nan=False).map(repr), st.just(""))
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1, max_size=8), label="rows")
    # The index first: a frame number, or an image path in a folder whose name holds a comma (written quoted).
    quoted = data.draw(st.booleans(), label="quoted")
    rows = [[f"lab, day 1/img{r}.png" if quoted else str(r), *row[1:]] for r, row in enumerate(rows)]
    path = _write(tmp_path_factory.mktemp("csv") / "t.csv", rows, width)
    lines = path.read_text().splitlines(keepends=True)
    broken = data.draw(st.integers(1, len(rows)), label="data row")
    text = lines[broken].rstrip("\n")
    written = io.StringIO()
    csv.writer(written, lineterminator="").writerow(rows[broken - 1][:1])
    index = len(written.getvalue())  # the index cell as written, quotes included
    # Anywhere after the index's first character, and past its closing quote when it has one (a line
    # break between quotes is part of the cell).
    at = data.draw(st.integers(index if quoted else 1, len(text) - 1), label="at")
    lines[broken] = text[:at] + "\n" + text[at:] + "\n"
    path.write_text("".join(lines))
    expected = rf"data rows {broken} and {broken + 1} \(lines {broken + 1} and {broken + 2}\)"
    if broken > 1 and len(next(csv.reader([text[:at]]))) == 1:
        # The first piece is one field under a full row, which the two would make up too ("0,0" + "1").
        expected = rf"({expected}|data rows {broken - 1} and {broken} \(lines {broken} and {broken + 1}\))"
    expected += rf" have \d+ and \d+ of {width}"
    with pytest.raises(poseio.ReadError, match=expected + " fields: a line break splits a row in two"):
        read_block(path, skip=1, width=width, name="t.csv", index_columns=1)


def test_a_split_row_that_would_read_as_another_frame_is_refused(tmp_path):
    # Broken after "3.2", the rest of the row starts with 5: pandas alone reads a frame 5 of shifted values.
    path = _write(tmp_path / "t.csv", [[str(r), f"{r}.25", f"{r}.5"] for r in range(5)], 3)
    path.write_text(path.read_text().replace("3,3.2", "3,3.2\n"))
    assert pd.read_csv(path, header=None, skiprows=1).iloc[:, 0].tolist() == [0, 1, 2, 3, 5, 4]
    for source in (path, io.BytesIO(path.read_bytes())):  # a path, and a file object's bytes
        with pytest.raises(poseio.ReadError, match=r"data rows 4 and 5 \(lines 5 and 6\) have 2 and 2 of 3 fields"):
            read_block(source, skip=1, width=3, name="t.csv")


def test_a_row_without_its_trailing_empty_cells_reads_as_pandas_reads_it(tmp_path):
    # Some tools leave the empty cells at a row's end out; pandas takes them as empty.
    path = tmp_path / "t.csv"
    path.write_text("frame,x,y,likelihood\n0,1.5,2.5,0.9\n1,3.5\n2,4.5,5.5,\n")
    for source in (path, io.BytesIO(path.read_bytes())):  # the file object's bytes are read by every check
        block, frame = read_block(source, skip=1, width=4, name="t.csv")
        assert np.array_equal(block, [[1.5, 2.5, 0.9], [3.5, np.nan, np.nan], [4.5, 5.5, np.nan]], equal_nan=True)
        assert frame[0].tolist() == [0, 1, 2]


def test_a_quoted_line_break_above_a_split_row_does_not_move_the_blame(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('image,x,y\nlab/img0.png,0,0\n"lab/im\ng1.png",1,2\nlab/img2.png,2,3\nlab/img3.png,3\n,4\n')
    with pytest.raises(poseio.ReadError, match=r"data rows 4 and 5 \(lines 6 and 7\) have 2 and 2 of 3 fields"):
        read_block(path, skip=1, width=3, name="t.csv", index_columns=1)


def test_omit_must_name_data_columns(tmp_path):
    path = _write(tmp_path / "t.csv", [["0", "1.5"]], 2)
    with pytest.raises(ValueError, match=r"omit=\[0\]: the data columns are 1 to 1"):
        read_block(path, skip=1, width=2, name="t.csv", omit=[0])


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \n", b" \n\n"])
def test_a_csv_of_a_byte_order_mark_alone_is_declined_by_every_sniffer(tmp_path, content):
    # The Anipose and Lightning Pose sniffers once failed with IndexError on it, instead of declining.
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    report = poseio.explain(path)
    assert [v.plugin for v in report.verdicts if v.error] == []
    with pytest.raises(poseio.UnknownFormatError):
        poseio.load(path)
