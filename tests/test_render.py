"""``poseio render``: the poses drawn over their video's frames, checked by decoding the output with PyAV.

The generated clip's frame ``i`` is a flat grey of value ``8 * i``, so that a
background pixel of the output tells which input frame it was drawn over;
the points are drawn in the first track's colour, looked for at the point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import poseio
import pytest
from conftest import corpus_file

av = pytest.importorskip("av")
pytest.importorskip("PIL")

POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"
N_FRAMES = 20
RED = np.array([230, 25, 75])  # the first track's colour


def run(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    return subprocess.run([POSEIO, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def _clip(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"crf": "10", "g": "6", "bf": "2"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(N_FRAMES):
            image = np.full((48, 64, 3), 8 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _poses(video: str, frames) -> poseio.Labels:
    """One tracked animal of two nodes: the head at (20 + i, 24) in frame i, the tail at (50, 40)."""
    skeleton = poseio.Skeleton(["head", "tail"], edges=[(0, 1)], name="s")
    track = poseio.Track("m1")
    clip = poseio.Video(video)
    return poseio.Labels(
        [
            poseio.LabeledFrame(clip, i, [poseio.Instance(np.array([[20.0 + i, 24.0], [50.0, 40.0]]), skeleton, track)])
            for i in frames
        ]
    )


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _near(pixel, colour, tolerance=30) -> bool:
    return bool(np.abs(pixel.astype(int) - np.asarray(colour)).max() <= tolerance)


def test_poses_are_drawn_over_the_frames_they_belong_to(tmp_path):
    _clip(tmp_path / "cam.mp4")
    poseio.save(_poses("cam.mp4", range(3, 15)), tmp_path / "poses.slp")
    result = run("render", tmp_path / "poses.slp", tmp_path / "out.mp4", "--point-size", "4")
    assert result.returncode == 0, result.stderr
    assert "12 frames of cam.mp4 (frames from 3 to 14) at 10 fps: poses over the video's frames" in result.stdout
    assert "rendering" in result.stderr  # the progress bar
    frames = _decoded(tmp_path / "out.mp4")
    assert len(frames) == 12 and frames[0].shape == (48, 64, 3)
    for k, frame in enumerate(frames):
        i = 3 + k
        assert _near(frame[24, 20 + i], RED), f"output frame {k}: no point at the head ({frame[24, 20 + i]})"
        assert _near(frame[40, 50], RED), f"output frame {k}: no point at the tail"
        assert _near(frame[5, 5], [8 * i] * 3, 6), f"output frame {k} is not drawn over input frame {i}"
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert [p.name for p in tmp_path.iterdir() if "poseio-tmp" in p.name] == []


def test_frame_range_point_size_and_frame_rate(tmp_path):
    _clip(tmp_path / "cam.mp4")
    poseio.save(_poses("cam.mp4", [4, 9]), tmp_path / "poses.slp")
    result = run("render", tmp_path / "poses.slp", tmp_path / "a.mp4", "--frames", "8:", "--point-size", "2", "-q")
    assert result.returncode == 0, result.stderr
    frames = _decoded(tmp_path / "a.mp4")
    assert len(frames) == N_FRAMES - 8  # to the video's end
    assert _near(frames[1][24, 29], RED, 45) and _near(frames[1][24, 34], [72] * 3, 10)  # a small point at the head
    assert result.stderr == "" or "rendering" not in result.stderr
    result = run("render", tmp_path / "poses.slp", tmp_path / "b.mkv", "--only-labelled", "--fps", "5", "-q")
    assert result.returncode == 0, result.stderr
    frames = _decoded(tmp_path / "b.mkv")
    assert len(frames) == 2 and _near(frames[0][5, 5], [32] * 3, 6) and _near(frames[1][5, 5], [72] * 3, 6)
    with av.open(str(tmp_path / "b.mkv")) as container:
        assert container.streams.video[0].average_rate == 5


def test_without_the_video_poses_are_drawn_on_a_black_canvas_with_trajectories(tmp_path):
    poseio.save(_poses("absent.mp4", range(0, 10)), tmp_path / "poses.slp")
    result = run("render", tmp_path / "poses.slp", tmp_path / "out.mp4", "-q")
    assert result.returncode == 0, result.stderr
    assert "10 on a black canvas with trajectories (video not found:" in result.stdout
    frames = _decoded(tmp_path / "out.mp4")
    assert len(frames) == 10
    assert frames[0].shape[:2] == (64, 66)  # the poses' extent and a margin (at least 64), in even sides
    assert _near(frames[9][24, 29], RED) and _near(frames[9][5, 5], [0, 0, 0], 6)
    # The animal's path (its centroid, from (35, 32) in frame 0 to (39.5, 32) in frame 9), fainter.
    path = frames[9][30:35, 34:38].reshape(-1, 3).astype(int)
    assert path[:, 0].max() > 60 and (path[:, 0] - path[:, 1]).max() > 40
    assert frames[9][32, 33].max() < 10 and frames[9][38, 36].max() < 10  # and nothing before frame 0


@pytest.mark.corpus
def test_a_package_s_embedded_frames_are_drawn_over(tmp_path):
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    labels = poseio.load(path)
    result = run("render", path, tmp_path / "out.mp4", "--only-labelled", "--point-size", "4", "-q")
    assert result.returncode == 0, result.stderr
    frames = _decoded(tmp_path / "out.mp4")
    assert len(frames) == 10
    for frame, out in zip(labels.labeled_frames, frames):
        image = labels.videos[0][frame.frame_idx]
        for instance in frame.instances:
            x, y = instance.points[np.isfinite(instance.points).all(axis=1)][0]
            colour = out[round(y), round(x)]
            assert not _near(colour, [image[round(y), round(x), 0]] * 3, 20), "no point drawn over the image"
            assert colour.max() - colour.min() > 60, "the point is not in a colour"
        far = np.unravel_index(np.argmax(image[:50, :50, 0]), (50, 50))  # a bright pixel away from the animals
        assert abs(int(out[far][0]) - int(image[far][0])) <= 40


def test_mistakes_are_said_in_the_caller_s_words(tmp_path):
    poseio.save(_poses("cam.mp4", [1]), tmp_path / "poses.slp")
    cases = [
        (("--frames", "5:2"), "--frames: 5:2 selects no frame (STOP is excluded)"),
        (("--frames", "x"), "'x': give START:STOP (STOP excluded), START: or one frame"),
        (("--video", "3"), "--video: there is no video 3; the file's videos are 0: cam.mp4"),
        (("--video", "other.mp4"), "no video is called 'other.mp4'"),
        (("--point-size", "0"), "--point-size"),
    ]
    for arguments, message in cases:
        result = run("render", tmp_path / "poses.slp", tmp_path / "out.mp4", *arguments)
        assert result.returncode == 2 and message in result.stderr, (arguments, result.stderr)
    result = run("render", tmp_path / "poses.slp", tmp_path / "out.avi")
    assert result.returncode == 2 and "name it with .mp4, .mkv, .mov" in result.stderr
    result = run("render", tmp_path / "poses.slp", tmp_path / "no" / "out.mp4")
    assert result.returncode == 2 and "is not a folder; create it first" in result.stderr
    assert not (tmp_path / "out.mp4").exists()


def test_the_video_drawn_over_and_the_pose_file_are_never_overwritten(tmp_path):
    _clip(tmp_path / "cam.mp4")
    poseio.save(_poses("cam.mp4", [1, 2]), tmp_path / "poses.slp")
    before = (tmp_path / "cam.mp4").read_bytes()
    result = run("render", tmp_path / "poses.slp", tmp_path / "cam.mp4")
    assert result.returncode == 2 and "cam.mp4 is the video being drawn; name another file" in result.stderr
    assert (tmp_path / "cam.mp4").read_bytes() == before


def test_poses_far_outside_any_frame_are_refused_not_drawn_on_a_huge_canvas(tmp_path):
    labels = _poses("absent.mp4", [0])
    labels.labeled_frames[0].instances[0].points[0] = [1e9, 5.0]
    poseio.save(labels, tmp_path / "poses.slp")
    result = run("render", tmp_path / "poses.slp", tmp_path / "out.mp4")
    assert result.returncode == 1
    assert "the poses reach a frame of 1000000016 x 64 pixels; poseio renders frames of at most 8192" in result.stderr


@pytest.mark.corpus
def test_a_damaged_frame_stops_the_render_naming_it_and_leaves_no_output(tmp_path):
    import h5py

    path = tmp_path / "edited.pkg.slp"
    path.write_bytes(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp").read_bytes())
    with h5py.File(path, "r+") as f:
        row = f["video0/video"][1]
        row[20:200] = 7
        f["video0/video"][1] = row
    result = run("render", path, tmp_path / "out.mp4", "--only-labelled", "-q")
    assert result.returncode == 1 and "edited.pkg.slp:video0/video: the image of frame 110" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edited.pkg.slp"]
