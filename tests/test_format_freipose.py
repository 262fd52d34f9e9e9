"""The freipose plugin: prediction files written here from FreiPose's published description, read against arrays.

No FreiPose file is in the corpus: every fixture is written by this module as FreiPose's
``docs/PredictionFiles.md`` and ``predict_pose.py`` describe one (a JSON list, one entry per frame: ``boxes``
per camera and the centre ``xyz``, then ``kp_xyz`` 1 x K x 3 and ``kp_score`` 1 x K; frames without a detected
animal have no pose), and as keypoint-MoSeq's ``_freipose_loader`` reads it (the entries' ``kp_xyz`` stacked).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from corpus_truth import corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

#: FreiPose's rat model (config/skel_rat.cfg.json), in its order.
RAT = [
    "Ear Right", "Eye Right", "Paw Front Right", "Paw Back Right Ankle", "Paw Back Right Tip", "Ear Left",
    "Eye Left", "Paw Front Left", "Paw Back Left Ankle", "Paw Back Left Tip", "Nose", "Tail",
]  # fmt: skip


def _foreign_corpus() -> tuple[Path, ...]:
    return tuple(p for p in corpus_paths() if p.suffix != ".md")


def prediction_file(path: Path, n_frames: int = 6, skipped: tuple[int, ...] = (2,), seed: int = 0) -> dict:
    """A predict_pose.py output of 7 cameras and 12 keypoints; ``skipped`` frames had no animal."""
    rng = np.random.default_rng(seed)
    xyz = rng.normal(0, 0.1, (n_frames, 12, 3)).round(5)
    scores = rng.uniform(0, 1, (n_frames, 12)).round(4)
    centre = rng.normal(0, 0.1, (n_frames, 3)).round(4)
    frames = []
    for f in range(n_frames):
        if f in skipped:
            frames.append({"boxes": [[0.0, 0.0, 0.0, 0.0]] * 7, "xyz": None})
        else:
            frames.append(
                {
                    "boxes": rng.uniform(0, 1, (7, 4)).round(3).tolist(),
                    "xyz": [centre[f].tolist()],
                    "kp_xyz": [xyz[f].tolist()],
                    "kp_score": [scores[f].tolist()],
                }
            )
    path.write_text(json.dumps(frames))
    return {"xyz": xyz, "scores": scores, "centre": centre, "kept": [f for f in range(n_frames) if f not in skipped]}


class TestFreiPoseConformance(FormatConformance):
    format = "freipose"
    extension = ".json"
    max_instances_per_frame = 1
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # By hand: two keypoints, frame 1 without an animal (FreiPose writes its xyz as null).
        path = folder / "pred_run001__00.json"
        path.write_text(
            '[{"boxes": [[0.1, 0.4, 0.2, 0.6]], "xyz": [[0.0, 0.1, 0.5]],'
            ' "kp_xyz": [[[0.01, 0.02, 0.5], [-0.25, 0.125, 0.75]]], "kp_score": [[0.9, 0.3]]},'
            ' {"boxes": [[0, 0, 0, 0]], "xyz": null},'
            ' {"boxes": [[0.1, 0.4, 0.2, 0.6]], "xyz": [[0.0, 0.1, 0.5]],'
            ' "kp_xyz": [[[1, 2, 3], [4, 5, 6]]], "kp_score": [[0.5, 0.5]]}]'
        )
        return path, [
            (0, None, "keypoint_00", 0.01, 0.02, 0.5),
            (0, None, "keypoint_01", -0.25, 0.125, 0.75),
            (2, None, "keypoint_00", 1.0, 2.0, 3.0),
            (2, None, "keypoint_01", 4.0, 5.0, 6.0),
        ]


def test_a_prediction_file_reads_as_the_arrays_it_was_written_from(tmp_path):
    truth = prediction_file(tmp_path / "pred_run003__00.json")
    labels = poseio.load(tmp_path / "pred_run003__00.json")
    assert labels.provenance["format"] == "freipose"
    assert [f.frame_idx for f in labels] == truth["kept"] == [0, 1, 3, 4, 5]
    points, scores = labels.numpy(return_scores=True)
    assert points.shape == (6, 1, 12, 3)
    assert np.array_equal(points[truth["kept"], 0], truth["xyz"][truth["kept"]])
    assert np.isnan(points[2]).all()
    assert np.array_equal(scores[truth["kept"], 0], truth["scores"][truth["kept"]])
    assert labels.n_predicted_instances == 5 and labels.tracks == []
    assert labels.videos[0].filename == "pred_run003__00" and labels.videos[0].shape[0] == 6
    details = labels.provenance["freipose"]
    assert details["frames_without_pose"] == [2] and details["n_frames"] == 6
    assert np.array_equal(details["root_xyz"][truth["kept"]], truth["centre"][truth["kept"]])
    assert np.isnan(details["root_xyz"][2]).all()


def test_the_points_are_those_keypoint_moseq_stacks(tmp_path):
    # keypoint-MoSeq's _freipose_loader concatenates every entry's kp_xyz along the first axis.
    truth = prediction_file(tmp_path / "p.json", skipped=())
    data = json.loads((tmp_path / "p.json").read_text())
    stacked = np.concatenate([np.asarray(d["kp_xyz"]) for d in data], axis=0)
    assert np.array_equal(poseio.load(tmp_path / "p.json").numpy()[:, 0], stacked)
    assert np.array_equal(stacked, truth["xyz"])


def test_skeleton_names_the_keypoints(tmp_path):
    prediction_file(tmp_path / "p.json")
    labels = poseio.load(tmp_path / "p.json", skeleton=RAT)
    assert labels.skeletons[0].node_names == RAT
    named = poseio.Skeleton(RAT, edges=[(0, 5), (10, 1)], name="rat")
    assert poseio.load(tmp_path / "p.json", skeleton=named).skeletons[0].edge_inds == [(0, 5), (10, 1)]
    with pytest.raises(poseio.InvalidOptionError, match="skeleton= has 2 keypoints, .* has 12"):
        poseio.load(tmp_path / "p.json", skeleton=["a", "b"])
    with pytest.raises(poseio.InvalidOptionError, match="a list of keypoint names"):
        poseio.load(tmp_path / "p.json", skeleton=3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"xyz": null, "kp_xyz": [[[1, 2]]]}]', r"kp_xyz has shape \(1, 1, 2\), not 1 x K x 3"),
        ('[{"kp_xyz": [[[1, 2, 3]]], "kp_score": [[1, 2]]}]', "kp_score has 2 values for 1 keypoints"),
        ('[{"xyz": null, "kp_xyz": [[[1, 2, 3]]]}, {"kp_xyz": [[[1, 2, 3], [4, 5, 6]]]}]',
         "frame 1 has 2 keypoints, frame 0 1"),
        ('[{"boxes": [[0, 0, 0, 0]], "xyz": null}]', "none of its 1 frames has kp_xyz"),
        ('[{"xyz": null, "kp_xyz": "x"}]', "kp_xyz is not an array of numbers"),
        ('[{"xyz": null, "kp_xyz": [[[1, 2, 3]]]', "broken JSON"),
    ],
)  # fmt: skip
def test_broken_files_are_read_errors_naming_the_file(tmp_path, text, message):
    path = tmp_path / "pred.json"
    path.write_text(text)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="freipose")
    assert str(path) in str(caught.value)


def test_a_file_over_the_budget_is_refused_before_it_is_parsed(tmp_path):
    prediction_file(tmp_path / "p.json")
    with pytest.raises(poseio.UnsafeFileError, match="parsing .* bytes of JSON"):
        poseio.load(tmp_path / "p.json", memory_budget=5_000)


def test_freipose_files_are_claimed_by_freipose_alone(tmp_path):
    prediction_file(tmp_path / "p.json")
    assert [(c.format, c.confidence) for c in poseio.sniff(tmp_path / "p.json")] == [("freipose", poseio.TYPED_MATCH)]
    # predict_bb.py's output (boxes and centres, no pose yet) is FreiPose's, but holds nothing to read.
    (tmp_path / "bb.json").write_text(json.dumps([{"boxes": [[0.1, 0.2, 0.3, 0.4]], "xyz": [[0, 0, 1]]}]))
    [claim] = poseio.sniff(tmp_path / "bb.json")
    assert (claim.format, claim.confidence) == ("freipose", poseio.STRUCTURE_MATCH)
    with pytest.raises(poseio.ReadError, match="run predict_pose.py"):
        poseio.load(tmp_path / "bb.json")


@pytest.mark.corpus
def test_no_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        assert [c for c in poseio.sniff(path, format="freipose") if c.confidence > 0] == [], path.name


def test_a_user_loads_a_prediction_file_in_a_fresh_process(tmp_path):
    truth = prediction_file(tmp_path / "pred_run001__00.json", skipped=())
    np.save(tmp_path / "expected.npy", truth["xyz"])
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(tmp_path / "pred_run001__00.json")!r}, fps=30)
        assert labels.provenance["format"] == "freipose" and labels.videos[0].fps == 30
        assert np.array_equal(labels.numpy()[:, 0], np.load({str(tmp_path / "expected.npy")!r}))
        assert "pandas" not in sys.modules
        """
    )


def test_predictions_convert_to_nwb_as_3d_points(tmp_path):
    truth = prediction_file(tmp_path / "pred.json", skipped=())
    out = tmp_path / "pred.nwb"
    poseio.save(poseio.load(tmp_path / "pred.json", skeleton=RAT), out, fps=30.0)
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation/Nose"]
        assert np.array_equal(series["data"][()], truth["xyz"][:, 10])
        assert np.array_equal(series["confidence"][()], truth["scores"][:, 10])
    back = poseio.load(out)
    assert back.skeletons[0].node_names == RAT
    assert np.array_equal(back.numpy()[:, 0], truth["xyz"])
