"""Every pose file of the shared corpus loads with exactly its finite rows; the rest are refused.

Row counts come from ../shared/corpus/MANIFEST.md: one row per (series, time)
with finite coordinates for PoseEstimation, one per visible node for
SkeletonInstance.
"""

import numpy as np
import poseio
import pytest
from conftest import corpus_file

# file -> (visible points, dimensions present, user instances expected?)
POSE_FILES = {
    "a_pose_estimation_two_animals.nwb": 960,
    "b_pose_training.nwb": 80,
    "d_pose_in_nonbehavior_module.nwb": 240,
    "g_ndxpose_0.1.1_nodes_edges.nwb": 400,
    "ref_ndxpose_backcompat_0.1.1_poseestimation_nodes_edges.nwb": 200,
    "ref_ndxpose_backcompat_0.1.1_poseestimation_no_cameras.nwb": 0,
    "ref_ndxpose_backcompat_0.3.0_poseestimation_one_camera.nwb": 20,
    "ref_ndxpose_backcompat_0.3.0_poseestimation_two_cameras.nwb": 20,
    "ref_dlc2nwb_example_m3v1mp4.nwb": 9320,
    "dlc2nwb_m1videoDLC_resnet50_openfieldOct30shuffle1_1600_ind1.nwb": 200,
    "nc_deeplabcut_single.nwb": 200,
    "nc_sleap_two_tracks.nwb": 400,
    "mv_movement_mouse1.nwb": 200,
    "sio_predictions.nwb": 399,
    "sio_annotations.nwb": 24,
    "sio095_typical.predictions.nwb": 2,
    "sio095_typical.annotations.nwb": 6,
    "sio095_labels.v002.rel_paths.annotations.nwb": 42,
    "sio095_multiview.predictions.nwb": 507,
    "sleapiojs_minimal.pose.nwb": 8,
    "sleapiojs_minimal.annotations.nwb": 8,
    "sleapiojs_legacy.pose.nwb": 4,
    "sleapiojs_untracked.dandi.pose.nwb": 6,
}


def finite_rows_in_file(path) -> int:
    """Count the manifest's rows straight from HDF5, independently of poseio's reader."""
    import h5py

    count = 0
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            nonlocal count
            kind = obj.attrs.get("neurodata_type")
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if kind == "PoseEstimationSeries":
                count += int(np.isfinite(obj["data"][()]).all(axis=-1).sum())
            elif kind == "SkeletonInstance":
                points = obj["node_locations"][()]
                visible = np.isfinite(points).all(axis=1)
                if "node_visibility" in obj:
                    visible &= obj["node_visibility"][()].astype(bool)
                count += int(visible.sum())

        f.visititems(visit)
    return count


def visible_points(labels: poseio.Labels) -> int:
    table = labels.to_table()
    return int(np.isfinite(table.points[..., :2]).all(axis=-1).sum())


@pytest.mark.corpus
@pytest.mark.parametrize("name, rows", POSE_FILES.items())
def test_pose_file_loads_every_finite_row(name, rows):
    path = corpus_file("nwb", name)
    labels = poseio.load(path)
    assert visible_points(labels) == rows == finite_rows_in_file(path)


@pytest.mark.corpus
def test_two_animals_file_has_tracks_timing_and_links():
    labels = poseio.load(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    assert [t.name for t in labels.tracks] == ["mouse1", "mouse2"]
    (video,) = labels.videos
    assert video.filename.endswith("videos/camera1.mp4") and video.fps == 30.0
    assert video.shape[:3] == (120, 480, 640)
    assert [s.node_names for s in labels.skeletons] == [["snout", "left_ear", "right_ear", "tail_base"]] * 2
    points = labels.numpy(skeleton=labels.skeletons[1])
    # mouse2 starts at 0.5 s on a 30 Hz video: frame 15.
    first = np.flatnonzero(np.isfinite(points[:, 1, 0, 0]))
    assert first[0] == 15 and first[-1] == 134
    # mouse2's tail_base has no confidence: NaN scores there, real ones elsewhere.
    _, scores = labels.numpy(skeleton=labels.skeletons[1], return_scores=True)
    assert np.isnan(scores[15:135, 1, 3]).all() and np.isfinite(scores[15:135, 1, 0]).all()


@pytest.mark.corpus
def test_node_order_comes_from_the_skeleton_not_hdf5_order():
    import h5py

    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    labels = poseio.load(path)
    with h5py.File(path) as f:
        snout = f["processing/behavior/PoseEstimation_mouse1/snout/data"][()]
    points = labels.numpy(skeleton=labels.skeletons[0])
    # Its timestamps start at 0.5 s too: frames 15 to 134 of the 30 Hz video.
    np.testing.assert_allclose(points[15:135, 0, 0], snout)


@pytest.mark.corpus
def test_neuroconv_series_map_to_raw_skeleton_names():
    import h5py

    path = corpus_file("nwb", "nc_deeplabcut_single.nwb")
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == ["snout", "leftear", "rightear", "tailbase"]
    with h5py.File(path) as f:
        leftear = f["processing/behavior/PoseEstimationDeepLabCut/PoseEstimationSeriesLeftear/data"][()]
    np.testing.assert_allclose(labels.numpy()[:, 0, 1], leftear)


@pytest.mark.corpus
def test_neuroconv_tracks_come_from_container_names():
    labels = poseio.load(corpus_file("nwb", "nc_sleap_two_tracks.nwb"))
    assert [t.name for t in labels.tracks] == ["Track0", "Track1"]


@pytest.mark.corpus
def test_dlc2nwb_individual_prefix_becomes_a_track():
    labels = poseio.load(corpus_file("nwb", "ref_dlc2nwb_example_m3v1mp4.nwb"))
    assert [t.name for t in labels.tracks] == ["ind1"]
    assert labels.skeletons[0].node_names == ["snout", "leftear", "rightear", "tailbase"]
    assert len(labels) == 2330 and labels.provenance["frame_timing"]["fake_path"] == "frame indices stored as seconds"


@pytest.mark.corpus
def test_sleap_io_track_names_and_frame_numbers():
    labels = poseio.load(corpus_file("nwb", "sio_predictions.nwb"))
    assert [t.name for t in labels.tracks] == ["track_0", "track_1"]
    points = labels.numpy()
    assert points.shape[:3] == (50, 2, 4)
    # One leftear row was dropped by sleap-io: 399 points, one NaN node.
    assert int(np.isnan(points[..., 0]).sum()) == 1


@pytest.mark.corpus
def test_sleap_io_multiview_keeps_one_skeleton_and_eight_videos():
    labels = poseio.load(corpus_file("nwb", "sio095_multiview.predictions.nwb"))
    assert len(labels.videos) == 8 and len(labels.skeletons) == 1


@pytest.mark.corpus
def test_mixed_2d_and_3d_series():
    labels = poseio.load(corpus_file("nwb", "ref_ndxpose_backcompat_0.1.1_poseestimation_nodes_edges.nwb"))
    table = labels.to_table()
    assert table.ndim == 3
    assert labels.tracks == []  # "front_" in front_left_paw is not an individual
    assert labels.skeletons[0].edge_inds == [(0, 1)]


@pytest.mark.corpus
def test_two_device_links_from_ndx_pose_0_3():
    labels = poseio.load(corpus_file("nwb", "ref_ndxpose_backcompat_0.3.0_poseestimation_two_cameras.nwb"))
    assert labels.skeletons[0].node_names == ["front_left_paw", "front_right_paw"]
    assert len(labels) == 10


@pytest.mark.corpus
def test_pose_training_with_two_skeletons_and_an_image_only_frame():
    labels = poseio.load(corpus_file("nwb", "b_pose_training.nwb"))
    assert labels.provenance["format"] == "nwb-annotations"
    assert len(labels) == 14 and labels.n_user_instances == 27
    # Compare the file names only: the absolute folder differs between machines.
    names = sorted(v.filename.rsplit("/", 1)[-1] for v in labels.videos)
    assert names == ["camera1.mp4", "camera2.mp4", "training_images"]
    image_video = next(v for v in labels.videos if v.metadata.get("stored_images"))
    assert image_video.shape == (1, 48, 64, 3)
    assert {a for _, _, a in labels.provenance["annotators"]} == {"Bilbo Baggins", "Frodo"}


@pytest.mark.corpus
def test_relative_video_paths_resolve_against_the_nwb_folder():
    path = corpus_file("nwb", "b_pose_training.nwb")
    labels = poseio.load(path)
    camera = next(v for v in labels.videos if v.filename.endswith("camera1.mp4"))
    assert camera.filename == str(path.parent.resolve() / "videos" / "camera1.mp4")
    assert camera.metadata["external_file"] == "videos/camera1.mp4"


@pytest.mark.corpus
def test_sniff_bands_on_the_corpus():
    typed = poseio.sniff(corpus_file("nwb", "sio_predictions.nwb"))
    assert [(c.format, c.confidence) for c in typed] == [("nwb-predictions", poseio.TYPED_MATCH)]
    loose = poseio.sniff(corpus_file("nwb", "sleapiojs_legacy.pose.nwb"))
    assert loose[0].format == "nwb-predictions" and poseio.STRUCTURE_MATCH <= loose[0].confidence < poseio.TYPED_MATCH
    assert poseio.sniff(corpus_file("nwb", "e_nwb_without_pose.nwb")) == []
