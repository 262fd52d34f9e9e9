"""poseio.bridges to and from movement: the datasets movement's own readers build, from the same files."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from hypothesis import given, settings
from poseio.bridges import from_movement, to_movement
from poseio.testing import assert_labels_equal, labels_strategy

xr = pytest.importorskip("xarray")
movement = pytest.importorskip("movement")
from movement.io import load_poses, save_poses  # noqa: E402
from movement.validators.datasets import ValidPosesInputs  # noqa: E402

# Files movement 0.15 reads as the truth readers do (formats/MANIFEST.md lists the ones it misreads).
DLC_FILES = [
    "DLC_sample_poses.h5",
    "DLC_sample_poses.csv",
    "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5",
    "briefDeepCut_resnet50_TESTAug16shuffle1_10.csv",
    "vid1_DLC_3D.h5",
    "movement015_single_mouse1_dlc.h5",
    "movement015_multi_two_tracks_dlc_table.h5",
    "movement015_multi_two_animals_dlc.csv",
    "movement015_single_confidence_filtered_nans_dlc.csv",
]
SLEAP_FILES = [
    "movement015_two_tracks.analysis.h5",
    "sio095_predictions_two_tracks.analysis.h5",
    "legacy_nodims.analysis.h5",
    "sio095_predictions_two_tracks.slp",
]
KEEPS = frozenset({"points", "frames", "tracks", "kinds", "point_scores", "videos", "fps"})


def _without_video_path(ds):
    # video_path is the one attribute movement's file readers do not set (its sample datasets do).
    return ds.assign_attrs(video_path=None)


@pytest.mark.corpus
@pytest.mark.parametrize("name", DLC_FILES)
@pytest.mark.parametrize("fps", [None, 30])
def test_to_movement_is_what_movement_reads_from_a_deeplabcut_file(name, fps):
    path = corpus_file("formats", name)
    ours = to_movement(poseio.load(path), fps=fps)
    theirs = load_poses.from_dlc_file(path, fps=fps)
    ValidPosesInputs.validate(ours)
    # Values, coordinates, dtypes and every attribute movement sets, exactly.
    xr.testing.assert_identical(_without_video_path(ours), _without_video_path(theirs))
    assert ours.attrs["video_path"] == poseio.load(path).videos[0].filename


@pytest.mark.corpus
def test_to_movement_is_what_movement_reads_from_a_lightning_pose_file():
    path = corpus_file("formats", "movement015_lp_rat_head_tail.csv")
    theirs = load_poses.from_lp_file(path)
    ours = to_movement(poseio.load(path), source_software="LightningPose")
    xr.testing.assert_identical(_without_video_path(ours), _without_video_path(theirs))


@pytest.mark.corpus
@pytest.mark.parametrize("name", SLEAP_FILES)
def test_to_movement_is_what_movement_reads_from_a_sleap_file(name):
    path = corpus_file("formats", name)
    ours = to_movement(poseio.load(path))
    theirs = load_poses.from_sleap_file(path)
    ValidPosesInputs.validate(ours)
    # movement casts SLEAP files to float32; poseio keeps what the file stores (float64 in some).
    assert theirs.position.dtype == np.float32 and ours.position.dtype == np.float64
    xr.testing.assert_identical(_without_video_path(ours).astype(np.float32), _without_video_path(theirs))


@pytest.mark.corpus
def test_to_movement_is_what_movement_reads_from_an_anipose_file():
    path = corpus_file("formats", "anipose1124_wasp_pose-3d.csv")
    ours = to_movement(poseio.load(path))
    theirs = load_poses.from_anipose_file(path)
    # movement names the one animal of an Anipose file id_0 (from_numpy's default), poseio individual_0.
    assert list(theirs.individuals.values) == ["id_0"] and list(ours.individuals.values) == ["individual_0"]
    ours = ours.assign_coords(individuals=["id_0"])
    xr.testing.assert_equal(ours, theirs)
    assert ours.attrs["source_software"] == theirs.attrs["source_software"] == "Anipose"


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["a_pose_estimation_two_animals.nwb", "mv_movement_mouse1.nwb"])
def test_to_movement_of_nwb_labels_passes_movements_validator_and_keeps_the_producers_name(name):
    labels = poseio.load(corpus_file("nwb", name))
    ds = to_movement(labels)
    ValidPosesInputs.validate(ds)
    points, scores = labels.numpy(return_scores=True)
    np.testing.assert_array_equal(ds.position.values, points.transpose(0, 3, 2, 1))
    np.testing.assert_array_equal(ds.confidence.values, scores.transpose(0, 2, 1))
    assert ds.attrs["fps"] == labels.videos[0].fps and ds.attrs["time_unit"] == "seconds"
    np.testing.assert_array_equal(ds.time.values, np.arange(ds.sizes["time"]) / labels.videos[0].fps)
    container = labels.provenance["nwb_containers"][0]["fields"]
    assert ds.attrs["source_software"] == container.get("source_software")


@pytest.mark.corpus
def test_movement_writes_from_our_dataset_what_to_dataframe_gives():
    # movement's own DeepLabCut writer, fed our dataset, gives the table poseio's DeepLabCut bridge gives.
    pd = pytest.importorskip("pandas")
    labels = poseio.load(corpus_file("formats", "movement015_multi_two_tracks_dlc_table.h5"))
    theirs = save_poses.to_dlc_style_df(to_movement(labels))
    pd.testing.assert_frame_equal(theirs, poseio.bridges.to_dataframe(labels, scorer="movement"))


@pytest.mark.corpus
@pytest.mark.parametrize("name", DLC_FILES[:4] + ["movement015_multi_two_tracks_dlc_table.h5"])
def test_from_movement_of_movements_dataset_is_what_poseio_reads(name):
    path = corpus_file("formats", name)
    labels = poseio.load(path)
    ds = load_poses.from_dlc_file(path)
    back = from_movement(ds, untracked=[] if labels.tracks else list(ds.individuals.values))
    assert_labels_equal(labels, back, frozenset({"points", "frames", "tracks", "kinds", "point_scores"}))
    assert back.provenance["source"] == path.as_posix()


@settings(max_examples=40, deadline=None)
@given(labels_strategy(ndim=None, max_videos=1, user=False, untracked=False, max_untracked=1))
def test_labels_to_movement_and_back_keep_the_poses(labels):
    ds = to_movement(labels)
    ValidPosesInputs.validate(ds)
    assert ds.attrs["fps"] == labels.videos[0].fps
    back = from_movement(ds, untracked=[] if labels.tracks else ["individual_0"])
    assert_labels_equal(labels, back, KEEPS)


@settings(max_examples=20, deadline=None)
@given(labels_strategy(max_videos=1, predicted=False, untracked=False, max_untracked=1))
def test_user_labels_go_to_movement_without_confidence_and_come_back_as_user_labels(labels):
    ds = to_movement(labels)
    assert np.isnan(ds.confidence.values).all()
    back = from_movement(ds, predicted=False, untracked=[] if labels.tracks else ["individual_0"])
    assert back.n_predicted_instances == 0
    assert_labels_equal(labels, back, KEEPS - {"point_scores"})


def test_untracked_crowds_become_numbered_individuals():
    skeleton = poseio.Skeleton(["a", "b"])
    tracks = [poseio.Track("individual_0")]  # a name the generated ones must skip
    points = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    labels = poseio.Labels.from_numpy(points[:, :1], video=poseio.Video("v.mp4"), skeleton=skeleton, tracks=tracks)
    crowd = poseio.Labels.from_numpy(points[:, 1:], video=labels.videos[0], skeleton=skeleton)
    table = poseio.PoseTable.concat([labels.to_table(), crowd.to_table()])
    labels = poseio.Labels.from_table(table, videos=labels.videos, skeletons=[skeleton], tracks=tracks)
    ds = labels.to_movement()
    assert list(ds.individuals.values) == ["individual_0", "individual_1", "individual_2"]
    np.testing.assert_array_equal(ds.position.values, points.transpose(0, 3, 2, 1))
    assert ds.attrs["time_unit"] == "frames" and ds.time.dtype == np.int64


def test_from_movement_reads_seconds_a_selection_and_a_skeleton():
    rng = np.random.default_rng(0)
    ds = load_poses.from_numpy(
        rng.random((6, 2, 3, 2)), rng.random((6, 3, 2)), ["ann", "bob"], ["nose", "ear", "tail"], fps=25
    )
    part = ds.isel(time=slice(2, 5)).sel(individuals="bob")  # frames 2-4 of one animal, no individuals dim
    skeleton = poseio.Skeleton(["tail", "ear", "nose", "paw"], edges=[(0, 1)])
    labels = poseio.Labels.from_movement(part, skeleton=skeleton)
    assert [f.frame_idx for f in labels] == [2, 3, 4] and [t.name for t in labels.tracks] == ["bob"]
    assert labels.skeletons == [skeleton] and labels.videos[0].fps == 25
    want = ds.position.sel(individuals="bob").values[2:5].transpose(0, 2, 1)  # (time, keypoints, space)
    points = labels.numpy()[2:5, 0]
    np.testing.assert_array_equal(points[:, [2, 1, 0]], want)
    assert np.isnan(points[:, 3]).all()
    np.testing.assert_array_equal(
        labels.numpy(return_scores=True)[1][2:5, 0, [2, 1, 0]], ds.confidence.values[2:5, :, 1]
    )


def _dataset(**changes):
    ds = load_poses.from_numpy(np.ones((3, 2, 2, 1)), individual_names=["a"], keypoint_names=["x1", "x2"], fps=10)
    return ds.assign_attrs(**changes)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: _dataset().drop_vars("position"), poseio.InvalidLabelsError, "no 'position' variable"),
        (lambda: _dataset(ds_type="bboxes"), poseio.InvalidLabelsError, "'bboxes' dataset"),
        (lambda: _dataset(fps=None), poseio.InvalidLabelsError, "pass fps="),
        (lambda: _dataset().assign(time=[0.0, 0.05, 0.1]), poseio.InvalidLabelsError, "is not a frame"),
        (lambda: _dataset().expand_dims(view=["left", "right"]), poseio.InvalidLabelsError, r"ds.sel\(view=...\)"),
        (lambda: _dataset().isel(keypoints=0), poseio.InvalidLabelsError, r"without \['keypoints'\]"),
        (lambda: _dataset().position, poseio.InvalidArgumentError, "takes an xarray.Dataset"),
    ],
)
def test_from_movement_refuses_what_is_not_a_poses_dataset_and_says_why(make, error, message):
    with pytest.raises(error, match=message):
        from_movement(make())


def test_from_movement_refuses_untracked_names_it_does_not_have():
    with pytest.raises(poseio.InvalidOptionError, match="untracked= must list individuals"):
        from_movement(_dataset(), untracked=["zed"])
    with pytest.raises(poseio.InvalidOptionError, match="untracked= must list individuals"):
        from_movement(_dataset(), untracked="a")
    with pytest.raises(poseio.InvalidOptionError, match="untracked= must list individuals"):
        from_movement(_dataset(), untracked=5)


def test_from_movement_refuses_two_individuals_of_one_name():
    ds = load_poses.from_numpy(np.arange(24.0).reshape(3, 2, 2, 2), individual_names=["m", "n"], fps=10)
    ds = ds.assign_coords(individuals=["m", "m"])  # movement's loaders refuse this; an edit of the coordinates does not
    with pytest.raises(poseio.InvalidLabelsError, match="more than one individual .m."):
        from_movement(ds)


def test_from_movement_copies_the_datasets_values():
    ds = load_poses.from_numpy(np.arange(12.0).reshape(3, 2, 2, 1), individual_names=["a"], fps=10)
    labels = from_movement(ds.drop_vars("space"))
    before = labels.numpy().copy()
    ds["position"].values[:] = -1.0
    np.testing.assert_array_equal(labels.numpy(), before)


def test_to_movement_refuses_what_it_cannot_lay_out():
    with pytest.raises(poseio.InvalidArgumentError, match="poseio.Labels"):
        to_movement({"position": 1})
    labels = poseio.Labels.from_numpy(np.ones((2, 1, 2, 2)), video=poseio.Video("v"), skeleton=poseio.Skeleton("ab"))
    with pytest.raises(poseio.InvalidOptionError, match="fps="):
        to_movement(labels, fps=-1)
    with pytest.raises(poseio.InvalidOptionError, match="kind="):
        to_movement(labels, kind="some")


def test_without_xarray_the_bridge_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)  # makes "import xarray" fail
    labels = poseio.Labels.from_numpy(np.ones((1, 1, 1, 2)), video=poseio.Video("v"), skeleton=poseio.Skeleton(["a"]))
    with pytest.raises(poseio.MissingDependencyError, match=r'pip install "poseio\[movement\]"') as caught:
        labels.to_movement()
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, poseio.UsageError)
    assert caught.value.name == "xarray"


def test_importing_poseio_and_its_bridges_imports_none_of_the_libraries():
    run_fresh(
        """
        import numpy as np
        import poseio.bridges
        labels = poseio.Labels.from_numpy(np.ones((2, 1, 1, 2)), video=poseio.Video("v"), skeleton=poseio.Skeleton("a"))
        heavy = [m for m in ("xarray", "pandas", "movement", "sleap_io") if m in sys.modules]
        assert not heavy, heavy
        """
    )


def test_the_examples_of_the_bridges_page_run(tmp_path, monkeypatch):
    pytest.importorskip("sleap_io")
    pytest.importorskip("pandas")
    page = (Path(__file__).resolve().parents[1] / "docs" / "bridges.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)  # the examples write files
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/bridges.md", "exec"), namespace)
    assert_labels_equal(namespace["labels"], namespace["again"], frozenset({"points", "frames", "tracks"}))
    assert (tmp_path / "session1.slp").exists() and (tmp_path / "session1DLC_poseio.h5").exists()


def test_from_movement_takes_the_space_coordinate_by_name():
    ds = load_poses.from_numpy(np.arange(12, dtype=float).reshape(3, 2, 2, 1), keypoint_names=["a", "b"])
    swapped = ds.isel(space=[1, 0])  # y before x
    assert list(swapped.space.values) == ["y", "x"]
    assert_labels_equal(from_movement(ds), from_movement(swapped), KEEPS)
