"""The mmpose plugin: results files written here from MMPose's published code, read against their arrays.

No MMPose results file is in the corpus (its ``mmpose_test_*.json`` are COCO annotation files, which this
plugin must decline): every fixture is written by this module, from arrays, in the layouts MMPose writes them:
``demo/topdown_demo_with_mmdet.py --save-predictions`` (``meta_info`` and ``instance_info``) and
``MMPoseInferencer(pred_out_dir=...)`` (a list of ``frame_id``/``instances`` for a video, of instances for an image).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from corpus_truth import corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

#: The COCO body keypoints, as mmpose's dataset meta names them (configs/_base_/datasets/coco.py).
COCO_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle",
]  # fmt: skip
COCO_LINKS = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9],
              [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]]  # fmt: skip
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def _foreign_corpus() -> tuple[Path, ...]:
    return tuple(p for p in corpus_paths() if p.suffix != ".md")


def _meta(names=COCO_NAMES, links=COCO_LINKS, flips=COCO_FLIP) -> dict:
    """mmpose's dataset_meta as json.dump writes it (integer keys become text)."""
    return {
        "dataset_name": "coco",
        "num_keypoints": len(names),
        "keypoint_id2name": {str(i): n for i, n in enumerate(names)},
        "keypoint_name2id": {n: i for i, n in enumerate(names)},
        "flip_indices": flips,
        "skeleton_links": links,
        "num_skeleton_links": len(links),
        "sigmas": [0.05] * len(names),
    }


def _instance(points: np.ndarray, scores: np.ndarray, box_score: float, **extra) -> dict:
    """One instance as mmpose's split_instances writes it."""
    x1, y1 = points.min(axis=0)[:2]
    x2, y2 = points.max(axis=0)[:2]
    return {
        "keypoints": points.tolist(),
        "keypoint_scores": scores.tolist(),
        "bbox": [[float(x1), float(y1), float(x2), float(y2)]],
        "bbox_score": box_score,
        **extra,
    }


def demo_results(path: Path, n_frames: int = 3, n_people: int = 2, seed: int = 0, first_id: int = 1) -> dict:
    """A topdown demo results file of a video; returns the arrays it was written from."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 640, (n_frames, n_people, 17, 2)).round(2)
    scores = rng.uniform(0, 1, (n_frames, n_people, 17)).round(4)
    boxes = rng.uniform(0.3, 1, (n_frames, n_people)).round(4)
    frames = [
        {
            "frame_id": first_id + f,  # the demo counts frames from 1
            "instances": [_instance(points[f, p], scores[f, p], float(boxes[f, p])) for p in range(n_people)],
        }
        for f in range(n_frames)
    ]
    path.write_text(json.dumps({"meta_info": _meta(), "instance_info": frames}, indent="\t"))
    return {"points": points, "scores": scores, "boxes": boxes, "frames": first_id + np.arange(n_frames)}


class TestMmposeConformance(FormatConformance):
    format = "mmpose"
    extension = ".json"
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # By hand, as the demo writes a video's results: frame_id, instances of keypoints and scores.
        path = folder / "results_mouse.json"
        meta = {"dataset_name": "mouse", "keypoint_id2name": {"0": "snout", "1": "tail"}, "skeleton_links": [[0, 1]]}
        frames = [
            {"frame_id": 2, "instances": [{"keypoints": [[1.5, 2.5], [3, 4]], "keypoint_scores": [0.9, 0.1],
                                           "bbox": [[1, 2, 3, 4]], "bbox_score": 0.8}]},
            {"frame_id": 5, "instances": []},
            {"frame_id": 9, "instances": [{"keypoints": [[5, 6], [7.25, 8]], "keypoint_scores": [0.5, 0.5],
                                           "bbox": [[5, 6, 7, 8]], "bbox_score": 0.7, "track_id": 3}]},
        ]  # fmt: skip
        path.write_text(json.dumps({"meta_info": meta, "instance_info": frames}))
        return path, [
            (2, None, "snout", 1.5, 2.5),
            (2, None, "tail", 3.0, 4.0),
            (9, "track_3", "snout", 5.0, 6.0),
            (9, "track_3", "tail", 7.25, 8.0),
        ]


# -- values ---------------------------------------------------------------------------------------


def test_demo_results_read_as_the_arrays_they_were_written_from(tmp_path):
    truth = demo_results(tmp_path / "results_walk.json")
    labels = poseio.load(tmp_path / "results_walk.json")
    assert labels.provenance["format"] == "mmpose"
    [skeleton] = labels.skeletons
    assert (skeleton.name, skeleton.node_names) == ("coco", COCO_NAMES)
    names = skeleton.node_names
    assert {(names[a], names[b]) for a, b in skeleton.edge_inds} == {
        (COCO_NAMES[a], COCO_NAMES[b]) for a, b in COCO_LINKS
    }
    assert {frozenset(s.name for s in pair.nodes) for pair in skeleton.symmetries} >= {
        frozenset({"left_eye", "right_eye"}),
        frozenset({"left_ankle", "right_ankle"}),
    }
    assert len(skeleton.symmetries) == 8
    # Frames are the frame_id as written (the demo's first is 1); instances in the file's order.
    assert [f.frame_idx for f in labels] == truth["frames"].tolist()
    table = labels.to_table()
    assert np.array_equal(table.points.reshape(3, 2, 17, 2), truth["points"])
    assert np.array_equal(table.point_scores.reshape(3, 2, 17), truth["scores"])
    assert np.array_equal(table.score, truth["boxes"].ravel())
    assert table.predicted.all() and labels.tracks == []
    boxes = labels.provenance["mmpose"]["bboxes"]
    assert np.array_equal(boxes[:, :2], truth["points"].min(axis=2).reshape(-1, 2))
    assert labels.provenance["mmpose"]["meta_info"]["sigmas"] == [0.05] * 17


def test_the_inferencers_video_and_image_lists_read(tmp_path):
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 99, (2, 5, 2)).round(3)
    video = [{"frame_id": f, "instances": [_instance(points[f], np.full(5, 0.5), 0.9)]} for f in range(2)]
    (tmp_path / "clip.json").write_text(json.dumps(video))
    labels = poseio.load(tmp_path / "clip.json")
    assert labels.skeletons[0].node_names == ["kp00", "kp01", "kp02", "kp03", "kp04"]
    assert [f.frame_idx for f in labels] == [0, 1]
    assert np.array_equal(labels.numpy()[:, 0], points)
    assert labels.provenance["mmpose"]["layout"] == "inferencer (frames)"
    image = [_instance(points[0], np.full(5, 0.5), 0.9), _instance(points[1], np.full(5, 0.25), 0.4)]
    (tmp_path / "000001.json").write_text(json.dumps(image))
    labels = poseio.load(tmp_path / "000001.json")
    assert [f.frame_idx for f in labels] == [0] and labels.videos[0].filename == "000001"
    assert np.array_equal(labels.numpy()[0], points)
    assert labels.provenance["mmpose"]["layout"] == "inferencer (one image)"


def test_3d_keypoints_and_track_ids_are_read(tmp_path):
    xyz = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3) / 7
    frames = [{"frame_id": f, "instances": [_instance(xyz[f], np.ones(3), 1.0, track_id=4)]} for f in range(2)]
    meta = _meta(names=["hip", "knee", "ankle"], links=[[0, 1], [1, 2], [2, 9]], flips=[0, 1, 2])
    (tmp_path / "lifted.json").write_text(json.dumps({"meta_info": meta, "instance_info": frames}))
    labels = poseio.load(tmp_path / "lifted.json")
    assert np.array_equal(labels.numpy()[:, 0], xyz)
    assert [t.name for t in labels.tracks] == ["track_4"]
    # A link to a keypoint the dataset does not have is left out, and said.
    assert labels.skeletons[0].edge_inds == [(0, 1), (1, 2)]
    assert labels.provenance["mmpose"]["dropped"] == {"skeleton_links": [[2, 9]]}


def test_x_y_score_triples_without_keypoint_scores_are_2d_points_with_scores(tmp_path):
    # mmpose 0.x's results: keypoints [x, y, score], bbox [x1, y1, x2, y2, score], no keypoint_scores.
    triples = np.array([[[1.5, 2.5, 0.9], [3.0, 4.0, 0.2]]])
    frames = [{"frame_id": 0, "instances": [{"keypoints": triples[0].tolist(), "bbox": [0, 1, 2, 3, 0.75]}]}]
    (tmp_path / "old.json").write_text(json.dumps(frames))
    labels = poseio.load(tmp_path / "old.json")
    points, scores = labels.numpy(return_scores=True)
    assert np.array_equal(points[0], triples[:, :, :2]) and np.array_equal(scores[0], triples[:, :, 2])
    assert labels.to_table().score.tolist() == [0.75]
    assert labels.provenance["mmpose"]["keypoints"] == "x, y, score"
    assert labels.provenance["mmpose"]["bboxes"].tolist() == [[0, 1, 2, 3]]


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"meta_info": {"keypoint_id2name": {"0": "a"}}}, "names 1 keypoints, the instances have 17"),
        ({"instance_info": [{"frame_id": -1, "instances": []}]}, "frame_id is -1, not a frame number"),
        ({"instance_info": [{"frame_id": 0, "instances": [{"keypoints": [1, 2]}]}]}, "not a list of \\[x, y\\]"),
        ({"instance_info": [{"frame_id": 0, "instances": [{"keypoints": [[1, "a"]] * 17}]}]}, "are not 17 numbers"),
        ({"instance_info": {}}, "instance_info is not a list"),
    ],
)
def test_broken_results_are_read_errors_naming_the_file(tmp_path, change, message):
    path = tmp_path / "results.json"
    demo_results(path, n_frames=1)
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="mmpose")
    assert str(path) in str(caught.value)


def test_a_cut_file_and_a_file_over_the_budget_are_refused(tmp_path):
    path = tmp_path / "results.json"
    demo_results(path)
    with pytest.raises(poseio.UnsafeFileError, match="parsing .* bytes of JSON"):
        poseio.load(path, memory_budget=10_000)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(poseio.ReadError, match="broken JSON"):
        poseio.load(path)


# -- sniffing -------------------------------------------------------------------------------------


def test_every_layout_is_claimed_by_mmpose_alone(tmp_path):
    demo_results(tmp_path / "demo.json")
    (tmp_path / "video.json").write_text(json.dumps([{"frame_id": 0, "instances": []}]))
    (tmp_path / "image.json").write_text(json.dumps([_instance(np.ones((3, 2)), np.ones(3), 0.5)]))
    for name in ("demo.json", "video.json", "image.json"):
        claims = [(c.format, c.confidence) for c in poseio.sniff(tmp_path / name)]
        assert claims == [("mmpose", poseio.TYPED_MATCH)], (name, claims)


def test_coco_results_and_coco_files_are_declined(tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"image_id": 1, "category_id": 1, "keypoints": [1, 2, 2], "score": 0.5}]))
    assert poseio.sniff(results, format="mmpose") == []
    with pytest.raises(poseio.UnknownFormatError, match="COCO results, not MMPose's"):
        poseio.load(results, format="mmpose")


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    ["mmpose_test_coco.json", "cocoapi_person_keypoints_val2014_fakekeypoints100_results.json",
     "sio095_labels_v002_labelstudio.json", "sio095_multisubjects_labelstudio.json",
     "alphatracker_multi_person_02.json"],
)  # fmt: skip
def test_coco_labelstudio_and_alphatracker_files_of_the_corpus_are_declined(name):
    path = corpus_file("formats2", name)
    assert [c for c in poseio.sniff(path, format="mmpose") if c.confidence > 0] == []
    assert poseio.load(path).provenance["format"] != "mmpose"


@pytest.mark.corpus
def test_no_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        assert [c for c in poseio.sniff(path, format="mmpose") if c.confidence > 0] == [], path.name


# -- as a user ------------------------------------------------------------------------------------


def test_a_user_loads_results_in_a_fresh_process(tmp_path):
    truth = demo_results(tmp_path / "results_walk.json")
    np.save(tmp_path / "expected.npy", truth["points"])
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(tmp_path / "results_walk.json")!r})
        assert labels.provenance["format"] == "mmpose"
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.array_equal(labels.to_table().points.reshape(3, 2, 17, 2), expected)
        assert "pandas" not in sys.modules
        """
    )


def test_results_convert_to_nwb(tmp_path):
    truth = demo_results(tmp_path / "results_walk.json", n_people=1)
    out = tmp_path / "walk.nwb"
    poseio.save(poseio.load(tmp_path / "results_walk.json"), out, fps=25.0)
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation/left_wrist"]
        assert np.array_equal(series["data"][()], truth["points"][:, 0, 9])
        assert np.array_equal(series["confidence"][()], truth["scores"][:, 0, 9])
    back = poseio.load(out)
    assert back.skeletons[0].node_names == COCO_NAMES
    assert np.array_equal(back.numpy()[truth["frames"], 0], truth["points"][:, 0])


def test_a_demo_file_with_a_lifters_3d_keys_reads_its_2d_instances_and_names_what_is_not_read(tmp_path):
    # The layout of a real file written by a pipeline on MMPose's top-down demo (evejcik/DeepScreens, commit
    # 27a47338, "Manual Data Collection/Raw 133s/segment_3067_3132.json"): meta_info (coco_wholebody) beside
    # meta_info_3d (h36m) and video_info; frames counted from 1; each instance's 2D keypoints and
    # keypoint_scores beside keypoints_3d and keypoint_scores_3d, a flat bbox, bbox_3d, bbox_score as [1.0],
    # edge and track_id. The numbers here are the first two points of its first frame's two people.
    names = ["nose", "left_eye"]
    meta = {"dataset_name": "coco_wholebody", "num_keypoints": 2, "keypoint_id2name": {"0": "nose", "1": "left_eye"}}

    def person(points, scores, box, track):
        return {"keypoints": points, "keypoints_3d": [[0.294, -0.088, 100.892]], "keypoint_scores": scores,
                "keypoint_scores_3d": [0.832], "bbox": box, "bbox_3d": [-455.075, -71.528, 0.0, 455.7, 202.6, 481.4],
                "bbox_score": [1.0], "edge": False, "track_id": track}  # fmt: skip

    people = [
        person([[563.562, 79.388], [564.019, 76.351]], [0.938, 0.93], [439.908, 62.496, 595.535, 172.776], 0),
        person([[378.871, 155.408], [381.487, 151.889]], [0.956, 0.949], [315.084, 127.547, 458.347, 274.588], 1),
    ]
    data = {"meta_info": meta, "meta_info_3d": {"dataset_name": "h36m", "num_keypoints": 1},
            "video_info": [{"video_shape": [640, 360], "frame_rate": 59.94005994005994}],
            "instance_info": [{"frame_id": 1, "instances": people}]}  # fmt: skip
    path = tmp_path / "segment_3067_3132.json"
    path.write_text(json.dumps(data, indent="\t"))
    [claim] = [c for c in poseio.sniff(path) if c.confidence > 0]
    assert claim.format == "mmpose"
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == names and [t.name for t in labels.tracks] == ["track_0", "track_1"]
    table = labels.to_table()
    assert table.frame_idx.tolist() == [1, 1] and table.score.tolist() == [1.0, 1.0]
    for row, item in enumerate(people):
        assert table.points[row].tolist() == item["keypoints"]
        assert table.point_scores[row].tolist() == item["keypoint_scores"]
        assert labels.provenance["mmpose"]["bboxes"][row].tolist() == item["bbox"]
        assert labels.tracks[table.track[row]].name == f"track_{item['track_id']}"
    assert labels.provenance["mmpose"]["not_read"] == [
        "instance.bbox_3d", "instance.edge", "instance.keypoint_scores_3d", "instance.keypoints_3d", "meta_info_3d",
        "video_info",
    ]  # fmt: skip
