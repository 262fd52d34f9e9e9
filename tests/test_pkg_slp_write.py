"""``poseio.save(labels, "x.pkg.slp")`` embeds the labelled frames' images, taken from the labels' videos.

Each package is checked by sleap-io 0.9.5's own reader in a separate process
(``load_slp(path).videos[i][frame]``), against frames decoded by a plain PyAV
loop (not through poseio), pixel for pixel: PNG is lossless. The layout is
checked with h5py against what sleap-io writes (``video<i>/video`` rows of
PNG bytes, ``frame_numbers``, ``source_video``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from nwb_helpers import predictions
from test_frames import VIDEOS, _frame_image, _sequential, _write

pytest.importorskip("av")
pytest.importorskip("PIL")

#: The frames labelled in the tests: scattered across groups of pictures, out of order in the labels.
LABELLED = [31, 2, 17, 40, 9]


def _labelled(video: poseio.Video, frames=LABELLED) -> poseio.Labels:
    """Two-animal labels on ``frames`` of ``video``."""
    labels = predictions(n_frames=max(frames) + 1)
    table = labels.to_table()
    return poseio.Labels.from_table(
        table.take(np.isin(table.frame_idx, frames)),
        videos=[video],
        skeletons=labels.skeletons,
        tracks=labels.tracks,
    )


def _sleap_io_frames(path: Path, out: Path) -> dict:
    """Every embedded frame as sleap-io reads it, in a fresh process: ``{frame: image}``, and its video's name."""
    code = f"""
        import json, numpy as np, sleap_io as sio
        labels = sio.load_slp({str(path)!r})
        video = labels.videos[0]
        frames = sorted({{lf.frame_idx for lf in labels.labeled_frames}})
        np.savez({str(out)!r}, **{{str(f): np.asarray(video[f]) for f in frames}})
        source = video.source_video.filename if video.source_video is not None else None
        print(json.dumps({{"source": source, "embedded": bool(video.backend.has_embedded_images)}}))
    """
    pytest.importorskip("sleap_io")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with np.load(out) as data:
        frames = {int(k): data[k] for k in data.files}
    return {"frames": frames, **json.loads(done.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("name", ["h264_bframes.mp4", "greyscale.mkv"])
def test_a_package_of_a_videos_labels_holds_its_frames_as_sleap_io_reads_them(tmp_path, name):
    spec = dict(VIDEOS[name])
    video_path = _write(tmp_path / name, spec.pop("codec"), **spec)
    grey = spec["pix_fmt"] == "gray"
    expected = _sequential(video_path, grey)
    labels = _labelled(poseio.Video(str(video_path), fps=25.0))
    poseio.save(labels, tmp_path / "labels.pkg.slp")

    theirs = _sleap_io_frames(tmp_path / "labels.pkg.slp", tmp_path / "theirs.npz")
    assert theirs["embedded"] and theirs["source"] == str(video_path)
    assert sorted(theirs["frames"]) == sorted(LABELLED)
    for frame, image in theirs["frames"].items():
        image = image[:, :, np.newaxis] if image.ndim == 2 else image
        np.testing.assert_array_equal(image, expected[frame], err_msg=f"frame {frame} as sleap-io reads it")

    with h5py.File(tmp_path / "labels.pkg.slp") as f:  # sleap-io's layout
        images = f["video0/video"]
        assert images.dtype == np.int8 and images.ndim == 2 and images.shape[0] == len(LABELLED)
        assert images.attrs["format"] == "png" and images.attrs["channel_order"] == "RGB"
        shape = [int(images.attrs[k]) for k in ("frames", "height", "width", "channels")]
        assert shape == [len(expected), 48, 64, 1 if grey else 3] and float(images.attrs["fps"]) == 25.0
        assert sorted(f["video0/frame_numbers"][()].tolist()) == sorted(LABELLED)
        assert images[0].view(np.uint8).tobytes().startswith(b"\x89PNG\r\n\x1a\n")
        source = json.loads(f["video0/source_video"].attrs["json"])
        assert source["backend"]["filename"] == str(video_path)

    again = poseio.load(tmp_path / "labels.pkg.slp")
    video = again.videos[0]
    assert video.filename == str(video_path)
    for frame in LABELLED:
        np.testing.assert_array_equal(video[frame], expected[frame])
    video.close()


def test_a_video_beside_a_loaded_pose_file_and_a_folder_of_labelled_images_are_embedded(tmp_path):
    # A video named by a pose file is read by the frames API's rules: found beside the pose file.
    spec = dict(VIDEOS["h264_bframes.mp4"])
    _write(tmp_path / "cam.mp4", spec.pop("codec"), **spec)
    expected = _sequential(tmp_path / "cam.mp4", grey=False)
    poseio.save(_labelled(poseio.Video("cam.mp4")), tmp_path / "refs.slp")
    poseio.save(poseio.load(tmp_path / "refs.slp"), tmp_path / "from_refs.pkg.slp")
    theirs = _sleap_io_frames(tmp_path / "from_refs.pkg.slp", tmp_path / "a.npz")
    for frame, image in theirs["frames"].items():
        np.testing.assert_array_equal(image, expected[frame])

    # Labelled images, one file per frame (a DeepLabCut labeled-data folder): each image as the file holds it.
    import PIL.Image

    (tmp_path / "labeled-data").mkdir()
    files = {}
    for frame in LABELLED:
        files[frame] = f"labeled-data/img{frame:03d}.png"
        PIL.Image.fromarray(_frame_image(frame)).save(tmp_path / files[frame])
    folder = poseio.Video(str(tmp_path / "labeled-data"), metadata={"images": files})
    folder._pose_file = tmp_path / "CollectedData.csv"  # as a loaded DeepLabCut table names them
    poseio.save(_labelled(folder), tmp_path / "images.pkg.slp")
    theirs = _sleap_io_frames(tmp_path / "images.pkg.slp", tmp_path / "b.npz")
    assert sorted(theirs["frames"]) == sorted(LABELLED)
    for frame, image in theirs["frames"].items():
        np.testing.assert_array_equal(image, _frame_image(frame))


def test_a_labelled_frame_without_an_image_is_refused_saying_what_to_do(tmp_path):
    spec = dict(VIDEOS["h264_bframes.mp4"])
    path = _write(tmp_path / "cam.mp4", spec.pop("codec"), **spec)
    (tmp_path / "keep.pkg.slp").write_bytes(b"an earlier package")
    cases = [
        (poseio.Video(str(tmp_path / "absent.mp4")), "video not found"),
        (poseio.Video(str(path)), None),  # frame 60 of a 48-frame video
    ]
    for video, reason in cases:
        labels = _labelled(video, frames=[3, 60] if reason is None else LABELLED)
        with pytest.raises(poseio.InvalidLabelsError, match=r"\.pkg\.slp file is a package.*Save to a \.slp name") as e:
            poseio.save(labels, tmp_path / "keep.pkg.slp")
        assert (reason or "frame 60 of video") in str(e.value)
        with pytest.raises(poseio.InvalidOptionError, match="embed=True embeds .*pass embed=False"):
            poseio.save(labels, tmp_path / "keep.slp", embed=True)
    assert (tmp_path / "keep.pkg.slp").read_bytes() == b"an earlier package"  # nothing written over it
    assert not (tmp_path / "keep.slp").exists()


def test_images_held_for_a_package_draw_on_the_saves_memory_budget(tmp_path):
    spec = dict(VIDEOS["h264_bframes.mp4"])
    path = _write(tmp_path / "cam.mp4", spec.pop("codec"), **spec)
    (tmp_path / "keep.pkg.slp").write_bytes(b"an earlier package")
    with pytest.raises(poseio.WriteError, match="frame .*memory_budget='2GB'"):
        poseio.save(_labelled(poseio.Video(str(path))), tmp_path / "keep.pkg.slp", memory_budget="1KB")
    assert (tmp_path / "keep.pkg.slp").read_bytes() == b"an earlier package"


def test_a_video_outside_the_pose_files_folder_is_not_read_to_fill_a_package(tmp_path):
    spec = dict(VIDEOS["h264_bframes.mp4"])
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "session").mkdir()
    path = _write(tmp_path / "elsewhere" / "cam.mp4", spec.pop("codec"), **spec)
    poseio.save(_labelled(poseio.Video(str(path))), tmp_path / "session" / "refs.slp")
    with pytest.raises(poseio.InvalidLabelsError, match="outside the folder of refs.slp"):
        poseio.save(poseio.load(tmp_path / "session" / "refs.slp"), tmp_path / "session" / "out.pkg.slp")


@pytest.mark.corpus
def test_a_package_of_the_corpus_saved_again_keeps_its_images_byte_for_byte(tmp_path):
    # Frames a package holds are copied, not decoded and encoded again.
    source = corpus_file("formats", "minimal_instance.pkg.slp")
    poseio.save(poseio.load(source), tmp_path / "copy.pkg.slp")
    with h5py.File(source) as theirs, h5py.File(tmp_path / "copy.pkg.slp") as ours:
        assert len(ours["video0/video"]) == len(theirs["video0/video"]) > 0
        for mine, stored in zip(ours["video0/video"], theirs["video0/video"]):  # variable-length rows (SLEAP's)
            assert np.asarray(mine).tobytes() == np.asarray(stored).tobytes()
