"""The ultralytics plugin: the corpus dataset against the truth, hand-made datasets, writing, sleap-io, NWB, safety."""

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
from corpus_truth import corpus_paths, finite_points
from corpus_truth import sorted_points as _sorted
from fresh_process import run_fresh
from poseio.testing import FormatConformance

pytest.importorskip("PIL")
# Generated poses lie anywhere, outside their (blank) images too: the writer says so each time.
pytestmark = pytest.mark.filterwarnings("ignore:.*points lie outside their image")
from PIL import Image  # noqa: E402 - the images of hand-made datasets, made without the plugin

FORMATS2 = CORPUS / "formats2"
DATASET = "sio095_ultralytics_embedded10"


def _foreign_corpus() -> tuple[Path, ...]:
    """Every other file and folder of the corpus: no claim on any of them."""
    return tuple(p for p in corpus_paths() if p.name != DATASET and p.suffix != ".md")


def _image(path: Path, width: int, height: int, value: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((height, width, 3), value, dtype=np.uint8)).save(path)


def _dataset(folder: Path, yaml_text: str, files: dict[str, str], images: dict[str, tuple[int, int]]) -> Path:
    """A dataset written by hand, as the Ultralytics docs describe one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.yaml").write_text(yaml_text)
    for name, size in images.items():
        _image(folder / name, *size)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


REFERENCE_YAML = """\
# Ultralytics' own layout: images/<split> beside labels/<split>
path: /home/someone/datasets/mice  # written on another machine: never followed
train: images/train
val: images/val
kpt_shape: [3, 3]
flip_idx: [1, 0, 2]
names:
  0: mouse
kpt_names:
  0: [left_ear, right_ear, tail]
"""


class TestUltralyticsConformance(FormatConformance):
    format = "ultralytics"
    extension = ".yaml"
    # Label lines have no identity, kind or score: those are write-claim losses (allowed below).
    keeps = frozenset({"points", "frames", "videos", "edges", "symmetries", "skeleton_name"})
    # The generated videos do not exist: blank images of their size stand in for the frames.
    write_options = {"frames": "blank", "allow_loss": True}
    strategy_options = {"ndim": 2, "max_frames": 3}
    max_examples = 10
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # 64 x 48 images: x = 0.25 is 16 pixels, y = 0.5 is 24. v = 0 is no point (whatever its x, y), v = 1 is one.
        path = _dataset(
            folder / "reference",
            REFERENCE_YAML,
            {
                "labels/train/img_0004.txt": "0 0.5 0.5 0.5 0.5 0.25 0.5 2 0.75 0.25 1 0.9 0.9 0\n",
                "labels/val/img_0012.txt": "0 0.5 0.5 1 1 0.125 0.75 2 0 0 0 0.5 1 2\n",
            },
            {"images/train/img_0004.png": (64, 48), "images/val/img_0012.png": (64, 48)},
        )
        return path, [
            (4, None, "left_ear", 16.0, 24.0),
            (4, None, "right_ear", 48.0, 12.0),
            (12, None, "left_ear", 8.0, 36.0),
            (12, None, "tail", 32.0, 48.0),
        ]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("entry", ["folder", "data.yaml"])
def test_the_corpus_dataset_reads_as_its_truth(entry):
    folder = corpus_file("formats2", DATASET)
    expected = json.loads(corpus_file("formats2", "truth.json").read_text())[DATASET]
    labels = poseio.load(folder if entry == "folder" else folder / "data.yaml")
    assert labels.provenance["format"] == "ultralytics"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS2 / "truth.npz")[DATASET]))
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert [(e.source.name, e.destination.name) for e in labels.skeletons[0].edges] == [("head", "abdomen")]
    assert len(labels) == expected["n_frames"] == sum(len(v.metadata["images"]) for v in labels.videos)
    assert labels.n_user_instances == expected["n_instances"] and labels.n_predicted_instances == 0
    assert labels.tracks == []  # label lines have no identity (sleap-io numbers them by line: track_0, ...)
    details = labels.provenance["ultralytics"]
    assert details["splits"] == expected["splits"] == {"train": 8, "val": 2}
    # Each split's image folder is a video; its images' splits and sizes (from the PNG headers) are kept.
    assert [(v.filename, v.shape) for v in labels.videos] == [
        ("train/images", (0, 384, 384, 0)),
        ("val/images", (0, 384, 384, 0)),
    ]
    assert set(labels.videos[1].metadata["splits"].values()) == {"val"}
    assert details["path"] == "." and details["boxes"].shape == (21, 4) and not details["occluded"].any()


@pytest.mark.corpus
def test_the_frames_are_the_dataset_images():
    folder = corpus_file("formats2", DATASET)
    labels = poseio.load(folder)
    frame = labels.videos[1][1]
    with Image.open(folder / "val" / "images" / "0000001.png") as image:
        assert np.array_equal(frame[..., 0], np.asarray(image.convert("L")))


@pytest.mark.corpus
def test_no_other_file_or_folder_of_the_corpus_is_claimed():
    foreign = _foreign_corpus()
    assert any(p.is_dir() for p in foreign)  # the DeepLabCut project folder among them
    for path in foreign:
        claims = [c for c in poseio.sniff(path) if c.format == "ultralytics" and c.confidence > 0]
        assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_the_dataset_in_a_fresh_process():
    folder = corpus_file("formats2", DATASET)
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(folder)!r})
        points = labels.to_table().points.reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        expected = np.load({str(npz)!r})[{DATASET!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert "PIL.PngImagePlugin" in sys.modules and "pandas" not in sys.modules
        """
    )


@pytest.mark.corpus
def test_the_dataset_converts_to_nwb(tmp_path):
    labels = poseio.load(corpus_file("formats2", DATASET))
    poseio.save(labels, tmp_path / "x.nwb", fps=30)
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(finite_points(back), finite_points(labels))
    assert back.n_user_instances == 21


# -- reading hand-made datasets -------------------------------------------------------------------


def test_ultralytics_own_layout_with_visibility(tmp_path):
    reference = TestUltralyticsConformance().reference(tmp_path)[0]
    labels = poseio.load(reference / "data.yaml")
    skeleton = labels.skeletons[0]
    assert (skeleton.name, skeleton.node_names, skeleton.symmetry_inds) == (
        "mouse",
        ["left_ear", "right_ear", "tail"],
        [(0, 1)],
    )
    assert [(v.filename, list(v.metadata["images"].items())) for v in labels.videos] == [
        ("images/train", [(4, "images/train/img_0004.png")]),
        ("images/val", [(12, "images/val/img_0012.png")]),
    ]
    details = labels.provenance["ultralytics"]
    # v = 1 is a point, flagged per row x node; the path on another machine is kept, not followed.
    assert details["occluded"].tolist() == [[False, True, False], [False, False, False]]
    assert details["path"] == "/home/someone/datasets/mice"
    assert details["boxes"].tolist()[1] == [32.0, 24.0, 64.0, 48.0]


def test_two_values_per_keypoint_are_all_points_and_a_list_of_names_works(tmp_path):
    folder = _dataset(
        tmp_path / "d",
        "train: train/images\nkpt_shape: [2, 2]\nnames: [fly, bee]\n",
        {"train/labels/a_7.txt": "1 0.5 0.5 1 1 0.5 0.25 0 0\n"},
        {"train/images/a_7.jpg": (10, 20), "train/images/b_9.jpg": (10, 20)},
    )
    labels = poseio.load(folder)
    assert [s.name for s in labels.skeletons] == ["fly", "bee"] and labels.skeletons[1].node_names == ["kp0", "kp1"]
    [frame] = labels.labeled_frames
    assert (frame.frame_idx, frame.instances[0].skeleton.name) == (7, "bee")
    assert frame.instances[0].points.tolist() == [[5.0, 5.0], [0.0, 0.0]]
    # The image without labels is a frame of its video all the same (a background image).
    assert labels.videos[0].metadata["images"] == {7: "train/images/a_7.jpg", 9: "train/images/b_9.jpg"}


@pytest.mark.parametrize(
    ("yaml_text", "label", "message"),
    [
        ("train: train/images\nkpt_shape: [2, 3]\n", None, "no 'names' \\(the classes\\) and no 'nc'"),
        ("train: train/images\nkpt_shape: [2, 4]\nnames: [a]\n", None, "values per keypoint 2 or 3"),
        ("train: train/images\nkpt_shape: [2, 3]\nnames: [a]\n", "0 0.5 0.5 1 1\n", "line 1: a box without keypoints"),
        (
            "train: train/images\nkpt_shape: [1, 3]\nnames: [a]\n",
            "\n0 0.5 0.5 1 1 0.5 x 2\n",
            "line 2: 'x' is not a number",
        ),  # fmt: skip
        (
            "train: train/images\nkpt_shape: [1, 3]\nnames: [a]\n",
            "3 0.5 0.5 1 1 0.5 0.5 2\n",
            "class 3 is not among the names",
        ),  # fmt: skip
        (
            "train: train/images\nkpt_shape: [2, 3]\nnames: [a]\nnode_names: [x]\n",
            None,
            "node_names has 1 names, but kpt_shape says 2",
        ),  # fmt: skip
        ("kpt_shape: [2, 3]\nnames: [a]\n", None, "no split"),
        ("kpt_shape: [1, 3]\ntrain: [train/images\n", None, "broken YAML at line 3"),
        (
            "path: ../coco8\ntrain: images/train\nkpt_shape: [1, 3]\nnames: [a]\n",
            None,
            "its path, '../coco8', is not followed",
        ),
    ],
)
def test_broken_datasets_are_read_errors_naming_the_fault(tmp_path, yaml_text, label, message):
    files = {"train/labels/0.txt": label} if label is not None else {}
    folder = _dataset(tmp_path / "d", yaml_text, files, {"train/images/0.png": (8, 8)})
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(folder / "data.yaml", format="ultralytics")
    assert str(folder) in str(caught.value)


def test_a_detection_dataset_is_declined_with_its_reason(tmp_path):
    folder = _dataset(tmp_path / "det", "train: train/images\nval: val/images\nnames: [car]\n", {}, {})
    assert [c for c in poseio.sniff(folder / "data.yaml") if c.confidence > 0] == []
    # The file is of no format; the folder is no pose file (a ReadError): both say why ultralytics declined.
    for source, error in ((folder / "data.yaml", poseio.UnknownFormatError), (folder, poseio.ReadError)):
        with pytest.raises(error, match=r"detection or segmentation dataset \(no kpt_shape\)"):
            poseio.load(source)


@pytest.mark.parametrize("split", ["../outside/images", "/etc"])
def test_a_split_outside_the_dataset_folder_is_refused(tmp_path, split):
    _image(tmp_path / "outside" / "images" / "0.png", 8, 8)
    folder = _dataset(tmp_path / "d", f"train: {split}\nkpt_shape: [1, 3]\nnames: [a]\n", {}, {})
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(folder)


def test_a_linked_image_or_label_leading_outside_is_refused(tmp_path):
    _image(tmp_path / "secret.png", 8, 8)
    folder = _dataset(tmp_path / "d", "train: train/images\nkpt_shape: [1, 3]\nnames: [a]\n", {}, {})
    (folder / "train" / "images").mkdir(parents=True)
    os.symlink(tmp_path / "secret.png", folder / "train" / "images" / "0.png")
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(folder)


# -- writing ------------------------------------------------------------------------------------


def _mp4(path: Path, n: int = 12, height: int = 48, width: int = 64) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(n):
            image = np.full((height, width, 3), 20 * i % 256, dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return path


def _mice(video: poseio.Video) -> poseio.Labels:
    skeleton = poseio.Skeleton(["nose", "ear", "tail"], edges=[(0, 1), (1, 2)], symmetries=[(0, 2)], name="mouse")
    frames = [
        poseio.LabeledFrame(
            video,
            f,
            [
                poseio.Instance(np.array([[10.5 + f, 20.0], [np.nan, np.nan], [30.0, 40.25]]), skeleton),
                poseio.Instance(np.array([[50.0, 6.0], [55.0, 6.5 + f / 3], [63.0, 47.0]]), skeleton),
            ],
        )
        for f in (1, 4, 5, 9, 11)
    ]
    return poseio.Labels(frames, videos=[video], skeletons=[skeleton])


def test_a_written_dataset_holds_the_frames_and_reads_back(tmp_path):
    pytest.importorskip("av")
    video = poseio.Video(str(_mp4(tmp_path / "clip.mp4")))
    labels = _mice(video)
    out = tmp_path / "dataset"
    poseio.save(labels, out, format="ultralytics", split={"train": 0.6, "val": 0.4})
    import yaml

    config = yaml.safe_load((out / "data.yaml").read_text())
    assert config["kpt_shape"] == [3, 3] and config["names"] == {0: "mouse"} and config["flip_idx"] == [2, 1, 0]
    assert (config["train"], config["val"], config["node_names"]) == (
        "train/images",
        "val/images",
        ["nose", "ear", "tail"],
    )
    assert sorted(p.name for p in (out / "val" / "images").iterdir()) == ["clip_000009.png", "clip_000011.png"]
    line = (out / "train" / "labels" / "clip_000001.txt").read_text().splitlines()[0].split()
    assert line[0] == "0" and line[8:11] == ["0", "0", "0"] and line[7] == line[13] == "2"
    assert float(line[5]) * 64 == pytest.approx(11.5) and float(line[12]) * 48 == pytest.approx(40.25)
    # The image is the video's frame 4 (grey level 80, within the codec's rounding).
    with Image.open(out / "train" / "images" / "clip_000004.png") as image:
        assert abs(np.asarray(image).astype(int).mean() - 80) < 3
    back = poseio.load(out)
    assert [v.filename for v in back.videos] == [video.filename]
    assert [f.frame_idx for f in back] == [1, 4, 5, 9, 11]
    assert back.videos[0].metadata["splits"] == {1: "train", 4: "train", 5: "train", 9: "val", 11: "val"}
    assert np.allclose(back.numpy(), labels.numpy(), rtol=1e-14, atol=0, equal_nan=True)
    # Written again without split=, the splits read are kept.
    poseio.save(back, tmp_path / "again", format="ultralytics")
    assert sorted(p.name for p in (tmp_path / "again" / "val" / "images").iterdir()) == [
        "clip_000009.png",
        "clip_000011.png",
    ]


@pytest.mark.corpus
def test_sleap_io_reads_what_poseio_writes_from_a_sleap_project(tmp_path):
    pytest.importorskip("av")
    pytest.importorskip("sleap_io")
    labels = poseio.load(corpus_file("formats", "labels.v002.slp"))
    labels.videos[0].filename = str(corpus_file("video", "centered_pair_low_quality.mp4"))
    out = tmp_path / "dataset"
    # The video lies outside the .slp file's folder: opened only when allowed; the 12 predictions become labels.
    poseio.save(labels, out, format="ultralytics", allow_external=True, allow_loss=True)
    expected = finite_points(labels).astype(np.float32)
    code = f"""
import numpy as np, sleap_io
points, frames = [], 0
for split in ("train", "val"):
    labels = sleap_io.load_ultralytics({str(out)!r}, split=split)
    assert [s.node_names for s in labels.skeletons] == [["head", "abdomen"]], labels.skeletons
    frames += len(labels.labeled_frames)
    points += [i.numpy() for f in labels.labeled_frames for i in f.instances]
points = np.concatenate(points)
points = points[np.isfinite(points).all(axis=1)]
assert frames == 10, frames
assert np.array_equal(points[np.lexsort(points.T[::-1])], np.array({expected.tolist()!r}, dtype=np.float32))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert np.allclose(finite_points(poseio.load(out)), finite_points(labels), rtol=1e-14, atol=0)


def test_frames_that_cannot_be_read_refuse_the_write_naming_the_fixes(tmp_path):
    labels = _mice(poseio.Video(str(tmp_path / "missing.mp4"), shape=(20, 48, 64, 1)))
    with pytest.raises(poseio.WriteError) as caught:
        poseio.save(labels, tmp_path / "dataset", format="ultralytics")
    message = str(caught.value)
    assert "missing.mp4 cannot be read" in message and "frames='blank'" in message and "allow_external" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing left behind
    poseio.save(labels, tmp_path / "dataset", format="ultralytics", frames="blank")
    with Image.open(tmp_path / "dataset" / "train" / "images" / "missing_000001.png") as image:
        assert (image.size, image.mode, image.getextrema()) == ((64, 48), "L", (0, 0))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"split": {"train": 0.5}}, "add up to 1"),
        ({"split": "train=0.5,holdout=0.5"}, "ratios of the splits"),
        ({"split": "keep"}, "come from no split"),
        ({"image_format": "gif"}, "image_format= must be one of"),
        ({"frames": "black"}, "frames= must be one of"),
    ],
)
def test_bad_write_options_are_refused(tmp_path, options, message):
    labels = _mice(poseio.Video("v.mp4", shape=(20, 48, 64, 1)))
    with pytest.raises(poseio.InvalidOptionError, match=message):
        poseio.save(labels, tmp_path / "d", format="ultralytics", **{"frames": "blank", **options})
    assert not (tmp_path / "d").exists()


def test_what_a_dataset_cannot_carry_is_refused_or_said(tmp_path):
    video = poseio.Video("v.mp4", shape=(20, 48, 64, 1))
    a, b = poseio.Skeleton(["x", "y"], name="a"), poseio.Skeleton(["x", "y", "z"], name="b")
    frames = [poseio.LabeledFrame(video, 0, [poseio.Instance(np.ones((2, 2)), a), poseio.Instance(np.ones((3, 2)), b)])]
    with pytest.raises(poseio.InvalidLabelsError, match="one kpt_shape for all classes"):
        poseio.save(poseio.Labels(frames, videos=[video], skeletons=[a, b]), tmp_path / "d", format="ultralytics")
    mice = _mice(video)
    track = poseio.Track("m1")
    mice.labeled_frames[0].instances[0].track = track
    tracked = poseio.Labels(mice.labeled_frames, videos=[video], skeletons=mice.skeletons, tracks=[track])
    with pytest.raises(poseio.DataLossError, match="the tracks of 1 instances"):
        poseio.save(tracked, tmp_path / "d", format="ultralytics", frames="blank")
    assert not (tmp_path / "d").exists()


def test_a_split_may_be_a_list_of_images_that_stays_inside_the_folder(tmp_path):
    yaml_text = "train: train.txt\nkpt_shape: [1, 3]\nnames: [a]\n"
    label = {"labels/b_3.txt": "0 0.5 0.5 1 1 0.5 0.25 2\n"}
    folder = _dataset(tmp_path / "d", yaml_text, label, {"images/a_2.png": (8, 8), "images/b_3.png": (8, 8)})
    # "./x" is from the list's folder (as Ultralytics reads it), other names from the dataset's.
    (folder / "train.txt").write_text("./images/b_3.png\nimages/gone_5.png\n")
    labels = poseio.load(folder)
    assert labels.videos[0].metadata["images"] == {3: "images/b_3.png"}  # a_2.png is in no split
    assert [f.instances[0].points.tolist() for f in labels] == [[[4.0, 2.0]]]
    assert labels.provenance["ultralytics"]["missing"] == {"images": ["images/gone_5.png"]}
    (folder / "train.txt").write_text("../../outside.png\n")
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(folder)


def test_label_files_are_parsed_within_the_memory_budget(tmp_path):
    yaml_text = "train: train/images\nkpt_shape: [1, 3]\nnames: [a]\n"
    lines = "0 0.5 0.5 1 1 0.5 0.25 2\n" * 2000
    folder = _dataset(tmp_path / "d", yaml_text, {"train/labels/0.txt": lines}, {"train/images/0.png": (8, 8)})
    with pytest.raises(poseio.UnsafeFileError, match="parsing 50000 bytes of labels"):
        poseio.load(folder, memory_budget=200_000)


def test_a_dataset_changed_since_poseio_wrote_it_is_numbered_by_its_images(tmp_path):
    labels = _mice(poseio.Video("v.mp4", shape=(20, 48, 64, 1)))
    poseio.save(labels, tmp_path / "d", format="ultralytics", frames="blank")
    assert [v.filename for v in poseio.load(tmp_path / "d").videos] == ["v.mp4"]
    _image(tmp_path / "d" / "train" / "images" / "extra_000015.png", 64, 48)
    changed = poseio.load(tmp_path / "d")
    # poseio_videos no longer names every image: each folder is a video again, and the record is said to be ignored.
    assert [v.filename for v in changed.videos] == ["train/images", "val/images"]
    assert "every image" in changed.provenance["ultralytics"]["poseio_videos_ignored"]
    assert np.allclose(finite_points(changed), finite_points(labels), rtol=1e-14, atol=0)


def test_skeletons_a_small_yaml_declares_are_made_within_the_memory_budget(tmp_path):
    yaml_text = "train: train/images\nkpt_shape: [100000, 3]\nnc: 10000\n"
    folder = _dataset(tmp_path / "d", yaml_text, {}, {"train/images/0.png": (8, 8)})
    with pytest.raises(poseio.UnsafeFileError, match="the skeletons data.yaml declares"):
        poseio.load(folder)
