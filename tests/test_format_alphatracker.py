"""The alphatracker plugin: AlphaTracker's real annotations against the truth and sleap-io, sniffing, bad input, NWB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import corpus_paths, finite_points
from corpus_truth import sorted_points as _sorted
from fresh_process import run_fresh

FORMATS2 = CORPUS / "formats2"
NAME = "alphatracker_multi_person_02.json"


def _foreign_corpus() -> list[Path]:
    return [p for p in corpus_paths("*.json", recursive=True) if p.is_file() and p.name != NAME]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_alphatracker_file_of_the_corpus_reads_as_its_truth():
    expected = json.loads(corpus_file("formats2", "truth.json").read_text())[NAME]
    labels = poseio.load(corpus_file("formats2", NAME))
    assert labels.provenance["format"] == "alphatracker"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS2 / "truth.npz")[NAME]))
    assert labels.skeletons[0].node_names == expected["node_names"] == ["1", "2", "3", "4", "5"]
    assert len(labels.videos[0].metadata["images"]) == expected["n_frames"] == 500
    assert len(labels) == expected["n_frames_with_points"]
    assert labels.n_user_instances == expected["n_instances"] and labels.n_predicted_instances == 0
    assert labels.tracks == [] == expected["individual_names"]
    details = labels.provenance["alphatracker"]
    # The real file's extra rect items, and one point before any box (frame 0320.png), are counted, not read.
    assert details["ignored_items"] == {"rect": 281}
    assert details["points_before_any_box"] == [(319, 0)]
    assert details["boxes"].shape == (2000, 4)


@pytest.mark.corpus
def test_animals_are_the_boxes_and_the_points_after_them_as_the_json_says():
    raw = json.loads(corpus_file("formats2", NAME).read_text())
    labels = poseio.load(FORMATS2 / NAME)
    first = raw[0]
    assert first["filename"] == "0001.png"
    frame = next(f for f in labels.labeled_frames if f.frame_idx == 1)  # the frame number is the image name's
    items = first["annotations"]
    boxes = [i for i, item in enumerate(items) if item["class"] == "boundingBox"]
    assert len(frame.instances) == len(boxes) == 4
    for instance, start in zip(frame.instances, boxes):
        points = [(items[k]["x"], items[k]["y"]) for k in range(start + 1, start + 5)]
        assert np.array_equal(instance.points[:4], points) and np.isnan(instance.points[4]).all()
    box = items[boxes[0]]
    assert labels.provenance["alphatracker"]["boxes"][0].tolist() == [box["x"], box["y"], box["width"], box["height"]]


@pytest.mark.corpus
def test_sleap_io_reads_the_same_points_once_the_boxes_are_called_face(tmp_path):
    # sleap-io 0.9.5 starts an animal at class 'Face' only, and reads no point of the real file; with the
    # boxes renamed it is an independent reader of the same layout.
    pytest.importorskip("sleap_io")
    source = corpus_file("formats2", NAME)
    renamed = tmp_path / "face.json"
    renamed.write_text(source.read_text().replace('"boundingBox"', '"Face"'))
    ours = poseio.load(renamed)
    assert np.array_equal(finite_points(ours), finite_points(poseio.load(source)))
    code = f"""
import numpy as np, sleap_io
labels = sleap_io.load_alphatracker({str(renamed)!r})
points = np.concatenate([i.numpy() for f in labels.labeled_frames for i in f.instances])
points = points[np.isfinite(points).all(axis=1)]
np.save({str(tmp_path / "peer.npy")!r}, points[np.lexsort(points.T[::-1])])
assert [n.name for n in labels.skeletons[0].nodes] == ["1", "2", "3", "4", "5"]
assert sum(len(f.instances) for f in labels.labeled_frames) == 2000
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert np.array_equal(np.load(tmp_path / "peer.npy"), finite_points(ours))


@pytest.mark.corpus
def test_no_other_json_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "alphatracker" and c.confidence > 0]
        assert claims == [], (path.name, claims)
    [claim] = [c for c in poseio.sniff(FORMATS2 / NAME) if c.format == "alphatracker"]
    assert claim.confidence == poseio.TYPED_MATCH


@pytest.mark.corpus
def test_a_user_loads_the_alphatracker_file_in_a_fresh_process():
    path = corpus_file("formats2", NAME)
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        assert labels.provenance["format"] == "alphatracker"
        points = labels.to_table().points.reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        expected = np.load({str(npz)!r})[{NAME!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert "pandas" not in sys.modules
        """
    )


@pytest.mark.corpus
def test_the_alphatracker_file_converts_to_nwb(tmp_path):
    # Its first 20 frames (the whole file takes seconds to write as NWB: that runs with the slow tests).
    part = tmp_path / "part.json"
    part.write_text(json.dumps(json.loads(corpus_file("formats2", NAME).read_text())[:20]))
    labels = poseio.load(part)
    poseio.save(labels, tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), finite_points(labels))
    assert back.n_user_instances == labels.n_user_instances == 80


@pytest.mark.corpus
@pytest.mark.slow
def test_the_whole_alphatracker_file_converts_to_nwb(tmp_path):
    labels = poseio.load(corpus_file("formats2", NAME))
    poseio.save(labels, tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), finite_points(labels))
    assert back.n_user_instances == 2000


# -- sloth files of our own, and bad input ------------------------------------------------------------


def _frame(filename: str, *items: dict) -> dict:
    return {"filename": filename, "class": "image", "annotations": list(items)}


def _face(x: float = 0.0) -> dict:
    return {"class": "Face", "x": x, "y": 1.0, "width": 10.0, "height": 20.0}


def _point(x: float, y: float) -> dict:
    return {"class": "point", "x": x, "y": y}


def test_face_boxes_rects_and_stray_points_are_read_as_sleap_io_reads_them(tmp_path):
    path = tmp_path / "sloth.json"
    frames = [
        _frame("cam/img007.png", _point(9, 9), _face(), _point(1, 2), _point(3, 4), _face(5), _point(5, 6)),
        _frame("cam/img003.png", _face(), {"class": "rect", "x": 0, "y": 0}, _point(7, 8), _face()),
        _frame("cam/img004.png"),
    ]
    path.write_text(json.dumps(frames, indent=1))
    [claim] = [c for c in poseio.sniff(path) if c.format == "alphatracker"]
    assert claim.confidence == poseio.TYPED_MATCH
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == ["1", "2"]
    assert [f.frame_idx for f in labels] == [7]
    assert labels.videos[0].filename == "cam" and sorted(labels.videos[0].metadata["images"]) == [3, 4, 7]
    first, second = labels[0].instances
    assert np.array_equal(first.points, [[1, 2], [3, 4]]) and np.array_equal(second.points[0], [5, 6])
    details = labels.provenance["alphatracker"]
    # The point before any box, the rect (which ends its animal: its point is a stray too) and the empty boxes.
    assert details["points_before_any_box"] == [(0, 0), (1, 2)] and details["ignored_items"] == {"rect": 1}
    assert details["boxes_without_points"] == [(1, 0), (1, 3)]
    assert details["boxes"].tolist() == [[0, 1, 10, 20], [5, 1, 10, 20]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([{"class": "image", "annotations": []}], "frame 0 is not an object with a filename"),
        ([_frame("a.png", _face(), {"class": "point", "x": "1", "y": 2})], "item 1: a point without numbers"),
        ([_frame("a.png", _face())], "no animal has a point"),
        ([_frame("a.png", _face(), _point(1, 2)), _frame("a.png")], "the image 'a.png' has more than one row"),
    ],
)
def test_broken_files_are_read_errors_naming_the_fault(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="alphatracker")
    assert "bad.json" in str(caught.value)


def test_a_json_object_is_declined_saying_why(tmp_path):
    path = tmp_path / "object.json"
    path.write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(poseio.UnknownFormatError, match="not a JSON array of frames"):
        poseio.load(path, format="alphatracker")


def test_a_cut_file_or_one_over_the_budget_is_refused(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([_frame("a.png", _face(), _point(1, 2))] * 50)[:-30])
    with pytest.raises(poseio.ReadError, match="broken JSON at line 1"):
        poseio.load(path)
    with pytest.raises(poseio.UnsafeFileError, match="parsing .* bytes of JSON"):
        poseio.load(path, format="alphatracker", memory_budget=1000)


def test_other_json_arrays_are_declined(tmp_path):
    samples = {
        "labelstudio.json": [{"id": 1, "annotations": [{"result": [{"type": "keypointlabels", "value": {}}]}]}],
        "results.json": [{"image_id": 1, "category_id": 1, "keypoints": [1, 2, 2], "score": 0.5}],
        "boxes_only.json": [{"filename": "a.png", "annotations": [{"class": "rect", "x": 1, "y": 2}]}],
    }
    for name, content in samples.items():
        (tmp_path / name).write_text(json.dumps(content))
        claims = [c for c in poseio.sniff(tmp_path / name) if c.format == "alphatracker" and c.confidence > 0]
        assert claims == [], (name, claims)
