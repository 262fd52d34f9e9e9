"""The jabs plugin: real JABS pose files against the truth, the refused behaviour file, writing, sleap-io, NWB."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import corpus_paths, finite_points, truth_points
from corpus_truth import names as _names
from corpus_truth import sorted_points as _sorted
from corpus_truth import truth as _truth
from fresh_process import run_fresh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from poseio.testing import FormatConformance, assert_labels_equal

FORMATS2 = CORPUS / "formats2"
NEGATIVE = "jabs_docs_sample_behavior_predictions.h5"
# JABS's twelve mouse keypoints, as JABS orders them (the files store no names).
JABS_NODES = [
    "NOSE", "LEFT_EAR", "RIGHT_EAR", "BASE_NECK", "LEFT_FRONT_PAW", "RIGHT_FRONT_PAW", "CENTER_SPINE",
    "LEFT_REAR_PAW", "RIGHT_REAR_PAW", "BASE_TAIL", "MID_TAIL", "TIP_TAIL",
]  # fmt: skip
KEEPS = frozenset({"points", "frames", "tracks", "point_scores", "edges", "symmetries", "skeleton_name"})


def _load_quietly(path: Path, **options) -> poseio.Labels:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return poseio.load(path, **options)


def _foreign_corpus() -> tuple[Path, ...]:
    return tuple(p for p in corpus_paths() if p.is_file() and "pose_est" not in p.name)


def _jabs_skeleton() -> poseio.Skeleton:
    from poseio_jabs._read import skeleton

    return skeleton()


@st.composite
def jabs_labels(draw) -> poseio.Labels:
    """Predictions JABS can hold: its 12 keypoints, whole pixels, confidences above 0.3, tracked or not."""
    skeleton = _jabs_skeleton()
    video = poseio.Video("/data/mice.avi", shape=(1000, 480, 640, 1))
    tracks = [poseio.Track(n) for n in draw(st.lists(st.text("ab z/#%_-1é", min_size=1, max_size=6), max_size=3,
                                                       unique=True))]  # fmt: skip
    frames = []
    for frame_idx in sorted(draw(st.lists(st.integers(0, 40), min_size=1, max_size=4, unique=True))):
        slots = [*tracks, None, None]
        chosen = draw(st.lists(st.integers(0, len(slots) - 1), min_size=1, max_size=len(slots), unique=True))
        instances = []
        for track in (slots[i] for i in sorted(chosen)):
            points = np.array(draw(st.lists(st.integers(0, 2000), min_size=24, max_size=24)), float).reshape(12, 2)
            hidden = np.array(draw(st.lists(st.booleans(), min_size=12, max_size=12)))
            hidden[draw(st.integers(0, 11))] = False
            points[hidden] = np.nan
            scores = np.array(draw(st.lists(st.integers(301, 5000), min_size=12, max_size=12))) / 1000
            scores[hidden] = np.nan
            instances.append(poseio.PredictedInstance(points, skeleton, track, point_scores=scores))
        frames.append(poseio.LabeledFrame(video, frame_idx, instances))
    return poseio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=tracks)


def _mice(predicted: bool = True) -> poseio.Labels:
    """Three frames of two tracked mice (one hidden in frame 2) and an untracked one in frame 4."""
    skeleton = _jabs_skeleton()
    video = poseio.Video("/data/mice.avi", shape=(6, 480, 640, 1))
    a, b = poseio.Track("a"), poseio.Track("b")
    kind = poseio.PredictedInstance if predicted else poseio.Instance

    def pose(offset: float, missing: tuple[int, ...] = ()) -> dict:
        points = np.stack([np.arange(12) * 10 + offset, np.arange(12) + 2 * offset], axis=1).astype(float)
        points[list(missing)] = np.nan
        extra = {"point_scores": np.where(np.isnan(points[:, 0]), np.nan, 0.75)} if predicted else {}
        return {"points": points, **extra}

    frames = [
        poseio.LabeledFrame(video, 0, [kind(**pose(1), skeleton=skeleton, track=a),
                                       kind(**pose(100, (3, 11)), skeleton=skeleton, track=b)]),
        poseio.LabeledFrame(video, 2, [kind(**pose(5), skeleton=skeleton, track=a)]),
        poseio.LabeledFrame(video, 4, [kind(**pose(7), skeleton=skeleton)]),
    ]  # fmt: skip
    return poseio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=[a, b])


class TestJabsConformance(FormatConformance):
    format = "jabs"
    extension = ".h5"
    # Names of tracks and untracked poses live in poseio's own attribute; videos, kinds and instance scores do not.
    keeps = KEEPS
    max_examples = 12
    foreign_samples_extra = _foreign_corpus()

    def small_labels(self) -> poseio.Labels:
        return _mice()

    def crowd_labels(self) -> poseio.Labels:
        labels = _mice()
        crowd = [poseio.PredictedInstance(i.points, i.skeleton, point_scores=i.point_scores) for i in labels[0]]
        return poseio.Labels([poseio.LabeledFrame(labels.videos[0], 0, crowd)], videos=labels.videos,
                             skeletons=labels.skeletons)  # fmt: skip

    def test_roundtrip_of_generated_labels(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        # The kit's generated labels have free node names and sub-pixel, negative coordinates, which JABS refuses
        # (its 12 keypoints, uint16 pixels): the same round trip, over labels JABS can hold, for every version.
        folder = tmp_path_factory.mktemp("roundtrip")

        @settings(max_examples=self.max_examples, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
        @given(labels=jabs_labels(), version=st.sampled_from([3, 4, 5]))
        def roundtrip(labels: poseio.Labels, version: int) -> None:
            path = folder / f"mice_pose_est_v{version}.h5"
            poseio.save(labels, path, format="jabs")
            loaded = poseio.load(path)
            assert_labels_equal(labels, loaded, self.keeps)
            assert loaded.provenance["jabs"]["version"] == version

        roundtrip()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # A v4 file as JABS's spec lays it out, by hand: (y, x) uint16, confidence 0 = no keypoint, id_mask 0 = a
        # pose with an identity (instance_embed_id, from 1); slot 1 of frame 0 is masked (no identity: not a pose).
        path = folder / "reference_pose_est_v4.h5"
        points = np.zeros((3, 2, 12, 2), np.uint16)
        confidence = np.zeros((3, 2, 12), np.float32)
        points[0, 0, 0], confidence[0, 0, 0] = (20, 10), 0.9  # NOSE at x=10, y=20
        points[0, 0, 11], confidence[0, 0, 11] = (40, 30), 0.8
        points[0, 0, 5], confidence[0, 0, 5] = (7, 7), 0.2  # under JABS's 0.3: no keypoint
        points[0, 1, 0], confidence[0, 1, 0] = (5, 5), 0.9  # masked
        points[2, 1, 3], confidence[2, 1, 3] = (101, 100), 1.5
        mask = np.ones((3, 2), bool)
        mask[0, 0] = mask[2, 1] = False
        ids = np.zeros((3, 2), np.uint32)
        ids[0, 0], ids[2, 1] = 3, 7
        with h5py.File(path, "w") as f:
            g = f.create_group("poseest")
            g.attrs["version"] = np.array([4, 0], np.uint16)
            g["points"], g["confidence"], g["id_mask"], g["instance_embed_id"] = points, confidence, mask, ids
            g["instance_count"] = np.array([1, 0, 1], np.uint8)
            g["instance_track_id"] = np.zeros((3, 2), np.uint32)
            g["instance_embedding"] = np.zeros((3, 2, 12), np.float32)
            g["identity_embeds"] = np.zeros((3, 2, 16), np.float32)
            g["instance_id_center"] = np.zeros((7, 16))
        return path, [
            (0, "3", "NOSE", 10.0, 20.0),
            (0, "3", "TIP_TAIL", 30.0, 40.0),
            (2, "7", "BASE_NECK", 100.0, 101.0),
        ]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", _names("jabs") or ["(corpus absent)"])
def test_every_jabs_file_of_the_corpus_reads_as_its_truth(name):
    expected = _truth()[name]
    labels = _load_quietly(corpus_file("formats2", name))
    assert labels.provenance["format"] == "jabs"
    assert np.array_equal(finite_points(labels), truth_points(name))
    assert labels.skeletons[0].node_names == expected["node_names"] == JABS_NODES
    assert [t.name for t in labels.tracks] == expected["individual_names"]
    assert len(labels) == expected["n_frames_with_points"]
    assert labels.videos[0].shape[0] == expected["n_frames"]
    assert labels.n_predicted_instances == expected["n_instances"] and labels.n_user_instances == 0
    assert labels.provenance["jabs"]["version"] == expected["version_used"]
    assert labels.provenance["jabs"]["version_attribute"] == expected["poseest_version_attr"]
    static = labels.provenance["jabs"].get("static_objects", {})
    assert {k: list(v.shape) for k, v in static.items()} == expected["static_objects"]
    scores = labels.to_table().point_scores
    scores = scores[np.isfinite(scores)]
    assert (len(scores), round(float(scores.mean()), 6)) == (expected["scores"]["n"], expected["scores"]["mean"])
    assert np.isclose(scores.min(), expected["scores"]["min"]) and np.isclose(scores.max(), expected["scores"]["max"])


@pytest.mark.corpus
def test_the_points_are_the_files_y_x_swapped_and_the_static_objects_are_kept_as_stored():
    path = corpus_file("formats2", "sample_pose_est_v5.h5")
    with h5py.File(path, "r") as f:
        stored, confidence, mask = f["poseest/points"][()], f["poseest/confidence"][()], f["poseest/id_mask"][()]
        ids, corners = f["poseest/instance_embed_id"][()], f["static_objects/corners"][()]
    labels = _load_quietly(path)
    frame = next(f for f in labels.labeled_frames if f.frame_idx == 100)
    slot = int(np.flatnonzero(mask[100] == 0)[0])
    instance = next(i for i in frame.instances if i.track.name == str(ids[100, slot]))
    assert np.array_equal(instance.points, np.where(confidence[100, slot, :, None] > 0.3, stored[100, slot, :, ::-1],
                                                    np.nan), equal_nan=True)  # fmt: skip
    assert np.array_equal(labels.provenance["jabs"]["static_objects"]["corners"], corners)
    assert labels.provenance["jabs"]["attributes"]["cm_per_pixel_source"] == "corner_detection"
    # Poses without an identity (id_mask 1) are no instances, as in JABS, but counted.
    assert labels.provenance["jabs"]["unassigned_poses"] == int(((confidence > 0.3).any(axis=2) & mask).sum()) > 0
    more = _load_quietly(path, unassigned=True)
    assert more.n_predicted_instances == labels.n_predicted_instances + labels.provenance["jabs"]["unassigned_poses"]


@pytest.mark.corpus
def test_the_version_attribute_that_disagrees_is_warned_about_and_recorded():
    path = corpus_file("formats2", "sample_pose_est_v5.h5")
    with pytest.warns(UserWarning, match=r"poseest.attrs\['version'\] says 3, but the file name and datasets say v5"):
        labels = poseio.load(path)
    assert labels.provenance["jabs"]["version_from_datasets"] == 5
    assert any("says 3" in note for note in labels.provenance["notes"])
    # Read as the attribute says (sleap-io's reading) on request: every pose of instance_count, by instance_track_id.
    as_v3 = _load_quietly(path, version=3)
    assert np.array_equal(finite_points(as_v3), _sorted(np.load(FORMATS2 / "truth.npz")[f"{path.name}|sleap_io"]))


@pytest.mark.corpus
def test_the_behaviour_predictions_file_is_refused_with_its_reason():
    path = corpus_file("formats2", NEGATIVE)
    assert [c for c in poseio.sniff(path) if c.confidence > 0] == []
    with pytest.raises(poseio.UnknownFormatError, match="JABS behaviour predictions"):
        poseio.load(path)
    with pytest.raises(poseio.PoseioError, match="no 'poseest' group"):
        poseio.load(path, format="jabs")


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    assert _foreign_corpus(), "no foreign HDF5 files found"
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "jabs" and c.confidence > 0]
        assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_jabs_files_in_a_fresh_process():
    npz = corpus_file("formats2", "truth.npz")
    paths = [str(corpus_file("formats2", n)) for n in ("sample_pose_est_v2.h5", "sio095_jabs_from_v5_pose_est_v4.h5")]
    run_fresh(
        f"""
        import numpy as np
        truth = np.load({str(npz)!r})
        for path in {paths!r}:
            labels = poseio.load(path)
            points = labels.to_table().points.reshape(-1, 2)
            points = points[np.isfinite(points).all(axis=1)]
            expected = truth[path.rsplit("/", 1)[1]]
            assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
            assert labels.skeletons[0].node_names[0] == "NOSE"
        assert "pandas" not in sys.modules
        """
    )


# -- writing ----------------------------------------------------------------------------------


def _sleap_io_points(*paths: Path) -> list[np.ndarray]:
    """Every point sleap-io 0.9.5 reads from each of ``paths``, sorted, in one subprocess."""
    code = f"""
import json, sys, numpy as np, sleap_io
found = []
for path in {[str(p) for p in paths]!r}:
    labels = sleap_io.load_jabs(path)
    assert [n.name for n in labels.skeletons[0].nodes][:2] == ["NOSE", "LEFT_EAR"]
    points = [i.numpy() for f in labels.labeled_frames for i in f.instances]
    points = np.concatenate(points) if points else np.zeros((0, 2))
    points = points[np.isfinite(points).all(axis=1)]
    found.append(points[np.lexsort(points.T[::-1])].tolist())
json.dump(found, sys.stdout)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [np.array(points).reshape(-1, 2) for points in json.loads(done.stdout)]


def _one_mouse() -> poseio.Labels:
    labels = _mice()
    # sleap-io 0.9.5 fails on a v2 file with a frame without a pose: the mouse is in every frame of this video.
    video = poseio.Video("/data/one.avi", shape=(2, 480, 640, 1))
    return poseio.Labels([poseio.LabeledFrame(video, i, f.instances[:1]) for i, f in enumerate(labels[:2])],
                         videos=[video], skeletons=labels.skeletons, tracks=labels.tracks[:1])  # fmt: skip


def test_sleap_io_reads_every_version_poseio_writes_with_every_point_equal(tmp_path):
    pytest.importorskip("sleap_io")
    paths = [tmp_path / "one_pose_est_v2.h5"] + [tmp_path / f"mice_pose_est_v{v}.h5" for v in (3, 4, 5)]
    poseio.save(_one_mouse(), paths[0], format="jabs")
    for path in paths[1:]:
        poseio.save(_mice(), path, format="jabs")
    found = _sleap_io_points(*paths)
    assert np.array_equal(found[0], finite_points(_one_mouse()))
    for points in found[1:]:
        assert np.array_equal(points, finite_points(_mice()))


@pytest.mark.parametrize("version", [3, 4, 5])
def test_written_files_are_jabs_as_h5py_reads_them(tmp_path, version):
    labels = _mice()
    path = tmp_path / f"mice_pose_est_v{version}.h5"
    poseio.save(labels, path, format="jabs")
    with h5py.File(path, "r") as f:
        g = f["poseest"]
        assert list(g.attrs["version"]) == [version, 0]
        assert g["points"].dtype == np.uint16 and g["points"].shape == (6, 2, 12, 2)
        # (y, x): frame 0, slot 0 is track a's NOSE at x = 1, y = 2.
        assert g["points"][0, 0, 0].tolist() == [2, 1] and g["confidence"][0, 0, 0] == np.float32(0.75)
        assert g["confidence"][0, 1, 3] == 0 and g["instance_count"][()].tolist() == [2, 0, 1, 0, 1, 0]
        first = 0 if version == 3 else 1
        assert g["instance_track_id"][()][[0, 0, 2, 4], [0, 1, 0, 0]].tolist() == [first, first + 1, first, first + 2]
        kept = json.loads(g["poseio_tracks"][()])
        assert kept == {"tracks": {str(first): "a", str(first + 1): "b"}, "untracked_from": first + 2}
        if version >= 4:
            assert g["id_mask"][()].tolist() == [[False, False], [True, True], [False, True], [True, True],
                                                 [False, True], [True, True]]  # fmt: skip
            assert g["instance_embed_id"][0].tolist() == [1, 2]
    back = poseio.load(path)
    assert [t.name for t in back.tracks] == ["a", "b"] and back[2].instances[0].track is None
    assert_labels_equal(labels, back, KEEPS)


def test_one_mouse_writes_v2_and_two_are_refused(tmp_path):
    labels, one = _mice(), _one_mouse()
    path = tmp_path / "one_pose_est_v2.h5"
    poseio.save(one, path, format="jabs")
    with h5py.File(path, "r") as f:
        assert f["poseest/points"].shape == (2, 12, 2) and f["poseest/confidence"].shape == (2, 12)
        assert f["poseest/points"][1, 0].tolist() == [10, 5]
    assert [t.name for t in poseio.load(path).tracks] == ["a"]
    with pytest.raises(poseio.InvalidLabelsError, match="JABS v2 holds one mouse, but the labels have 2 instances"):
        poseio.save(labels, tmp_path / "two_pose_est_v2.h5", format="jabs")
    assert not (tmp_path / "two_pose_est_v2.h5").exists()


@pytest.mark.corpus
def test_the_v5_sample_written_back_keeps_points_ids_static_objects_and_attributes(tmp_path):
    source = corpus_file("formats2", "sample_pose_est_v5.h5")
    labels = _load_quietly(source)
    path = tmp_path / "again_pose_est_v5.h5"
    poseio.save(labels, path)
    with h5py.File(path, "r") as f, h5py.File(source, "r") as raw:
        assert np.array_equal(f["static_objects/corners"][()], raw["static_objects/corners"][()])
        assert f["poseest"].attrs["cm_per_pixel"] == raw["poseest"].attrs["cm_per_pixel"]
        assert sorted(np.unique(f["poseest/instance_embed_id"][()][~f["poseest/id_mask"][()]])) == [1, 2, 3]
    again = poseio.load(path)  # a version attribute of 5 now: no warning
    assert np.array_equal(finite_points(again), truth_points(source.name))
    assert [t.name for t in again.tracks] == ["1", "2", "3"]


def test_what_jabs_cannot_hold_is_refused_or_named_as_a_loss(tmp_path):
    labels = _mice(predicted=False)
    with pytest.raises(poseio.DataLossError, match="4 user instances would read back as predictions"):
        poseio.save(labels, tmp_path / "u_pose_est_v4.h5", format="jabs")
    poseio.save(labels, tmp_path / "u_pose_est_v4.h5", format="jabs", allow_loss=True)
    with h5py.File(tmp_path / "u_pose_est_v4.h5", "r") as f:
        assert set(np.unique(f["poseest/confidence"][()])) == {0.0, 1.0}  # a label's points: confidence 1
    other = poseio.Labels.from_numpy(np.ones((1, 1, 2, 2)), video=poseio.Video("v.mp4"),
                                     skeleton=poseio.Skeleton(["head", "tail"]))  # fmt: skip
    with pytest.raises(poseio.InvalidLabelsError, match="nodes JABS does not have \\(head, tail\\)"):
        poseio.save(other, tmp_path / "o_pose_est_v4.h5", format="jabs")
    flat = poseio.Labels.from_numpy(np.ones((1, 1, 12, 3)), video=poseio.Video("v.mp4"), skeleton=_jabs_skeleton())
    with pytest.raises(poseio.InvalidLabelsError, match="JABS points are 2D"):
        poseio.save(flat, tmp_path / "z_pose_est_v4.h5", format="jabs")
    negative = poseio.Labels.from_numpy(-np.ones((1, 1, 12, 2)), video=poseio.Video("v.mp4"), skeleton=_jabs_skeleton())
    with pytest.raises(poseio.InvalidLabelsError, match="outside 0 to 65535"):
        poseio.save(negative, tmp_path / "n_pose_est_v4.h5", format="jabs")
    half = poseio.Labels.from_numpy(np.full((1, 1, 12, 2), 2.5), video=poseio.Video("v.mp4"), skeleton=_jabs_skeleton(),
                                    point_scores=np.full((1, 1, 12), 0.2))  # fmt: skip
    with pytest.raises(poseio.DataLossError) as caught:
        poseio.save(half, tmp_path / "h_pose_est_v4.h5", format="jabs")
    assert "12 points would be rounded" in str(caught.value) and "confidence of 0.3 or less" in str(caught.value)
    with pytest.raises(poseio.InvalidOptionError, match="JABS reads the version from the name"):
        poseio.save(_mice(), tmp_path / "m_pose_est_v4.h5", format="jabs", version=3)
    with pytest.raises(poseio.InvalidOptionError, match=r"version= must be one of \[2, 3, 4, 5\]"):
        poseio.save(_mice(), tmp_path / "m.h5", format="jabs", version=6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u_pose_est_v4.h5"]


def test_a_subset_of_jabs_keypoints_is_written_by_name_the_rest_missing(tmp_path):
    skeleton = poseio.Skeleton(["tip_tail", "nose"])
    labels = poseio.Labels.from_numpy(np.array([[[[5.0, 6.0], [7.0, 8.0]]]]), video=poseio.Video("v.avi"),
                                      skeleton=skeleton, point_scores=np.array([[[0.5, 0.9]]]))  # fmt: skip
    path = tmp_path / "part_pose_est_v3.h5"
    poseio.save(labels, path, format="jabs")
    with h5py.File(path, "r") as f:
        assert f["poseest/points"][0, 0, 11].tolist() == [6, 5] and f["poseest/points"][0, 0, 0].tolist() == [8, 7]
        assert np.count_nonzero(f["poseest/confidence"][()]) == 2
    back = poseio.load(path).labeled_frames[0].instances[0]
    assert back.skeleton.node_names == JABS_NODES
    assert back.points[[0, 11]].tolist() == [[7.0, 8.0], [5.0, 6.0]]


def test_a_jabs_file_converts_to_nwb(tmp_path):
    path, rows = TestJabsConformance().reference(tmp_path)
    labels = poseio.load(path)
    poseio.save(labels, tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), _sorted(np.array([r[3:] for r in rows])))
    assert sorted(t.name for t in back.tracks) == ["3", "7"]


# -- bad input ------------------------------------------------------------------------------------


def test_damaged_and_foreign_layouts_are_read_errors(tmp_path):
    path = tmp_path / "bad_pose_est_v4.h5"
    with h5py.File(path, "w") as f:
        f["poseest/points"] = np.zeros((3, 2, 12, 2), np.uint16)
        f["poseest/confidence"] = np.zeros((3, 2, 12), np.float32)
    with pytest.raises(poseio.ReadError, match="neither instance_count and instance_track_id"):
        poseio.load(path, format="jabs")
    with h5py.File(path, "a") as f:
        f["poseest/instance_count"] = np.zeros(5, np.uint8)
        f["poseest/instance_track_id"] = np.zeros((3, 2), np.uint32)
    with pytest.warns(UserWarning, match="the file name says v4, but its datasets hold v3"):
        with pytest.raises(poseio.ReadError, match="instance_count or instance_track_id does not fit"):
            poseio.load(path)
    with pytest.raises(poseio.InvalidOptionError, match="min_confidence= must be a number"):
        poseio.load(path, min_confidence=-1)


def test_a_file_over_the_memory_budget_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big_pose_est_v2.h5"
    with h5py.File(path, "w") as f:
        f["poseest/points"] = np.zeros((2000, 12, 2), np.uint16)
        f["poseest/confidence"] = np.zeros((2000, 12), np.float32)
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(path, memory_budget=10_000)


def _write_by_hand(path: Path, points: np.ndarray, confidence: np.ndarray, **datasets: np.ndarray) -> Path:
    with h5py.File(path, "w") as f:
        g = f.create_group("poseest")
        g["points"], g["confidence"] = points, confidence
        for name, value in datasets.items():
            if "/" in name:
                f[name] = value
            else:
                g[name] = value
    return path


def test_a_v3_file_by_hand_reads_its_first_instance_count_poses_by_track_id(tmp_path):
    # v3: the first instance_count slots of a frame are poses (whatever their confidence); ids count from 0.
    points = np.zeros((2, 3, 12, 2), np.uint16)
    confidence = np.zeros((2, 3, 12), np.float32)
    points[0, :, 0] = [(1, 2), (3, 4), (5, 6)]
    confidence[0, :, 0] = 0.9
    points[1, 0, 11] = (8, 9)
    confidence[1, 0, 11] = 0.31
    path = _write_by_hand(
        tmp_path / "three_pose_est_v3.h5",
        points,
        confidence,
        instance_count=np.array([2, 1], np.uint8),
        instance_track_id=np.array([[0, 4, 9], [4, 0, 0]], np.uint32),
        instance_embedding=np.zeros((2, 3, 12), np.float32),
    )
    labels = poseio.load(path)
    assert labels.provenance["jabs"]["version"] == 3
    assert [t.name for t in labels.tracks] == ["0", "4"]
    rows = sorted((f.frame_idx, i.track.name, *i.points[np.isfinite(i.points[:, 0])].ravel().tolist())
                  for f in labels for i in f.instances)  # fmt: skip
    assert rows == [(0, "0", 2.0, 1.0), (0, "4", 4.0, 3.0), (1, "4", 9.0, 8.0)]


def test_a_v2_file_without_version_attribute_or_name_and_a_v6_file_by_hand(tmp_path):
    points = np.full((3, 12, 2), 7, np.uint16)
    confidence = np.where(np.arange(12) < 6, 0.5, 0.0).astype(np.float32)[None].repeat(3, axis=0)
    labels = poseio.load(_write_by_hand(tmp_path / "mouse.h5", points, confidence))
    assert labels.provenance["jabs"]["version"] == 2 and labels.n_predicted_instances == 3
    assert int(np.isfinite(labels.numpy()[..., 0]).sum()) == 3 * 6
    assert labels.videos[0].filename.endswith("mouse.avi")
    many = np.zeros((2, 1, 12, 2), np.uint16)
    path = _write_by_hand(
        tmp_path / "arena_pose_est_v6.h5",
        many,
        np.full((2, 1, 12), 0.9, np.float32),
        id_mask=np.zeros((2, 1), bool),
        instance_embed_id=np.ones((2, 1), np.uint32),
        **{"static_objects/lixit": np.array([[10, 20]], np.uint16),
           "dynamic_objects/fecal_boli/points": np.zeros((2, 5, 1, 2), np.uint16)},
    )  # fmt: skip
    six = poseio.load(path)
    assert six.provenance["jabs"]["version"] == 6
    assert six.provenance["jabs"]["dynamic_objects"] == {"fecal_boli/points": [2, 5, 1, 2]}
    assert six.provenance["jabs"]["static_objects"]["lixit"].tolist() == [[10, 20]]
