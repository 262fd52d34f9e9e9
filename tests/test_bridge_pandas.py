"""poseio.bridges to and from pandas: DeepLabCut's own tables, read by pandas from the same files, and tidy tables."""

from __future__ import annotations

import io
import sys

import numpy as np
import poseio
import pytest
from conftest import corpus_file
from hypothesis import given, settings
from poseio.bridges import from_dataframe, to_dataframe
from poseio.testing import ALL_ASPECTS, assert_labels_equal, labels_strategy, visible_point_rows

pd = pytest.importorskip("pandas")

# DeepLabCut tables indexed by frame number (a video's predictions), and the HDF5 key each is under.
VIDEO_TABLES = {
    "DLC_sample_poses.h5": "df_with_missing",
    "DLC_sample_poses.csv": None,
    "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5": "df_with_missing",
    "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.csv": None,
    "briefDeepCut_resnet50_TESTAug16shuffle1_10.csv": None,
    "m3v1mp4shortDLC_effnet_b0_multi_mouseApr12shuffle1_5_el.h5": "tracks",
    "montblanc_tracks.h5": "df",
    "vid1_DLC_3D.h5": "df_with_missing",
    "movement015_single_mouse1_dlc.h5": "df_with_missing",
    "movement015_single_openfield_dlc_table.h5": "df_with_missing",
    "movement015_multi_two_tracks_dlc_table.h5": "df_with_missing",
    "movement015_multi_two_animals_dlc.csv": None,
    "movement015_single_confidence_filtered_nans_dlc.csv": None,
    "movement015_lp_rat_head_tail.csv": None,
}
# Labelled data, indexed by image path (over this many index columns).
IMAGE_TABLES = {
    "CollectedData_Pranav.h5": 1,
    "CollectedData_Pranav.csv": 1,
    "CollectedData_Mackenzie.csv": 1,
    "CollectedData_dlc_team.csv": 1,
    "CollectedData_shaokai.csv": 3,
    "machinelabels.csv": 1,
}
READ_BACK = frozenset({"points", "frames", "tracks", "kinds", "point_scores", "skeleton_name"})


def _read_with_pandas(path, key: str | None = None, index_columns: int = 1):
    """The table as DeepLabCut itself reads its files (pandas), multi-animal CSVs with four header rows."""
    if path.suffix == ".h5":
        return pd.read_hdf(path, key=key) if key else pd.read_hdf(path)
    multi = path.read_text().splitlines()[1].split(",")[0] == "individuals"
    return pd.read_csv(path, header=[0, 1, 2, 3] if multi else [0, 1, 2], index_col=list(range(index_columns)))


def _assert_same_table(ours, theirs) -> None:
    assert list(ours.columns.names) == list(theirs.columns.names)
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours.index) == list(theirs.index)
    assert ours.dtypes.eq(np.float64).all()
    np.testing.assert_array_equal(ours.to_numpy(), theirs.to_numpy(dtype=np.float64))  # NaN where NaN


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(VIDEO_TABLES))
def test_to_dataframe_is_the_table_deeplabcut_wrote(name):
    path = corpus_file("formats", name)
    theirs = _read_with_pandas(path, VIDEO_TABLES[name])
    _assert_same_table(to_dataframe(poseio.load(path)), theirs)


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(IMAGE_TABLES))
def test_to_dataframe_by_image_is_the_labelled_data_deeplabcut_wrote(name):
    path = corpus_file("formats", name)
    theirs = _read_with_pandas(path, index_columns=IMAGE_TABLES[name])
    if isinstance(theirs.index, pd.MultiIndex):
        theirs.index = pd.Index(["/".join(parts) for parts in theirs.index])
    ours = to_dataframe(poseio.load(path), index="images")
    # DeepLabCut keeps its rows in the order they were labelled, poseio in frame order.
    _assert_same_table(ours, theirs.loc[list(ours.index)])
    assert len(ours) == len(theirs)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "index_columns"), [(n, 1) for n in sorted(VIDEO_TABLES)] + sorted(IMAGE_TABLES.items())
)
def test_from_dataframe_of_deeplabcuts_table_is_what_poseio_reads(name, index_columns):
    path = corpus_file("formats", name)
    labels = poseio.load(path)
    back = from_dataframe(_read_with_pandas(path, VIDEO_TABLES.get(name), index_columns))
    assert_labels_equal(labels, back, READ_BACK)
    assert back.provenance["dlc"]["scorer"] == labels.provenance["dlc"]["scorer"]
    assert back.videos[0].metadata.get("images") == labels.videos[0].metadata.get("images")


@pytest.mark.corpus
@pytest.mark.parametrize(
    "path",
    [("formats", "montblanc_tracks.h5"), ("formats", "typical.slp"), ("nwb", "a_pose_estimation_two_animals.nwb")],
)
def test_the_tidy_table_holds_every_visible_point_and_no_other(path):
    labels = poseio.load(corpus_file(*path))
    df = to_dataframe(labels, "tidy", visible_only=True)
    rows = zip(df["frame"], df["track"].astype(object).where(df["track"].notna(), None), df["node"], df["x"], df["y"])
    assert sorted(rows, key=repr) == sorted(visible_point_rows(labels), key=repr)
    assert len(to_dataframe(labels, "tidy")) == sum(len(i.points) for f in labels for i in f.instances)


@pytest.mark.corpus
def test_the_tidy_table_keeps_each_points_instance_and_scores():
    labels = poseio.load(corpus_file("formats", "labels.v002.slp"))  # user and predicted instances, no tracks
    df = to_dataframe(labels, "tidy")
    for frame in labels:
        rows = df[df["frame"] == frame.frame_idx]
        assert sorted(set(rows["instance"])) == list(range(len(frame.instances)))
        for number, instance in enumerate(frame.instances):
            mine = rows[rows["instance"] == number]
            assert list(mine["node"]) == instance.skeleton.node_names
            np.testing.assert_array_equal(mine[["x", "y"]].to_numpy(), instance.points)
            predicted = isinstance(instance, poseio.PredictedInstance)
            assert mine["predicted"].eq(predicted).all()
            if predicted:
                np.testing.assert_array_equal(mine["score"], instance.point_scores)
                assert mine["instance_score"].eq(instance.score).all()
            else:
                assert mine[["score", "instance_score", "tracking_score"]].isna().all().all()


@settings(max_examples=40, deadline=None)
@given(labels_strategy(ndim=None))
def test_labels_to_a_tidy_table_and_back_keep_everything(labels):
    assert_labels_equal(labels, from_dataframe(to_dataframe(labels, "tidy")), ALL_ASPECTS)


@settings(max_examples=25, deadline=None)
@given(labels_strategy(ndim=None))
def test_a_tidy_table_through_csv_keeps_the_poses(labels):
    buffer = io.StringIO()
    table = to_dataframe(labels, "tidy")
    table.to_csv(buffer, index=False)
    buffer.seek(0)
    # A CSV has neither categories nor df.attrs: names come back as text, skeleton edges and video details not.
    text = {c: "string" for c in ("video", "track", "skeleton", "node")}
    # Only an empty cell is missing: a node named "NA" or "nan" is a name (pandas would read it as missing).
    missing = {str(c): [""] for c in table.columns if c != "node"}
    back = from_dataframe(pd.read_csv(buffer, dtype=text, keep_default_na=False, na_values=missing))
    assert_labels_equal(labels, back, ALL_ASPECTS - {"edges", "symmetries", "video_shape", "fps"})


@settings(max_examples=40, deadline=None)
@given(labels_strategy(ndim=None, max_videos=1, user=False, untracked=False, max_untracked=1))
def test_predictions_to_a_deeplabcut_table_and_back_keep_the_poses(labels):
    df = to_dataframe(labels, individuals=bool(labels.tracks))
    assert list(df.index) == list(range(labels.videos[0].shape[0]))
    back = from_dataframe(df)
    assert_labels_equal(
        labels, back, frozenset({"points", "frames", "tracks", "kinds", "point_scores", "videos", "fps", "video_shape"})
    )


@settings(max_examples=20, deadline=None)
@given(labels_strategy(ndim=2, max_videos=1, predicted=False, untracked=False, max_untracked=1))
def test_user_labels_to_a_deeplabcut_table_have_no_likelihood_and_come_back_as_user_labels(labels):
    df = to_dataframe(labels, individuals=bool(labels.tracks), all_frames=False)
    assert set(df.columns.get_level_values("coords")) == {"x", "y"}
    assert list(df.index) == sorted({f.frame_idx for f in labels})
    back = from_dataframe(df)
    assert back.n_predicted_instances == 0
    assert_labels_equal(labels, back, frozenset({"points", "frames", "tracks", "kinds"}))


def _crowd() -> poseio.Labels:
    """Two untracked animals in each of two frames."""
    points = np.arange(2 * 2 * 2 * 2, dtype=float).reshape(2, 2, 2, 2)
    labels = poseio.Labels.from_numpy(points, video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a", "b"]))
    assert len(labels.tracks) == 0 and labels.n_predicted_instances == 4
    return labels


def test_an_untracked_crowd_needs_individuals_in_a_deeplabcut_table():
    labels = _crowd()
    df = labels.to_dataframe()
    assert list(dict.fromkeys(df.columns.get_level_values("individuals"))) == ["individual_0", "individual_1"]
    np.testing.assert_array_equal(df.xs("x", axis=1, level="coords").to_numpy(), labels.numpy()[..., 0].reshape(2, 4))
    with pytest.raises(poseio.InvalidLabelsError, match="pass individuals=True"):
        labels.to_dataframe(individuals=False)
    # The tidy table keeps the crowd apart by instance number and gives it back untracked.
    back = poseio.Labels.from_dataframe(labels.to_dataframe("tidy"))
    assert_labels_equal(labels, back, ALL_ASPECTS)
    assert not back.tracks


@pytest.mark.parametrize(
    ("df", "message"),
    [
        (pd.DataFrame({"frame": [0], "x": [1.0], "y": [2.0]}), r"lacks the columns \['node'\]"),
        (pd.DataFrame({"frame": [0.5], "node": ["a"], "x": [1.0], "y": [2.0]}), "whole numbers"),
        (pd.DataFrame({"frame": [0, 0], "node": ["a", "a"], "x": [1.0, 3.0], "y": [2.0, 4.0]}), "appears twice"),
        (pd.DataFrame({"frame": [0], "node": [None], "x": [1.0], "y": [2.0]}), "node column has empty cells"),
        (pd.DataFrame({"frame": [0], "node": ["a"], "x": ["one"], "y": [2.0]}), "x column holds values that are not"),
        (pd.DataFrame(np.ones((1, 2)), columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])), "three or four"),
        (
            pd.DataFrame(np.ones((1, 2)), columns=pd.MultiIndex.from_tuples([("s", "a", "x"), ("s", "a", "q")])),
            "has x and y",
        ),
        (
            pd.DataFrame(np.ones((2, 2)), index=[3, 3], columns=pd.MultiIndex.from_product([["s"], ["a"], ["x", "y"]])),
            "holds a frame twice",
        ),
    ],
)
def test_from_dataframe_refuses_tables_it_cannot_read_and_says_why(df, message):
    with pytest.raises(poseio.InvalidLabelsError, match=message):
        from_dataframe(df)


def test_a_tidy_tables_predicted_column_is_read_as_words_or_numbers_and_nothing_else():
    rows = {"frame": [0, 1], "node": ["a", "a"], "x": [1.0, 2.0], "y": [3.0, 4.0]}
    for column in (["False", "True"], [0, 1], np.array([False, True])):
        labels = from_dataframe(pd.DataFrame({**rows, "predicted": column}))
        assert [type(i) is poseio.PredictedInstance for f in labels for i in f.instances] == [False, True]
    with pytest.raises(poseio.InvalidLabelsError, match="the predicted column holds 'maybe'"):
        from_dataframe(pd.DataFrame({**rows, "predicted": ["maybe", "True"]}))


def test_a_malformed_video_shape_in_attrs_is_ignored():
    df = pd.DataFrame({"frame": [0], "node": ["a"], "x": [1.0], "y": [2.0]})
    df.attrs["videos"] = {"": {"shape": ["a"], "fps": 30}}
    labels = from_dataframe(df)
    assert labels.videos[0].fps == 30 and labels.videos[0].shape != ("a",)
    np.testing.assert_array_equal(labels.numpy()[0, 0, 0], [1.0, 2.0])


def test_from_dataframe_and_to_dataframe_refuse_wrong_arguments():
    labels = _crowd()
    with pytest.raises(poseio.InvalidArgumentError, match="pandas.DataFrame"):
        from_dataframe({"frame": [0]})
    with pytest.raises(poseio.InvalidOptionError, match="layout="):
        to_dataframe(labels, layout="wide")
    with pytest.raises(poseio.InvalidOptionError, match="apply to layout='dlc' only"):
        to_dataframe(labels, "tidy", scorer="me")
    with pytest.raises(poseio.InvalidOptionError, match="tidy' only"):
        to_dataframe(labels, visible_only=True)
    with pytest.raises(poseio.InvalidOptionError, match="metadata\\['images'\\]"):
        to_dataframe(labels, index="images")
    with pytest.raises(poseio.InvalidOptionError, match="video= names the video of a table without"):
        from_dataframe(to_dataframe(labels, "tidy"), video="other.mp4")


def test_without_pandas_the_bridge_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(poseio.MissingDependencyError, match=r'pip install "poseio\[pandas\]"'):
        _crowd().to_dataframe()
