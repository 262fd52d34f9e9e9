"""The coco plugin: real COCO files against the truth, the refused detection results, writing, sleap-io, NWB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import finite_points, other_files, truth_points
from corpus_truth import names as _names
from corpus_truth import truth as _truth
from fresh_process import run_fresh
from poseio.testing import FormatConformance

FORMATS2 = CORPUS / "formats2"
NEGATIVE = "cocoapi_instances_val2014_fakebbox100_results.json"
POSEIO = str(Path(sys.executable).with_name("poseio"))
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken,csv-points"}


def _foreign_corpus() -> tuple[Path, ...]:
    # The folders (a DLC project, a YOLO dataset) are no files.
    return tuple(p for p in other_files("coco") if p.is_file())


class TestCocoConformance(FormatConformance):
    format = "coco"
    extension = ".json"
    # What COCO has no key for (videos, predictions, symmetries, track names) poseio writes under its own keys.
    keeps = frozenset(
        {"points", "frames", "videos", "tracks", "kinds", "point_scores", "instance_scores", "edges", "symmetries",
         "skeleton_name"}
    )  # fmt: skip
    strategy_options = {"ndim": 2}
    max_examples = 25
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # COCO as the spec writes it, by hand: 1-based edges, v = 0 (not labelled, at 0, 0), 1 and 2.
        path = folder / "reference.json"
        path.write_text(
            json.dumps(
                {
                    "images": [
                        {"id": 7, "file_name": "cam/img_0004.jpg", "width": 64, "height": 48},
                        {"id": 9, "file_name": "cam/img_0012.jpg", "width": 64, "height": 48},
                    ],
                    "annotations": [
                        {
                            "id": 1,
                            "image_id": 7,
                            "category_id": 3,
                            "keypoints": [1.5, 2.5, 2, 0, 0, 0],
                            "num_keypoints": 1,
                            "iscrowd": 0,
                        },
                        {
                            "id": 2,
                            "image_id": 9,
                            "category_id": 3,
                            "keypoints": [3, 4, 1, 5.25, 6, 2],
                            "num_keypoints": 2,
                            "iscrowd": 0,
                        },
                        {
                            "id": 3,
                            "image_id": 9,
                            "category_id": 3,
                            "keypoints": [0, 0, 0, 0, 0, 0],
                            "num_keypoints": 0,
                            "iscrowd": 0,
                        },
                    ],
                    "categories": [{"id": 3, "name": "mouse", "keypoints": ["nose", "tail"], "skeleton": [[1, 2]]}],
                }
            )  # fmt: skip
        )
        return path, [(4, None, "nose", 1.5, 2.5), (12, None, "nose", 3.0, 4.0), (12, None, "tail", 5.25, 6.0)]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", _names("coco") or ["(corpus absent)"])
def test_every_coco_file_of_the_corpus_reads_as_its_truth(name):
    expected = _truth()[name]
    labels = poseio.load(corpus_file("formats2", name))
    assert labels.provenance["format"] == "coco"
    assert np.array_equal(finite_points(labels), truth_points(name))
    assert [s.name for s in labels.skeletons] == expected["categories"]
    assert labels.skeletons[0].node_names == expected["node_names"]
    # Every image is a frame (listed in its video's metadata), labelled or not.
    assert sum(len(v.metadata["images"]) for v in labels.videos) == expected["n_frames"]
    assert len(labels) == expected["n_frames_with_points"]
    assert labels.n_user_instances == expected["n_instances_with_points"] and labels.n_predicted_instances == 0
    details = labels.provenance["coco"]
    # An annotation without a labelled keypoint holds no instance, but is counted, by id, not dropped silently.
    skipped = sum(len(ids) for ids in details["skipped"].values())
    assert skipped == expected["n_instances"] - expected["n_instances_with_points"]
    assert len(details["crowd_annotation_ids"]) == expected["n_crowd_annotations"]
    # v = 1 (labelled, not visible) is a point like v = 2, and marked as such per row of the table.
    assert int(details["occluded"].sum()) == expected["n_v1_points"]
    assert details["occluded"].shape[0] == len(labels.to_table())
    assert labels.tracks == []


@pytest.mark.corpus
def test_the_coco_results_list_reads_as_its_truth():
    name = "cocoapi_person_keypoints_val2014_fakekeypoints100_results.json"
    expected = _truth()[name]
    labels = poseio.load(corpus_file("formats2", name))
    assert labels.provenance["format"] == "coco-results"
    # v = 0 points carry interpolated coordinates in a results list; like the truth, they are no points.
    assert np.array_equal(finite_points(labels), truth_points(name))
    assert len(labels.skeletons[0]) == expected["n_keypoints_per_instance"]
    assert len(labels) == expected["n_frames"] == len(labels.videos[0].metadata["image_ids"])
    assert labels.n_predicted_instances == expected["n_predicted_instances"] and labels.n_user_instances == 0
    scores = labels.to_table().score
    assert (len(scores), scores.min(), scores.max()) == (expected["scores"]["n"], 0.006, 0.99)
    assert round(float(scores.mean()), 6) == expected["scores"]["mean"]
    assert labels.provenance["coco"]["third_value"] == "visibility"


@pytest.mark.corpus
def test_frames_are_numbered_by_image_names_and_keep_image_ids():
    labels = poseio.load(corpus_file("formats2", "sio095_labels_v002_coco.json"))
    video = labels.videos[0]
    assert video.filename == "." and video.shape == (0, 384, 384, 0)
    assert video.metadata["images"][990] == "centered_pair_low_quality_frame_000990.png"
    assert video.metadata["image_ids"][990] == 2
    raw = json.loads(corpus_file("formats2", "sio095_labels_v002_coco.json").read_text())
    first = next(a for a in raw["annotations"] if a["image_id"] == 2)
    frame = next(f for f in labels.labeled_frames if f.frame_idx == 990)
    assert np.array_equal(frame.instances[0].points.ravel(), np.array(first["keypoints"]).reshape(-1, 3)[:, :2].ravel())


@pytest.mark.corpus
def test_edges_are_zero_based_and_edges_to_missing_nodes_are_dropped_and_said():
    zebra = poseio.load(corpus_file("formats2", "mmpose_test_zebra.json"))
    assert zebra.skeletons[0].edge_inds[:2] == [(1, 0), (2, 1)]  # [[2, 1], [3, 2]] in the file
    crowd = poseio.load(corpus_file("formats2", "mmpose_test_crowdpose.json"))
    # CrowdPose has 14 keypoints, but mmpose's file keeps COCO's 17-keypoint edges: three name nodes 15 to 17.
    assert crowd.provenance["coco"]["dropped_edges"] == {"person": [[16, 14], [17, 15], [15, 13]]}
    assert len(crowd.skeletons[0].edges) == 12 - 3


@pytest.mark.corpus
def test_the_bbox_results_file_is_refused_with_its_reason():
    path = corpus_file("formats2", NEGATIVE)
    assert [c for c in poseio.sniff(path) if c.confidence > 0] == []
    with pytest.raises(poseio.UnknownFormatError) as caught:
        poseio.load(path)
    assert "COCO detection results (bbox, no keypoints)" in str(caught.value)
    # Named, the reader is asked on the caller's say-so; it fails as not recognised, saying why.
    with pytest.raises(poseio.UnknownFormatError, match="bbox, no keypoints.*without keypoints"):
        poseio.load(path, format="coco-results")


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        if path.is_file():
            claims = [c for c in poseio.sniff(path) if c.format.startswith("coco") and c.confidence > 0]
            assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_coco_files_in_a_fresh_process():
    coco = corpus_file("formats2", "mmpose_test_coco.json")
    results = corpus_file("formats2", "cocoapi_person_keypoints_val2014_fakekeypoints100_results.json")
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        truth = np.load({str(npz)!r})
        for path in ({str(coco)!r}, {str(results)!r}):
            labels = poseio.load(path)
            points = labels.to_table().points.reshape(-1, 2)
            points = points[np.isfinite(points).all(axis=1)]
            expected = truth[path.rsplit("/", 1)[1]]
            assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert "pandas" not in sys.modules
        """
    )


@pytest.mark.corpus
@pytest.mark.slow
def test_a_coco_file_converts_to_nwb_that_nwbinspector_passes(tmp_path):
    source = corpus_file("formats2", "mmpose_test_coco.json")
    (tmp_path / "subject.yaml").write_text("subject_id: m7\nspecies: Homo sapiens\nsex: F\nage: P30Y\n")
    out = tmp_path / "out.nwb"
    done = subprocess.run(
        [POSEIO, "convert", str(source), str(out), "--subject", str(tmp_path / "subject.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    from nwbinspector import inspect_nwbfile

    critical = [m for m in inspect_nwbfile(nwbfile_path=str(out)) if m is not None and m.importance.name == "CRITICAL"]
    assert not critical, critical
    back = poseio.load(out)
    assert np.array_equal(finite_points(back), truth_points(source.name))


# -- writing ----------------------------------------------------------------------------------


def _two_mice() -> poseio.Labels:
    skeleton = poseio.Skeleton(["nose", "ear", "tail"], edges=[(0, 1), (1, 2)], name="mouse")
    video = poseio.Video("sessions/day1.mp4", shape=(100, 480, 640, 1))
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


def test_the_written_file_is_coco_as_the_spec_says(tmp_path):
    path = tmp_path / "out.json"
    poseio.save(_two_mice(), path, format="coco")
    data = json.loads(path.read_text())
    assert data["categories"] == [
        {"id": 1, "name": "mouse", "supercategory": "mouse", "keypoints": ["nose", "ear", "tail"],
         "skeleton": [[1, 2], [2, 3]]}
    ]  # fmt: skip
    assert [(i["file_name"], i["width"], i["height"]) for i in data["images"]] == [
        ("day1/frame_000003.png", 640, 480),
        ("day1/frame_000012.png", 640, 480),
    ]
    first = data["annotations"][0]
    assert first["keypoints"] == [10.5, 20.0, 2.0, 0.0, 0.0, 0.0, 30.0, 40.25, 2.0]
    assert first["num_keypoints"] == 2 and first["bbox"] == [10.5, 20.0, 19.5, 20.25] and first["iscrowd"] == 0
    assert first["attributes"] == {"object_id": 1, "track_name": "m1"}
    assert "attributes" not in data["annotations"][2]
    back = poseio.load(path)
    assert [v.filename for v in back.videos] == ["sessions/day1.mp4"]
    assert [f.frame_idx for f in back] == [3, 12]
    assert [t.name for t in back.tracks] == ["m1", "m2"]


@pytest.mark.corpus
def test_a_coco_file_written_back_keeps_its_image_names_and_unlabelled_images(tmp_path):
    source = corpus_file("formats2", "mmpose_test_crowdpose.json")
    path = tmp_path / "again.json"
    poseio.save(poseio.load(source), path)
    raw, again = json.loads(source.read_text()), json.loads(path.read_text())
    assert sorted(i["file_name"] for i in again["images"]) == sorted(i["file_name"] for i in raw["images"])
    assert {(i["file_name"], i["width"], i["height"]) for i in again["images"]} == {
        (i["file_name"], i["width"], i["height"]) for i in raw["images"]
    }
    assert np.array_equal(finite_points(poseio.load(path)), truth_points(source.name))


def test_predictions_keep_their_kind_and_scores_and_3d_is_refused(tmp_path):
    skeleton = poseio.Skeleton(["a", "b"])
    points = np.array([[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [np.nan, np.nan]]]])
    labels = poseio.Labels.from_numpy(
        points,
        video=poseio.Video("v.mp4"),
        skeleton=skeleton,
        scores=np.array([[0.5], [np.nan]]),
        point_scores=np.array([[[0.25, 0.75]], [[1.0, np.nan]]]),
    )
    poseio.save(labels, tmp_path / "p.json", format="coco")
    data = json.loads((tmp_path / "p.json").read_text())
    assert [(a["score"], a["poseio_point_scores"]) for a in data["annotations"]] == [
        (0.5, [0.25, 0.75]),
        (None, [1.0, None]),
    ]
    back = poseio.load(tmp_path / "p.json")
    assert back.n_predicted_instances == 2
    assert np.array_equal(back.numpy(return_scores=True)[1], labels.numpy(return_scores=True)[1], equal_nan=True)
    flat = poseio.Labels.from_numpy(np.ones((1, 1, 2, 3)), video=poseio.Video("v.mp4"), skeleton=skeleton)
    with pytest.raises(poseio.InvalidLabelsError, match="COCO keypoints are 2D"):
        poseio.save(flat, tmp_path / "z.json", format="coco")
    assert not (tmp_path / "z.json").exists()


def test_files_poseio_writes_are_read_by_sleap_io(tmp_path):
    pytest.importorskip("sleap_io")
    labels = _two_mice()
    path = tmp_path / "labels.json"
    poseio.save(labels, path, format="coco")
    # sleap-io keeps no frame whose image is missing: give it (empty) image files where the JSON names them.
    for image in json.loads(path.read_text())["images"]:
        (tmp_path / image["file_name"]).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / image["file_name"]).write_bytes(b"")
    expected = finite_points(labels)
    code = f"""
import numpy as np, sleap_io
labels = sleap_io.load_coco({str(path)!r})
assert [s.node_names for s in labels.skeletons] == [["nose", "ear", "tail"]], labels.skeletons
assert [(e.source.name, e.destination.name) for e in labels.skeletons[0].edges] == [("nose", "ear"), ("ear", "tail")]
points = np.concatenate([i.numpy() for f in labels.labeled_frames for i in f.instances])
points = points[np.isfinite(points).all(axis=1)]
points = points[np.lexsort(points.T[::-1])]
assert np.array_equal(points, np.array({expected.tolist()!r})), points
assert sorted(len(f.instances) for f in labels.labeled_frames) == [1, 2]
assert sorted(t.name for t in labels.tracks) == ["track_1", "track_2"]
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_files_poseio_writes_are_evaluated_by_pycocotools(tmp_path):
    # COCO's own API: the file loads as ground truth, and the same poses as results score a perfect AP.
    pytest.importorskip("pycocotools")
    path = tmp_path / "gt.json"
    poseio.save(_two_mice(), path, format="coco")
    code = f"""
import contextlib, io, json
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO({str(path)!r})
    assert sorted(gt.getImgIds()) == [1, 2] and len(gt.getAnnIds()) == 3
    assert gt.loadCats(1)[0]["keypoints"] == ["nose", "ear", "tail"]
    results = [
        {{"image_id": a["image_id"], "category_id": 1, "keypoints": a["keypoints"], "score": 1.0}}
        for a in gt.loadAnns(gt.getAnnIds())
    ]
    evaluation = COCOeval(gt, gt.loadRes(results), "keypoints")
    evaluation.params.kpt_oks_sigmas = np.full(3, 0.1)
    evaluation.evaluate(); evaluation.accumulate(); evaluation.summarize()
assert evaluation.stats[0] == 1.0, evaluation.stats
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_sniffing_reads_the_first_bytes_only(tmp_path):
    # A 2 MB results list cut in the middle: the sniffer, which sees 4 kB, claims it; the load finds the cut.
    entry = {"image_id": 1, "category_id": 1, "keypoints": [1.5, 2.5, 2] * 17, "score": 0.5}
    text = json.dumps([entry] * 8000)
    path = tmp_path / "cut_results.json"
    path.write_text(text[: len(text) // 2])
    [claim] = poseio.sniff(path)
    assert (claim.format, claim.confidence) == ("coco-results", poseio.TYPED_MATCH)
    with pytest.raises(poseio.ReadError, match="broken JSON"):
        poseio.load(path)


def test_a_results_list_takes_names_and_images_from_its_annotation_file(tmp_path):
    truth = _coco(tmp_path / "val.json", images=[{"id": 1, "file_name": "a/img_0007.png"}])
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"image_id": 1, "category_id": 1, "keypoints": [5, 6, 2, 7, 8, 0], "score": 0.5}]))
    labels = poseio.load(results, annotations=truth)
    assert labels.skeletons[0].node_names == ["head", "tail"] and labels.skeletons[0].name == "fly"
    [frame] = labels.labeled_frames
    assert (frame.video.filename, frame.frame_idx, frame.video.metadata["images"]) == ("a", 7, {7: "a/img_0007.png"})
    assert np.array_equal(frame.instances[0].points, [[5, 6], [np.nan, np.nan]], equal_nan=True)
    results.write_text(json.dumps([{"image_id": 2, "category_id": 1, "keypoints": [5, 6, 2, 7, 8, 0], "score": 0.5}]))
    with pytest.raises(poseio.ReadError, match="image 2 of the results is not in the images of"):
        poseio.load(results, annotations=truth)


# -- bad input ------------------------------------------------------------------------------------


def _coco(path: Path, **changes) -> Path:
    data = {
        "images": [{"id": 1, "file_name": "a/1.png"}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "keypoints": [1, 2, 2, 3, 4, 2]}],
        "categories": [{"id": 1, "name": "fly", "keypoints": ["head", "tail"]}],
    }
    data.update(changes)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"annotations": [{"id": 5, "image_id": 1, "category_id": 1, "keypoints": [1, 2, 2]}]},
         "annotation 5: 3 keypoint values, not 3 x 2 nodes"),
        ({"annotations": [{"id": 5, "image_id": 2, "category_id": 1, "keypoints": [1, 2, 2, 3, 4, 2]}]},
         "annotation 5 names image 2, which is not in images"),
        ({"images": [{"id": 1}]}, r"images\[0\] has no id or no file_name"),
        ({"categories": [{"id": 1, "name": "fly"}]}, "no category has keypoints"),
        ({"images": None}, "no 'images' list"),
        ({"images": [{"id": 1, "file_name": "a/1.png"}, {"id": 2, "file_name": "a/1.png"}]},
         "the images 1 and 2 have one file_name, 'a/1.png'"),
    ],
)  # fmt: skip
def test_broken_coco_files_are_read_errors_naming_the_file_and_the_fault(tmp_path, changes, message):
    path = _coco(tmp_path / "bad.json", **changes)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="coco")
    assert str(path) in str(caught.value)


def test_a_cut_file_is_a_read_error_saying_where(tmp_path):
    path = _coco(tmp_path / "cut.json")
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(poseio.ReadError, match="broken JSON at line 1"):
        poseio.load(path)


def test_a_file_over_the_memory_budget_is_refused_before_it_is_parsed(tmp_path):
    path = _coco(tmp_path / "big.json")
    with pytest.raises(poseio.UnsafeFileError, match="parsing .* bytes of JSON"):
        poseio.load(path, memory_budget=1000)


def test_keypoints_past_the_sniffed_bytes_are_claimed_on_the_lists_and_read(tmp_path):
    # COCO's own files list info, licenses and thousands of images first, and categories last:
    # the sniffer sees no keypoints in its 4 kB, and claims the file on its lists alone.
    images = [{"id": i, "file_name": f"{i:012d}.jpg", "width": 640, "height": 480} for i in range(1, 301)]
    data = {
        "info": {"description": "COCO-like"},
        "images": images,
        "annotations": [{"id": 5, "image_id": 42, "category_id": 1, "keypoints": [1, 2, 2, 3, 4, 1]}],
        "categories": [{"id": 1, "name": "fly", "keypoints": ["head", "tail"], "skeleton": [[1, 2]]}],
    }
    path = tmp_path / "val.json"
    path.write_text(json.dumps(data))
    [claim] = poseio.sniff(path)
    assert (claim.format, claim.confidence) == ("coco", poseio.STRUCTURE_MATCH), claim
    labels = poseio.load(path)
    assert [f.frame_idx for f in labels] == [42] and len(labels.videos[0].metadata["images"]) == 300
    assert labels.provenance["coco"]["info"] == {"description": "COCO-like"}


def test_a_detection_dataset_is_declined_by_its_first_bytes(tmp_path):
    path = tmp_path / "instances.json"
    path.write_text(
        json.dumps(
            {
                "images": [{"id": 1, "file_name": "1.jpg"}],
                "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}],
                "categories": [{"id": 1, "name": "cat"}],
            }
        )
    )
    assert [c for c in poseio.sniff(path) if c.confidence > 0] == []
    with pytest.raises(poseio.UnknownFormatError, match="no keypoints"):
        poseio.load(path)


def test_results_with_confidences_keep_them_as_point_scores(tmp_path):
    path = tmp_path / "preds.json"
    path.write_text(
        json.dumps(
            [
                {"image_id": 139, "category_id": 1, "keypoints": [1, 2, 0.9, 3, 4, 0.0], "score": 0.7},
                {"image_id": 5, "category_id": 1, "keypoints": [5, 6, 0.25, 7, 8, 0.5], "score": 0.2},
            ]
        )
    )
    labels = poseio.load(path)
    assert labels.videos[0].metadata["image_ids"] == {0: 5, 1: 139}
    points, scores = labels.numpy(return_scores=True)
    assert np.array_equal(points[1, 0], [[1, 2], [np.nan, np.nan]], equal_nan=True)
    assert np.array_equal(scores[:, 0], [[0.25, 0.5], [0.9, np.nan]], equal_nan=True)
    assert labels.provenance["coco"]["third_value"] == "confidence"
