"""The lightning-pose plugin: real files against their producers' truth, hand-written files, writing, bad input."""

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
from corpus_truth import finite_points
from corpus_truth import sorted_points as _sorted
from fresh_process import run_fresh
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from poseio.testing import FormatConformance

FORMATS = CORPUS / "formats"


def _truth() -> dict:
    return json.loads(corpus_file("formats", "truth.json").read_text())


def _foreign_corpus() -> tuple[Path, ...]:
    """Every corpus file that is not a Lightning Pose file (empty when the corpus is absent)."""
    if not (FORMATS / "truth.json").exists():
        return ()
    truth = json.loads((FORMATS / "truth.json").read_text())
    files = [FORMATS / n for n, t in truth.items() if t["format"] != "lp-csv"]
    return tuple(files + sorted((CORPUS / "nwb").glob("*.nwb")))


def write_rows(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def lp_rows(scorer: str, nodes: list[str], coords: list[str], index: list, values: list[list]) -> list[list]:
    """The rows of a DeepLabCut-layout CSV, as pandas writes them (values repr'd, NaN empty)."""
    cells = [["" if isinstance(v, float) and np.isnan(v) else repr(v) for v in row] for row in values]
    return [
        ["scorer", *[scorer] * (len(nodes) * len(coords))],
        ["bodyparts", *[n for n in nodes for _ in coords]],
        ["coords", *coords * len(nodes)],
        *[[i, *row] for i, row in zip(index, cells)],
    ]


class TestLightningPoseConformance(FormatConformance):
    format = "lightning-pose"
    extension = ".csv"
    # One animal per frame, no track names, no video names, no user/predicted kind per row.
    keeps = frozenset({"points", "frames", "point_scores"})
    strategy_options = {"max_videos": 1, "max_untracked": 1, "ndim": 2}
    max_instances_per_frame = 1
    max_examples = 25
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # What `litpose predict` writes, by hand with the csv module.
        path = write_rows(
            folder / "test_vid.csv",
            [
                ["scorer", *["heatmap_mhcrnn_tracker"] * 6],
                ["bodyparts", "nose", "nose", "nose", "tail", "tail", "tail"],
                ["coords", "x", "y", "likelihood", "x", "y", "likelihood"],
                ["0", "10.5", "20.25", "0.9", "", "", "0.01"],
                ["1", "11.0", "21.0", "0.8", "30.0", "40.0", "0.7"],
            ],
        )
        return path, [(0, None, "nose", 10.5, 20.25), (1, None, "nose", 11.0, 21.0), (1, None, "tail", 30.0, 40.0)]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_lightning_pose_corpus_file_reads_exactly_as_its_producer_says():
    truth = _truth()
    names = [n for n, t in truth.items() if t["format"] == "lp-csv"]
    assert names, "the corpus has no lp-csv file"
    for name in names:
        expected = truth[name]
        labels = poseio.load(corpus_file("formats", name), format="lightning-pose")
        assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS / "truth.npz")[name]))
        assert labels.skeletons[0].node_names == expected["node_names"]
        points = labels.numpy()
        assert points.shape[0] == expected["n_frames"]
        assert sum(len(f.instances) > 0 for f in labels.labeled_frames) == expected["n_frames_with_points"]
        # One animal, named by no one: movement calls it individual_0, pandas "(single)"; poseio leaves it untracked.
        assert points.shape[1] == expected["n_individuals"] == 1
        assert labels.tracks == []
        assert labels.provenance["lightning_pose"]["scorer"] == "movement"


@pytest.mark.corpus
def test_likelihoods_are_the_point_scores_read_independently():
    path = corpus_file("formats", "movement015_lp_rat_head_tail.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    likelihood = np.array([[float(r[3]), float(r[6])] for r in rows[3:]])
    _, scores = poseio.load(path, format="lightning-pose").numpy(return_scores=True)
    assert np.array_equal(scores[:, 0], likelihood)


@pytest.mark.corpus
def test_every_single_animal_deeplabcut_csv_of_the_corpus_reads_as_its_truth():
    # The layout is DeepLabCut's; asked to, this reader takes DeepLabCut's own CSVs too, including labels
    # indexed by image paths (one and three index columns, Windows backslashes).
    truth = _truth()
    names = [n for n, t in truth.items() if t["format"] == "dlc-csv" and t["n_individuals"] == 1]
    assert len(names) >= 8
    for name in names:
        labels = poseio.load(FORMATS / name, format="lightning-pose")
        assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS / "truth.npz")[name])), name
        assert sorted(labels.skeletons[0].node_names) == sorted(truth[name]["node_names"]), name
        frames = {(f.video.filename, f.frame_idx) for f in labels.labeled_frames}
        assert len(frames) == truth[name]["n_frames_with_points"], name


@pytest.mark.corpus
def test_labelled_frames_are_numbered_by_their_image_names():
    labels = poseio.load(corpus_file("formats", "CollectedData_Pranav.csv"), format="lightning-pose")
    assert [v.filename for v in labels.videos] == ["labeled-data/m4s1"]
    first = labels.labeled_frames[0]
    assert first.frame_idx == 0 and isinstance(first.instances[0], poseio.Instance)
    assert not isinstance(first.instances[0], poseio.PredictedInstance)
    assert labels.videos[0].metadata["images"][0] == "labeled-data/m4s1/img0000.png"
    assert labels.provenance["lightning_pose"]["layout"] == "images"


@pytest.mark.corpus
def test_no_file_of_another_format_is_claimed_or_won():
    truth = _truth()
    dlc_installed = any(f.name.startswith("dlc") for f in poseio.formats())
    checked = 0
    for path in sorted(FORMATS.iterdir()) + sorted((CORPUS / "nwb").glob("*.nwb")):
        if (
            path.name in ("truth.json", "truth.npz", "MANIFEST.md")
            or truth.get(path.name, {}).get("format") == "lp-csv"
        ):
            continue
        mine = [c for c in poseio.sniff(path) if c.format == "lightning-pose"]
        assert all(c.confidence < poseio.STRUCTURE_MATCH for c in mine), (path.name, mine)
        explained = poseio.explain(path)
        won = [c.format for c in explained.chosen]
        # A DeepLabCut CSV gets 0.4 from this plugin, so that DeepLabCut's 0.5 or 0.9 wins it.
        if dlc_installed or not mine:
            assert "lightning-pose" not in won, (path.name, str(explained))
        checked += 1
    assert checked >= 50


@pytest.mark.corpus
def test_a_lightning_pose_file_with_another_scorer_is_left_to_deeplabcut():
    claims = poseio.sniff(corpus_file("formats", "movement015_lp_rat_head_tail.csv"), format="lightning-pose")
    assert [c.confidence for c in claims] == [0.4]
    assert "'movement' is no Lightning Pose model" in claims[0].reason


@pytest.mark.corpus
def test_a_user_converts_the_corpus_file_to_nwb_in_a_fresh_process(tmp_path):
    source = corpus_file("formats", "movement015_lp_rat_head_tail.csv")
    out = tmp_path / "lp.nwb"
    run_fresh(
        f"""
        import h5py, numpy as np
        labels = poseio.load({str(source)!r}, format="lightning-pose")
        assert "pandas" in sys.modules
        poseio.save(labels, {str(out)!r}, format="nwb-predictions", fps=30)
        with h5py.File({str(out)!r}) as f:
            series = f["processing/behavior/PoseEstimation"]
            head = series["head"]["data"][()]
            assert head.shape == (60, 2), head.shape
            assert np.array_equal(head, labels.numpy()[:, 0, 0])
            assert np.array_equal(series["tail"]["confidence"][()], labels.numpy(return_scores=True)[1][:, 0, 1])
        """
    )


def test_sniffing_and_listing_formats_import_no_pandas(tmp_path):
    path = write_rows(
        tmp_path / "v.csv", lp_rows("heatmap_tracker", ["a"], ["x", "y", "likelihood"], [0], [[1.0, 2.0, 0.5]])
    )
    result = run_fresh(
        f"""
        claims = poseio.sniff({str(path)!r})
        print(claims[0].format, claims[0].confidence)
        assert "pandas" not in sys.modules, "the sniffer imported pandas"
        """
    )
    assert result.stdout.split() == ["lightning-pose", "0.9"]


# -- hand-written files --------------------------------------------------------------------------


def test_a_lightning_pose_model_scorer_is_claimed_and_read(tmp_path):
    values = [[1.5, 2.5, 0.75, np.nan, np.nan, 0.125], [3.0, 4.0, 1.0, 5.0, 6.0, 0.5], [np.nan] * 6]
    path = write_rows(
        tmp_path / "vid.csv", lp_rows("heatmap_tracker", ["nose", "ear"], ["x", "y", "likelihood"], [0, 1, 2], values)
    )
    claims = poseio.sniff(path)
    assert claims[0].format == "lightning-pose" and claims[0].confidence == poseio.TYPED_MATCH
    labels = poseio.load(path)
    assert labels.provenance["format"] == "lightning-pose"
    points, scores = labels.numpy(return_scores=True)
    assert points.shape == (3, 1, 2, 2)
    expected = np.array(values).reshape(3, 2, 3)
    assert np.array_equal(points[:, 0], expected[..., :2], equal_nan=True)
    assert np.array_equal(scores[:, 0], expected[..., 2], equal_nan=True)
    # The empty last row is a frame without a pose, but it counts for the video's length.
    assert [f.frame_idx for f in labels.labeled_frames] == [0, 1]
    assert labels.videos[0].shape[0] == 3 and labels.videos[0].filename == "vid.mp4"
    assert all(isinstance(i, poseio.PredictedInstance) for f in labels.labeled_frames for i in f.instances)


@pytest.mark.parametrize("scorer", ["heatmap_mhcrnn_tracker", "heatmap_pca_singleview_tracker", "regression_tracker"])
def test_every_lightning_pose_model_name_is_recognised(tmp_path, scorer):
    path = write_rows(tmp_path / "v.csv", lp_rows(scorer, ["a"], ["x", "y", "likelihood"], [0], [[1.0, 2.0, 0.5]]))
    assert poseio.sniff(path, format="lightning-pose")[0].confidence == poseio.TYPED_MATCH


def test_ensemble_smoother_columns_are_kept_per_point(tmp_path):
    coords = ["x", "y", "likelihood", "x_ens_median", "y_ens_median", "x_ens_var", "y_ens_var"]
    coords += ["x_posterior_var", "y_posterior_var"]
    values = [[float(10 * r + c) for c in range(18)] for r in range(4)]
    path = write_rows(
        tmp_path / "eks.csv", lp_rows("ensemble-kalman_tracker", ["paw", "nose"], coords, range(4), values)
    )
    assert poseio.sniff(path)[0].confidence == poseio.TYPED_MATCH
    labels = poseio.load(path)
    extra = labels.provenance["lightning_pose"]["coords"]
    assert list(extra) == coords[3:]
    grid = np.array(values).reshape(4, 2, 9)
    assert np.array_equal(extra["x_ens_var"], grid[..., 5])
    assert np.array_equal(extra["y_posterior_var"], grid[..., 8])
    assert np.array_equal(labels.numpy()[:, 0], grid[..., :2])


def test_predictions_on_labelled_frames_keep_the_split_column(tmp_path):
    # litpose's predictions.csv on labelled data: image paths as index, a last "set" column.
    rows = lp_rows("heatmap_tracker", ["nose"], ["x", "y", "likelihood"], [], [])
    rows = [r + [v] for r, v in zip(rows, ["set", "", ""])]
    rows += [
        ["labeled-data/vidA/img00012.png", "1.0", "2.0", "0.5", "train"],
        ["labeled-data/vidA/img00040.png", "3.0", "4.0", "0.25", "test"],
        ["labeled-data/vidB/img00003.png", "5.0", "6.0", "0.75", "validation"],
    ]
    labels = poseio.load(write_rows(tmp_path / "predictions.csv", rows))
    assert labels.provenance["format"] == "lightning-pose"
    assert [v.filename for v in labels.videos] == ["labeled-data/vidA", "labeled-data/vidB"]
    assert [(f.video.filename, f.frame_idx) for f in labels.labeled_frames] == [
        ("labeled-data/vidA", 12),
        ("labeled-data/vidA", 40),
        ("labeled-data/vidB", 3),
    ]
    assert list(labels.provenance["lightning_pose"]["columns"]["set"]) == ["train", "test", "validation"]
    assert labels.labeled_frames[1].instances[0].point_scores.tolist() == [0.25]


def test_collected_data_with_visibility_flags(tmp_path):
    rows = lp_rows("rick", ["kp1", "kp2"], ["x", "y", "visible"], [], [])
    rows += [
        ["labeled-data/img01.png", "77.25", "36.25", "2", "", "", "0"],
        ["labeled-data/img02.png", "37.25", "110.75", "2", "12.5", "88.0", "1"],
    ]
    path = write_rows(tmp_path / "CollectedData.csv", rows)
    assert poseio.sniff(path, format="lightning-pose")[0].confidence == 0.4
    labels = poseio.load(path, format="lightning-pose")
    assert all(type(i) is poseio.Instance for f in labels.labeled_frames for i in f.instances)
    assert [f.frame_idx for f in labels.labeled_frames] == [1, 2]
    assert labels.labeled_frames[0].instances[0].points.tolist()[0] == [77.25, 36.25]
    assert np.array_equal(labels.provenance["lightning_pose"]["coords"]["visible"], [[2.0, 0.0], [2.0, 1.0]])


def test_image_names_without_distinct_numbers_are_numbered_in_row_order(tmp_path):
    rows = lp_rows("rick", ["a"], ["x", "y"], [], [])
    rows += [["frames/left.png", "1.0", "2.0"], ["frames/right.png", "3.0", "4.0"]]
    labels = poseio.load(write_rows(tmp_path / "c.csv", rows), format="lightning-pose")
    assert [f.frame_idx for f in labels.labeled_frames] == [0, 1]
    assert "row order" in labels.provenance["lightning_pose"]["frame_numbers"]


def test_a_header_wider_than_the_sniffed_bytes_is_judged_by_its_scorer(tmp_path):
    nodes = [f"bodypart_number_{i}" for i in range(300)]
    path = write_rows(
        tmp_path / "wide.csv", lp_rows("heatmap_tracker", nodes, ["x", "y", "likelihood"], [0], [[1.0] * 900])
    )
    claim = poseio.sniff(path)[0]
    assert (claim.format, claim.confidence) == ("lightning-pose", poseio.TYPED_MATCH)
    assert "wider" in claim.reason
    assert poseio.load(path).numpy().shape == (1, 1, 300, 2)


def test_a_multi_animal_file_is_declined_and_refused(tmp_path):
    path = write_rows(
        tmp_path / "multi.csv",
        [
            ["scorer", *["heatmap_tracker"] * 4],
            ["individuals", "m1", "m1", "m2", "m2"],
            ["bodyparts", "a", "a", "a", "a"],
            ["coords", "x", "y", "x", "y"],
            ["0", "1", "2", "3", "4"],
        ],
    )
    assert poseio.sniff(path, format="lightning-pose") == []
    with pytest.raises(poseio.UnknownFormatError, match="multi-animal"):
        poseio.load(path, format="lightning-pose")


@settings(max_examples=30, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 4), st.just(3)),
        elements=st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan)),
    )
)
def test_any_values_written_by_hand_read_back_exactly(tmp_path_factory, values):
    n, k, _ = values.shape
    folder = tmp_path_factory.mktemp("hand")
    nodes = [f"n{i}" for i in range(k)]
    path = write_rows(
        folder / "v.csv",
        lp_rows("heatmap_tracker", nodes, ["x", "y", "likelihood"], range(n), values.reshape(n, -1).tolist()),
    )
    labels = poseio.load(path)
    visible = np.isfinite(values[..., :2]).all(axis=-1).any(axis=-1)
    assert [f.frame_idx for f in labels.labeled_frames] == np.flatnonzero(visible).tolist()
    if not visible.any():
        return
    points, scores = labels.numpy(return_scores=True)
    # Frames where no node has both x and y hold no instance; the others come back exactly.
    assert np.array_equal(points[visible, 0], values[visible, :, :2], equal_nan=True)
    assert np.array_equal(scores[visible, 0], values[visible, :, 2], equal_nan=True)
    assert np.isnan(points[~visible]).all()


# -- writing ----------------------------------------------------------------------------------------


def predictions(n_frames: int = 5, *, skip: tuple[int, ...] = (2,), tracks: int = 1) -> poseio.Labels:
    rng = np.random.default_rng(1)
    points = rng.random((n_frames, tracks, 3, 2)) * 100
    points[list(skip)] = np.nan
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/cam.mp4", fps=30.0, shape=(n_frames + 2, 64, 64, 1)),
        skeleton=poseio.Skeleton(["nose", "left ear, tip", "tail"]),
        tracks=[poseio.Track(f"t{i}") for i in range(tracks)],
        point_scores=rng.random((n_frames, tracks, 3)),
    )


def test_written_predictions_read_with_pandas_as_lightning_pose_does(tmp_path):
    labels = predictions()
    path = tmp_path / "cam.csv"
    poseio.save(labels, path, format="lightning-pose")
    frame = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    assert list(frame.columns.names) == ["scorer", "bodyparts", "coords"]
    assert set(frame.columns.get_level_values("scorer")) == {"heatmap_tracker"}
    assert list(dict.fromkeys(frame.columns.get_level_values("bodyparts"))) == ["nose", "left ear, tip", "tail"]
    # One row per frame of the video (its length is 7), as litpose predict writes them.
    assert list(frame.index) == list(range(7))
    points, scores = labels.numpy(return_scores=True)
    grid = frame.to_numpy().reshape(7, 3, 3)
    assert points.shape[0] == 7
    assert np.array_equal(grid[..., :2], points[:, 0], equal_nan=True)
    assert np.array_equal(grid[[0, 1, 3, 4], :, 2], scores[[0, 1, 3, 4], 0])
    assert np.isnan(grid[5:]).all()
    claim = poseio.sniff(path)[0]
    assert (claim.format, claim.confidence) == ("lightning-pose", poseio.TYPED_MATCH)


def test_the_scorer_option_names_the_model(tmp_path):
    path = tmp_path / "cam.csv"
    poseio.save(predictions(), path, format="lightning-pose", scorer="heatmap_mhcrnn_tracker")
    assert path.read_text().splitlines()[0].split(",")[1] == "heatmap_mhcrnn_tracker"
    assert poseio.load(path).provenance["lightning_pose"]["scorer"] == "heatmap_mhcrnn_tracker"


def test_user_labels_are_written_as_collected_data(tmp_path):
    skeleton = poseio.Skeleton(["a", "b"])
    video = poseio.Video("/videos/mouse1.mp4")
    frames = [
        poseio.LabeledFrame(video, 12, [poseio.Instance(np.array([[1.0, 2.0], [np.nan, np.nan]]), skeleton)]),
        poseio.LabeledFrame(video, 7, [poseio.Instance(np.array([[3.0, 4.0], [5.0, 6.0]]), skeleton)]),
    ]
    path = tmp_path / "CollectedData.csv"
    poseio.save(poseio.Labels(frames), path, format="lightning-pose")
    frame = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    assert list(frame.index) == ["labeled-data/mouse1/img0007.png", "labeled-data/mouse1/img0012.png"]
    assert list(frame.columns.get_level_values("coords")) == ["x", "y", "x", "y"]
    assert np.array_equal(frame.to_numpy(), [[3.0, 4.0, 5.0, 6.0], [1.0, 2.0, np.nan, np.nan]], equal_nan=True)
    back = poseio.load(path)
    assert [(f.frame_idx, type(f.instances[0])) for f in back.labeled_frames] == [
        (7, poseio.Instance),
        (12, poseio.Instance),
    ]


def test_labels_read_from_images_are_written_with_their_image_paths(tmp_path):
    source = write_rows(
        tmp_path / "in.csv",
        lp_rows("rick", ["a"], ["x", "y"], [], []) + [["labeled-data\\v\\frame_0003.jpg", "1.0", "2.0"]],
    )
    out = tmp_path / "out.csv"
    poseio.save(poseio.load(source, format="lightning-pose"), out, format="lightning-pose")
    assert out.read_text().splitlines()[3] == "labeled-data\\v\\frame_0003.jpg,1.0,2.0"


@pytest.mark.parametrize(
    ("labels", "options", "error", "message"),
    [
        (predictions(), {"colour": "red"}, poseio.InvalidOptionError, "does not know the write options"),
        (predictions(), {"layout": "wide"}, poseio.InvalidOptionError, "layout="),
        (predictions(), {"scorer": "two\nlines"}, poseio.InvalidOptionError, "scorer="),
        (predictions(tracks=2), {}, poseio.InvalidLabelsError, "one animal per frame"),
    ],
)
def test_what_cannot_be_written_is_refused_clearly(tmp_path, labels, options, error, message):
    path = tmp_path / "x.csv"
    with pytest.raises(error, match=message):
        poseio.save(labels, path, format="lightning-pose", **options)
    assert not path.exists()


def test_3d_points_and_two_videos_are_refused(tmp_path):
    skeleton = poseio.Skeleton(["a"])
    three_d = poseio.Labels.from_numpy(np.ones((2, 1, 1, 3)), video=poseio.Video("/v.mp4"), skeleton=skeleton)
    with pytest.raises(poseio.InvalidLabelsError, match="z coordinates"):
        poseio.save(three_d, tmp_path / "x.csv", format="lightning-pose")
    one, two = poseio.Video("/one.mp4"), poseio.Video("/two.mp4")
    frames = [
        poseio.LabeledFrame(v, 0, [poseio.PredictedInstance(np.ones((1, 2)), skeleton, point_scores=[0.5])])
        for v in (one, two)
    ]
    with pytest.raises(poseio.InvalidLabelsError, match="2 videos"):
        poseio.save(poseio.Labels(frames), tmp_path / "x.csv", format="lightning-pose")
    poseio.save(poseio.Labels(frames), tmp_path / "x.csv", format="lightning-pose", layout="images")
    assert len(poseio.load(tmp_path / "x.csv").videos) == 2


# -- bad input --------------------------------------------------------------------------------------


def _valid(tmp_path: Path) -> Path:
    return write_rows(
        tmp_path / "v.csv", lp_rows("heatmap_tracker", ["a", "b"], ["x", "y", "likelihood"], range(3), [[1.0] * 6] * 3)
    )


def test_a_truncated_file_is_a_read_error(tmp_path):
    path = _valid(tmp_path)
    path.write_bytes(path.read_bytes()[:-9])
    with pytest.raises(poseio.ReadError, match="truncated"):
        poseio.load(path)


def test_a_header_cut_short_is_not_recognised_in_the_readers_words(tmp_path):
    # Declined by the sniffer, read on the caller's say-so: the reader says what is wrong.
    path = tmp_path / "v.csv"
    path.write_text("scorer,heatmap_tracker,heatmap_tracker\nbodyparts,a,a\n")
    with pytest.raises(poseio.UnknownFormatError, match="asked anyway, says: .*header stops after 2 rows"):
        poseio.load(path, format="lightning-pose")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["1", "1.0", "oops", "1.0", "1.0", "1.0", "1.0"], r"'oops' in column \(a, y\)"),
        (["-4", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"], "-4 as its frame number"),
        (["0", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0"], "frame 0 has more than one row"),
        (["1", "1.0", "1.0", "1.0", "1.0", "1.0", "1.0", "9", "9"], "cannot be parsed"),
    ],
)
def test_garbled_rows_are_read_errors_that_say_where(tmp_path, row, message):
    path = _valid(tmp_path)
    with open(path, "a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(row)
    with pytest.raises(poseio.ReadError, match=message):
        poseio.load(path)


def test_a_row_split_by_a_line_break_is_refused(tmp_path):
    path = _valid(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    # Data row 2 broken inside its likelihood of a: pandas alone reads "0,..." as another frame 0 of shifted values.
    assert lines[4] == "1,1.0,1.0,1.0,1.0,1.0,1.0\n"
    lines[4] = "1,1.0,1.0,1.\n0,1.0,1.0,1.0\n"
    path.write_text("".join(lines))
    with pytest.raises(poseio.ReadError, match=r"data rows 2 and 3 \(lines 5 and 6\) have 4 and 4 of 7 fields"):
        poseio.load(path)


def test_a_file_that_is_not_utf8_is_a_read_error(tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(b"scorer,heatmap_tracker,heatmap_tracker\nbodyparts,\xff\xfe,\xff\xfe\ncoords,x,y\n0,1,2\n")
    with pytest.raises(poseio.ReadError, match="not UTF-8"):
        poseio.load(path, format="lightning-pose")


def test_a_header_without_rows_reads_as_no_poses(tmp_path):
    path = write_rows(tmp_path / "v.csv", lp_rows("heatmap_tracker", ["a"], ["x", "y", "likelihood"], [], []))
    labels = poseio.load(path)
    assert labels.labeled_frames == [] and labels.skeletons[0].node_names == ["a"]


def test_read_options(tmp_path):
    path = _valid(tmp_path)
    labels = poseio.load(path, video="/data/session/cam0.mp4", fps=60)
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("/data/session/cam0.mp4", 60.0)
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, colour="red")
    with pytest.raises(poseio.InvalidOptionError, match="fps="):
        poseio.load(path, fps=-1)


def test_a_file_object_is_read_too(tmp_path):
    path = _valid(tmp_path)
    with open(path, "rb") as f:
        labels = poseio.load(f, format="lightning-pose")
    assert labels.numpy().shape == (3, 1, 2, 2)


def test_the_plugin_module_imports_no_pandas():
    code = "import sys, poseio_lightning_pose._plugin; print('pandas' in sys.modules)"
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_labels_without_poses_write_a_header_that_reads_back(tmp_path):
    path = tmp_path / "empty.csv"
    poseio.save(poseio.Labels(skeletons=[poseio.Skeleton(["a", "b"])]), path, format="lightning-pose")
    assert path.read_text().splitlines()[1:] == ["bodyparts,a,a,b,b", "coords,x,y,x,y"]
    back = poseio.load(path)
    assert back.labeled_frames == [] and back.skeletons[0].node_names == ["a", "b"]
