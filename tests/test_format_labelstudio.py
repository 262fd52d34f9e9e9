"""The labelstudio plugin: sleap-io's exports against the truth, Label Studio's own layouts, writing, sleap-io, NWB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import corpus_paths, finite_points, names
from corpus_truth import sorted_points as _sorted
from corpus_truth import truth as _truth
from fresh_process import run_fresh
from poseio.testing import FormatConformance
from poseio_labelstudio._sniff import sniff

FORMATS2 = CORPUS / "formats2"


def _names() -> list[str]:
    return names("labelstudio")


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus folders that is not a Label Studio export."""
    mine = set(_names())
    return tuple(p for p in corpus_paths() if p.is_file() and p.name not in mine)


def _region(rid: str, kind: str, value: dict, width: int = 640, height: int = 480, **extra) -> dict:
    """A result item as Label Studio exports it (the image's size beside every region)."""
    return {
        "id": rid,
        "type": kind,
        "from_name": "kp-1" if kind == "keypointlabels" else "animal",
        "to_name": "img-1",
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": value,
        "origin": "manual",
        **extra,
    }


def _point(rid: str, x: float, y: float, label: str, **extra) -> dict:
    return _region(rid, "keypointlabels", {"x": x, "y": y, "width": 0.5, "keypointlabels": [label]}, **extra)


def _box(rid: str, **extra) -> dict:
    value = {"x": 10, "y": 10, "width": 50, "height": 50, "rotation": 0, "rectanglelabels": ["mouse"]}
    return _region(rid, "rectanglelabels", value, **extra)


def _relation(a: str, b: str) -> dict:
    return {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": []}


def _task(task_id: int, image: str, result: list, predictions: list | None = None) -> dict:
    """A task of Label Studio's JSON export (the keys of its export page; most are bookkeeping)."""
    return {
        "id": task_id,
        "annotations": [
            {
                "id": 100 + task_id,
                "completed_by": 1,
                "result": result,
                "was_cancelled": False,
                "ground_truth": False,
                "created_at": "2024-05-02T10:11:12.000000Z",
                "updated_at": "2024-05-02T10:11:12.000000Z",
                "lead_time": 12.5,
                "task": task_id,
                "parent_prediction": None,
                "parent_annotation": None,
            }
        ],
        "predictions": predictions or [],
        "data": {"image": image},
        "meta": {},
        "created_at": "2024-05-02T10:00:00.000000Z",
        "updated_at": "2024-05-02T10:11:12.000000Z",
        "inner_id": task_id,
        "total_annotations": 1,
        "cancelled_annotations": 0,
        "total_predictions": len(predictions or []),
        "project": 3,
        "updated_by": 1,
        "file_upload": image.rsplit("/", 1)[-1],
    }


class TestLabelStudioConformance(FormatConformance):
    format = "labelstudio"
    extension = ".json"
    # Label Studio has no skeleton, video, track or tracking score: poseio writes them under keys it keeps.
    keeps = frozenset(
        {"points", "frames", "videos", "tracks", "kinds", "point_scores", "instance_scores", "edges", "symmetries",
         "skeleton_name", "video_shape", "fps"}
    )  # fmt: skip
    strategy_options = {"ndim": 2}
    max_examples = 12
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # As Label Studio exports it, written by hand: uploads named '<hash>-<file>', percent of 640 x 480.
        path = folder / "reference.json"
        first = [
            _box("b1"),
            _point("k1", 25.0, 50.0, "nose"),
            _point("k2", 12.5, 12.5, "tail"),
            _relation("k1", "b1"),
            _relation("b1", "k2"),  # either direction
            _point("k3", 50.0, 25.0, "nose"),  # related to nothing: a second instance
        ]
        second = [_point("q1", 75.0, 100.0, "tail")]
        tasks = [
            _task(1, "/data/upload/3/8f3e2b1c-frame_0004.png", first),
            _task(2, "/data/upload/3/d41d8cd9-frame_0012.png", second),
        ]
        path.write_text(json.dumps(tasks, indent=2))
        return path, [
            (4, None, "nose", 160.0, 240.0),
            (4, None, "tail", 80.0, 60.0),
            (4, None, "nose", 320.0, 120.0),
            (12, None, "tail", 480.0, 480.0),
        ]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", _names() or ["(corpus absent)"])
def test_every_labelstudio_file_of_the_corpus_reads_as_its_truth(name):
    expected = _truth()[name]
    labels = poseio.load(corpus_file("formats2", name))
    assert labels.provenance["format"] == "labelstudio"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS2 / "truth.npz")[name]))
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert len(labels) == expected["n_frames"] == expected["n_frames_with_points"]
    assert labels.n_user_instances == expected["n_instances"] and labels.n_predicted_instances == 0
    assert [t.name for t in labels.tracks] == expected["individual_names"]


@pytest.mark.corpus
def test_pixels_are_percent_of_the_original_size_and_frames_come_from_meta_video():
    path = corpus_file("formats2", "sio095_labels_v002_labelstudio.json")
    raw = json.loads(path.read_text())
    labels = poseio.load(path)
    video = labels.videos[0]
    assert (video.filename, video.shape) == ("centered_pair_low_quality.mp4", (1100, 384, 384, 1))
    assert [f.frame_idx for f in labels] == sorted(t["meta"]["video"]["frame_idx"] for t in raw)
    task = raw[1]
    result = task["annotations"][0]["result"]
    box = next(r for r in result if r["type"] == "rectanglelabels")
    mine = {r["from_id"] for r in result if r["type"] == "relation" and r["to_id"] == box["id"]}
    points = {
        r["value"]["keypointlabels"][0]: (r["value"]["x"] / 100 * 384, r["value"]["y"] / 100 * 384)
        for r in result
        if r.get("id") in mine
    }
    frame = next(f for f in labels if f.frame_idx == task["meta"]["video"]["frame_idx"])
    assert frame.instances[0].points.tolist() == [list(points["head"]), list(points["abdomen"])]
    assert labels.skeletons[0].name == "instance_class"  # sleap-io's one box label


@pytest.mark.corpus
@pytest.mark.parametrize("name", _names() or ["(corpus absent)"])
def test_a_corpus_export_written_back_reads_every_point_exactly(tmp_path, name):
    labels = poseio.load(corpus_file("formats2", name))
    poseio.save(labels, tmp_path / "again.json", format="labelstudio")
    again = poseio.load(tmp_path / "again.json")
    # The percents are chosen to give each pixel back: equal, not close.
    assert np.array_equal(finite_points(again), _sorted(np.load(FORMATS2 / "truth.npz")[name]))
    assert again.n_user_instances == labels.n_user_instances
    assert [(v.filename, v.shape) for v in again.videos] == [(v.filename, v.shape) for v in labels.videos]


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed_and_the_negatives_say_why():
    for path in _foreign_corpus():
        [claim] = [c for c in poseio.sniff(path, format="labelstudio")] or [None]
        assert claim is None or claim.confidence < poseio.STRUCTURE_MATCH, (path.name, claim)
    truth = _truth()
    for name in (n for n, t in truth.items() if t.get("expect") == "refuse" or t["format"] == "negative"):
        path = corpus_file("formats2", name)
        assert [c for c in poseio.sniff(path) if c.confidence > 0] == []
        claim = sniff(poseio.Probe(path))
        assert claim.confidence == poseio.NOT_MINE and claim.reason, claim


@pytest.mark.corpus
def test_a_user_loads_a_labelstudio_export_in_a_fresh_process():
    path = corpus_file("formats2", "sio095_multisubjects_labelstudio.json")
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        assert labels.provenance["format"] == "labelstudio"
        points = labels.to_table().points.reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        expected = np.load({str(npz)!r})[{path.name!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert labels.skeletons[0].node_names == ["head", "thorax"]
        assert "pandas" not in sys.modules
        """
    )


@pytest.mark.corpus
def test_a_labelstudio_export_converts_to_nwb(tmp_path):
    source = corpus_file("formats2", "sio095_labels_v002_labelstudio.json")
    labels = poseio.load(source)
    poseio.save(labels, tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), _sorted(np.load(FORMATS2 / "truth.npz")[source.name]))
    assert back.n_user_instances == 21


# -- Label Studio's own layouts ------------------------------------------------------------------


def test_instances_are_grouped_by_boxes_relations_and_parent_ids(tmp_path):
    result = [
        _box("b1"),
        _box("b2"),
        _point("k1", 10.0, 10.0, "nose"),
        _point("k2", 20.0, 20.0, "nose", parentID="b2"),  # Label Studio's parent region
        _point("k3", 30.0, 30.0, "tail"),
        _relation("k1", "b1"),
        _relation("k3", "k2"),  # tail to nose of one animal: joins b2 through k2
        _relation("k1", "k2"),  # would merge two boxes: ignored and counted
        _box("b3"),  # a box without points holds no instance
        _point("k4", 40.0, 40.0, "nose"),
        _point("k5", 50.0, 50.0, "tail"),
        _relation("k4", "k5"),  # related points without a box: one instance
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_task(7, "/data/upload/1/frame_0001.png", result)]))
    labels = poseio.load(path)
    [frame] = labels.labeled_frames
    got = sorted(np.nan_to_num(i.points, nan=-1).tolist() for i in frame.instances)
    assert got == [[[64.0, 48.0], [-1, -1]], [[128.0, 96.0], [192.0, 144.0]], [[256.0, 192.0], [320.0, 240.0]]]
    details = labels.provenance["labelstudio"]
    assert details["ignored"] == {"ignored_relations": 1}
    assert details["boxes_without_keypoints"] == [{"task": 7, "result_id": "b3"}]
    assert labels.skeletons[0].name == "mouse"


def test_unrelated_points_of_two_animals_are_two_instances_and_frames_come_from_image_names(tmp_path):
    tasks = [
        _task(1, "/data/local-files/?d=mice/cam1/img_0030.png", [_point("a", 10, 10, "n"), _point("b", 20, 20, "n")]),
        _task(2, "/data/local-files/?d=mice/cam1/img_0007.png", [_point("c", 50, 50, "tail")]),
        _task(3, "s3://bucket/cam2/img_0002.jpg", [_point("d", 50, 50, "tail")]),
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    labels = poseio.load(path)
    assert [v.filename for v in labels.videos] == ["mice/cam1", "s3://bucket/cam2"]
    assert [v.shape for v in labels.videos] == [(0, 480, 640, 0)] * 2
    assert labels.videos[0].metadata["images"] == {7: tasks[1]["data"]["image"], 30: tasks[0]["data"]["image"]}
    assert [(f.video.filename, f.frame_idx, len(f.instances)) for f in labels] == [
        ("mice/cam1", 7, 1),
        ("mice/cam1", 30, 2),
        ("s3://bucket/cam2", 2, 1),
    ]


def test_predictions_are_predicted_instances_with_their_scores(tmp_path):
    prediction = {
        "id": 9,
        "model_version": "yolo-pose-v2",
        "score": 0.8,
        "result": [
            _box("p1", score=0.75),
            _point("p2", 25, 25, "nose", score=0.5),
            _relation("p2", "p1"),
            _point("p3", 50, 50, "nose", score=0.25),  # no box: the prediction's score
        ],
    }
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(_task(3, "frames/f_0005.png", [], predictions=[prediction])))  # one task object
    labels = poseio.load(path)
    assert labels.provenance["format"] == "labelstudio"
    table = labels.to_table()
    assert table.predicted.all() and table.score.tolist() == [0.75, 0.8]
    assert table.point_scores[:, 0].tolist() == [0.5, 0.25]
    assert table.points[:, 0].tolist() == [[160.0, 120.0], [320.0, 240.0]]


# -- writing ----------------------------------------------------------------------------------


def _two_mice(shape=(100, 512, 640, 1)) -> poseio.Labels:
    skeleton = poseio.Skeleton(["nose", "ear", "tail"], edges=[(0, 1), (1, 2)], name="mouse")
    video = poseio.Video("sessions/day1.mp4", shape=shape)
    m1, m2 = poseio.Track("m1"), poseio.Track("m2")
    frames = [
        poseio.LabeledFrame(
            video,
            3,
            [
                poseio.Instance(np.array([[10.5, 20.0], [np.nan, np.nan], [30.0, 40.25]]), skeleton, m1),
                poseio.Instance(np.array([[50.0, 60.0], [55.0, 65.0], [70.0, 80.0]]), skeleton, m2),
            ],
        ),
        poseio.LabeledFrame(video, 12, [poseio.Instance(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), skeleton)]),
    ]
    return poseio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=[m1, m2])


def test_the_written_file_is_label_studio_json_as_documented(tmp_path):
    path = tmp_path / "out.json"
    poseio.save(_two_mice(), path, format="labelstudio")
    tasks = json.loads(path.read_text())
    assert [t["data"]["image"] for t in tasks] == ["day1/frame_000003.png", "day1/frame_000012.png"]
    assert tasks[0]["meta"]["video"] == {"filename": "sessions/day1.mp4", "frame_idx": 3, "shape": [100, 512, 640, 1]}
    result = tasks[0]["annotations"][0]["result"]
    points = [r for r in result if r["type"] == "keypointlabels"]
    pixels = [
        (r["value"]["keypointlabels"][0], r["value"]["x"] / 100 * r["original_width"], r["value"]["y"] / 100 * 512)
        for r in points
    ]
    assert pixels == [("nose", 10.5, 20.0), ("tail", 30.0, 40.25), ("nose", 50.0, 60.0), ("ear", 55.0, 65.0),
                      ("tail", 70.0, 80.0)]  # fmt: skip
    boxes = [r for r in result if r["type"] == "rectanglelabels"]
    assert [(b["value"]["rectanglelabels"], b["poseio_track"]) for b in boxes] == [(["mouse"], "m1"), (["mouse"], "m2")]
    assert boxes[0]["value"]["x"] * 6.4 == pytest.approx(10.5) and boxes[0]["value"]["width"] * 6.4 == pytest.approx(
        19.5
    )
    relations = {(r["from_id"], r["to_id"]) for r in result if r["type"] == "relation"}
    assert relations == {(p["id"], b["id"]) for b in boxes for p in points if p["id"].startswith(b["id"] + "_")}
    assert len(relations) == 5
    assert tasks[0]["predictions"] == [] and "poseio_track" not in tasks[1]["annotations"][0]["result"][0]


def test_predictions_go_to_predictions_with_scores(tmp_path):
    skeleton = poseio.Skeleton(["a", "b"])
    points = np.array([[[[8.0, 4.0], [16.0, 12.0]]], [[[5.0, 6.0], [np.nan, np.nan]]]])
    labels = poseio.Labels.from_numpy(
        points,
        video=poseio.Video("v.mp4", shape=(2, 48, 64, 1)),
        skeleton=skeleton,
        scores=np.array([[0.5], [np.nan]]),
        point_scores=np.array([[[0.25, 0.75]], [[1.0, np.nan]]]),
    )
    poseio.save(labels, tmp_path / "p.json", format="labelstudio")
    tasks = json.loads((tmp_path / "p.json").read_text())
    assert [t["annotations"] for t in tasks] == [[], []]
    first = tasks[0]["predictions"][0]
    assert first["score"] == 0.5 and first["result"][0]["score"] == 0.5
    assert [
        (r["value"]["x"], r["value"]["y"], r["score"]) for r in first["result"] if r["type"] == "keypointlabels"
    ] == [
        (12.5, 100 / 12, 0.25),
        (25.0, 25.0, 0.75),
    ]
    assert tasks[1]["predictions"][0]["result"][0]["score"] is None  # unknown, not the prediction's
    back = poseio.load(tmp_path / "p.json")
    assert back.n_predicted_instances == 2
    assert np.array_equal(back.numpy(return_scores=True)[1], labels.numpy(return_scores=True)[1], equal_nan=True)


def test_files_poseio_writes_are_read_by_sleap_io(tmp_path):
    pytest.importorskip("sleap_io")
    labels = _two_mice()
    path = tmp_path / "labels.json"
    poseio.save(labels, path, format="labelstudio")
    expected = finite_points(labels)
    code = f"""
import numpy as np, sleap_io
labels = sleap_io.load_labelstudio({str(path)!r})
assert sorted(labels.skeletons[0].node_names) == ["ear", "nose", "tail"], labels.skeletons
points = np.concatenate([i.numpy() for f in labels.labeled_frames for i in f.instances])
points = points[np.isfinite(points).all(axis=1)]
points = points[np.lexsort(points.T[::-1])]
assert np.array_equal(points, np.array({expected.tolist()!r})), points
assert sorted((f.frame_idx, len(f.instances)) for f in labels.labeled_frames) == [(3, 2), (12, 1)]
assert {{f.video.filename for f in labels.labeled_frames}} == {{"sessions/day1.mp4"}}
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_a_video_of_unknown_size_multiple_skeletons_and_3d_are_refused(tmp_path):
    with pytest.raises(poseio.InvalidLabelsError, match=r"image size of video 'sessions/day1.mp4' is unknown.*shape"):
        poseio.save(_two_mice(shape=None), tmp_path / "a.json", format="labelstudio")
    skeletons = [poseio.Skeleton(["a"]), poseio.Skeleton(["b"])]
    video = poseio.Video("v.mp4", shape=(1, 10, 10, 1))
    two = poseio.Labels(
        [poseio.LabeledFrame(video, 0, [poseio.Instance(np.ones((1, 2)), s) for s in skeletons])],
        videos=[video],
        skeletons=skeletons,
    )
    with pytest.raises(poseio.InvalidLabelsError, match="2 skeletons"):
        poseio.save(two, tmp_path / "b.json", format="labelstudio")
    flat = poseio.Labels.from_numpy(np.ones((1, 1, 2, 3)), video=video, skeleton=poseio.Skeleton(["a", "b"]))
    with pytest.raises(poseio.InvalidLabelsError, match="Label Studio keypoints are 2D"):
        poseio.save(flat, tmp_path / "c.json", format="labelstudio")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_json_of_poses_is_still_saved_as_coco_by_default(tmp_path):
    poseio.save(_two_mice(), tmp_path / "x.json")
    assert "categories" in json.loads((tmp_path / "x.json").read_text())


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ([_task(1, "a.png", []), _task(2, "b.png", [_box("b1")])], "no task has keypointlabels"),
        ([_task(1, "a.png", [{**_point("k", 1, 2, "n"), "original_width": None}])], "has no original_width"),
        ([_task(1, "a.png", [_point("k", "1", 2, "n")])], "no numeric value.x and value.y"),
        ([_task(1, "a.png", [_point("k", 1, 2, "n"), _point("k", 3, 4, "m")])], "the result id 'k' is given twice"),
        ([_task(1, "a.png", [_point("k", 1, 2, "n")]), 3], "task 1 is not an object"),
    ],
)
def test_broken_exports_are_read_errors_naming_the_file_and_the_fault(tmp_path, tasks, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tasks))
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="labelstudio")
    assert str(path.name) in str(caught.value)


def test_a_cut_file_and_a_file_over_the_budget_are_refused(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([_task(1, "a.png", [_point("k", 1, 2, "n")])])[:-30])
    with pytest.raises(poseio.ReadError, match="broken JSON"):
        poseio.load(path, format="labelstudio")
    with pytest.raises(poseio.UnsafeFileError, match="parsing .* bytes of JSON"):
        poseio.load(path, format="labelstudio", memory_budget=1000)


def test_other_label_studio_exports_are_declined_with_their_kinds(tmp_path):
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([_task(1, "a.png", [_box("b1")])]))
    assert poseio.sniff(boxes, format="labelstudio") == []
    with pytest.raises(poseio.UnknownFormatError, match="rectanglelabels results, no keypointlabels"):
        poseio.load(boxes, format="labelstudio")


def test_an_instance_without_a_point_is_a_loss_the_save_names(tmp_path):
    skeleton, video = poseio.Skeleton(["a", "b"]), poseio.Video("v.mp4", shape=(1, 10, 10, 1))
    instances = [poseio.Instance(np.full((2, 2), np.nan), skeleton), poseio.Instance(np.ones((2, 2)), skeleton)]
    labels = poseio.Labels([poseio.LabeledFrame(video, 0, instances)], videos=[video], skeletons=[skeleton])
    with pytest.raises(poseio.DataLossError, match="1 instances without a visible point"):
        poseio.save(labels, tmp_path / "e.json", format="labelstudio")
    poseio.save(labels, tmp_path / "e.json", format="labelstudio", allow_loss=True)
    assert poseio.load(tmp_path / "e.json").n_user_instances == 1


def test_a_json_min_export_is_declined_saying_to_export_json(tmp_path):
    # Label Studio's JSON-MIN flattens each control's regions into a key of the task, without ids or relations.
    path = tmp_path / "min.json"
    region = {"x": 25, "y": 50, "width": 0.5, "keypointlabels": ["nose"], "original_width": 640, "original_height": 480}
    path.write_text(json.dumps([{"image": "/data/upload/1/a.png", "id": 1, "kp-1": [region], "annotator": 1}]))
    with pytest.raises(poseio.UnknownFormatError, match="JSON-MIN export"):
        poseio.load(path, format="labelstudio")


def test_odd_regions_are_counted_not_fatal(tmp_path):
    box = _box("b1")
    box["value"]["rectanglelabels"] = []  # a box whose label was removed
    result = [
        box,
        _point("k1", 10, 10, "nose"),
        _relation("k1", "b1"),
        _point("k2", 20, 20, "nose"),
        _relation("k2", "b1"),  # a second nose in one animal: kept out, listed
        _region("k3", "keypointlabels", {"x": 1, "y": 1, "keypointlabels": []}),  # no label
        _region("poly", "polygonlabels", {"points": [[1, 2], [3, 4]], "polygonlabels": ["tail"]}),
    ]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps([_task(4, "img_0001.png", result)]))
    labels = poseio.load(path)
    assert [i.points.tolist() for i in labels.labeled_frames[0].instances] == [[[64.0, 48.0]]]
    details = labels.provenance["labelstudio"]
    assert details["duplicate_points"] == [{"task": 4, "result_id": "k2", "node": "nose"}]
    assert details["ignored"] == {"ignored_results:polygonlabels": 1, "keypoints_without_label": 1}
    assert details["box_labels"] == [None] and labels.skeletons[0].name is None


def test_one_long_task_object_is_read_as_label_studio_not_coco(tmp_path):
    # Its first 4 kB show boxes only; COCO's sniffer claims any object with 'annotations' at STRUCTURE_MATCH.
    boxes = [_box(f"b{i}") for i in range(40)]
    path = tmp_path / "one.json"
    path.write_text(json.dumps({**_task(1, "cam/f_0009.png", [*boxes, _point("k", 50, 50, "nose")]), "meta": {}}))
    assert [c.format for c in poseio.explain(path).chosen] == ["labelstudio"]
    assert [(f.video.filename, f.frame_idx) for f in poseio.load(path)] == [("cam", 9)]


def test_the_read_options_name_the_video_and_its_rate(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_task(1, "cam/f_0009.png", [_point("k", 50, 50, "nose")])]))
    labels = poseio.load(path, video="cam.mp4", fps=25)
    assert [(v.filename, v.fps) for v in labels.videos] == [("cam.mp4", 25.0)]
    path.write_text(json.dumps([_task(1, "a/1.png", [_point("k", 5, 5, "n")]), _task(2, "b/1.png", [])]))
    with pytest.raises(poseio.InvalidOptionError, match="frames of 2"):
        poseio.load(path, video="cam.mp4")
    with pytest.raises(poseio.InvalidOptionError):
        poseio.load(path, key="x")
