"""The anipose plugin: the real pose-3d file against its truth, hand-written files, NWB conversion, bad input."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import poseio
import pytest
from conftest import CORPUS, corpus_file
from fresh_process import run_fresh
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from poseio.testing import FormatConformance

FORMATS = CORPUS / "formats"
FIELDS = ("x", "y", "z", "error", "ncams", "score")
ALIGNMENT = [f"M_{i}{j}" for i in range(3) for j in range(3)] + [f"center_{i}" for i in range(3)]


def _foreign_corpus() -> tuple[Path, ...]:
    if not (FORMATS / "truth.json").exists():
        return ()
    truth = json.loads((FORMATS / "truth.json").read_text())
    return tuple(
        [FORMATS / n for n, t in truth.items() if t["format"] != "anipose"] + sorted((CORPUS / "nwb").glob("*.nwb"))
    )


def _sorted(points: np.ndarray) -> np.ndarray:
    return points[np.lexsort(points.T[::-1])]


def write_pose_3d(path: Path, parts: list[str], values: np.ndarray, fnum: list[int] | None = None) -> Path:
    """An anipose triangulate CSV by hand: ``values`` is (rows, parts, 6), NaN written empty."""
    rows = values.shape[0]
    fnum = list(range(rows)) if fnum is None else fnum
    alignment = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([f"{p}_{c}" for p in parts for c in FIELDS] + ALIGNMENT + ["fnum"])
        for r in range(rows):
            cells = ["" if np.isnan(v) else repr(float(v)) for v in values[r].ravel()]
            writer.writerow(cells + [repr(v) for v in alignment] + [fnum[r]])
    return path


class TestAniposeConformance(FormatConformance):
    format = "anipose"
    extension = ".csv"
    keeps = frozenset({"points", "frames", "point_scores"})
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        values = np.full((3, 2, 6), np.nan)
        values[0, 0] = [1.5, 2.5, -3.25, 0.4, 2, 0.9]
        values[2, 1] = [10.0, 20.0, 30.0, 1.2, 3, 0.6]
        path = write_pose_3d(folder / "trial_pose-3d.csv", ["head", "tail"], values, fnum=[5, 6, 7])
        return path, [(5, None, "head", 1.5, 2.5, -3.25), (7, None, "tail", 10.0, 20.0, 30.0)]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_anipose_corpus_file_reads_exactly_as_its_producer_says():
    truth = json.loads(corpus_file("formats", "truth.json").read_text())
    names = [n for n, t in truth.items() if t["format"] == "anipose"]
    assert names
    for name in names:
        expected = truth[name]
        path = FORMATS / name
        labels = poseio.load(path)
        assert labels.provenance["format"] == "anipose"
        table = labels.to_table()
        points = table.points.reshape(-1, 3)
        points = points[np.isfinite(points).all(axis=1)]
        assert np.array_equal(_sorted(points), _sorted(np.load(FORMATS / "truth.npz")[name]))
        assert labels.skeletons[0].node_names == expected["node_names"]
        assert labels.numpy().shape == (expected["n_frames"], 1, len(expected["node_names"]), 3)
        assert len(labels.labeled_frames) == expected["n_frames_with_points"]
        assert labels.tracks == [] and expected["n_individuals"] == 1
        details = labels.provenance["anipose"]
        assert details["M"].tolist() == expected["M"] and details["center"].tolist() == expected["center"]
        assert details["fnum"][[0, -1]].tolist() == expected["readers"]["pandas"]["fnum_first_last"]


@pytest.mark.corpus
def test_scores_errors_and_camera_counts_match_pandas():
    path = corpus_file("formats", "anipose1124_wasp_pose-3d.csv")
    frame = pd.read_csv(path)
    labels = poseio.load(path)
    _, scores = labels.numpy(return_scores=True)
    details = labels.provenance["anipose"]
    for i, part in enumerate(["head", "stinger"]):
        rows = details["fnum"]
        assert np.array_equal(scores[rows, 0, i], frame[f"{part}_score"].to_numpy(), equal_nan=True)
        assert np.array_equal(details["error"][:, i], frame[f"{part}_error"].to_numpy(), equal_nan=True)
        assert np.array_equal(details["ncams"][:, i], frame[f"{part}_ncams"].to_numpy(), equal_nan=True)


@pytest.mark.corpus
def test_no_file_of_another_format_is_claimed_or_won():
    checked = 0
    for path in _foreign_corpus():
        mine = [c for c in poseio.sniff(path) if c.format == "anipose"]
        assert all(c.confidence < poseio.STRUCTURE_MATCH for c in mine), (path.name, mine)
        assert "anipose" not in [c.format for c in poseio.explain(path).chosen], path.name
        checked += 1
    assert checked >= 50


@pytest.mark.corpus
def test_3d_points_survive_conversion_to_nwb_in_a_fresh_process(tmp_path):
    source = corpus_file("formats", "anipose1124_wasp_pose-3d.csv")
    out = tmp_path / "wasp.nwb"
    run_fresh(
        f"""
        import h5py, numpy as np
        labels = poseio.load({str(source)!r})
        poseio.save(labels, {str(out)!r}, format="nwb-predictions", fps=30)
        points = labels.numpy()
        with h5py.File({str(out)!r}) as f:
            container = f["processing/behavior/PoseEstimation"]
            for i, node in enumerate(["head", "stinger"]):
                series = container[node]
                assert series.attrs["neurodata_type"] == "PoseEstimationSeries"
                data = series["data"][()]
                assert data.shape[1] == 3, data.shape
                frames = np.round(series["timestamps"][()] * 30).astype(int)
                assert np.array_equal(data, points[frames, 0, i], equal_nan=True)
        back = poseio.load({str(out)!r})
        assert np.array_equal(back.numpy(), points, equal_nan=True)
        """
    )


# -- hand-written files ---------------------------------------------------------------------------


def test_nan_rows_frame_numbers_and_scores(tmp_path):
    values = np.arange(4 * 2 * 6, dtype=float).reshape(4, 2, 6)
    values[1, 0] = np.nan  # a bodypart not triangulated in one frame
    values[2] = np.nan  # a frame with nothing
    path = write_pose_3d(tmp_path / "t_pose-3d.csv", ["head", "left_wing"], values, fnum=[10, 11, 12, 14])
    claim = poseio.sniff(path)[0]
    assert (claim.format, claim.confidence) == ("anipose", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert [f.frame_idx for f in labels.labeled_frames] == [10, 11, 14]
    assert labels.skeletons[0].node_names == ["head", "left_wing"]
    points, scores = labels.numpy(return_scores=True)
    assert points.shape == (15, 1, 2, 3)
    assert np.array_equal(points[[10, 11, 12, 14], 0], values[..., :3], equal_nan=True)
    assert np.array_equal(scores[[10, 11, 12, 14], 0], values[..., 5], equal_nan=True)
    assert np.array_equal(labels.provenance["anipose"]["ncams"], values[..., 4], equal_nan=True)
    assert labels.videos[0].filename == "t_pose-3d"


def test_columns_in_another_order_read_the_same(tmp_path):
    values = np.random.default_rng(3).random((5, 3, 6))
    regular = write_pose_3d(tmp_path / "a.csv", ["a", "b", "c"], values)
    frame = pd.read_csv(regular)
    shuffled = tmp_path / "b.csv"
    frame[list(reversed(frame.columns))].to_csv(shuffled, index=False)
    one, two = poseio.load(regular), poseio.load(shuffled)
    # Bodyparts come in the order of their first column: reversed here.
    assert two.skeletons[0].node_names == ["c", "b", "a"]
    assert np.array_equal(one.numpy(), two.numpy()[:, :, ::-1])
    assert np.array_equal(one.numpy(return_scores=True)[1], two.numpy(return_scores=True)[1][:, :, ::-1])
    assert np.array_equal(one.provenance["anipose"]["error"], two.provenance["anipose"]["error"][:, ::-1])


def test_fnum_between_the_columns_and_a_text_column_read_as_written(tmp_path):
    # The reader leaves fnum out of its array of values: every column after it moves one place.
    values = np.random.default_rng(5).random((4, 2, 6))
    frame = pd.read_csv(write_pose_3d(tmp_path / "a.csv", ["a", "b"], values, fnum=[3, 4, 6, 9]))
    order = [*frame.columns[:6], "fnum", "note", *frame.columns[6:-1]]
    frame["note"] = ["x", "", "y", "z"]
    moved = tmp_path / "b.csv"
    frame[order].to_csv(moved, index=False)
    with open(moved, newline="") as f:
        rows = list(csv.DictReader(f))
    labels = poseio.load(moved)
    assert [f.frame_idx for f in labels.labeled_frames] == [3, 4, 6, 9]
    points, scores = labels.numpy(return_scores=True)
    details = labels.provenance["anipose"]
    for i, part in enumerate(["a", "b"]):
        for r, row in enumerate(rows):
            frame_idx = int(row["fnum"])
            assert points[frame_idx, 0, i].tolist() == [float(row[f"{part}_{c}"]) for c in "xyz"]
            assert scores[frame_idx, 0, i] == float(row[f"{part}_score"])
            assert details["error"][r, i] == float(row[f"{part}_error"])
            assert details["ncams"][r, i] == float(row[f"{part}_ncams"])
    assert details["M"].tolist() == np.eye(3).tolist() and details["ignored_columns"] == ["note"]
    assert details["fnum"].tolist() == [3, 4, 6, 9] and details["fnum"].flags.writeable


def test_a_large_file_converts_by_the_cli_as_written_and_a_split_row_is_refused(tmp_path):
    # Over 5 MB: pandas parses it in parallel and the reader's values are views of pandas' block.
    values = np.random.default_rng(8).normal(size=(24_000, 2, 6)) * 50
    values[::7, 1] = np.nan
    source = write_pose_3d(tmp_path / "big_pose-3d.csv", ["head", "tail"], values)
    assert source.stat().st_size > 5 * 2**20
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    expected = np.array([[[float(r[f"{p}_{c}"] or "nan") for c in "xyz"] for p in ("head", "tail")] for r in rows])
    np.save(tmp_path / "expected.npy", expected)
    lines = source.read_text().splitlines(keepends=True)
    lines[100] = lines[100].replace(",", ",\n", 3).replace(",\n", ",", 2)  # a line break after its third comma
    split = tmp_path / "split_pose-3d.csv"
    split.write_text("".join(lines))
    poseio_cli = str(Path(sys.executable).with_name("poseio"))
    run_fresh(
        f"""
        import subprocess, h5py, numpy as np
        out = {str(tmp_path / "big.nwb")!r}
        done = subprocess.run([{poseio_cli!r}, "convert", {str(source)!r}, out, "--fps", "30"], capture_output=True)
        assert done.returncode == 0, done.stderr
        expected = np.load({str(tmp_path / "expected.npy")!r})
        with h5py.File(out, "r") as f:
            container = f["processing/behavior/PoseEstimation"]
            for i, node in enumerate(["head", "tail"]):
                series = container[node]
                data = series["data"][()]
                if "timestamps" in series:
                    frames = np.round(series["timestamps"][()] * 30).astype(int)
                else:  # a regular clock: its start and rate
                    start = series["starting_time"]
                    assert start.attrs["rate"] == 30
                    frames = np.round(start[()] * 30).astype(int) + np.arange(len(data))
                assert np.array_equal(data, expected[frames, i], equal_nan=True), node
                assert frames.tolist() == list(range(24_000)), node
        refused = subprocess.run(
            [{poseio_cli!r}, "convert", {str(split)!r}, {str(tmp_path / "split.nwb")!r}, "--fps", "30"],
            capture_output=True, text=True,
        )
        assert refused.returncode != 0
        assert "data rows 100 and 101 (lines 101 and 102) have 4 and 22 of 25 fields" in refused.stderr, refused.stderr
        assert "a line break splits a row in two" in refused.stderr and "Traceback" not in refused.stderr
        """
    )
    assert not (tmp_path / "split.nwb").exists()


def test_some_extra_columns_missing_is_a_structure_match(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a_x,a_y,a_z,a_score,fnum\n1.0,2.0,3.0,0.5,0\n")
    claim = poseio.sniff(path)[0]
    assert (claim.format, claim.confidence) == ("anipose", poseio.STRUCTURE_MATCH)
    labels = poseio.load(path)
    assert labels.numpy().tolist() == [[[[1.0, 2.0, 3.0]]]]
    assert np.isnan(labels.provenance["anipose"]["error"]).all()


@pytest.mark.parametrize(
    "header",
    [
        "a_x,a_y,a_z,fnum",  # xyz alone: any 3D table, not Anipose's
        "a_x,a_y,a_z,a_error,a_ncams,a_score",  # no fnum
        "time,x,y,z",
        "head_x,head_y,head_likelihood",
    ],
)
def test_near_misses_are_declined(tmp_path, header):
    path = tmp_path / "p.csv"
    path.write_text(header + "\n" + ",".join(["1"] * len(header.split(","))) + "\n")
    assert poseio.sniff(path, format="anipose") == []


def test_a_header_wider_than_the_sniffed_bytes(tmp_path):
    parts = [f"bodypart_with_a_long_name_{i}" for i in range(60)]
    path = write_pose_3d(tmp_path / "wide.csv", parts, np.ones((2, 60, 6)))
    claim = poseio.sniff(path)[0]
    assert (claim.format, claim.confidence) == ("anipose", poseio.TYPED_MATCH) and "wider" in claim.reason
    assert poseio.load(path).numpy().shape == (2, 1, 60, 3)


@settings(max_examples=30, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 20), st.integers(1, 4), st.just(6)),
        elements=st.one_of(st.floats(-1e5, 1e5, allow_nan=False), st.just(np.nan)),
    )
)
def test_any_values_written_by_hand_read_back_exactly(tmp_path_factory, values):
    path = write_pose_3d(tmp_path_factory.mktemp("ap") / "p.csv", [f"p{i}" for i in range(values.shape[1])], values)
    labels = poseio.load(path)
    visible = np.isfinite(values[..., :2]).all(axis=-1).any(axis=-1)
    assert [f.frame_idx for f in labels.labeled_frames] == np.flatnonzero(visible).tolist()
    assert np.array_equal(labels.provenance["anipose"]["error"], values[..., 3], equal_nan=True)
    if visible.any():
        points, scores = labels.numpy(return_scores=True)
        assert np.array_equal(points[visible, 0], values[visible, :, :3], equal_nan=True)
        assert np.array_equal(scores[visible, 0], values[visible, :, 5], equal_nan=True)


# -- bad input --------------------------------------------------------------------------------------


def _valid(tmp_path: Path) -> Path:
    return write_pose_3d(tmp_path / "p.csv", ["a"], np.ones((3, 1, 6)))


def test_a_truncated_file_is_a_read_error(tmp_path):
    path = _valid(tmp_path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(poseio.ReadError, match="truncated"):
        poseio.load(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows[2].__setitem__(1, "oops"), "'oops' in column 'a_y'"),
        (lambda rows: rows[2].__setitem__(-1, "0"), "frame 0 has more than one row"),
        (lambda rows: rows[2].__setitem__(-1, "1.5"), "1.5 as its frame number"),
        (lambda rows: rows[2].__setitem__(-1, "99999999999999999999"), r"1e\+20 as its frame number"),
        (lambda rows: rows[2].append("9"), "cannot be parsed"),
    ],
)
def test_garbled_rows_are_read_errors_that_say_where(tmp_path, edit, message):
    path = _valid(tmp_path)
    rows = list(csv.reader(path.read_text().splitlines()))
    edit(rows)
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(poseio.ReadError, match=message):
        poseio.load(path, format="anipose")


def test_read_options_and_a_header_without_rows(tmp_path):
    path = _valid(tmp_path)
    labels = poseio.load(path, video="/data/trial1", fps=100)
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("/data/trial1", 100.0)
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, scorer="x")
    path.write_text(path.read_text().splitlines()[0] + "\n")
    assert poseio.load(path).labeled_frames == []


def test_it_cannot_write():
    info = next(f for f in poseio.formats() if f.name == "anipose")
    assert info.can_read and not info.can_write


def test_an_alignment_that_changes_between_rows_is_kept_per_row(tmp_path):
    path = _valid(tmp_path)
    rows = list(csv.reader(path.read_text().splitlines()))
    m_01 = rows[0].index("M_01")
    rows[2][m_01] = "0.5"
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    details = poseio.load(path).provenance["anipose"]
    assert details["M"].shape == (3, 3, 3)
    assert details["M"][:, 0, 1].tolist() == [0.0, 0.5, 0.0]
    assert details["center"].tolist() == [0.0, 0.0, 0.0]
