"""The dlc plugin: real files against their producers' truth, hand-written files, writing, bad input, safety."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import warnings
from pathlib import Path, PurePosixPath

import h5py
import numpy as np
import pandas as pd
import poseio
import pytest
from conftest import CORPUS, corpus_file
from fresh_process import run_fresh
from hypothesis import given, settings
from hypothesis import strategies as st
from poseio.testing import FormatConformance

FORMATS = CORPUS / "formats"
DLC_FORMATS = ("dlc-csv", "dlc-h5")
NOT_DATA = ("truth.json", "truth.npz", "MANIFEST.md")


def _truth() -> dict:
    return json.loads(corpus_file("formats", "truth.json").read_text())


def _dlc_names() -> list[str]:
    if not (FORMATS / "truth.json").exists():
        return []
    truth = json.loads((FORMATS / "truth.json").read_text())
    return [n for n, t in truth.items() if t["format"] in DLC_FORMATS]


def _is_dlc_layout_by_another_tool(path: Path) -> bool:
    """A Lightning Pose file in DeepLabCut's layout with a scorer no LP model has (movement's to_lp_file)."""
    first = path.read_text().split("\n", 1)[0].split(",")
    return first[0] == "scorer" and not first[1].startswith(("heatmap", "regression", "ensemble"))


def _foreign_corpus() -> tuple[Path, ...]:
    """Every corpus file of another format (empty without the corpus), bar the one the agreed rule gives DLC."""
    if not (FORMATS / "truth.json").exists():
        return ()
    truth = json.loads((FORMATS / "truth.json").read_text())
    files = [
        FORMATS / n
        for n, t in truth.items()
        if t["format"] not in DLC_FORMATS
        and not (t["format"] == "lp-csv" and _is_dlc_layout_by_another_tool(FORMATS / n))
    ]
    return tuple(files + sorted((CORPUS / "nwb").glob("*.nwb")))


def _sorted(points: np.ndarray) -> np.ndarray:
    """Rows in exact lexicographic order (sort the truth too: it was ordered on rounded values)."""
    return points[np.lexsort(points.T[::-1])]


def finite_points(labels: poseio.Labels) -> np.ndarray:
    table = labels.to_table()
    points = table.points.reshape(-1, table.ndim)
    return _sorted(points[np.isfinite(points).all(axis=1)])


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list]) -> Path:
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def dlc_rows(scorer: str, nodes: list[str], coords: list[str], index: list, values: list[list], animals=None) -> list:
    """The rows of a DeepLabCut CSV as pandas writes them (values repr'd, NaN empty), by hand."""
    cells = [["" if isinstance(v, float) and np.isnan(v) else repr(v) for v in row] for row in values]
    animals = animals or [None]
    header = [["scorer", *[scorer] * (len(animals) * len(nodes) * len(coords))]]
    if animals != [None]:
        header.append(["individuals", *[a for a in animals for _ in nodes for _ in coords]])
    header += [
        ["bodyparts", *[n for _ in animals for n in nodes for _ in coords]],
        ["coords", *coords * (len(animals) * len(nodes))],
    ]
    return [*header, *[[i, *row] for i, row in zip(index, cells)]]


def pandas_frame(scorer: str, nodes: list[str], coords: list[str], values, index=None, animals=None) -> pd.DataFrame:
    """A frame with DeepLabCut's columns, built with pandas as DeepLabCut does."""
    if animals:
        columns = pd.MultiIndex.from_product(
            [[scorer], animals, nodes, coords], names=["scorer", "individuals", "bodyparts", "coords"]
        )
    else:
        columns = pd.MultiIndex.from_product([[scorer], nodes, coords], names=["scorer", "bodyparts", "coords"])
    return pd.DataFrame(np.asarray(values, dtype=float), columns=columns, index=index)


def to_hdf(frame: pd.DataFrame, path: Path, **options) -> Path:
    pytest.importorskip("tables", reason="writing pandas HDF5 needs PyTables")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTables' performance warnings about object names
        frame.to_hdf(path, key=options.pop("key", "df_with_missing"), mode="w", **options)
    return path


# -- the conformance kit -------------------------------------------------------------------------

# DeepLabCut files keep points, frame numbers, individuals (tracks), likelihoods (point scores) and, in 2D,
# whether poses are labels or predictions. Not kept: video file names (a results file is named after its
# video; labelled frames are image paths), fps, video shapes, skeleton edges and names, instance scores.
KEEPS = frozenset({"points", "frames", "tracks", "kinds", "point_scores"})
# Untracked instances beside tracked ones become individuals, which read back as tracks of their own
# (the kit's untracked_as_tracks); one untracked animal alone stays untracked.


def _reference_csv(folder: Path) -> tuple[Path, list[tuple]]:
    # What DeepLabCut's analyze_videos writes, by hand with the csv module.
    path = write_rows(
        folder / "videoDLC_resnet50_testJan1shuffle1_1000.csv",
        [
            ["scorer", *["DLC_resnet50_testJan1shuffle1_1000"] * 6],
            ["bodyparts", "nose", "nose", "nose", "tail", "tail", "tail"],
            ["coords", "x", "y", "likelihood", "x", "y", "likelihood"],
            ["0", "10.5", "20.25", "0.9", "", "", "0.01"],
            ["1", "11.0", "21.0", "0.8", "30.0", "40.0", "0.7"],
            ["2", "", "", "0.1", "", "", "0.2"],
        ],
    )
    return path, [(0, None, "nose", 10.5, 20.25), (1, None, "nose", 11.0, 21.0), (1, None, "tail", 30.0, 40.0)]


def _reference_h5(folder: Path) -> tuple[Path, list[tuple]]:
    # DeepLabCut's multi-animal labels as DeepLabCut stores them: pandas (PyTables) format="table".
    frame = pandas_frame(
        "dlc_team",
        ["head", "tail"],
        ["x", "y"],
        [[1.0, 2.0, 3.0, 4.0, np.nan, np.nan, 7.0, 8.0], [9.0, 10.0, np.nan, np.nan, 13.0, 14.0, 15.0, 16.0]],
        index=["labeled-data/v/img003.png", "labeled-data/v/img010.png"],
        animals=["mouse1", "mouse2"],
    )
    path = to_hdf(frame, folder / "CollectedData_dlc_team.h5", format="table")
    return path, [
        (3, "mouse1", "head", 1.0, 2.0),
        (3, "mouse1", "tail", 3.0, 4.0),
        (3, "mouse2", "tail", 7.0, 8.0),
        (10, "mouse1", "head", 9.0, 10.0),
        (10, "mouse2", "head", 13.0, 14.0),
        (10, "mouse2", "tail", 15.0, 16.0),
    ]


class TestDlcCsvPredictions(FormatConformance):
    format = "dlc"
    extension = ".csv"
    keeps = KEEPS
    untracked_as_tracks = True
    strategy_options = {"user": False, "ndim": None}
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return _reference_csv(folder)


class TestDlcCsvLabels(FormatConformance):
    format = "dlc"
    extension = ".csv"
    keeps = KEEPS
    untracked_as_tracks = True
    # 3D user labels are not DeepLabCut's (its 3D files are triangulated predictions): 2D only.
    strategy_options = {"predicted": False, "ndim": 2}
    instance_kind = "user"
    max_examples = 10

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return _reference_csv(folder)


class TestDlcH5Predictions(FormatConformance):
    format = "dlc"
    extension = ".h5"
    keeps = KEEPS
    untracked_as_tracks = True
    strategy_options = {"user": False, "ndim": None}

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return _reference_h5(folder)


class TestDlcH5Labels(FormatConformance):
    format = "dlc"
    extension = ".h5"
    keeps = KEEPS
    untracked_as_tracks = True
    strategy_options = {"predicted": False, "ndim": 2}
    instance_kind = "user"
    max_examples = 10

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        return _reference_h5(folder)


@pytest.mark.filterwarnings("ignore:.*the labelled images are not written")
class TestDlcProject(FormatConformance):
    """A project folder, written and read as the folder."""

    format = "dlc-project"
    extension = ""
    keeps = KEEPS - {"point_scores"}
    untracked_as_tracks = True
    # Generated labels name videos that are not there: the labels alone (the image warning is checked elsewhere).
    write_options = {"images": False}
    strategy_options = {"predicted": False, "ndim": 2}
    instance_kind = "user"
    max_examples = 10
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        project = _single_animal_project(folder / "reach")
        rows = [(7, None, "hand", 1.5, 2.5), (7, None, "finger", 3.0, 4.0), (20, None, "hand", 5.0, 6.0)]
        return project / "config.yaml", [*rows, (20, None, "joystick", 7.25, 0.5)]


# -- the corpus ----------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_corpus_has_every_kind_of_deeplabcut_file():
    truth = _truth()
    names = _dlc_names()
    assert len(names) >= 18  # 19 in the corpus of this writing
    assert {truth[n]["hdf_format"][0] for n in names if "hdf_format" in truth[n]} == {"table", "fixed"}
    assert {truth[n]["dims"] for n in names} == {2, 3}


@pytest.mark.corpus
@pytest.mark.parametrize("name", _dlc_names())
def test_corpus_file_reads_exactly_as_its_producer_says(name):
    expected = _truth()[name]
    path = corpus_file("formats", name)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "dlc"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS / "truth.npz")[name]))
    nodes = list(dict.fromkeys(n for s in labels.skeletons for n in s.node_names))
    assert nodes == expected["node_names"]
    details = labels.provenance["dlc"]
    if details["multi_animal"]:
        assert [t.name for t in labels.tracks] == expected["individual_names"]
    else:
        # One animal named by no one: pandas calls it "(single)", movement individual_0; it stays untracked.
        assert labels.tracks == [] and expected["n_individuals"] == 1
    # Rows of the file: a video's frames, or labelled images (every row's path kept, points or none).
    if details["layout"] == "video":
        assert labels.videos[0].shape[0] == labels.numpy(skeleton=labels.skeletons[0]).shape[0] == expected["n_frames"]
    else:
        assert sum(len(v.metadata["images"]) for v in labels.videos) == expected["n_frames"]
    assert len(labels) == expected["n_frames_with_points"]
    predicted = expected["kind"] == "predictions"
    assert bool(labels.to_table().predicted.all()) == predicted and bool(labels.to_table().predicted.any()) == predicted


@pytest.mark.corpus
@pytest.mark.parametrize("name", [n for n in _dlc_names() if n.endswith(".h5")])
def test_the_raw_hdf5_values_are_pandas_frame_and_hold_the_truth(name):
    """The layout this plugin reads, checked without it: h5py's raw values against pandas (PyTables) and the truth."""
    pytest.importorskip("tables")
    path = corpus_file("formats", name)
    frame = pd.read_hdf(path)
    with h5py.File(path, "r") as f:
        (key,) = [k for k in f if "pandas_type" in f[k].attrs]
        group = f[key]
        raw = group["table"]["values_block_0"] if "table" in group else group["block0_values"][()]
    assert np.array_equal(raw, frame.to_numpy(), equal_nan=True)
    coords = frame.columns.get_level_values("coords")
    x, y = raw[:, coords == "x"], raw[:, coords == "y"]
    points = [x, y] + ([raw[:, coords == "z"]] if (coords == "z").any() else [])
    stacked = np.stack([p.reshape(-1) for p in points], axis=1)
    stacked = stacked[np.isfinite(stacked).all(axis=1)]
    assert np.array_equal(_sorted(stacked), _sorted(np.load(FORMATS / "truth.npz")[name]))


@pytest.mark.corpus
def test_likelihoods_are_the_point_scores_read_independently():
    path = corpus_file("formats", "DLC_sample_poses.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    likelihood = np.array([[float(r[3]), float(r[6])] for r in rows[3:]])
    _, scores = poseio.load(path).numpy(return_scores=True)
    assert np.array_equal(scores[:, 0], likelihood)


@pytest.mark.corpus
def test_the_csv_and_hdf5_twins_read_alike():
    for stem in ("DLC_sample_poses", "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10", "CollectedData_Pranav"):
        a, b = (poseio.load(corpus_file("formats", stem + ext)) for ext in (".csv", ".h5"))
        assert np.array_equal(a.to_table().points, b.to_table().points, equal_nan=True), stem
        assert np.array_equal(a.to_table().point_scores, b.to_table().point_scores, equal_nan=True), stem
        assert [v.filename for v in a.videos] == [v.filename for v in b.videos], stem


@pytest.mark.corpus
def test_unique_bodyparts_are_the_single_individuals_own_skeleton():
    labels = poseio.load(corpus_file("formats", "CollectedData_dlc_team.csv"))
    animal, unique = labels.skeletons
    assert animal.node_names == ["bodypart1", "bodypart2", "bodypart3"] and animal.name is None
    assert unique.node_names == ["corner1", "corner2"] and unique.name == "uniquebodyparts"
    frame = labels.labeled_frames[0]
    by_track = {i.track.name: i for i in frame.instances}
    assert by_track["single"].skeleton is unique and by_track["individual1"].skeleton is animal
    # DeepLabCut's test project places the labels at 50, 100, ... 550 in column order.
    assert np.array_equal(by_track["individual1"].points, [[50, 50], [100, 100], [150, 150]])
    assert np.array_equal(by_track["single"].points, [[500, 500], [550, 550]])
    assert labels.numpy(skeleton=unique).shape == (1992, 4, 2, 2)


@pytest.mark.corpus
def test_labelled_frames_are_numbered_by_their_image_names():
    labels = poseio.load(corpus_file("formats", "CollectedData_Pranav.csv"))
    assert [v.filename for v in labels.videos] == ["labeled-data/m4s1"]
    first = labels.labeled_frames[0]
    assert first.frame_idx == 0 and type(first.instances[0]) is poseio.Instance
    assert labels.videos[0].metadata["images"][115] == "labeled-data/m4s1/img0115.png"
    # DeepLabCut >= 2.2 splits the path over three index columns; it is kept to be written alike.
    three = poseio.load(corpus_file("formats", "CollectedData_shaokai.csv"))
    assert three.videos[0].filename == "labeled-data/golden_mouse"
    assert three.videos[0].metadata["images"][67] == "labeled-data/golden_mouse/img0067.png"
    assert three.provenance["dlc"]["index_columns"] == 3


@pytest.mark.corpus
def test_windows_paths_and_unsorted_rows_of_machine_labels():
    labels = poseio.load(corpus_file("formats", "machinelabels.csv"))
    assert [v.filename for v in labels.videos] == ["labeled-data/reachingvideo1short"]
    assert [f.frame_idx for f in labels.labeled_frames] == [1, 4, 6, 8, 9]
    assert labels.videos[0].metadata["images"][4] == "labeled-data\\reachingvideo1short\\img04.png"
    assert all(type(i) is poseio.PredictedInstance for f in labels.labeled_frames for i in f.instances)


@pytest.mark.corpus
def test_a_video_is_named_after_its_results_file():
    assert (
        poseio.load(corpus_file("formats", "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5")).videos[0].filename
        == "reachingvideo1short"
    )
    assert poseio.load(corpus_file("formats", "vid1_DLC_3D.h5")).videos[0].filename == "vid1"
    labels = poseio.load(corpus_file("formats", "DLC_sample_poses.h5"), video="/data/wasp.mp4", fps=40)
    assert labels.videos[0].filename == "/data/wasp.mp4" and labels.videos[0].fps == 40.0


@pytest.mark.corpus
def test_3d_results_are_predictions_without_likelihood():
    labels = poseio.load(corpus_file("formats", "vid1_DLC_3D.h5"))
    points, scores = labels.numpy(return_scores=True)
    assert points.shape == (12, 1, 4, 3) and np.isnan(scores).all()
    assert labels.to_table().predicted.all()


# -- sniffing ------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_sniffers_claim_exactly_the_deeplabcut_files_of_the_corpus():
    truth = _truth()
    checked = 0
    for path in sorted(FORMATS.iterdir()) + sorted((CORPUS / "nwb").glob("*.nwb")):
        if path.name in NOT_DATA:
            continue
        mine = poseio.sniff(path, format="dlc")
        confidence = max((c.confidence for c in mine), default=0.0)
        chosen = [c.format for c in poseio.explain(path).chosen]
        kind = truth.get(path.name, {}).get("format")
        if kind in DLC_FORMATS:
            # CSVs are judged by their scorer (movement's is not a model's); HDF5 files by pandas' attributes.
            dlc_scorer = "movement" not in path.name or path.suffix == ".h5"
            assert confidence == (poseio.TYPED_MATCH if dlc_scorer else poseio.STRUCTURE_MATCH), (path.name, mine)
            assert chosen == ["dlc"], path.name
        elif kind == "lp-csv" and _is_dlc_layout_by_another_tool(path):
            # movement's to_lp_file writes exactly DeepLabCut's layout with scorer "movement": by the rule
            # agreed with the Lightning Pose plugin, DeepLabCut's structure claim (0.5) beats LP's 0.4.
            assert confidence == poseio.STRUCTURE_MATCH and "not a DeepLabCut model" in mine[0].reason
            lp = poseio.sniff(path, format="lightning-pose")
            assert not lp or max(c.confidence for c in lp) < poseio.STRUCTURE_MATCH
        else:
            assert confidence < poseio.STRUCTURE_MATCH, (path.name, mine)
            assert "dlc" not in chosen, path.name
        checked += 1
    assert checked >= 55


@pytest.mark.corpus
def test_explain_gives_the_reason():
    text = str(poseio.explain(corpus_file("formats", "montblanc_tracks.h5")))
    assert "pandas HDF5 frame 'df' (format=fixed) with DeepLabCut's column levels scorer/individuals" in text
    text = str(
        poseio.explain(corpus_file("formats", "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10_skeleton.csv"))
    )
    assert "not a DeepLabCut CSV: its first row does not start with 'scorer'" in text


def test_a_renamed_file_is_recognised_by_content(tmp_path):
    rows = dlc_rows("DLC_resnet50_aJan1shuffle1_5", ["a"], ["x", "y", "likelihood"], [0], [[1.0, 2.0, 0.5]])
    claims = poseio.sniff(write_rows(tmp_path / "anything.csv", rows))
    assert claims[0].format == "dlc" and claims[0].confidence == poseio.TYPED_MATCH
    labelled = write_rows(tmp_path / "CollectedData_Ann.csv", dlc_rows("Ann", ["a"], ["x", "y"], [0], [[1.0, 2.0]]))
    assert poseio.sniff(labelled)[0].confidence == poseio.TYPED_MATCH
    renamed = write_rows(tmp_path / "labels.csv", dlc_rows("Ann", ["a"], ["x", "y"], [0], [[1.0, 2.0]]))
    assert poseio.sniff(renamed, format="dlc")[0].confidence == poseio.STRUCTURE_MATCH


def test_a_header_wider_than_the_sniffed_bytes_is_judged_by_its_rows(tmp_path):
    nodes = [f"bodypart_with_a_long_name_{i}" for i in range(60)]
    rows = dlc_rows("DLC_resnet50_wideJan1shuffle1_1000", nodes, ["x", "y", "likelihood"], [0], [[1.0] * 180])
    path = write_rows(tmp_path / "wide.csv", rows)
    assert path.read_text().index("\n") > 4200  # the scorer row alone is longer than the probe's head
    claims = poseio.sniff(path)
    assert claims[0].format == "dlc" and claims[0].confidence == poseio.TYPED_MATCH
    assert "wider than the bytes sniffed" in claims[0].reason
    assert poseio.load(path).numpy().shape == (1, 1, 60, 2)


def test_near_misses_are_declined(tmp_path):
    near = {
        "skeleton.csv": [["", "a_b", "a_b"], ["", "length", "orientation"], ["0", "1.0", "2.0"]],
        "two_rows.csv": [["scorer", "s", "s"], ["bodyparts", "a", "a"], ["0", "1.0", "2.0"]],
        "no_y.csv": [["scorer", "s", "s"], ["bodyparts", "a", "a"], ["coords", "x", "likelihood"], ["0", "1", "2"]],
        "ragged.csv": [["scorer", "s", "s"], ["bodyparts", "a"], ["coords", "x", "y"], ["0", "1", "2"]],
    }
    for name, rows in near.items():
        claims = poseio.sniff(write_rows(tmp_path / name, rows), format="dlc")
        assert all(c.confidence < poseio.STRUCTURE_MATCH for c in claims), (name, claims)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f.create_group("df_with_missing").attrs["pandas_type"] = "series"
    assert poseio.sniff(plain, format="dlc") == []
    assert "not a frame" in str(poseio.explain(plain))


def test_sniffing_and_listing_import_no_pandas(tmp_path):
    path = write_rows(
        tmp_path / "vDLC_x.csv", dlc_rows("DLC_resnet50_x", ["a"], ["x", "y", "likelihood"], [0], [[1.0, 2.0, 0.5]])
    )
    result = run_fresh(
        f"""
        import poseio_dlc._plugin
        assert "pandas" not in sys.modules and "h5py" not in sys.modules, "importing the plugin imported them"
        claims = poseio.sniff({str(path)!r})
        print(claims[0].format, claims[0].confidence)
        assert "pandas" not in sys.modules, "the sniffer imported pandas"
        """
    )
    assert result.stdout.split() == ["dlc", "0.9"]


# -- hand-written and pandas-written files --------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(
        st.lists(
            st.one_of(st.floats(allow_infinity=False, allow_nan=False, width=64), st.just(np.nan)),
            min_size=6,
            max_size=6,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_values_written_by_hand_read_back_exactly(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("values")
    rows = dlc_rows(
        "DLC_resnet50_hJan1shuffle1_1", ["a", "b"], ["x", "y", "likelihood"], list(range(len(values))), values
    )
    table = poseio.load(write_rows(folder / "h.csv", rows)).to_table()
    expected = np.array(values).reshape(len(values), 2, 3)
    visible = np.flatnonzero(np.isfinite(expected[..., :2]).all(axis=-1).any(axis=-1))
    assert table.frame_idx.tolist() == visible.tolist()
    assert np.array_equal(table.points, expected[visible, :, :2], equal_nan=True)
    assert np.array_equal(table.point_scores, expected[visible, :, 2], equal_nan=True)


@pytest.mark.parametrize("layout", ["table", "fixed"])
def test_pandas_written_hdf5_reads_as_pandas_reads_it(tmp_path, layout):
    rng = np.random.default_rng(1)
    values = rng.random((40, 2 * 3 * 3)) * 100
    values[rng.random((40, 18)) < 0.1] = np.nan
    frame = pandas_frame(
        "DLC_resnet50_pJan1shuffle1_9", ["a", "b", "c"], ["x", "y", "likelihood"], values, animals=["m1", "m2"]
    )
    path = to_hdf(frame, tmp_path / f"{layout}.h5", format=layout)
    labels = poseio.load(path)
    assert labels.provenance["dlc"]["hdf_format"] == layout
    points, scores = labels.numpy(return_scores=True)
    expected = values.reshape(40, 2, 3, 3)
    visible = np.isfinite(expected[..., :2]).all(axis=-1).any(axis=-1)
    assert np.array_equal(points[visible], expected[visible][..., :2], equal_nan=True)
    assert np.array_equal(scores[visible], expected[visible][..., 2], equal_nan=True)
    assert [t.name for t in labels.tracks] == ["m1", "m2"]


def test_pandas_written_labels_with_three_index_levels(tmp_path):
    index = pd.MultiIndex.from_tuples([("labeled-data", "v1", "img007.png"), ("labeled-data", "v2", "img001.png")])
    frame = pandas_frame("Ann", ["a"], ["x", "y"], [[1.0, 2.0], [3.0, 4.0]], index=index)
    path = to_hdf(frame, tmp_path / "CollectedData_Ann.h5", key="keypoints")
    labels = poseio.load(path)
    assert [v.filename for v in labels.videos] == ["labeled-data/v1", "labeled-data/v2"]
    assert [(f.video.filename, f.frame_idx) for f in labels.labeled_frames] == [
        ("labeled-data/v1", 7),
        ("labeled-data/v2", 1),
    ]
    assert labels.provenance["dlc"]["hdf_key"] == "keypoints"


def test_image_names_without_distinct_numbers_are_numbered_in_row_order(tmp_path):
    rows = dlc_rows(
        "Ann", ["a"], ["x", "y"], ["labeled-data/v/left.png", "labeled-data/v/right.png"], [[1.0, 2.0], [3.0, 4.0]]
    )
    labels = poseio.load(write_rows(tmp_path / "CollectedData_Ann.csv", rows))
    assert [f.frame_idx for f in labels.labeled_frames] == [0, 1]
    assert labels.provenance["dlc"]["numbered_in_row_order"] == ["labeled-data/v"]


def test_a_file_object_is_read_too(tmp_path):
    rows = dlc_rows(
        "DLC_resnet50_fJan1shuffle1_1", ["a"], ["x", "y", "likelihood"], [0, 1], [[1.0, 2.0, 0.5], [3.0, 4.0, 0.25]]
    )
    data = write_rows(tmp_path / "f.csv", rows).read_bytes()
    labels = poseio.load(io.BytesIO(data), format="dlc")
    assert np.array_equal(labels.numpy()[:, 0, 0], [[1.0, 2.0], [3.0, 4.0]])


def test_read_options(tmp_path):
    rows = dlc_rows("DLC_resnet50_oJan1shuffle1_1", ["a"], ["x", "y", "likelihood"], [0], [[1.0, 2.0, 0.5]])
    path = write_rows(tmp_path / "o.csv", rows)
    assert type(poseio.load(path, kind="user").labeled_frames[0].instances[0]) is poseio.Instance
    with pytest.raises(poseio.InvalidOptionError, match="accepts"):
        poseio.load(path, format="dlc", colour="red")
    with pytest.raises(poseio.InvalidOptionError, match="HDF5 group"):
        poseio.load(path, format="dlc", key="df")
    with pytest.raises(poseio.InvalidOptionError, match="fps"):
        poseio.load(path, format="dlc", fps=-1)


# -- writing -------------------------------------------------------------------------------------


def predictions(n_frames: int = 6, tracks: int = 1, ndim: int = 2) -> poseio.Labels:
    rng = np.random.default_rng(3)
    points = rng.random((n_frames, tracks, 3, ndim)) * 100
    points[2, 0, 1] = np.nan
    points[4] = np.nan  # a frame nobody is seen in
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/session1.mp4", shape=(n_frames, 64, 64, 1)),
        skeleton=poseio.Skeleton(["snout", "ear", "tail"]),
        tracks=[poseio.Track(f"mouse{i}") for i in range(tracks)] if tracks > 1 else None,
        point_scores=rng.random((n_frames, tracks, 3)),
    )


def test_written_predictions_read_with_pandas_and_movement(tmp_path):
    labels = predictions()
    points, scores = labels.numpy(return_scores=True)
    for ending in (".csv", ".h5"):
        path = tmp_path / f"session1DLC{ending}"
        poseio.save(labels, path, format="dlc")
        assert poseio.sniff(path)[0].format == "dlc" and poseio.sniff(path)[0].confidence == poseio.TYPED_MATCH
        frame = pd.read_csv(path, header=[0, 1, 2], index_col=0) if ending == ".csv" else pd.read_hdf(path)
        assert list(frame.columns.names) == ["scorer", "bodyparts", "coords"]
        assert set(frame.columns.get_level_values("scorer")) == {"DLC_poseio"}
        assert list(frame.index) == list(range(6))  # every frame of the video, the empty one too
        values = frame.to_numpy().reshape(6, 3, 3)
        assert np.array_equal(values[..., :2], points[:, 0], equal_nan=True)
        assert np.array_equal(values[4:5, :, 2], np.full((1, 3), np.nan), equal_nan=True)
        seen = ~np.isnan(points[:, 0, :, 0])
        assert np.array_equal(values[..., 2][seen], scores[:, 0][seen])
        from movement.io import load_poses

        dataset = load_poses.from_dlc_file(path)
        position = dataset.position.transpose("time", "individuals", "keypoints", "space").to_numpy()
        assert np.array_equal(position, points, equal_nan=True)


def test_tracks_are_written_as_individuals(tmp_path):
    labels = predictions(tracks=2)
    for ending in (".csv", ".h5"):
        path = tmp_path / f"two{ending}"
        poseio.save(labels, path, format="dlc", scorer="DLC_resnet50_mineJan1shuffle1_1")
        frame = pd.read_csv(path, header=[0, 1, 2, 3], index_col=0) if ending == ".csv" else pd.read_hdf(path)
        assert list(frame.columns.get_level_values("individuals").unique()) == ["mouse0", "mouse1"]
        assert set(frame.columns.get_level_values("scorer")) == {"DLC_resnet50_mineJan1shuffle1_1"}
        assert np.array_equal(frame.to_numpy().reshape(6, 2, 3, 3)[..., :2], labels.numpy(), equal_nan=True)
        from movement.io import load_poses

        position = load_poses.from_dlc_file(path).position.transpose("time", "individuals", "keypoints", "space")
        assert np.array_equal(position.to_numpy(), labels.numpy(), equal_nan=True)


def test_user_labels_are_written_as_labelled_data(tmp_path):
    skeleton = poseio.Skeleton(["a", "b"])
    video = poseio.Video("/data/mouse3.mp4")
    frames = [
        poseio.LabeledFrame(video, 12, [poseio.Instance(np.array([[1.0, 2.0], [np.nan, np.nan]]), skeleton)]),
        poseio.LabeledFrame(video, 3, [poseio.Instance(np.array([[5.0, 6.0], [7.0, 8.0]]), skeleton)]),
    ]
    labels = poseio.Labels(frames)
    path = tmp_path / "CollectedData_Ann.csv"
    poseio.save(labels, path, format="dlc", scorer="Ann")
    frame = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    assert list(frame.columns.get_level_values("coords")) == ["x", "y", "x", "y"]
    assert list(frame.index) == ["labeled-data/mouse3/img0003.png", "labeled-data/mouse3/img0012.png"]
    assert np.array_equal(frame.to_numpy(), [[5, 6, 7, 8], [1, 2, np.nan, np.nan]], equal_nan=True)
    back = poseio.load(path)
    assert [f.frame_idx for f in back.labeled_frames] == [3, 12]
    assert all(type(i) is poseio.Instance for f in back.labeled_frames for i in f.instances)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["CollectedData_shaokai.csv", "CollectedData_dlc_team.csv", "machinelabels.csv"])
def test_deeplabcut_labels_are_written_back_as_deeplabcut_wrote_them(tmp_path, name):
    source = corpus_file("formats", name)
    levels = 4 if "dlc_team" in name else 3
    index = [0, 1, 2] if "shaokai" in name else 0
    original = pd.read_csv(source, header=list(range(levels)), index_col=index)
    labels = poseio.load(source)
    for ending in (".csv", ".h5"):
        path = tmp_path / f"back{ending}"
        poseio.save(labels, path, format="dlc")
        written = (
            pd.read_csv(path, header=list(range(levels)), index_col=index) if ending == ".csv" else pd.read_hdf(path)
        )
        # Rows, image paths (in three parts when read so), columns, scorer and values as DeepLabCut wrote them.
        assert list(written.index) == list(original.index), ending
        assert list(written.columns) == list(original.columns), ending
        assert np.array_equal(written.to_numpy(dtype=float), original.to_numpy(dtype=float), equal_nan=True), ending


@pytest.mark.corpus
def test_unique_bodyparts_round_trip(tmp_path):
    labels = poseio.load(corpus_file("formats", "montblanc_tracks.h5"))
    path = tmp_path / "birds.h5"
    poseio.save(labels, path)
    pytest.importorskip("tables")
    assert list(pd.read_hdf(path).columns) == list(pd.read_hdf(corpus_file("formats", "montblanc_tracks.h5")).columns)
    back = poseio.load(path)
    assert [s.node_names for s in back.skeletons] == [s.node_names for s in labels.skeletons]
    assert np.array_equal(back.to_table().points, labels.to_table().points, equal_nan=True)


def test_a_prediction_and_a_label_of_one_animal_in_one_frame(tmp_path):
    skeleton = poseio.Skeleton(["a"])
    video, track = poseio.Video("v.mp4"), poseio.Track("m")
    user = poseio.Instance(np.array([[1.0, 2.0]]), skeleton, track)
    predicted = poseio.PredictedInstance(np.array([[3.0, 4.0]]), skeleton, track, point_scores=np.array([0.5]))
    labels = poseio.Labels([poseio.LabeledFrame(video, 0, [predicted, user])])
    path = tmp_path / "both.csv"
    # A table holds one instance per animal and frame: the prediction would be lost, so it takes a word.
    with pytest.raises(poseio.DataLossError, match="1 predictions in the same frame and animal"):
        poseio.save(labels, path, format="dlc")
    assert not path.exists()
    poseio.save(labels, path, format="dlc", allow_loss=True)
    assert poseio.load(path).numpy()[0, 0, 0].tolist() == [1.0, 2.0]  # the user's, as SLEAP chooses
    poseio.save(labels, path, format="dlc", kind="predicted")
    assert poseio.load(path).numpy()[0, 0, 0].tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"colour": "red"}, poseio.InvalidOptionError, "accepts"),
        ({"scorer": "two\nlines"}, poseio.InvalidOptionError, "one-line"),
        ({"layout": "sideways"}, poseio.InvalidOptionError, "layout"),
        ({"key": "df"}, poseio.InvalidOptionError, "a CSV has none"),
    ],
)
def test_what_cannot_be_written_is_refused_clearly(tmp_path, options, error, message):
    with pytest.raises(error, match=message):
        poseio.save(predictions(), tmp_path / "x.csv", format="dlc", **options)
    assert not (tmp_path / "x.csv").exists()


def test_two_videos_take_the_images_layout_and_not_the_video_one(tmp_path):
    a, b = predictions(), predictions()
    b.videos[0].filename = "/data/session2.mp4"
    labels = poseio.Labels(a.labeled_frames + b.labeled_frames)
    with pytest.raises(poseio.InvalidLabelsError, match="2 videos"):
        poseio.save(labels, tmp_path / "x.csv", format="dlc", layout="video")
    poseio.save(labels, tmp_path / "x.csv", format="dlc")
    back = poseio.load(tmp_path / "x.csv")
    assert [v.filename for v in back.videos] == ["labeled-data/session1", "labeled-data/session2"]


def test_labels_without_poses_write_a_header_that_reads_back(tmp_path):
    labels = poseio.Labels(skeletons=[poseio.Skeleton(["a", "b"])], videos=[poseio.Video("v.mp4")])
    for ending in (".csv", ".h5"):
        path = tmp_path / f"empty{ending}"
        poseio.save(labels, path, format="dlc")
        back = poseio.load(path)
        assert len(back) == 0 and back.skeletons[0].node_names == ["a", "b"]
    assert pd.read_hdf(tmp_path / "empty.h5").shape == (0, 4)


@pytest.mark.corpus
def test_a_user_converts_corpus_files_to_nwb_in_a_fresh_process(tmp_path):
    if "nwb-predictions" not in [f.name for f in poseio.formats()]:
        pytest.skip("the nwb-predictions plugin is not installed")
    for name in ("DLC_sample_poses.csv", "movement015_multi_two_tracks_dlc_table.h5"):
        source = corpus_file("formats", name)
        out = tmp_path / f"{name}.nwb"
        run_fresh(
            f"""
            import h5py, numpy as np
            labels = poseio.load({str(source)!r})
            assert labels.provenance["format"] == "dlc"
            poseio.save(labels, {str(out)!r}, format="nwb-predictions", fps=30)
            points, scores = labels.numpy(return_scores=True)
            with h5py.File({str(out)!r}) as f:
                behavior = f["processing/behavior"]
                containers = sorted(k for k in behavior if k.startswith("PoseEstimation"))
                assert len(containers) == max(1, len(labels.tracks))
                for t, container in enumerate(containers):
                    for n, node in enumerate(labels.skeletons[0].node_names):
                        series = behavior[container][node]
                        seen = np.isfinite(points[:, t, n]).all(axis=1)
                        data = series["data"][()]
                        assert np.array_equal(data[np.isfinite(data).all(axis=1)], points[seen, t, n])
            print(len(containers))
            """
        )


# -- bad input -----------------------------------------------------------------------------------


def _valid(tmp_path: Path) -> Path:
    rows = dlc_rows("DLC_resnet50_bJan1shuffle1_1", ["a", "b"], ["x", "y", "likelihood"], [0, 1, 2], [[1.5] * 6] * 3)
    return write_rows(tmp_path / "valid.csv", rows)


def test_a_truncated_file_is_a_read_error(tmp_path):
    data = _valid(tmp_path).read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: len(data) - 9])
    with pytest.raises(poseio.ReadError, match="truncated"):
        poseio.load(cut)


def test_a_header_cut_short_is_a_read_error(tmp_path):
    cut = tmp_path / "cut.csv"
    cut.write_bytes(_valid(tmp_path).read_bytes()[:60])
    # Declined by the sniffer, read on the caller's say-so: not recognised, in the reader's words.
    with pytest.raises(poseio.UnknownFormatError, match="asked anyway, says: .*header stops after 1 rows"):
        poseio.load(cut, format="dlc")
    # Unnamed, the scorer row alone is claimed weakly by DeepLabCut and Lightning Pose alike: a tie that
    # names both, or a read error, never a crash (the csv-points example plugin once hid the tie by claiming it).
    with pytest.raises((poseio.ReadError, poseio.FormatError)) as caught:
        poseio.load(cut)
    assert "dlc" in str(caught.value)


@pytest.mark.parametrize(
    "row, message",
    [
        (["1", "1.5", "oops", "1", "1", "1", "1"], "'oops' in column a/y"),
        (["1.5", "1", "1", "1", "1", "1", "1"], "frame number"),
        (["0", "1", "1", "1", "1", "1", "1"], "frame 0 has more than one row"),
        (["1", "1", "1", "1", "1", "1", "1", "1"], "Expected 7 fields in line 5, saw 8"),
    ],
)
def test_garbled_rows_are_read_errors_that_say_where(tmp_path, row, message):
    rows = dlc_rows("DLC_resnet50_bJan1shuffle1_1", ["a", "b"], ["x", "y", "likelihood"], [0], [[1.0] * 6])
    path = write_rows(tmp_path / "bad.csv", [*rows, row, *([row] if len(row) == 8 else [])])
    with pytest.raises(poseio.ReadError, match=message):
        poseio.load(path)


@pytest.mark.corpus
def test_a_row_split_by_a_line_break_is_refused_even_with_commas_in_quoted_paths(tmp_path):
    # DeepLabCut's own labelled file, its images moved to a folder whose name holds a comma (written
    # quoted), so that counting commas cannot tell a split row.
    lines = corpus_file("formats", "CollectedData_Mackenzie.csv").read_text().splitlines(keepends=True)
    moved = lines[:3] + [
        '"' + line.replace("reachingvideo1/", "reach, day 1/", 1).replace(".png,", '.png",', 1) for line in lines[3:]
    ]
    whole = tmp_path / "CollectedData_Mackenzie.csv"
    whole.write_text("".join(moved))
    labels = poseio.load(whole)
    assert labels.videos[0].filename == "labeled-data/reach, day 1"
    assert np.array_equal(
        labels.numpy(), poseio.load(corpus_file("formats", "CollectedData_Mackenzie.csv")).numpy(), equal_nan=True
    )
    cells = moved[10].split(",")
    moved[10] = (
        ",".join(cells[:5]) + ",\n" + ",".join(cells[5:])
    )  # broken after its 5th comma (one is quoted): data row 8
    whole.write_text("".join(moved))
    with pytest.raises(poseio.ReadError, match=r"data rows 8 and 9 \(lines 11 and 12\) have 5 and 7 of 11 fields"):
        poseio.load(whole)


def test_a_file_that_is_not_utf8_is_not_recognised_saying_so(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"scorer,DLC_r\xe9sn\n" + b"x" * 10)
    with pytest.raises(poseio.UnknownFormatError, match="UTF-8"):
        poseio.load(path, format="dlc")


def test_a_truncated_hdf5_file_is_a_read_error(tmp_path):
    path = tmp_path / "whole.h5"
    poseio.save(predictions(n_frames=200), path, format="dlc")
    data = path.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(poseio.ReadError):
        poseio.load(cut, format="dlc")


def test_damaged_hdf5_layouts_are_read_errors(tmp_path):
    path = tmp_path / "damaged.h5"
    poseio.save(predictions(), path, format="dlc")
    with h5py.File(path, "a") as f:
        del f["df_with_missing/block0_values"]
        f["df_with_missing/block0_values"] = np.zeros((3, 9))
    with pytest.raises(poseio.ReadError, match="the file is damaged"):
        poseio.load(path)
    with h5py.File(path, "a") as f:
        del f["df_with_missing/axis0_label2"]
        f["df_with_missing/axis0_label2"] = np.full(9, 40, dtype=np.int8)
    with pytest.raises(poseio.ReadError, match="points past"):
        poseio.load(path)


def test_text_columns_stored_as_pickles_are_refused_not_unpickled(tmp_path):
    frame = pandas_frame("DLC_resnet50_tJan1shuffle1_1", ["a"], ["x", "y"], [[1.0, 2.0]])
    frame[("DLC_resnet50_tJan1shuffle1_1", "a", "note")] = ["a note"]
    path = to_hdf(frame, tmp_path / "notes.h5")  # format=fixed: text is a pickled object array
    with pytest.raises(poseio.ReadError, match="never unpickles"):
        poseio.load(path)


# -- pickles ---------------------------------------------------------------------------------------


class _Exploit:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.mark.parametrize("attribute", ["non_index_axes", "info"])
@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, attribute, protocol):
    frame = pandas_frame("DLC_resnet50_eJan1shuffle1_1", ["a"], ["x", "y", "likelihood"], [[1.0, 2.0, 0.5]])
    path = to_hdf(frame, tmp_path / "exploitDLC.h5", format="table")
    marker = tmp_path / "ran"
    with h5py.File(path, "a") as f:
        group = f["df_with_missing"]
        labels = [(1, [("DLC", "a", "x"), _Exploit(f"touch {marker}")])] if attribute == "non_index_axes" else None
        payload = pickle.dumps(labels if labels else {1: {"names": _Exploit(f"touch {marker}")}}, protocol)
        group.attrs[attribute] = np.void(payload) if protocol else np.bytes_(payload)
    with pytest.raises(poseio.ReadError, match="cannot be read safely") as caught:
        poseio.load(path)  # the sniffer claims DeepLabCut's key, so that the reader says why it refuses
    assert "never runs a pickle" in str(caught.value)
    assert "os" in str(caught.value) or "opcode" in str(caught.value)
    assert not marker.exists()
    assert "unsafe" in str(poseio.explain(path))


def test_a_small_pickle_that_expands_without_end_is_refused_at_once(tmp_path):
    frame = pandas_frame("DLC_resnet50_eJan1shuffle1_1", ["a"], ["x", "y", "likelihood"], [[1.0, 2.0, 0.5]])
    path = to_hdf(frame, tmp_path / "bombDLC.h5", format="table")
    doubling = ["a"]
    for _ in range(25):
        doubling = [doubling, doubling]
    with h5py.File(path, "a") as f:
        f["df_with_missing"].attrs["non_index_axes"] = np.void(pickle.dumps([(1, [("P", doubling, "x")])], 2))
    # Sniffing once walked the labels as text: 2**25 strings. In a fresh process, with a time limit.
    result = run_fresh(
        f"""
        try:
            poseio.load({str(path)!r})
        except poseio.ReadError as error:
            print(error)
        """,
        timeout=60,
    )
    assert "expands to over" in result.stdout


def test_the_pickle_reader_takes_plain_data_only():
    from poseio_dlc._pickle import UnsafePickleError, plain_data

    value = [(1, [("s", "a", "x"), ("s", "a", "y")]), {"names": ["scorer", None], 2: True}, -7, 2.5]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert plain_data(pickle.dumps(value, protocol)) == value
    # Sets and bytes have opcodes of their own from protocols 4 and 3 on (before, they are built by calls).
    assert plain_data(pickle.dumps([{1, 2}, frozenset({3}), b"raw"], 4)) == [{1, 2}, frozenset({3}), b"raw"]
    with pytest.raises(UnsafePickleError, match="GLOBAL"):
        plain_data(pickle.dumps({1, 2}, 0))
    recursive = []
    recursive.append(recursive)
    # The memo names one list twice in the next: 200 bytes that expand to 2**25 strings.
    doubling = ["a"]
    for _ in range(25):
        doubling = [doubling, doubling]
    deep = "a"
    for _ in range(100):
        deep = [deep]
    for bad, message in (
        (pickle.dumps(recursive, 2), "inside itself"),
        (pickle.dumps([(1, [("P", doubling, "x")])], 2), "expands to over"),
        (pickle.dumps(deep, 2), "nests containers"),
        (pickle.dumps([10**5000], 2), "over 64 bits"),
    ):
        with pytest.raises(UnsafePickleError, match=message):
            plain_data(bad)
    for bad in (
        pickle.dumps(np.float64(1.0)),  # numpy's reconstructor: a global
        pickle.dumps(_Exploit("true")),
        b"cos\nsystem\n(S'true'\ntR.",  # GLOBAL + REDUCE by hand
        b"(lp0\nI1\n",  # cut short
        b"not a pickle",
    ):
        with pytest.raises(UnsafePickleError):
            plain_data(bad)


def test_table_chunks_read_straight_from_the_file_are_what_hdf5_reads(tmp_path):
    from poseio_dlc._hdf import table_rows

    rng = np.random.default_rng(5)
    values = rng.random((5000, 6))
    values[rng.random((5000, 6)) < 0.2] = np.nan
    frame = pandas_frame("DLC_resnet50_cJan1shuffle1_1", ["a", "b"], ["x", "y", "likelihood"], values)
    plain = to_hdf(frame, tmp_path / "plain.h5", format="table")
    packed = to_hdf(frame, tmp_path / "packed.h5", format="table", complevel=5)  # filtered: through h5py
    for path in (plain, packed):
        with h5py.File(path, "r") as f:
            dataset = f["df_with_missing/table"]
            assert table_rows(dataset).tobytes() == dataset[()].tobytes()
        points, scores = poseio.load(path).numpy(return_scores=True)
        expected = values.reshape(5000, 2, 3)
        shown = np.isfinite(expected[..., :2]).all(axis=-1).any(axis=-1)
        assert np.array_equal(points[shown, 0], expected[shown][..., :2], equal_nan=True)
        assert np.isnan(points[~shown]).all()
    with open(plain, "rb") as stream:  # a file object: h5py reads it
        assert np.array_equal(poseio.load(stream, format="dlc").numpy(), points, equal_nan=True)


@pytest.mark.parametrize("missing", [0.0, 0.05, 0.5, 0.9, 1.0])
def test_which_animals_a_row_holds_is_what_every_bodypart_says(missing):
    from poseio_dlc._build import Layout
    from poseio_dlc._columns import Columns

    # Two animals and the unique bodyparts (fewer nodes: padded positions), coords in a shuffled order.
    labels = [("s", a, p, c) for a in ("m1", "m2") for p in ("nose", "ear", "tail") for c in ("y", "x", "likelihood")]
    labels += [("s", "single", p, c) for p in ("corner1", "corner2") for c in ("x", "y")]
    layout = Layout.of(Columns.from_labels(("scorer", "individuals", "bodyparts", "coords"), labels))
    rng = np.random.default_rng(int(missing * 100))
    block = rng.random((3000, len(labels)))
    block[rng.random(block.shape) < missing] = np.nan
    block[::7, 0] = np.inf  # one coord infinite: that bodypart has no point
    points = layout.points(block, "test")
    expected = (np.isfinite(points[..., 0]) & np.isfinite(points[..., 1])).any(axis=2)
    for view in (block, np.asfortranarray(block)):  # HDF5 rows, and pandas' column-major CSV block
        present = layout.present(view)
        assert present.shape == (3000, 3) and present.dtype == bool
        np.testing.assert_array_equal(present, expected)


# -- DeepLabCut projects (format dlc-project) ----------------------------------------------------

FORMATS2 = CORPUS / "formats2"
PROJECT = "dlcproj_multi_mouse-dlc_team-2022-04-12"
PROJECT_TRUTH_NOTE = "every labeled-data/*/CollectedData_<scorer>.h5 read with pandas"


def _project_truth() -> dict:
    return json.loads(corpus_file("formats2", "truth.json").read_text())[PROJECT]


def _other_h5() -> list[str]:
    """The project's HDF5 files that are not its labels (machine labels, tracked results), from the truth."""
    if not (FORMATS2 / "truth.json").exists():
        return []
    return sorted(json.loads((FORMATS2 / "truth.json").read_text())[PROJECT]["other_h5_in_project"])


def _project_points(key: str) -> np.ndarray:
    return _sorted(np.load(FORMATS2 / "truth.npz")[key])


def _pandas_labels(project: Path) -> dict[str, pd.DataFrame]:
    """Each labelled folder's CollectedData table as DeepLabCut reads it (pandas with PyTables)."""
    pytest.importorskip("tables", reason="reading pandas HDF5 needs PyTables")
    return {p.parent.name: pd.read_hdf(p) for p in sorted(project.glob("labeled-data/*/CollectedData_*.h5"))}


@pytest.mark.corpus
@pytest.mark.parametrize("entry", ["", "config.yaml"])
def test_a_project_reads_as_deeplabcut_reads_it(entry):
    truth = _project_truth()
    assert PROJECT_TRUTH_NOTE in truth["note"]  # what the truth counts: the CollectedData tables, nothing else
    project = corpus_file("formats2", PROJECT)
    labels = poseio.load(project / entry if entry else project)
    assert labels.provenance["format"] == "dlc-project"
    assert np.array_equal(finite_points(labels), _project_points(PROJECT))
    assert len(finite_points(labels)) == truth["n_points"] == 98
    assert [t.name for t in labels.tracks] == truth["individual_names"]  # config's individuals, then 'single'
    assert list(dict.fromkeys(n for s in labels.skeletons for n in s.node_names)) == truth["node_names"]
    assert len(labels) == truth["n_frames"] == 10
    # The peer (sleap-io, from the CSV twins) counts 36 labelled instances: one per individual with a point.
    assert (
        labels.to_table().predicted.sum() == 0 and len(labels.to_table()) == truth["readers"]["sleap_io"]["n_instances"]
    )
    # Every point in its place, against pandas' reading of each folder's table (DeepLabCut's own reader).
    table = labels.to_table()
    point_of = {}
    for row in range(len(table)):
        skeleton, track = labels.skeletons[table.skeleton[row]], labels.tracks[table.track[row]]
        for n, node in enumerate(skeleton.node_names):
            point_of[(int(table.video[row]), int(table.frame_idx[row]), track.name, node)] = table.points[row, n]
    folders = [PurePosixPath(v.metadata["dlc_folder"]).name for v in labels.videos]
    for folder, frame in _pandas_labels(project).items():
        v = folders.index(folder)
        assert truth["labeled_data"][folder]["rows"] == len(frame) == len(labels.videos[v].metadata["images"])
        for row, values in frame.iterrows():
            image = (row if isinstance(row, str) else "/".join(row)).replace("\\", "/").rsplit("/", 1)[-1]
            number = int("".join(c for c in image if c.isdigit()))
            for (_, animal, part, coord), value in values.items():
                got = point_of.get((v, number, animal, part), np.full(2, np.nan))["xy".index(coord)]
                assert got == value or (np.isnan(value) and np.isnan(got)), (folder, image, animal, part, coord)
    # Videos named by config.yaml's video_sets (written on another machine: a name, never opened).
    assert [v.filename.rsplit("/", 1)[-1] for v in labels.videos] == ["m3v1mp4.mp4", "m3v1mp4short.mp4"]
    assert labels.videos[0].metadata["images"][122] == "labeled-data/m3v1mp4/img0122.png"
    animals = labels.skeletons[0]
    assert animals.name == "multi_mouse" and [(e.source.name, e.destination.name) for e in animals.edges] == [
        ("bodypart1", "bodypart2"),
        ("bodypart2", "bodypart3"),
        ("bodypart1", "bodypart3"),
    ]
    details = labels.provenance["dlc_project"]
    assert details["machine_labels_not_read"] == [
        "labeled-data/m3v1mp4short/machinelabels-iter0.h5",
        "labeled-data/m3v1mp4short/machinelabels.csv",
    ]


@pytest.mark.corpus
def test_the_labelled_frames_of_a_project_are_its_images():
    from PIL import Image

    project = corpus_file("formats2", PROJECT)
    labels = poseio.load(project)
    video = labels.videos[1]
    assert np.array_equal(
        video[26], np.asarray(Image.open(project / "labeled-data/m3v1mp4short/img26.png").convert("RGB"))
    )


@pytest.mark.corpus
@pytest.mark.parametrize("relative", _other_h5())
def test_each_other_hdf5_file_of_the_project_reads_alone(relative):
    """Machine labels and tracked results are not the project's labels, but each reads alone as its truth."""
    expected = _project_truth()["other_h5_in_project"][relative]
    path = corpus_file("formats2", PROJECT, relative)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "dlc"
    assert labels.provenance["dlc"]["hdf_key"] == expected["hdf_keys"][0].strip("/")  # 'tracks' for the _el file
    assert np.array_equal(finite_points(labels), _project_points(f"{PROJECT}/{relative}"))
    assert [t.name for t in labels.tracks] == expected["individuals"]
    assert list(dict.fromkeys(n for s in labels.skeletons for n in s.node_names)) == expected["bodyparts"]
    assert len(labels) == expected["rows_with_points"]
    assert labels.to_table().predicted.all()  # a model's output, with likelihoods


def test_a_file_with_several_deeplabcut_tables_needs_key(tmp_path):
    path = tmp_path / "both.h5"
    to_hdf(pandas_frame("DLC_a", ["nose"], ["x", "y", "likelihood"], [[1.0, 2.0, 0.5]]), path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas_frame("DLC_a", ["nose"], ["x", "y", "likelihood"], [[3.0, 4.0, 0.9]]).to_hdf(path, key="tracks")
    with pytest.raises(poseio.InvalidOptionError, match=r"2 DeepLabCut tables.*'df_with_missing', 'tracks'.*key="):
        poseio.load(path)
    assert poseio.load(path, key="tracks").numpy()[0, 0, 0].tolist() == [3.0, 4.0]
    assert poseio.load(path, key="df_with_missing").numpy()[0, 0, 0].tolist() == [1.0, 2.0]


def _single_animal_project(folder: Path, windows: bool = True) -> Path:
    """A single-animal project as DeepLabCut 2.1 leaves it, by hand: config, a CSV with Windows paths, PNGs."""
    from PIL import Image

    (folder / "labeled-data" / "run1").mkdir(parents=True)
    (folder / "config.yaml").write_text(
        "# Project definitions (do not edit)\nTask: reach\nscorer: Jane\ndate: Jan1\nmultianimalproject: false\n"
        "project_path: C:\\Users\\jane\\reach-Jane-2020-01-01\n"
        "video_sets:\n  C:\\Users\\jane\\videos\\run1.avi:\n    crop: 0, 8, 0, 6\n"
        "bodyparts:\n- hand\n- finger\n- joystick\nskeleton:\n- - hand\n  - finger\n- - finger\n  - elbow\n"
    )
    sep = "\\" if windows else "/"
    write_rows(
        folder / "labeled-data" / "run1" / "CollectedData_Jane.csv",
        [
            ["scorer", *["Jane"] * 6],
            ["bodyparts", "hand", "hand", "finger", "finger", "joystick", "joystick"],
            ["coords", "x", "y", "x", "y", "x", "y"],
            [f"labeled-data{sep}run1{sep}img007.png", "1.5", "2.5", "3.0", "4.0", "", ""],
            [f"labeled-data{sep}run1{sep}img012.png", "", "", "", "", "", ""],
            [f"labeled-data{sep}run1{sep}img020.png", "5.0", "6.0", "", "", "7.25", "0.5"],
        ],
    )
    rng = np.random.default_rng(0)
    for number in (7, 12, 20):
        Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(
            folder / "labeled-data" / "run1" / f"img{number:03d}.png"
        )
    return folder


def test_a_single_animal_project_with_windows_paths_and_csv_labels(tmp_path):
    project = _single_animal_project(tmp_path / "reach-Jane-2020-01-01")
    (project / "labeled-data" / "run2").mkdir()  # frames extracted, not labelled yet
    (project / "labeled-data" / ".cache").mkdir()
    labels = poseio.load(project)
    assert labels.provenance["dlc_project"]["unlabelled_folders"] == ["run2"] and len(labels.videos) == 1
    assert labels.provenance["format"] == "dlc-project" and labels.tracks == []
    video = labels.videos[0]
    assert video.filename == "C:\\Users\\jane\\videos\\run1.avi" and video.metadata["dlc_crop"] == "0, 8, 0, 6"
    assert video.metadata["images"] == {n: f"labeled-data/run1/img{n:03d}.png" for n in (7, 12, 20)}
    assert [f.frame_idx for f in labels] == [7, 20]  # img012.png: labelled, nothing visible
    expected = [[[1.5, 2.5], [3.0, 4.0], [np.nan, np.nan]], [[5.0, 6.0], [np.nan, np.nan], [7.25, 0.5]]]
    assert np.array_equal(labels.numpy()[[7, 20], 0], expected, equal_nan=True)
    assert not labels.to_table().predicted.any()
    assert labels.skeletons[0].name == "reach" and len(labels.skeletons[0].edges) == 1
    assert labels.provenance["dlc_project"]["edges_not_kept"] == [["finger", "elbow"]]  # no bodypart 'elbow'
    assert labels.provenance["dlc_project"]["files"] == {"run1": "labeled-data/run1/CollectedData_Jane.csv"}
    assert video[20].shape == (6, 8, 3)


def test_a_project_never_reads_outside_its_folder(tmp_path):
    outside = _single_animal_project(tmp_path / "elsewhere")
    project = tmp_path / "project"
    (project / "labeled-data").mkdir(parents=True)
    (project / "config.yaml").write_text((outside / "config.yaml").read_text())
    (project / "labeled-data" / "run1").symlink_to(outside / "labeled-data" / "run1")
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(project)
    assert len(poseio.load(project, allow_external=True)) == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("Task: t\nscorer: [a, b]\nbodyparts: [a]\n", "scorer is"),
        ("Task: t\nscorer: s\nbodyparts: MULTI!\n", "bodyparts must be a list"),
        ("Task: t\nscorer: s\nmultianimalproject: true\nmultianimalbodyparts: [a]\nindividuals: [single]\n", "rename"),
        ("Task: t\nscorer: s\nbodyparts: [a, a]\n", "twice"),
        ("Task: t\nscorer: s\nbodyparts: [a]\nskeleton: a-b\n", "pairs"),
        ("Task: t\nscorer: s\nbodyparts: [a\n", "not valid YAML"),
    ],
)
def test_a_wrong_config_is_a_read_error_that_says_what(tmp_path, config, message):
    (tmp_path / "config.yaml").write_text(config)
    with pytest.raises(poseio.ReadError, match=message):
        poseio.load(tmp_path / "config.yaml", format="dlc-project")


def test_a_table_that_does_not_fit_the_config_is_refused(tmp_path):
    project = _single_animal_project(tmp_path / "p")
    text = (project / "config.yaml").read_text().replace("multianimalproject: false", "multianimalproject: true")
    (project / "config.yaml").write_text(text + "multianimalbodyparts: [hand]\nindividuals: [m1]\n")
    with pytest.raises(poseio.ReadError, match="single-animal table, but config.yaml says multianimalproject: true"):
        poseio.load(project)


@pytest.mark.corpus
def test_the_project_sniffer_claims_projects_and_declines_the_rest(tmp_path):
    project = corpus_file("formats2", PROJECT)
    for source in (project, project / "config.yaml"):
        claims = poseio.sniff(source, format="dlc-project")
        assert [c.confidence for c in claims] == [poseio.TYPED_MATCH], claims
        assert [c.format for c in poseio.explain(source).chosen] == ["dlc-project"]
    for h5 in project.rglob("*.h5"):  # each table alone is a DeepLabCut file
        assert [c.format for c in poseio.explain(h5).chosen] == ["dlc"], h5
    ultralytics = FORMATS2 / "sio095_ultralytics_embedded10"
    for source in (ultralytics, ultralytics / "data.yaml", tmp_path):
        assert max((c.confidence for c in poseio.sniff(source, format="dlc-project")), default=0) == 0
    assert "dlc-project: a folder without config.yaml" in str(poseio.explain(tmp_path))  # the reason, said
    said = str(poseio.explain(ultralytics / "data.yaml"))
    assert "dlc-project confidence 0.00: not a DeepLabCut project: a YAML file without DeepLabCut's" in said
    three_d = tmp_path / "config.yaml"
    three_d.write_text("Task: cams\nscorer: Jane\ndate: Jan1\nproject_path: /x\ncamera_names: [a, b]\n")
    assert "(a 3D project's or another tool's)" in str(poseio.explain(three_d))
    for path in sorted(FORMATS2.iterdir()):  # the other files of formats2, negatives included: not DeepLabCut's
        if path.name in NOT_DATA or path.name == PROJECT:
            continue
        assert max((c.confidence for c in poseio.sniff(path, format="dlc")), default=0) < poseio.STRUCTURE_MATCH, path


# -- writing projects ----------------------------------------------------------------------------


@pytest.mark.corpus
def test_a_written_project_is_what_deeplabcut_trains_from(tmp_path):
    from PIL import Image

    source = corpus_file("formats2", PROJECT)
    out = tmp_path / "copy"
    poseio.save(poseio.load(source), out, format="dlc-project")
    # DeepLabCut's reader (pandas) in a fresh process: every point, the exact column MultiIndex, CSV twins alike.
    run_fresh(
        f"""
        import numpy as np, pandas as pd, yaml
        from pathlib import Path, PurePosixPath
        out, source = Path({str(out)!r}), Path({str(source)!r})
        config = yaml.safe_load((out / "config.yaml").read_text())
        assert config["scorer"] == "dlc_team" and config["multianimalproject"] is True
        assert config["individuals"] == ["individual1", "individual2", "individual3"]
        assert config["multianimalbodyparts"] == ["bodypart1", "bodypart2", "bodypart3"]
        assert config["uniquebodyparts"] == ["corner1", "corner2"] and config["bodyparts"] == "MULTI!"
        edges = [["bodypart1", "bodypart2"], ["bodypart2", "bodypart3"], ["bodypart1", "bodypart3"]]
        assert config["skeleton"] == edges
        assert sorted(Path(v).stem for v in config["video_sets"]) == ["m3v1mp4", "m3v1mp4short"]
        expected = pd.MultiIndex.from_tuples(
            [("dlc_team", a, p, c) for a in config["individuals"] for p in config["multianimalbodyparts"] for c in "xy"]
            + [("dlc_team", "single", p, c) for p in config["uniquebodyparts"] for c in "xy"],
            names=["scorer", "individuals", "bodyparts", "coords"],
        )
        points = []
        for folder in ("m3v1mp4", "m3v1mp4short"):
            written = pd.read_hdf(out / "labeled-data" / folder / "CollectedData_dlc_team.h5")
            assert written.columns.equals(expected) and written.columns.names == expected.names
            assert all(r[:2] == ("labeled-data", folder) for r in written.index)
            original = pd.read_hdf(source / "labeled-data" / folder / "CollectedData_dlc_team.h5")
            # The index as DeepLabCut >= 2.2 writes it: (labeled-data, folder, image), whatever the source wrote.
            original.index = [r if isinstance(r, tuple) else tuple(r.split("/")) for r in original.index]
            assert list(written.index) == list(original.index), folder  # the rows in the source's order
            values = original.reindex(columns=expected).to_numpy(float)
            assert np.array_equal(written.to_numpy(), values, equal_nan=True)
            twin_path = out / "labeled-data" / folder / "CollectedData_dlc_team.csv"
            twin = pd.read_csv(twin_path, header=[0, 1, 2, 3], index_col=[0, 1, 2])
            assert np.array_equal(twin.to_numpy(), written.to_numpy(), equal_nan=True)
            values = written.to_numpy().reshape(-1, 2)
            points.append(values[np.isfinite(values).all(axis=1)])
        points = np.concatenate(points)
        truth = np.load(source.parent / "truth.npz")[source.name]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], truth[np.lexsort(truth.T[::-1])])
        """
    )
    # Every labelled frame's image, pixel for pixel (img09.png, which no table names, is not a labelled frame).
    written = sorted(p.relative_to(out).as_posix() for p in out.glob("labeled-data/*/*.png"))
    assert len(written) == 10 and "labeled-data/m3v1mp4short/img09.png" not in written
    for image in written:
        pixels = np.asarray(Image.open(source / image).convert("RGB"))
        assert np.array_equal(np.asarray(Image.open(out / image)), pixels), image
    back = poseio.load(out)
    assert np.array_equal(finite_points(back), _project_points(PROJECT))
    assert [t.name for t in back.tracks] == _project_truth()["individual_names"]


def test_labels_without_readable_frames_are_refused_or_written_alone(tmp_path):
    skeleton = poseio.Skeleton(["nose", "tail"], edges=[(0, 1)], name="mouse")
    points = np.array([[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [np.nan, np.nan]]]])
    video = poseio.Video(str(tmp_path / "gone.mp4"))
    labels = poseio.Labels.from_numpy(points, video=video, skeleton=skeleton, predicted=False)
    with pytest.raises(poseio.WriteError, match=r"cannot be read.*images=False"):
        poseio.save(labels, tmp_path / "p", format="dlc-project")
    assert not (tmp_path / "p").exists()
    match = r"images=False.*add labeled-data/gone/img0\.png, labeled-data/gone/img1\.png before training"
    with pytest.warns(UserWarning, match=match):
        poseio.save(labels, tmp_path / "p", format="dlc-project", images=False, scorer="Jane")
    written = read_rows(tmp_path / "p" / "labeled-data" / "gone" / "CollectedData_Jane.csv")
    assert written[:3] == [
        ["scorer", "", "", "Jane", "Jane", "Jane", "Jane"],
        ["bodyparts", "", "", "nose", "nose", "tail", "tail"],
        ["coords", "", "", "x", "y", "x", "y"],
    ]
    assert written[3:] == [
        ["labeled-data", "gone", "img0.png", "1.0", "2.0", "3.0", "4.0"],
        ["labeled-data", "gone", "img1.png", "5.0", "6.0", "", ""],
    ]
    import yaml

    config = yaml.safe_load((tmp_path / "p" / "config.yaml").read_text())
    assert config["bodyparts"] == ["nose", "tail"] and config["multianimalproject"] is False
    assert config["Task"] == "mouse" and config["skeleton"] == [["nose", "tail"]]
    assert list(config["video_sets"]) == [str(tmp_path / "gone.mp4")]


def test_what_a_project_cannot_hold_is_refused(tmp_path):
    skeleton = poseio.Skeleton(["a"])
    predicted = poseio.Labels.from_numpy(
        np.ones((1, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=skeleton, predicted=True
    )
    # A project holds labels: predictions are data the user must choose to drop, or to write as the labels.
    with pytest.raises(poseio.DataLossError, match=r"1 predicted instances.*kind='predicted' writes those"):
        poseio.save(predicted, tmp_path / "p", format="dlc-project", images=False)
    with pytest.raises(poseio.InvalidLabelsError, match="no user instances.*kind='predicted'"):
        poseio.save(predicted, tmp_path / "p", format="dlc-project", images=False, allow_loss=True)
    with pytest.warns(UserWarning, match="not written"):
        poseio.save(predicted, tmp_path / "p", format="dlc-project", images=False, kind="predicted")
    assert sorted(p.name for p in (tmp_path / "p" / "labeled-data" / "v").iterdir()) == [
        "CollectedData_poseio.csv",
        "CollectedData_poseio.h5",
    ]
    assert read_rows(tmp_path / "p" / "labeled-data" / "v" / "CollectedData_poseio.csv")[2:] == [
        ["coords", "", "", "x", "y"],
        ["labeled-data", "v", "img0.png", "1.0", "1.0"],
    ]
    three_d = poseio.Labels.from_numpy(np.ones((1, 1, 1, 3)), video=poseio.Video("v.mp4"), skeleton=skeleton)
    with pytest.raises(poseio.InvalidLabelsError, match="3D"):
        poseio.save(three_d, tmp_path / "p", format="dlc-project", images=False)
    with pytest.raises(poseio.InvalidOptionError, match="images="):
        poseio.save(three_d, tmp_path / "p", format="dlc-project", images="no")


@pytest.mark.corpus
def test_a_project_converts_to_nwb(tmp_path):
    if "nwb-annotations" not in [f.name for f in poseio.formats()]:
        pytest.skip("the nwb-annotations plugin is not installed")
    out = tmp_path / "x.nwb"
    poseio.save(poseio.load(corpus_file("formats2", PROJECT)), out, fps=30)
    with h5py.File(out) as f:  # read without poseio: the skeletons and their nodes
        behavior = f["processing/behavior"]
        assert sorted(behavior["Skeletons"]) == ["multi_mouse", "uniquebodyparts"]
        nodes = [n.decode() for n in behavior["Skeletons/multi_mouse/nodes"][()]]
        assert nodes == ["bodypart1", "bodypart2", "bodypart3"]
    back = poseio.load(out)
    assert back.provenance["format"] == "nwb-annotations"
    assert len(back) == 10 and len(back.to_table()) == 36 and not back.to_table().predicted.any()
    assert np.array_equal(finite_points(back), _project_points(PROJECT))
    assert [t.name for t in back.tracks] == _project_truth()["individual_names"]


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_multi_animal_csv_reads_column_for_column_whatever_the_column_order(tmp_path, shuffled):
    """Every animal's x, y and likelihood land where their labels say, in any column order (the columns
    of pandas' block are reordered in place into the table's track-major memory)."""
    rng = np.random.default_rng(11)
    animals, nodes = ["mouse1", "mouse2", "mouse3"], ["snout", "ear", "tail"]
    values = rng.random((500, 3 * 3 * 3))
    frame = pandas_frame("DLC_resnet50_aJan1shuffle1_1", nodes, ["x", "y", "likelihood"], values, animals=animals)
    if shuffled:  # animals in another order, each bodypart's coords backwards
        scorer = "DLC_resnet50_aJan1shuffle1_1"
        order = [(scorer, a, n, c) for a in animals[::-1] for n in nodes for c in ("likelihood", "y", "x")]
        frame = frame[order]
    path = tmp_path / "videoDLC_resnet50_aJan1shuffle1_1.csv"
    frame.to_csv(path)
    labels = poseio.load(path)
    points, scores = labels.numpy(return_scores=True)
    tracks = [t.name for t in labels.tracks]
    assert tracks == (animals[::-1] if shuffled else animals) and labels.skeletons[0].node_names == nodes
    for animal in animals:
        k = tracks.index(animal)
        for j, node in enumerate(nodes):
            for c, coord in enumerate(["x", "y"]):
                assert np.array_equal(points[:, k, j, c], frame[("DLC_resnet50_aJan1shuffle1_1", animal, node, coord)])
            assert np.array_equal(scores[:, k, j], frame[("DLC_resnet50_aJan1shuffle1_1", animal, node, "likelihood")])
