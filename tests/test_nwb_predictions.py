"""The nwb-predictions plugin: round trips, NWB validity, appends and bad files."""

import json

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from h5_snapshot import pose_rows
from nwb_helpers import SUBJECT, critical_inspector_messages, damaged_file, predictions, validation_errors
from nwb_reference import predictions_reference
from poseio.testing import FormatConformance, assert_labels_equal


class TestNwbPredictionsConformance(FormatConformance):
    format = "nwb-predictions"
    extension = ".nwb"
    # keeps: every aspect (the default)
    strategy_options = {"user": False, "ndim": None}
    max_examples = 12

    def reference(self, folder):
        return predictions_reference(folder)


def test_lossless_round_trip_with_gaps_and_offset_start(tmp_path):
    labels = predictions(start=37)
    path = tmp_path / "p.nwb"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert_labels_equal(labels, loaded)
    assert loaded[0].frame_idx == 37
    assert loaded.provenance["frame_timing"]["/data/session/cam.mp4"] == "video rate"


def test_output_is_valid_nwb_and_passes_the_inspector(tmp_path):
    path = tmp_path / "p.nwb"
    labels = predictions()
    labels.videos[0].filename = str(tmp_path / "videos" / "cam.mp4")  # a real file: the ImageSeries links it
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "cam.mp4").write_bytes(b"")
    poseio.save(
        labels,
        path,
        subject=SUBJECT,
        session_description="test session",
        identifier="test-1",
        session_start_time="2024-01-02T03:04:05+00:00",
    )
    assert validation_errors(path) == []
    assert critical_inspector_messages(path) == []
    with h5py.File(path) as f:
        behavior = f["processing/behavior"]
        assert {"PoseEstimation_m1", "PoseEstimation_m2", "Skeletons"} <= set(behavior)
        assert f["processing/behavior/PoseEstimation_m1/source_video"].attrs["neurodata_type"] == "ImageSeries"
        # Relative to the NWB file, as NWB best practice and DANDI ask.
        assert f["processing/behavior/PoseEstimation_m1/source_video/external_file"].asstr()[()].tolist() == [
            "videos/cam.mp4"
        ]
        assert not any(name.startswith("SLEAP_VIDEO") for name in f["processing"])


def test_a_video_whose_file_is_missing_is_named_but_not_linked(tmp_path):
    # An ImageSeries naming a missing file is CRITICAL for nwbinspector (and DANDI refuses it).
    path = tmp_path / "p.nwb"
    labels = predictions()
    poseio.save(labels, path, subject=SUBJECT)
    assert critical_inspector_messages(path) == []
    with h5py.File(path) as f:
        assert not any(f["processing/behavior/PoseEstimation_m1"].get(n) for n in ("source_video",))
        assert len(f["acquisition"]) == 0
        names = f["processing/behavior/PoseEstimation_m1/original_videos"].asstr()[()].tolist()
        assert names == ["/data/session/cam.mp4"]
    loaded = poseio.load(path)
    assert [v.filename for v in loaded.videos] == ["/data/session/cam.mp4"]
    assert loaded.videos[0].fps == 30.0 and loaded.videos[0].shape == labels.videos[0].shape
    assert_labels_equal(labels, loaded)


@pytest.mark.parametrize(
    ("steps", "clock"),
    [(0.04 + 0.002 * (np.arange(11) % 3), "video timestamps"), (np.full(11, 0.04), "video rate")],
    ids=["irregular", "regular"],
)
def test_video_timestamps_give_frame_indices(tmp_path, steps, clock):
    labels = predictions(n_frames=5, start=2)
    labels.videos[0].timestamps = np.cumsum(np.r_[0.0, steps]) + 10.0
    labels.videos[0].fps = None
    path = tmp_path / "p.nwb"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert [f.frame_idx for f in loaded] == [2, 3, 4, 5, 6]
    # A regular clock is kept as starting_time + rate, as nwbinspector asks (check_regular_timestamps). The
    # video's file is missing, so no ImageSeries holds the clock: poseio's table does (read here with h5py).
    assert loaded.provenance["frame_timing"]["/data/session/cam.mp4"] == clock
    with h5py.File(path) as f:
        assert len(f["acquisition"]) == 0
        table = f["processing/behavior/poseio_metadata"]
        kept = {
            field: value
            for record, field, value in zip(*(table[c].asstr()[()] for c in ("record", "field", "value")))
            if record == "poseio_videos/0"
        }
    if clock == "video rate":
        assert "timestamps" not in kept
        assert float(kept["starting_time"]) == 10.0 and float(kept["fps"]) == 25.0
    else:
        assert "fps" not in kept
        np.testing.assert_array_equal(json.loads(kept["timestamps"]), labels.videos[0].timestamps)


def test_a_video_clock_is_written_as_a_rate_in_the_image_series_when_regular(tmp_path):
    labels = predictions(n_frames=5, start=2)
    labels.videos[0].filename = str(tmp_path / "cam.mp4")
    (tmp_path / "cam.mp4").write_bytes(b"")
    labels.videos[0].timestamps = np.cumsum(np.r_[0.0, np.full(11, 0.04)]) + 10.0
    labels.videos[0].fps = None
    path = tmp_path / "p.nwb"
    poseio.save(labels, path)
    with h5py.File(path) as f:
        series = f["acquisition/video_cam"]
        assert "timestamps" not in series
        assert series["starting_time"][()] == 10.0 and series["starting_time"].attrs["rate"] == 25.0
    assert [f.frame_idx for f in poseio.load(path)] == [2, 3, 4, 5, 6]


def test_no_frame_rate_is_an_error_that_names_the_options(tmp_path):
    path = tmp_path / "p.nwb"
    message = r"real frame rate with fps=30.*frames_as_seconds=True"
    with pytest.raises(poseio.InvalidOptionError, match=message) as caught:
        poseio.save(predictions(fps=None), path)
    # Never a made-up rate in the advice: following it would shift every pose.
    assert "30.0" not in str(caught.value)
    assert not isinstance(caught.value, OSError)
    assert not path.exists()
    poseio.save(predictions(fps=None), path, fps=25.0)
    assert poseio.load(path).videos[0].fps == 25.0


def test_untracked_and_several_videos(tmp_path):
    one = predictions(n_frames=4, tracks=("a",))
    skeleton = one.skeletons[0]
    second = poseio.Video("/data/other.mp4", fps=10.0)
    frame = poseio.LabeledFrame(
        second,
        2,
        [
            poseio.PredictedInstance(np.ones((3, 2)), skeleton),
            poseio.PredictedInstance(np.full((3, 2), 2.0), skeleton),
        ],
    )
    labels = poseio.Labels([*one.labeled_frames, frame])
    path = tmp_path / "p.nwb"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert_labels_equal(labels, loaded)
    assert len(loaded.videos) == 2


def test_one_track_on_two_skeletons_stays_one_track(tmp_path):
    # Each (video, track, skeleton) gets its own PoseEstimation; the second one for
    # track "cage/1" must still read back as that track, not as a new animal.
    mouse = poseio.Skeleton(["a", "b"], name="mouse")
    tail = poseio.Skeleton(["t1", "t2", "t3"], name="tail")
    track = poseio.Track("cage/1")
    video = poseio.Video("/data/cam.mp4", fps=30.0, shape=(10, 8, 8, 1))
    frames = [
        poseio.LabeledFrame(
            video,
            i,
            [
                poseio.PredictedInstance(np.full((2, 2), i + 1.0), mouse, track, score=0.9),
                poseio.PredictedInstance(np.full((3, 2), i + 2.0), tail, track, score=0.8),
            ],
        )
        for i in range(3)
    ]
    labels = poseio.Labels(frames)
    path = tmp_path / "p.nwb"
    poseio.save(labels, path)
    loaded = poseio.load(path)
    assert [t.name for t in loaded.tracks] == ["cage/1"]
    assert_labels_equal(labels, loaded)


def test_append_to_an_existing_file_keeps_what_was_there(tmp_path):
    path = tmp_path / "p.nwb"
    poseio.save(predictions(tracks=("m1",)), path, identifier="keep-me")
    poseio.append(predictions(tracks=("m2",)), path)
    loaded = poseio.load(path)
    assert sorted(t.name for t in loaded.tracks) == ["m1", "m2"]
    with h5py.File(path) as f:
        assert f["identifier"][()] == b"keep-me"
    assert validation_errors(path) == []


def test_failed_append_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "p.nwb"
    poseio.save(predictions(tracks=("m1",)), path)
    before = path.read_bytes()
    with pytest.raises(poseio.InvalidOptionError):
        poseio.append(predictions(tracks=("m2",), fps=None), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.nwb"]


def test_add_to_an_in_memory_nwbfile(tmp_path):
    from poseio_nwb.writing import new_nwbfile
    from poseio_nwb_predictions import add_predictions
    from pynwb import NWBHDF5IO

    nwbfile = new_nwbfile(session_description="built by a pipeline")
    added = add_predictions(nwbfile, predictions())
    assert [a.name for a in added] == ["PoseEstimation_m1", "PoseEstimation_m2"]
    path = tmp_path / "pipeline.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    assert_labels_equal(predictions(), poseio.load(path))


@pytest.mark.parametrize("compression", ["gzip", "lzf"])
def test_compression(tmp_path, compression):
    # Arrays of 16 kB and more are compressed; a smaller one stays as it is, where its chunk index would cost more.
    path = tmp_path / "p.nwb"
    poseio.save(predictions(n_frames=2000), path, compression=compression)
    with h5py.File(path) as f:
        assert f["processing/behavior/PoseEstimation_m1/nose/data"].compression == compression
    assert_labels_equal(predictions(n_frames=2000), poseio.load(path))
    poseio.save(predictions(), path, compression=compression)
    with h5py.File(path) as f:
        assert f["processing/behavior/PoseEstimation_m1/nose/data"].compression is None
    assert_labels_equal(predictions(), poseio.load(path))


def test_unknown_option_is_refused(tmp_path):
    with pytest.raises(
        poseio.InvalidOptionError, match=r"nwb-predictions does not know the write options \['frame_rate'\]"
    ):
        poseio.save(predictions(), tmp_path / "p.nwb", frame_rate=30)


@pytest.fixture
def damaged(tmp_path):
    return damaged_file(tmp_path, predictions(), "processing/behavior/PoseEstimation_m1")


def _mismatched_timestamps(container):
    del container["nose/starting_time"]
    container["nose/timestamps"] = np.arange(5.0)


def _non_numeric(container):
    del container["nose/data"]
    container["nose/data"] = np.array([b"a", b"b"])


def _dangling_skeleton(container):
    del container.file["processing/behavior/Skeletons/mouse"]


@pytest.mark.parametrize(
    "damage, message",
    [
        (_mismatched_timestamps, "data has 20 rows but timestamps has 5"),
        (_non_numeric, "expected numbers"),
        (_dangling_skeleton, "points to a missing object"),
    ],
)
def test_damaged_files_give_read_errors(damaged, damage, message):
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(damaged(damage))
    assert caught.value.format == "nwb-predictions"


def test_multi_camera_pose_estimation_from_ndx_pose_0_4(tmp_path):
    """World-coordinate 3D series and per-camera 2D PoseEstimation inside a MultiCameraPoseEstimation."""
    from ndx_pose import CalibratedCamera, MultiCameraPoseEstimation, PoseEstimation, PoseEstimationSeries
    from nwb_helpers import nwbfile_with_skeleton
    from pynwb import NWBHDF5IO

    nwbfile, module, skeleton = nwbfile_with_skeleton("fly", ["head", "thorax"])
    rng = np.random.default_rng(5)
    per_camera = []
    for k in range(2):
        camera = CalibratedCamera(name=f"camera{k}", intrinsic_matrix=np.eye(3), description="calibrated")
        nwbfile.add_device(camera)
        series = [
            PoseEstimationSeries(
                name=n,
                data=rng.random((8, 2)),
                unit="pixels",
                reference_frame="top left",
                rate=50.0,
                starting_time=0.0,
                confidence=rng.random(8),
            )
            for n in ("head", "thorax")
        ]
        per_camera.append(
            PoseEstimation(name=f"camera{k}_pose", pose_estimation_series=series, skeleton=skeleton, device=camera)
        )
    world = [
        PoseEstimationSeries(
            name=n, data=rng.random((8, 3)), unit="meters", reference_frame="arena centre", rate=50.0, starting_time=0.0
        )
        for n in ("head", "thorax")
    ]
    module.add(
        MultiCameraPoseEstimation(
            name="triangulated", pose_estimation_series=world, pose_estimations=per_camera, skeleton=skeleton
        )
    )
    path = tmp_path / "multicam.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)

    labels = poseio.load(path)
    assert poseio.sniff(path)[0].confidence == poseio.TYPED_MATCH
    table = labels.to_table()
    assert len(labels.videos) == 3  # two camera views and the world frame
    assert table.ndim == 3 and len(table) == 3 * 8
    world_video = next(v for v in labels.videos if v.filename.endswith("triangulated"))
    world_points = labels.numpy(world_video)
    with h5py.File(path) as f:
        np.testing.assert_allclose(world_points[:, 0, 0], f["processing/behavior/triangulated/head/data"][()])


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["nc_sleap_two_tracks.nwb", "a_pose_estimation_two_animals.nwb"])
def test_one_skeleton_per_animal_stacks_in_numpy(name):
    # neuroconv and pynwb users write one PoseEstimation and one Skeleton per animal, with the
    # same nodes: numpy() stacks the animals instead of asking for skeleton=.
    path = corpus_file("nwb", name)
    labels = poseio.load(path)
    assert len(labels.skeletons) == 2
    points = labels.numpy()
    assert points.shape[1:3] == (2, len(labels.skeletons[0]))
    flat = points.reshape(-1, points.shape[-1])
    found = sorted(tuple(r) for r in flat[np.isfinite(flat).all(axis=1)])
    assert found == pose_rows(path)


def test_skeletons_with_different_nodes_do_not_stack(tmp_path):
    mouse, rat = poseio.Skeleton(["a", "b"], name="mouse"), poseio.Skeleton(["a", "c"], name="rat")
    video = poseio.Video("v.mp4", fps=10.0)
    frame = poseio.LabeledFrame(
        video, 0, [poseio.PredictedInstance(np.ones((2, 2)), mouse), poseio.PredictedInstance(np.ones((2, 2)), rat)]
    )
    labels = poseio.Labels([frame])
    with pytest.raises(
        poseio.InvalidLabelsError, match=r"different nodes \('mouse': \['a', 'b'\]; 'rat': \['a', 'c'\]\)"
    ):
        labels.numpy()
    assert labels.numpy(skeleton=rat).shape == (1, 1, 2, 2)
