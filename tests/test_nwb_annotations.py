"""The nwb-annotations plugin: round trips, mixed files, export with frames and bad files."""

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from hypothesis import HealthCheck, given, settings
from nwb_helpers import SUBJECT, annotations, critical_inspector_messages, damaged_file, validation_errors
from nwb_reference import annotations_reference
from poseio.testing import FormatConformance, assert_labels_equal, labels_strategy


class TestNwbAnnotationsConformance(FormatConformance):
    format = "nwb-annotations"
    extension = ".nwb"
    keeps = frozenset(
        {"points", "frames", "videos", "tracks", "kinds", "edges", "symmetries", "skeleton_name", "video_shape", "fps"}
    )
    strategy_options = {"predicted": False, "ndim": None}
    max_examples = 12
    instance_kind = "user"

    def reference(self, folder):
        return annotations_reference(folder)


def test_mixed_user_and_predicted_labels_survive_nwb(tmp_path):
    labels = annotations(with_predictions=True)
    path = tmp_path / "mixed.nwb"
    poseio.save(labels, path, subject=SUBJECT)
    loaded = poseio.load(path)
    assert loaded.provenance["format"] == "nwb-annotations+nwb-predictions"
    assert_labels_equal(labels, loaded)
    assert loaded.n_user_instances == 9 and loaded.n_predicted_instances == 3
    assert [s.name for s in loaded.skeletons] == ["mouse", "mouse"]
    annotators = loaded.provenance["parts"][0]["annotators"]
    assert annotators == [["/data/session/cam.mp4", 10, "Ann"]]


def test_predictions_on_a_renamed_skeleton_reuse_it(tmp_path):
    # The second skeleton named "mouse" is stored as "mouse_2" by the annotations writer;
    # the predictions writer, run next on the same file, must find it rather than add a copy.
    labels = annotations()
    other = labels.skeletons[1]
    frame = labels.labeled_frames[0]
    frame.instances.append(poseio.PredictedInstance(np.array([[1.0, 2.0], [3.0, 4.0]]), other, score=0.5))
    labels = poseio.Labels(labels.labeled_frames, provenance=labels.provenance)
    path = tmp_path / "mixed.nwb"
    poseio.save(labels, path)
    with h5py.File(path) as f:
        stored = sorted(f["processing/behavior/Skeletons"])
    assert stored == ["mouse", "mouse_2"]
    loaded = poseio.load(path)
    assert [s.name for s in loaded.skeletons] == ["mouse", "mouse"]
    assert_labels_equal(labels, loaded)


def test_output_is_valid_nwb_and_passes_the_inspector(tmp_path):
    path = tmp_path / "a.nwb"
    poseio.save(annotations(), path, subject=SUBJECT, session_description="labelled frames")
    assert validation_errors(path) == []
    assert critical_inspector_messages(path) == []
    with h5py.File(path) as f:
        frame = f["processing/behavior/PoseTraining/training_frames/cam_frame_10"]
        assert frame.attrs["annotator"] == "Ann" and int(frame.attrs["source_video_frame_index"]) == 10
        assert "track=m1" in frame["skeleton_instances"] and "instance_1" in frame["skeleton_instances"]


def test_pynwb_reads_what_we_wrote(tmp_path):
    from pynwb import NWBHDF5IO

    path = tmp_path / "a.nwb"
    poseio.save(annotations(), path)
    with NWBHDF5IO(str(path), "r") as io:
        nwbfile = io.read()
        training = nwbfile.processing["behavior"]["PoseTraining"]
        frame = training.training_frames.training_frames["cam_frame_500"]
        assert frame.source_video_frame_index == 500
        instance = frame.skeleton_instances.skeleton_instances["track=m1"]
        assert instance.skeleton.nodes[:].tolist() == ["a", "b", "c"]


def test_frames_written_with_h5py_carry_the_attributes_hdmf_writes(tmp_path):
    import uuid

    path = tmp_path / "a.nwb"
    poseio.save(annotations(), path)
    types, ids = [], []
    with h5py.File(path) as f:
        for group in (f["processing/behavior/PoseTraining/training_frames"], f["processing/behavior/Skeletons"]):
            group.visititems(lambda _, obj: types.append(dict(obj.attrs)) if isinstance(obj, h5py.Group) else None)
        ids = [t["object_id"] for t in types]
    frame_types = [
        t for t in types if t["neurodata_type"] in ("TrainingFrame", "SkeletonInstances", "SkeletonInstance")
    ]
    assert len(frame_types) == 3 * 2 + 9  # 3 frames with their instances groups, 9 instances
    assert {t["namespace"] for t in frame_types} == {"ndx-pose"}
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)


def test_video_paths_beside_the_file_are_relative(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"")
    labels = annotations()
    labels.videos[0].filename = str(video)
    path = tmp_path / "a.nwb"
    poseio.save(labels, path)
    with h5py.File(path) as f:
        assert f["processing/behavior/PoseTraining/source_videos/clip/external_file"][0] == b"clip.mp4"
    moved = tmp_path / "moved"
    moved.mkdir()
    for p in (video, path):
        p.rename(moved / p.name)
    loaded = poseio.load(moved / "a.nwb")
    assert loaded.videos[0].filename == str((moved / "clip.mp4").resolve())


def test_append_annotations_to_a_predictions_file(tmp_path):
    from nwb_helpers import predictions

    path = tmp_path / "p.nwb"
    poseio.save(predictions(), path)
    poseio.append(annotations(), path, format="nwb-annotations")
    loaded = poseio.load(path)
    assert loaded.n_user_instances == 9 and loaded.n_predicted_instances == predictions().n_predicted_instances
    assert validation_errors(path) == []


def test_append_failing_halfway_through_the_frames_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from nwb_helpers import predictions
    from poseio_nwb_annotations._h5write import FrameWriter

    path = tmp_path / "p.nwb"
    poseio.save(predictions(), path)
    before = path.read_bytes()
    written = []
    original = FrameWriter.dataset

    def fail_on_the_fourth(self, parent, name, data):
        written.append(name)
        if len(written) == 4:
            raise OSError("No space left on device")
        original(self, parent, name, data)

    monkeypatch.setattr(FrameWriter, "dataset", fail_on_the_fourth)
    with pytest.raises(poseio.WriteError, match="No space left on device"):
        poseio.append(annotations(), path, format="nwb-annotations")
    assert len(written) == 4
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.nwb"]


def test_in_memory_nwbfile(tmp_path):
    from poseio_nwb.writing import new_nwbfile
    from poseio_nwb_annotations import add_annotations
    from pynwb import NWBHDF5IO

    nwbfile = new_nwbfile()
    add_annotations(nwbfile, annotations())
    path = tmp_path / "mem.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    assert_labels_equal(annotations(), poseio.load(path))


@pytest.fixture
def damaged(tmp_path):
    labels = annotations()
    labels.videos[0].filename = str(tmp_path / "cam.mp4")  # a video that exists, so that the frames link it
    (tmp_path / "cam.mp4").write_bytes(b"")
    return damaged_file(tmp_path, labels, "processing/behavior/PoseTraining/training_frames/cam_frame_3")


def _extra_node(frame):
    instance = frame["skeleton_instances/track=m1"]
    del instance["node_locations"], instance["node_visibility"]
    instance["node_locations"] = np.zeros((4, 2))


def _missing_video(frame):
    del frame.file["processing/behavior/PoseTraining/source_videos/cam"]


def _text_locations(frame):
    instance = frame["skeleton_instances/track=m1"]
    del instance["node_locations"]
    instance["node_locations"] = np.array([b"x", b"y", b"z"])


def _text_frame_index(frame):
    frame.attrs["source_video_frame_index"] = "three"


def _empty_frame_index(frame):
    frame.attrs["source_video_frame_index"] = h5py.Empty("u4")


def _negative_frame_index(frame):
    frame.attrs["source_video_frame_index"] = np.int32(-3)


def _huge_frame_index(frame):
    frame.attrs["source_video_frame_index"] = np.uint64(2**64 - 1)


def _text_visibility(frame):
    instance = frame["skeleton_instances/track=m1"]
    del instance["node_visibility"]
    instance["node_visibility"] = np.array(["yes", "no", "yes"], dtype=object)


@pytest.mark.parametrize(
    "damage, message",
    [
        (_extra_node, "4 node locations but skeleton 'mouse' has 3 nodes"),
        (_text_frame_index, "source_video_frame_index should be one whole number"),
        (_empty_frame_index, "source_video_frame_index should be one whole number"),
        (_huge_frame_index, "source_video_frame_index should be one whole number"),
        (_negative_frame_index, "source_video_frame_index should be one whole number"),
        (_text_visibility, "node_visibility: expected booleans"),
        (_missing_video, "points to a missing object"),
        (_text_locations, "expected numbers"),
    ],
)
def test_damaged_files_give_read_errors(damaged, damage, message):
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(damaged(damage))
    assert caught.value.format == "nwb-annotations"


def test_truncated_file_gives_a_read_error(tmp_path):
    path = tmp_path / "a.nwb"
    poseio.save(annotations(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(poseio.ReadError):
        poseio.load(path)


def _labels_on(video_path, frames):
    skeleton = poseio.Skeleton(["head", "tail"], edges=[(0, 1)], name="s")
    video = poseio.Video(str(video_path))
    track = poseio.Track("t")  # one animal: one Track (two of one name are refused by save)
    return poseio.Labels(
        [
            poseio.LabeledFrame(
                video, i, [poseio.Instance(np.array([[10.0 + i, 20.0], [30.0, 40.0]]), skeleton, track)]
            )
            for i in frames
        ]
    )


def test_export_with_frames_on_a_real_clip(tmp_path):
    import av
    from poseio_nwb_annotations import export_with_frames

    clip = corpus_file("video", "centered_pair_low_quality.mp4")
    labels = _labels_on(clip, [0, 7, 1099])
    labels.labeled_frames.append(
        poseio.LabeledFrame(labels.videos[0], 8, [poseio.PredictedInstance(np.ones((2, 2)), labels.skeletons[0])])
    )
    video_path = export_with_frames(labels, tmp_path / "package.nwb")
    loaded = poseio.load(tmp_path / "package.nwb")
    assert loaded.n_predicted_instances == 0 and len(loaded) == 3
    assert loaded.videos[0].filename == str(video_path)
    assert [row[1:] for row in loaded.provenance["frame_map"]] == [[str(clip), 0], [str(clip), 7], [str(clip), 1099]]
    with av.open(str(video_path)) as container:
        exported = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(clip)) as container:
        original = [f.to_ndarray(format="rgb24") for i, f in zip(range(8), container.decode(video=0))][7]
    assert len(exported) == 3
    assert np.abs(exported[1][:384, :384].astype(int) - original.astype(int)).max() <= 2


def test_export_with_predictions_and_a_generated_clip(tmp_path):
    import av
    from poseio_nwb_annotations import export_with_frames

    clip = tmp_path / "generated.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        for value in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((24, 32, 3), value * 50, dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    labels = _labels_on(clip, [1, 4])
    labels.labeled_frames[0].instances.append(poseio.PredictedInstance(np.ones((2, 2)), labels.skeletons[0]))
    (tmp_path / "out").mkdir()
    video_path = export_with_frames(labels, tmp_path / "out" / "pkg.nwb", include_predictions=True, fps=10.0)
    loaded = poseio.load(tmp_path / "out" / "pkg.nwb")
    assert loaded.n_predicted_instances == 1 and loaded.n_user_instances == 2
    with av.open(str(video_path)) as container:
        means = [f.to_ndarray(format="rgb24").mean() for f in container.decode(video=0)]
    assert means[0] == pytest.approx(50, abs=3) and means[1] == pytest.approx(200, abs=3)


def test_export_of_a_frame_past_the_end_of_the_video(tmp_path):
    from poseio_nwb_annotations import export_with_frames

    clip = corpus_file("video", "small_robot_3_frame.mp4")
    with pytest.raises(poseio.WriteError, match="has no frame 9"):
        export_with_frames(_labels_on(clip, [9]), tmp_path / "pkg.nwb")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=labels_strategy(ndim=None))
def test_generated_mixed_labels_survive_nwb(tmp_path, labels):
    path = tmp_path / "mixed.nwb"
    poseio.save(labels, path)
    assert_labels_equal(labels, poseio.load(path))  # every aspect


def test_source_video_given_as_an_image_list(tmp_path):
    from ndx_pose import (
        PoseTraining,
        SkeletonInstance,
        SkeletonInstances,
        SourceVideos,
        TrainingFrame,
        TrainingFrames,
    )
    from nwb_helpers import nwbfile_with_skeleton
    from pynwb import NWBHDF5IO
    from pynwb.image import ImageSeries

    nwbfile, module, skeleton = nwbfile_with_skeleton("mouse", ["a", "b"])
    images = ImageSeries(
        name="frames",
        external_file=["img/f0.png", "img/f1.png", "img/f2.png"],
        format="external",
        starting_frame=[0, 1, 2],
        rate=1.0,
        num_samples=3,
        unit="n.a.",
    )
    instance = SkeletonInstance(
        name="track=m1", id=np.uint8(0), node_locations=np.array([[1.0, 2.0], [3.0, 4.0]]), skeleton=skeleton
    )
    frame = TrainingFrame(
        name="f2",
        skeleton_instances=SkeletonInstances(skeleton_instances=[instance]),
        source_video=images,
        source_video_frame_index=np.uint8(2),
    )
    module.add(
        PoseTraining(
            training_frames=TrainingFrames(training_frames=[frame]), source_videos=SourceVideos(image_series=[images])
        )
    )
    path = tmp_path / "images.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    labels = poseio.load(path)
    (video,) = labels.videos
    assert video.metadata["external_files"] == [str(tmp_path.resolve() / "img" / f"f{i}.png") for i in range(3)]
    assert labels[0].frame_idx == 2 and labels[0].instances[0].track.name == "m1"
    assert labels[0].instances[0].points.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("name", ["id", "namespace", "neurodata_type", "object_id", "skeleton", "name"])
def test_skeleton_named_like_an_nwb_attribute_or_field(tmp_path, name):
    # hdmf refuses a link named like an attribute of the group that holds it ("id" on a
    # SkeletonInstance); Hypothesis found this with a generated skeleton name.
    skeleton = poseio.Skeleton(["a", "b"], name=name)
    for kind in (poseio.Instance, poseio.PredictedInstance):
        instance = kind(np.ones((2, 2)), skeleton)
        poseio.save(
            poseio.Labels([poseio.LabeledFrame(poseio.Video("v.mp4", fps=10.0), 0, [instance])]), tmp_path / "o.nwb"
        )
        back = poseio.load(tmp_path / "o.nwb")
        assert [s.name for s in back.skeletons] == [name]
        np.testing.assert_array_equal(back.numpy()[0, 0], np.ones((2, 2)))


def test_frames_of_several_videos_whose_files_are_missing_keep_their_video(tmp_path):
    # No ImageSeries may name a missing file (nwbinspector CRITICAL): poseio's table says which video each frame is of.
    labels = annotations()
    other = poseio.Video("/elsewhere/cam2.mp4", fps=30.0, shape=(900, 48, 64, 1))
    frame = labels.labeled_frames[0]
    labels.append(poseio.LabeledFrame(other, frame.frame_idx, [i for i in frame.instances]))
    path = tmp_path / "two.nwb"
    poseio.save(labels, path, subject=SUBJECT)
    assert critical_inspector_messages(path) == []
    with h5py.File(path) as f:
        frames = f["processing/behavior/PoseTraining/training_frames"]
        assert not any("source_video" in frames[name] for name in frames)
        assert len(f["processing/behavior/PoseTraining/source_videos"]) == 0
    loaded = poseio.load(path)
    assert sorted(v.filename for v in loaded.videos) == ["/data/session/cam.mp4", "/elsewhere/cam2.mp4"]
    assert_labels_equal(labels, loaded)
