"""Frames as data: ``video[i]`` is the frame a full sequential decode yields at position ``i``.

Every random access is checked pixel for pixel against a plain PyAV decode of
the whole file (not through poseio), on generated videos made to trip frame
seeking: H.264 with B-frames and a short GOP, a variable frame rate, a
greyscale clip; and labelled images against an independent decode of the PNG.
"""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import CORPUS
from nwb_helpers import predictions

av = pytest.importorskip("av")

N_FRAMES = 48


def _frame_image(i: int, height: int = 48, width: int = 64) -> np.ndarray:
    """A frame unlike its neighbours (a moving bar on noise), so that an off-by-one frame cannot pass."""
    rng = np.random.default_rng(i)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    image[:, (i * 3) % width : (i * 3) % width + 4] = 255
    return image


def _write(path: Path, codec: str, *, pix_fmt: str, options: dict | None = None, times=None) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25, options=options or {})
        stream.width, stream.height, stream.pix_fmt = 64, 48, pix_fmt
        if times is not None:
            stream.codec_context.time_base = Fraction(1, 1000)  # times in ms, as the frames give them
        for i in range(N_FRAMES):
            frame = av.VideoFrame.from_ndarray(_frame_image(i), format="rgb24")
            frame.pts = int(times[i]) if times is not None else i
            if times is not None:
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _sequential(path: Path, grey: bool) -> list[np.ndarray]:
    """Every frame of the file by a plain PyAV decode loop, in presentation order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [(f.pts, f.to_ndarray(format="gray" if grey else "rgb24")) for f in container.decode(stream)]
    frames.sort(key=lambda item: item[0])
    return [image[:, :, np.newaxis] if image.ndim == 2 else image for _, image in frames]


VIDEOS = {
    # B-frames and a GOP of 8: a seek lands on a keyframe and frames come out of decode order.
    "h264_bframes.mp4": {"codec": "libx264", "pix_fmt": "yuv420p", "options": {"bf": "3", "g": "8", "crf": "18"}},
    # Frames 1 ms to 100 ms apart: no frame rate maps a time to a frame.
    "variable_rate.mkv": {
        "codec": "libx264",
        "pix_fmt": "yuv420p",
        "options": {"bf": "2", "g": "10"},
        "times": np.cumsum(np.r_[0, (np.arange(1, N_FRAMES) * 37) % 100 + 1]),
    },
    "greyscale.mkv": {"codec": "ffv1", "pix_fmt": "gray"},
}


@pytest.mark.parametrize("name", VIDEOS)
def test_every_random_access_is_the_frame_a_sequential_decode_yields(tmp_path, name):
    spec = dict(VIDEOS[name])
    path = _write(tmp_path / name, spec.pop("codec"), **spec)
    grey = spec["pix_fmt"] == "gray"
    expected = _sequential(path, grey)
    assert len(expected) == N_FRAMES
    video = poseio.Video(str(path))
    assert len(video) == N_FRAMES
    order = np.random.default_rng(0).permutation(N_FRAMES)
    for i in order:  # random access, backwards and forwards, across GOPs
        assert np.array_equal(video[int(i)], expected[i]), f"frame {i} of {name}"
    assert video[0].shape == (48, 64, 1 if grey else 3) and video[0].dtype == np.uint8
    np.testing.assert_array_equal(video[[5, 2, 40]], np.stack([expected[5], expected[2], expected[40]]))
    np.testing.assert_array_equal(video[10:14], np.stack(expected[10:14]))
    np.testing.assert_array_equal(video[-1], expected[-1])
    with pytest.raises(IndexError, match=f"frame {N_FRAMES} of"):
        video[N_FRAMES]
    video.close()
    in_order = poseio.Video(str(path))  # reading in order continues one decode, never seeking past a frame
    for i in range(N_FRAMES):
        assert np.array_equal(in_order[i], expected[i]), f"frame {i} of {name}, read in order"
    in_order.close()


def test_a_video_beside_its_pose_file_opens_and_one_elsewhere_is_refused_until_allowed(tmp_path):
    (tmp_path / "session").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for folder in ("session", "elsewhere"):
        _write(tmp_path / folder / "cam.mp4", "libx264", pix_fmt="yuv420p")
    expected = _sequential(tmp_path / "session" / "cam.mp4", grey=False)
    for folder, allowed in (("session", True), ("elsewhere", False)):
        labels = predictions()
        labels.videos[0].filename = str(tmp_path / folder / "cam.mp4")
        path = tmp_path / "session" / f"poses_{folder}.slp"
        poseio.save(labels, path)
        video = poseio.load(path).videos[0]
        if allowed:
            np.testing.assert_array_equal(video[7], expected[7])
        else:
            with pytest.raises(poseio.UnsafeFileError, match="outside the folder of poses_elsewhere.slp"):
                video[7]
            with video.open(allow_external=True) as reader:
                assert reader[7].shape == (48, 64, 3)


def test_a_video_named_by_a_pose_file_read_from_a_file_object_is_not_looked_up_here(tmp_path):
    # A pose file read from a URL (or any file object) names files of another machine: an absolute
    # path in it could be anything here, so poseio opens none unless allowed.
    _write(tmp_path / "cam.mp4", "libx264", pix_fmt="yuv420p")
    labels = predictions()
    labels.videos[0].filename = str(tmp_path / "cam.mp4")
    path = tmp_path / "poses.slp"
    poseio.save(labels, path)
    with open(path, "rb") as stream:
        video = poseio.load(stream).videos[0]
    with pytest.raises(poseio.UnsafeFileError, match="read from a URL or a file object"):
        video[0]
    with video.open(allow_external=True) as reader:
        assert reader[0].shape == (48, 64, 3)
    assert poseio.load(path).videos[0][0].shape == (48, 64, 3)  # from the file itself, it opens


def _frame_of(video: poseio.Video, index: int) -> np.ndarray:
    return video[index]


def test_a_video_whose_reader_is_open_pickles_and_reads_after(tmp_path):
    """multiprocessing and Dask pickle videos: the open reader is left out and reopened on the next read."""
    (tmp_path / "session").mkdir()
    path = _write(tmp_path / "session" / "cam.mp4", "libx264", pix_fmt="yuv420p", options={"bf": "3", "g": "8"})
    expected = _sequential(path, grey=False)
    labels = predictions()
    labels.videos[0].filename = "cam.mp4"
    poseio.save(labels, tmp_path / "session" / "poses.slp")
    video = poseio.load(tmp_path / "session" / "poses.slp").videos[0]
    np.testing.assert_array_equal(video[3], expected[3])  # the reader is open now
    copy = pickle.loads(pickle.dumps(video))
    assert copy.filename == "cam.mp4" and copy.metadata == video.metadata
    np.testing.assert_array_equal(copy[40], expected[40])  # found beside the same pose file
    np.testing.assert_array_equal(video[41], expected[41])  # the original's reader is untouched
    copy.close()
    # The pose file's folder still bounds what the copy opens.
    moved = poseio.load(tmp_path / "session" / "poses.slp").videos[0]
    moved.filename = str(tmp_path / "cam_elsewhere.mp4")
    _write(tmp_path / "cam_elsewhere.mp4", "libx264", pix_fmt="yuv420p")
    with pytest.raises(poseio.UnsafeFileError, match="outside the folder of poses.slp"):
        pickle.loads(pickle.dumps(moved))[0]
    video.close()


def test_videos_go_to_worker_processes_after_a_read(tmp_path):
    path = _write(tmp_path / "cam.mp4", "libx264", pix_fmt="yuv420p", options={"bf": "3", "g": "8"})
    expected = _sequential(path, grey=False)
    video = poseio.Video(str(path))
    video[0]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        frames = list(pool.map(_frame_of, [video] * 3, [7, 30, 47]))
    np.testing.assert_array_equal(np.stack(frames), np.stack([expected[7], expected[30], expected[47]]))
    video.close()


def test_a_playlist_beside_the_pose_file_is_not_opened(tmp_path):
    (tmp_path / "list.m3u8").write_text("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n")
    labels = predictions()
    labels.videos[0].filename = "list.m3u8"
    poseio.save(labels, tmp_path / "poses.slp")
    video = poseio.load(tmp_path / "poses.slp").videos[0]
    with pytest.raises(poseio.ReadError, match="opens only video files ending in"):
        video[0]


def test_loading_labels_opens_no_video(tmp_path):
    labels = predictions()
    labels.videos[0].filename = str(tmp_path / "missing.mp4")
    poseio.save(labels, tmp_path / "poses.slp")
    video = poseio.load(tmp_path / "poses.slp").videos[0]  # no error: nothing opened
    assert bool(video)
    with pytest.raises(poseio.SourceNotFoundError, match="video not found"):
        video[0]


@pytest.mark.corpus
def test_labelled_images_of_a_deeplabcut_project_are_its_frames(tmp_path):
    project = CORPUS / "formats2" / "dlcproj_multi_mouse-dlc_team-2022-04-12"
    if not project.exists():
        pytest.skip(f"the corpus is absent ({CORPUS})")
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    labels = poseio.load(copy / "labeled-data" / "m3v1mp4short" / "CollectedData_dlc_team.csv")
    video = labels.videos[0]
    for frame in labels.labeled_frames:
        image = copy / "labeled-data" / "m3v1mp4short" / f"img{frame.frame_idx:02d}.png"
        with av.open(str(image)) as container:  # the PNG decoded by FFmpeg, not by the Pillow poseio uses
            (decoded,) = list(container.decode(video=0))
            expected = decoded.to_ndarray(format="rgb24")
        np.testing.assert_array_equal(video[frame.frame_idx], expected)
    with pytest.raises(poseio.ReadError, match="frame 6 has no image file"):
        video[6]
