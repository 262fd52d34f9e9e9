"""The openpose plugin: output folders written here from OpenPose's published description, read against their arrays.

No OpenPose output is in the corpus: every fixture is written by this module, from arrays, as OpenPose's
``doc/02_output.md`` describes ``--write_json`` (one ``<video>_<12-digit frame>_keypoints.json`` per frame, flat
``x, y, c`` lists per part, ``c == 0`` for a keypoint not found), and the reader's output is compared to those arrays.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from corpus_truth import corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

#: OpenPose's BODY_25 keypoints, as its doc/02_output.md lists them.
BODY_25 = [
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip", "RKnee",
    "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe",
    "RSmallToe", "RHeel",
]  # fmt: skip
PARTS = ("pose", "face", "hand_left", "hand_right")


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file and folder of the corpus (none is OpenPose output)."""
    return tuple(p for p in corpus_paths() if p.suffix != ".md")


def _flat(points: np.ndarray, confidence: np.ndarray) -> list[float]:
    """OpenPose's flat list: x, y (, z), c per keypoint; a keypoint not found is all zeros."""
    values = np.concatenate([points, confidence[:, None]], axis=1)
    values[confidence == 0] = 0.0
    return values.ravel().tolist()


def write_frame(path: Path, people: list[dict], version: float = 1.3) -> Path:
    """One frame file as OpenPose writes it: every part's key present, empty when that part was not estimated."""
    entries = []
    for person in people:
        entry = {"person_id": [person.get("id", -1)]}
        for part in PARTS:
            for dims in ("2d", "3d"):
                key = f"{part}_keypoints_{dims}"
                entry[key] = _flat(*person[key]) if key in person else []
        entries.append(entry)
    path.write_text(json.dumps({"version": version, "people": entries}))
    return path


def output_folder(folder: Path, n_frames: int = 4, seed: int = 0, face_hands: bool = True) -> dict:
    """A --write_json folder of two tracked people; returns the arrays it was written from."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    widths = {"pose": 25, "face": 70, "hand_left": 21, "hand_right": 21} if face_hands else {"pose": 25}
    truth = {part: rng.uniform(1, 500, (n_frames, 2, n, 2)).round(3) for part, n in widths.items()}
    conf = {part: rng.uniform(0.05, 1, (n_frames, 2, n)).round(4) for part, n in widths.items()}
    conf["pose"][:, :, 3] = 0  # RElbow never found
    conf["pose"][-1, 0, :5] = 0  # the first person of the last frame: no head or right arm
    for frame in range(n_frames):
        people = [
            {"id": pid, **{f"{p}_keypoints_2d": (truth[p][frame, pid], conf[p][frame, pid]) for p in widths}}
            for pid in (0, 1)
        ]
        write_frame(folder / f"walk_{frame:012d}_keypoints.json", people)
    return {"points": truth, "conf": conf}


def expected_grid(truth: dict, parts=PARTS) -> tuple[np.ndarray, np.ndarray]:
    """(frames, people, nodes, 2) points with NaN where c == 0, and the scores likewise, parts in skeleton order."""
    points = np.concatenate([truth["points"][p] for p in parts if p in truth["points"]], axis=2)
    conf = np.concatenate([truth["conf"][p] for p in parts if p in truth["conf"]], axis=2)
    points = np.where((conf == 0)[..., None], np.nan, points)
    return points, np.where(conf == 0, np.nan, conf)


class TestOpenPoseConformance(FormatConformance):
    """Read only: the folder is the reference (the kit loads it with format="openpose")."""

    format = "openpose"
    extension = ".json"
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # COCO's 18 keypoints (Nose, Neck, RShoulder, ...), by hand: only Nose and LAnkle (13) found.
        out = folder / "json"
        out.mkdir()
        pose = [0.0] * 54
        pose[0:3] = [10.5, 20.25, 0.9]
        pose[39:42] = [30.0, 40.0, 0.4]
        person = {"person_id": [4], "pose_keypoints_2d": pose, "face_keypoints_2d": [], "hand_left_keypoints_2d": []}
        (out / "cam1_000000000003_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [person]}))
        (out / "cam1_000000000004_keypoints.json").write_text('{"version":1.3,"people":[]}')
        nobody = {"person_id": [-1], "pose_keypoints_2d": [0.0] * 51 + [7.0, 8.0, 0.5]}  # LEar (17) only
        (out / "cam1_000000000010_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [nobody]}))
        return out, [
            (3, "person_4", "Nose", 10.5, 20.25),
            (3, "person_4", "LAnkle", 30.0, 40.0),
            (10, None, "LEar", 7.0, 8.0),
        ]


# -- values ---------------------------------------------------------------------------------------


def test_a_folder_reads_as_the_arrays_it_was_written_from(tmp_path):
    truth = output_folder(tmp_path / "json")
    labels = poseio.load(tmp_path / "json")
    assert labels.provenance["format"] == "openpose"
    [skeleton] = labels.skeletons
    assert skeleton.name == "BODY_25"
    assert skeleton.node_names == [
        *BODY_25, *(f"face_{i:02d}" for i in range(70)), *(f"left_hand_{i:02d}" for i in range(21)),
        *(f"right_hand_{i:02d}" for i in range(21)),
    ]  # fmt: skip
    assert [t.name for t in labels.tracks] == ["person_0", "person_1"]
    assert [v.filename for v in labels.videos] == ["walk"]
    points, scores = labels.numpy(return_scores=True)
    expected_points, expected_scores = expected_grid(truth)
    assert points.shape == (4, 2, 137, 2)
    assert np.array_equal(points, expected_points, equal_nan=True)
    assert np.array_equal(scores, expected_scores, equal_nan=True)
    assert labels.n_predicted_instances == 8 and labels.n_user_instances == 0
    details = labels.provenance["openpose"]
    assert (details["model"], details["parts"], details["keypoints"]) == ("BODY_25", list(PARTS), "2d")
    assert details["versions"] == [1.3] and details["n_files"] == 4


def test_limbs_are_openposes_render_pairs_by_name(tmp_path):
    output_folder(tmp_path / "json", n_frames=1)
    skeleton = poseio.load(tmp_path / "json").skeletons[0]
    names = skeleton.node_names
    edges = {(names[a], names[b]) for a, b in skeleton.edge_inds}
    # BODY_25's 24 limbs, the face's 63 lines and 20 per hand (doc/02_output.md's figures).
    assert len(edges) == 24 + 63 + 20 + 20
    assert {("Neck", "MidHip"), ("Nose", "REye"), ("LAnkle", "LBigToe"), ("RAnkle", "RHeel")} <= edges
    assert {("face_41", "face_36"), ("left_hand_00", "left_hand_17"), ("right_hand_19", "right_hand_20")} <= edges


@pytest.mark.parametrize(
    ("count", "model", "first", "edge"),
    [(18, "COCO", ["Nose", "Neck", "RShoulder"], ("Neck", "RHip")), (15, "MPI", ["Head", "Neck"], ("Chest", "RHip"))],
)
def test_coco_and_mpi_bodies_are_told_by_their_keypoint_count(tmp_path, count, model, first, edge):
    points = np.arange(count * 2, dtype=float).reshape(count, 2) + 1
    write_frame(tmp_path / "v_000000000000_keypoints.json", [{"pose_keypoints_2d": (points, np.full(count, 0.5))}])
    labels = poseio.load(tmp_path / "v_000000000000_keypoints.json")
    skeleton = labels.skeletons[0]
    assert (skeleton.name, len(skeleton)) == (model, count)
    assert skeleton.node_names[: len(first)] == first
    names = skeleton.node_names
    assert edge in {(names[a], names[b]) for a, b in skeleton.edge_inds}
    assert np.array_equal(labels.numpy()[0, 0], points)


def test_frames_come_from_the_12_digit_numbers_and_each_video_prefix_is_a_video(tmp_path):
    folder = tmp_path / "json"
    folder.mkdir()
    one = {"pose_keypoints_2d": (np.array([[1.0, 2.0]] * 15), np.full(15, 0.5))}
    for name in ("a_000000000007", "a_000000000120", "b_c_000000000002"):
        write_frame(folder / f"{name}_keypoints.json", [one])
    labels = poseio.load(folder)
    assert [v.filename for v in labels.videos] == ["a", "b_c"]
    assert [(f.video.filename, f.frame_idx) for f in labels] == [("a", 7), ("a", 120), ("b_c", 2)]


def test_files_named_after_images_are_frames_in_name_order(tmp_path):
    folder = tmp_path / "images_json"
    folder.mkdir()
    one = {"pose_keypoints_2d": (np.array([[1.0, 2.0]] * 15), np.full(15, 0.5))}
    for name in ("zebra", "apple", "mango"):
        write_frame(folder / f"{name}_keypoints.json", [one])
    labels = poseio.load(folder)
    [video] = labels.videos
    assert video.filename == "images_json"
    assert video.metadata["images"] == {0: "apple", 1: "mango", 2: "zebra"}
    assert [f.frame_idx for f in labels] == [0, 1, 2]


def test_one_file_is_one_frame(tmp_path):
    output_folder(tmp_path / "json", face_hands=False)
    truth_points = json.loads((tmp_path / "json" / "walk_000000000002_keypoints.json").read_text())
    labels = poseio.load(tmp_path / "json" / "walk_000000000002_keypoints.json")
    assert [(f.video.filename, f.frame_idx) for f in labels] == [("walk", 2)]
    flat = np.array(truth_points["people"][1]["pose_keypoints_2d"]).reshape(25, 3)
    expected = np.where((flat[:, 2] == 0)[:, None], np.nan, flat[:, :2])
    instance = next(i for i in labels.labeled_frames[0].instances if i.track.name == "person_1")
    assert np.array_equal(instance.points, expected, equal_nan=True)


def test_untracked_people_of_a_frame_stay_apart(tmp_path):
    people = [{"pose_keypoints_2d": (np.full((15, 2), float(k + 1)), np.full(15, 0.5))} for k in range(3)]
    write_frame(tmp_path / "x_000000000005_keypoints.json", people)
    labels = poseio.load(tmp_path / "x_000000000005_keypoints.json")
    assert labels.tracks == []
    assert sorted(float(i.points[0, 0]) for i in labels.labeled_frames[0].instances) == [1.0, 2.0, 3.0]


def test_3d_keypoints_are_read_when_there_are_no_2d_ones_or_when_asked(tmp_path):
    rng = np.random.default_rng(3)
    xyz = rng.uniform(-1, 1, (25, 3)).round(4)
    xy = rng.uniform(0, 100, (25, 2)).round(2)
    conf = np.full(25, 0.7)
    write_frame(tmp_path / "s_000000000000_keypoints.json", [{"pose_keypoints_3d": (xyz, conf)}])
    labels = poseio.load(tmp_path / "s_000000000000_keypoints.json")
    assert labels.provenance["openpose"]["keypoints"] == "3d"
    assert np.array_equal(labels.numpy()[0, 0], xyz)
    both = {"pose_keypoints_3d": (xyz, conf), "pose_keypoints_2d": (xy, conf)}
    write_frame(tmp_path / "s_000000000000_keypoints.json", [both])
    assert np.array_equal(poseio.load(tmp_path / "s_000000000000_keypoints.json").numpy()[0, 0], xy)
    labels = poseio.load(tmp_path / "s_000000000000_keypoints.json", keypoints="3d")
    assert np.array_equal(labels.numpy()[0, 0], xyz)
    assert labels.provenance["openpose"]["not_read"] == ["pose_keypoints_2d"]


# -- safety and bad input -------------------------------------------------------------------------


def test_a_frame_file_linked_from_outside_the_folder_is_refused(tmp_path):
    output_folder(tmp_path / "json", n_frames=2, face_hands=False)
    outside = write_frame(tmp_path / "secret.json", [{"pose_keypoints_2d": (np.ones((25, 2)), np.ones(25))}])
    os.symlink(outside, tmp_path / "json" / "walk_000000000009_keypoints.json")
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(tmp_path / "json")
    assert len(poseio.load(tmp_path / "json", allow_external=True)) == 3


def test_thousands_of_files_are_checked_against_the_budget_before_any_is_parsed(tmp_path):
    output_folder(tmp_path / "json", n_frames=3)
    with pytest.raises(poseio.UnsafeFileError, match="parsing 3 OpenPose frame files"):
        poseio.load(tmp_path / "json", memory_budget=50_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1.3, "people": [{"pose_keypoints_2d": [1, 2]}]}', "2 values, not 3 per keypoint"),
        ('{"version": 1.3, "people": [{"pose_keypoints_2d": ["a", 2, 3]}]}', "holds something other than numbers"),
        ('{"version": 1.3, "people": [{"person_id": ["x"], "pose_keypoints_2d": [1, 2, 3]}]}', "person_id is 'x'"),
        ('{"version": 1.3, "people": [{"hand_left_keypoints_2d": [1, 2, 3]}]}', "1 keypoints .*; OpenPose's has 21"),
        ('{"version": 1.3, "people": {}}', "'people' is not a list"),
        ('{"version": 1.3, "people": [{"pose_keypoints_2d": [1, 2, 3]', "broken JSON at line 1"),
    ],
)  # fmt: skip
def test_broken_frame_files_are_read_errors_naming_the_file(tmp_path, text, message):
    folder = tmp_path / "json"
    output_folder(folder, n_frames=1, face_hands=False)
    (folder / "walk_000000000001_keypoints.json").write_text(text)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(folder)
    assert "walk_000000000001_keypoints.json" in str(caught.value)


def test_two_models_in_one_folder_are_refused(tmp_path):
    folder = tmp_path / "json"
    output_folder(folder, n_frames=1, face_hands=False)
    write_frame(folder / "walk_000000000001_keypoints.json", [{"pose_keypoints_2d": (np.ones((18, 2)), np.ones(18))}])
    with pytest.raises(poseio.ReadError, match="pose_keypoints_2d has 25 keypoints in .* and 18 in"):
        poseio.load(folder)


def test_folders_and_files_are_claimed_and_others_declined_with_a_reason(tmp_path):
    output_folder(tmp_path / "json", n_frames=2)
    [claim] = poseio.sniff(tmp_path / "json")
    assert (claim.format, claim.confidence) == ("openpose", poseio.TYPED_MATCH)
    # No other format claims OpenPose's files.
    claims = poseio.sniff(tmp_path / "json" / "walk_000000000000_keypoints.json")
    assert [(c.format, c.confidence) for c in claims] == [("openpose", poseio.TYPED_MATCH)]
    empty = tmp_path / "empty_000000000000_keypoints.json"
    empty.write_text('{"version":1.3,"people":[]}')
    assert poseio.sniff(empty)[0].format == "openpose"
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.json").write_text('{"people": []}')
    with pytest.raises(poseio.ReadError, match=r"openpose: a folder without \*_keypoints.json files"):
        poseio.load(tmp_path / "photos")


@pytest.mark.corpus
def test_no_file_or_folder_of_the_corpus_is_claimed():
    foreign = _foreign_corpus()
    assert any(p.is_dir() for p in foreign)
    for path in foreign:
        assert [c for c in poseio.sniff(path, format="openpose") if c.confidence > 0] == [], path.name


# -- as a user ------------------------------------------------------------------------------------


def test_a_user_loads_an_output_folder_in_a_fresh_process(tmp_path):
    truth = output_folder(tmp_path / "json", n_frames=3)
    expected, _ = expected_grid(truth)
    np.save(tmp_path / "expected.npy", expected)
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(tmp_path / "json")!r})
        assert labels.provenance["format"] == "openpose"
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.array_equal(labels.numpy(), expected, equal_nan=True)
        assert "pandas" not in sys.modules
        """
    )


def test_an_output_folder_converts_to_nwb(tmp_path):
    truth = output_folder(tmp_path / "json", n_frames=3, face_hands=False)
    out = tmp_path / "walk.nwb"
    # The folder is one input, as `poseio convert json/ walk.nwb --fps 30` converts it.
    poseio.convert(tmp_path / "json", out, fps=30.0)
    expected, scores = expected_grid(truth, parts=("pose",))
    with h5py.File(out, "r") as f:
        for person in (0, 1):
            series = f[f"processing/behavior/PoseEstimation_person_{person}/LWrist"]
            assert np.array_equal(series["data"][()], expected[:, person, 7])
            assert np.array_equal(series["confidence"][()], scores[:, person, 7])
    back = poseio.load(out)
    assert np.array_equal(back.numpy(), expected, equal_nan=True)


def test_version_1_2_frames_without_person_id_or_video_name_and_hands_not_found(tmp_path):
    # Real OpenPose 1.2 and 1.3 output (saadbutt32/Conversion-of-Pakistan-Sign-Languag-into-Text-and-Speech-
    # using-OpenPose-and-Machine-Learning, commit 388dbec5: PSL/000000000000_keypoints.json and
    # PSL/data/datasets/words_dataset/good/1564405243.754477/) names its files "<12 digits>_keypoints.json" with no
    # video before the number; 1.2 writes no person_id, and a hand not found is 21 zero triples, not [].
    rng = np.random.default_rng(5)
    pose = rng.uniform(1, 900, (2, 25, 2)).round(3)
    conf = rng.uniform(0.1, 1, (2, 25)).round(6)
    conf[:, 3:5] = 0  # the right arm not found
    folder = tmp_path / "1564405243.754477"
    folder.mkdir()
    for frame in range(2):
        person = {
            "pose_keypoints_2d": _flat(pose[frame], conf[frame]),
            "face_keypoints_2d": [],
            "hand_left_keypoints_2d": [0] * 63,
            "hand_right_keypoints_2d": [0] * 63,
        }
        (folder / f"{frame:012d}_keypoints.json").write_text(json.dumps({"version": 1.2, "people": [person]}))
    labels = poseio.load(folder)
    details = labels.provenance["openpose"]
    assert (details["model"], details["versions"], details["parts"]) == (
        "BODY_25",
        [1.2],
        ["pose", "hand_left", "hand_right"],
    )
    assert [f.frame_idx for f in labels] == [0, 1] and labels.tracks == []
    points, scores = labels.numpy(return_scores=True)
    expected = np.where((conf == 0)[..., None], np.nan, pose)
    assert np.array_equal(points[:, 0, :25], expected, equal_nan=True)
    assert np.array_equal(scores[:, 0, :25], np.where(conf == 0, np.nan, conf), equal_nan=True)
    assert np.isnan(points[:, 0, 25:]).all()  # both hands: 42 keypoints, none found
