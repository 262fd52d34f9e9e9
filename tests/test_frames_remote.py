"""Frames of a video at a URL: read through fsspec as remote pose files are, pixel for pixel the local file's.

Each video is served by a loopback server with Range requests
(`poseio.testing.RangeServer`); every frame read remotely is compared with a
plain PyAV decode of the local file (not through poseio). The rules of remote
pose files hold: a URL a pose file names is fetched only when allowed, a
dripping server is cut off at the deadline, a frame's declared size is drawn
from the memory budget before any decode.
"""

from __future__ import annotations

import time

import numpy as np
import poseio
import pytest
from nwb_helpers import predictions
from poseio.testing import RangeServer
from test_frames import N_FRAMES, VIDEOS, _sequential, _write

pytest.importorskip("av")
pytest.importorskip("fsspec", reason="remote reads need poseio[remote] (fsspec, aiohttp)")


@pytest.fixture(scope="module")
def server():
    """One well-behaved server for the module (stopping one takes 0.5 s); a test that misbehaves starts its own."""
    with RangeServer() as running:
        yield running


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """H.264 with B-frames and a GOP of 8 (the case that trips seeking), and its frames decoded by PyAV."""
    spec = dict(VIDEOS["h264_bframes.mp4"])
    path = _write(tmp_path_factory.mktemp("clip") / "h264_bframes.mp4", spec.pop("codec"), **spec)
    return path, _sequential(path, grey=False)


@pytest.mark.parametrize("name", ["h264_bframes.mp4", "variable_rate.mkv", "greyscale.mkv"])
def test_every_frame_read_over_http_is_the_local_files_frame(server, tmp_path, name):
    spec = dict(VIDEOS[name])
    path = _write(tmp_path / name, spec.pop("codec"), **spec)
    expected = _sequential(path, grey=spec["pix_fmt"] == "gray")
    video = poseio.Video(server.serve(path, at=f"/generated/{name}"))
    assert len(video) == N_FRAMES
    for i in np.random.default_rng(1).permutation(N_FRAMES):  # random access, across groups of pictures
        assert np.array_equal(video[int(i)], expected[i]), f"frame {i} of {name} over HTTP"
    np.testing.assert_array_equal(video[[40, 3, 17]], np.stack([expected[40], expected[3], expected[17]]))
    np.testing.assert_array_equal(video[:], np.stack(expected))
    video.close()


@pytest.mark.parametrize("scheme", ["s3", "gs"])
def test_a_bucket_url_is_read_from_the_buckets_endpoint(server, clip, monkeypatch, scheme):
    path, expected = clip
    server.serve(path, at="/bucket/videos/cam.mp4")
    monkeypatch.setenv(f"POSEIO_{scheme.upper()}_ENDPOINT", server.base_url)
    video = poseio.Video(f"{scheme}://bucket/videos/cam.mp4")
    np.testing.assert_array_equal(video[[0, 9, 47]], np.stack([expected[0], expected[9], expected[47]]))
    video.close()


def test_a_url_a_pose_file_names_is_fetched_only_when_allowed(server, clip, tmp_path):
    path, expected = clip
    url = server.serve(path)
    labels = predictions()
    labels.videos[0].filename = url
    poseio.save(labels, tmp_path / "poses.slp")
    served = server.serve(tmp_path / "poses.slp")
    for loaded in (poseio.load(tmp_path / "poses.slp"), poseio.load(served)):  # a local and a remote pose file
        video = loaded.videos[0]
        assert video.filename == url
        before = server.requests
        with pytest.raises(poseio.UnsafeFileError, match="a URL named by a pose file.*allow_external=True"):
            video[0]
        assert server.requests == before  # refused before any request
        with video.open(allow_external=True) as reader:
            np.testing.assert_array_equal(reader[21], expected[21])


def test_a_dripping_server_is_cut_off_at_the_deadline(clip, monkeypatch):
    path, _ = clip
    monkeypatch.setenv("POSEIO_REMOTE_TIMEOUT", "1")
    with RangeServer() as dripping:
        url = dripping.serve(path)
        dripping.drip_body = 0.3  # 1 KiB every 0.3 s: a request never ends on its own
        started = time.monotonic()
        with pytest.raises(poseio.ReadError, match=r"took more than 1.0 s .*POSEIO_REMOTE_TIMEOUT"):
            poseio.Video(url)[0]
        # One deadline, not one per retry: FFmpeg sees the end of the stream after the first failure.
        assert time.monotonic() - started < 4


def test_a_frame_over_the_memory_budget_is_refused_before_decoding(server, clip, monkeypatch):
    path, _ = clip
    monkeypatch.setenv("POSEIO_MEMORY_BUDGET", "4kB")  # a 64 x 48 RGB frame is 9,216 bytes
    signed = server.serve(path) + "?X-Amz-Signature=secret"
    with pytest.raises(poseio.UnsafeFileError, match=r"a frame \(64 x 48 pixels\).*POSEIO_MEMORY_BUDGET") as refused:
        poseio.Video(signed)[0]
    assert "secret" not in str(refused.value)  # a signed URL's credentials are never shown


def test_what_is_not_a_video_at_a_url_is_said(server, clip, tmp_path):
    path, _ = clip
    with pytest.raises(poseio.SourceNotFoundError, match="HTTP 404"):
        poseio.Video(server.base_url + "/files/absent.mp4")[0]
    with pytest.raises(poseio.ReadError, match="not a video poseio opens"):
        poseio.Video(server.serve(path, at="/files/list.m3u8"))[0]
    (tmp_path / "fake.mp4").write_bytes(b"not a video at all" * 100)
    with pytest.raises(poseio.ReadError, match="fake.mp4: the video cannot be opened"):
        poseio.Video(server.serve(tmp_path / "fake.mp4"))[0]
