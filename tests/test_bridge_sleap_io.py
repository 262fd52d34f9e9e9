"""poseio.bridges to and from sleap-io: the objects sleap-io itself loads from the same files."""

from __future__ import annotations

import sys

import numpy as np
import poseio
import pytest
from conftest import corpus_file
from hypothesis import given, settings
from poseio.bridges import from_sleap_io, to_sleap_io
from poseio.testing import ALL_ASPECTS, assert_labels_equal, labels_strategy

sio = pytest.importorskip("sleap_io")

SLP_FILES = [
    "typical.slp",
    "labels.v002.slp",
    "sio095_predictions_two_tracks.slp",
    "sio095_user_labels.slp",
    "sio095_user_labels_embedded.pkg.slp",
    "minimal_instance.pkg.slp",
]
# A package's video is the package itself to sleap-io, its frames' source video to poseio.
NOT_VIDEOS = ALL_ASPECTS - {"videos", "video_shape", "fps"}


def _same(a: object, b: object) -> bool:
    """Equal numbers, NaN equal to NaN (sleap-io gives float32 scalars where poseio gives floats)."""
    a = np.nan if a is None else a
    b = np.nan if b is None else b
    return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True))


def _instances(labels) -> dict:
    """Every instance of a sleap-io Labels by (video index, frame), in a stable order within the frame."""
    found: dict = {}
    for lf in labels.labeled_frames:
        video = next(i for i, v in enumerate(labels.videos) if v is lf.video)
        for inst in lf.instances:
            predicted = isinstance(inst, sio.PredictedInstance)
            found.setdefault((video, lf.frame_idx), []).append(
                (
                    predicted,
                    inst.track.name if inst.track is not None else None,
                    inst.numpy(),
                    inst.points["score"] if predicted else None,
                    inst.score if predicted else None,
                    inst.tracking_score if predicted else None,
                )
            )
    for instances in found.values():
        instances.sort(key=lambda i: (i[0], str(i[1]), np.nan_to_num(i[2]).tolist()))
    return found


def _assert_same_sleap_io(ours, theirs) -> None:
    mine, want = _instances(ours), _instances(theirs)
    assert sorted(mine) == sorted(want)
    for where, instances in want.items():
        assert len(mine[where]) == len(instances), where
        for a, b in zip(mine[where], instances):
            assert a[:2] == b[:2], where
            assert all(_same(x, y) for x, y in zip(a[2:], b[2:])), (where, a, b)
    assert [(s.name, s.node_names, s.edge_inds, s.symmetry_inds) for s in ours.skeletons] == [
        (s.name, s.node_names, s.edge_inds, s.symmetry_inds) for s in theirs.skeletons
    ]
    assert [t.name for t in ours.tracks] == [t.name for t in theirs.tracks]
    assert [(s.frame_idx, s.metadata.get("group")) for s in ours.suggestions] == [
        (s.frame_idx, s.metadata.get("group")) for s in theirs.suggestions
    ]


@pytest.mark.corpus
@pytest.mark.parametrize("name", SLP_FILES)
def test_to_sleap_io_is_what_sleap_io_loads_from_the_same_file(name):
    path = corpus_file("formats", name)
    ours, theirs = to_sleap_io(poseio.load(path)), sio.load_slp(str(path))
    _assert_same_sleap_io(ours, theirs)
    assert ours.provenance["filename"] == theirs.provenance["filename"] == str(path)
    # poseio keeps a video's path as the file wrote it; sleap-io turns Windows separators to "/".
    assert [v.filename.replace("\\", "/") for v in ours.videos] == [
        (v if v.source_video is None else v.source_video).filename for v in theirs.videos
    ]


@pytest.mark.corpus
@pytest.mark.parametrize("name", SLP_FILES)
def test_from_sleap_io_is_what_poseio_loads_from_the_same_file(name):
    path = corpus_file("formats", name)
    labels, back = poseio.load(path), from_sleap_io(sio.load_slp(str(path)))
    assert_labels_equal(labels, back, NOT_VIDEOS)
    assert back.provenance["source"] == str(path)


@pytest.mark.corpus
def test_from_sleap_io_materializes_lazy_labels():
    path = corpus_file("formats", "sio095_predictions_two_tracks.slp")
    lazy = sio.load_slp(str(path), lazy=True)
    assert lazy.is_lazy
    assert_labels_equal(poseio.load(path), from_sleap_io(lazy), NOT_VIDEOS)


@pytest.mark.corpus
def test_sleap_io_saves_our_labels_as_poseio_reads_them(tmp_path):
    labels = poseio.load(corpus_file("formats", "labels.v002.slp"))
    path = tmp_path / "saved_by_sleap_io.slp"
    sio.save_slp(to_sleap_io(labels), str(path))
    assert_labels_equal(labels, poseio.load(path), NOT_VIDEOS)


@settings(max_examples=40, deadline=None)
@given(labels_strategy(ndim=2))
def test_labels_to_sleap_io_and_back_keep_everything(labels):
    assert_labels_equal(labels, from_sleap_io(to_sleap_io(labels)), ALL_ASPECTS)


@settings(max_examples=15, deadline=None)
@given(labels_strategy(ndim=2, max_videos=1))
def test_to_sleap_io_makes_the_instances_sleap_io_would(labels):
    ours = to_sleap_io(labels)
    # A frame's instances come in the table's order (user instances first), as a reader gives them back.
    labels = poseio.Labels.from_table(
        labels.to_table(), videos=labels.videos, skeletons=labels.skeletons, tracks=labels.tracks
    )
    for frame, lf in zip(labels.labeled_frames, ours.labeled_frames):
        assert (frame.frame_idx, len(frame.instances)) == (lf.frame_idx, len(lf.instances))
        for inst, theirs in zip(frame.instances, lf.instances):
            np.testing.assert_array_equal(theirs.numpy(), inst.points)  # NaN is invisible
            np.testing.assert_array_equal(theirs.points["visible"], inst.visible)
            if isinstance(inst, poseio.PredictedInstance):
                assert isinstance(theirs, sio.PredictedInstance)
                np.testing.assert_array_equal(theirs.points["score"], inst.point_scores)
                assert (theirs.score, theirs.tracking_score) == (inst.score, inst.tracking_score)
            else:
                assert type(theirs) is sio.Instance


def test_image_list_videos_and_suggestions_cross_both_ways():
    images = [f"/data/frames/img{i:03d}.png" for i in range(3)]
    video = sio.Video(filename=images, backend_metadata={"shape": [3, 8, 8, 1], "fps": 12.5}, open_backend=False)
    skeleton = sio.Skeleton(["a", "b"], edges=[(0, 1)], symmetries=[("a", "b")], name="pair")
    instance = sio.PredictedInstance.from_numpy(
        np.array([[1.0, 2.0], [np.nan, np.nan]]), skeleton=skeleton, point_scores=np.array([0.5, 0.25]), score=0.75
    )
    theirs = sio.Labels(
        labeled_frames=[sio.LabeledFrame(video=video, frame_idx=2, instances=[instance])],
        suggestions=[sio.SuggestionFrame(video=video, frame_idx=1, metadata={"group": 3})],
    )
    labels = from_sleap_io(theirs)
    (ours,) = labels.videos
    assert (ours.filename, ours.shape, ours.fps) == ("/data/frames", (3, 8, 8, 1), 12.5)
    assert ours.metadata["images"] == dict(enumerate(images)) and ours.metadata["sleap"]["suggestions"] == [(1, 3)]
    (predicted,) = labels[0].instances
    np.testing.assert_array_equal(predicted.points, [[1.0, 2.0], [np.nan, np.nan]])
    np.testing.assert_array_equal(predicted.point_scores, [0.5, 0.25])
    assert predicted.score == 0.75 and np.isnan(predicted.tracking_score)  # sleap-io's None: unknown
    assert labels.skeletons[0].symmetry_inds == [(0, 1)] and labels.skeletons[0].name == "pair"
    again = to_sleap_io(labels)
    assert again.videos[0].filename == images
    _assert_same_sleap_io(again, theirs)


def test_to_sleap_io_refuses_3d_points_and_other_arguments():
    labels = poseio.Labels.from_numpy(np.ones((1, 1, 2, 3)), video=poseio.Video("v"), skeleton=poseio.Skeleton("ab"))
    with pytest.raises(poseio.InvalidLabelsError, match="3D points, and sleap-io instances are 2D"):
        to_sleap_io(labels)
    with pytest.raises(poseio.InvalidArgumentError, match="poseio.Labels"):
        to_sleap_io(sio.Labels())
    with pytest.raises(poseio.InvalidArgumentError, match="sleap_io.Labels"):
        from_sleap_io(labels)


def test_the_labels_methods_are_the_bridge():
    labels = poseio.Labels.from_numpy(
        np.arange(8, dtype=float).reshape(2, 1, 2, 2), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton("ab")
    )
    theirs = labels.to_sleap_io()
    assert isinstance(theirs, sio.Labels) and len(theirs) == 2
    assert_labels_equal(labels, poseio.Labels.from_sleap_io(theirs), ALL_ASPECTS)


def test_without_sleap_io_the_bridge_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sleap_io", None)
    with pytest.raises(poseio.MissingDependencyError, match=r'pip install "poseio\[sleap-io\]"'):
        to_sleap_io(poseio.Labels())
