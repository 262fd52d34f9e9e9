"""Frames of a video at a URL: read through fsspec as remote pose files are, pixel for pixel the local file's.

Each video is served by a loopback server with Range requests
(`poseio.testing.RangeServer`); every frame read remotely is compared with a
plain PyAV decode of the local file (not through poseio). The rules of remote
pose files hold: a URL a pose file names is fetched only when allowed, a
dripping server is cut off at the deadline, a frame's declared size is drawn
from the memory budget before any decode. The images a pose file loaded from a
URL holds itself (a SLEAP package, NWB ``source_frame`` images) are read from
that URL: each compared with the local file's and with the stored row decoded
here by h5py and Pillow.
"""

from __future__ import annotations

import time

import numpy as np
import poseio
import pytest
from conftest import corpus_file
from nwb_helpers import predictions
from poseio.testing import RangeServer, registry_with, using_registry
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


# Images a pose file loaded from a URL holds itself (a SLEAP package, NWB source_frame images): read from
# that URL through the same remote layer, compared with the local file's and with the rows decoded here.


PACKAGE_NAMES = ["minimal_instance.pkg.slp", "sio095_user_labels_embedded.pkg.slp"]


@pytest.mark.corpus
@pytest.mark.parametrize("name", PACKAGE_NAMES)
def test_every_frame_a_package_at_a_url_embeds_is_the_local_packages_and_the_stored_image(server, name):
    from test_frames_embedded import _stored_slp_images  # rows read by h5py, decoded by Pillow

    path = corpus_file("formats", name)
    stored = _stored_slp_images(path)
    remote, local = poseio.load(server.serve(path)), poseio.load(path)
    assert stored and len(remote.videos) == len(local.videos) == len(stored)
    for number, frames in stored.items():
        at_url, on_disk = remote.videos[number], local.videos[number]
        for frame, image in frames.items():
            got = at_url[frame]
            np.testing.assert_array_equal(got, on_disk[frame], err_msg=f"{name} video {number} frame {frame}")
            np.testing.assert_array_equal(got, image, err_msg=f"{name} video {number} frame {frame}")
        picks = sorted(frames)[::-1]
        np.testing.assert_array_equal(at_url[picks], np.stack([frames[f] for f in picks]))
        at_url.close()
        on_disk.close()
    for frame in remote.labeled_frames:  # every labelled frame has its image
        assert frame.frame_idx in stored[remote.videos.index(frame.video)]


@pytest.mark.corpus
def test_the_images_an_nwb_file_at_a_url_stores_are_its_frames(server):
    import h5py

    path = corpus_file("nwb", "b_pose_training.nwb")
    (video,) = [v for v in poseio.load(server.serve(path)).videos if v.metadata.get("stored_images")]
    with h5py.File(path, "r") as f:
        container = f[video.metadata["nwb_path"]]
        expected = [container[name][()] for name in sorted(container)]
    assert len(video) == len(expected)
    for i, image in enumerate(expected):
        np.testing.assert_array_equal(video[i], image)
    video.close()


@pytest.mark.corpus
def test_a_package_at_a_url_keeps_the_rules_of_remote_files(server, tmp_path, monkeypatch):
    import pickle

    copy = tmp_path / "p.pkg.slp"
    copy.write_bytes(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp").read_bytes())
    url = server.serve(copy) + "?X-Amz-Signature=secret"
    video = poseio.load(url).videos[0]
    frame = poseio.load(copy).labeled_frames[0].frame_idx
    expected = poseio.load(copy).videos[0][frame]
    # A copy in another process reads from the URL again.
    copied = pickle.loads(pickle.dumps(video))
    np.testing.assert_array_equal(copied[frame], expected)
    copied.close()
    monkeypatch.setenv("POSEIO_MEMORY_BUDGET", "100kB")  # one 384 x 384 frame is 147 kB
    with pytest.raises(poseio.UnsafeFileError, match=r"384 x 384 pixels\) would need 147.5 kB") as refused:
        video[frame]
    assert "secret" not in str(refused.value) and "127.0.0.1" in str(refused.value)
    monkeypatch.delenv("POSEIO_MEMORY_BUDGET")
    video.close()
    copy.unlink()  # the server answers 404 now: said as such, not as HDF5's "file read failed"
    with pytest.raises(poseio.SourceNotFoundError, match=r"p.pkg.slp: the server has no such file \(HTTP 404\)"):
        video[frame]


@pytest.mark.corpus
def test_a_package_at_a_dripping_server_is_cut_off_at_the_deadline(monkeypatch):
    path = corpus_file("formats", "minimal_instance.pkg.slp")
    with RangeServer() as dripping:
        video = poseio.load(dripping.serve(path)).videos[0]
        monkeypatch.setenv("POSEIO_REMOTE_TIMEOUT", "1")
        dripping.drip_body = 0.3  # 1 KiB every 0.3 s: a request never ends on its own
        started = time.monotonic()
        with pytest.raises(poseio.ReadError, match=r"took more than 1.0 s .*POSEIO_REMOTE_TIMEOUT"):
            video[0]
        assert time.monotonic() - started < 4
        video.close()


@pytest.mark.corpus
def test_a_package_loaded_from_a_file_object_says_to_load_it_from_its_path_or_url():
    poseio_sleap = pytest.importorskip("poseio_sleap")
    path = corpus_file("formats", "minimal_instance.pkg.slp")
    with open(path, "rb") as f:
        video = poseio.load(f).videos[0]
    with pytest.raises(poseio.ReadError, match="loaded from a file object.*load it from its path or URL"):
        video[0]
    with pytest.raises(poseio.InvalidLabelsError, match="loaded from a URL or a file object.*load a local copy"):
        poseio_sleap.embedded_image(video, 0)  # the encoded bytes: from a local package only


class _Recorder:
    """A third-party ``poseio_frames`` hook that records what it is given, and serves nothing."""

    def __init__(self, read: bool) -> None:
        self.read, self.calls = read, []

    @poseio.hookimpl
    def poseio_formats(self):
        return []


class _OldHook(_Recorder):
    @poseio.hookimpl
    def poseio_frames(self, video, source):  # written before `stream` existed
        self.calls.append(source)


class _StreamHook(_Recorder):
    @poseio.hookimpl
    def poseio_frames(self, video, source, stream):
        self.calls.append((source, stream))
        if self.read:
            stream.seek(0)
            self.head = stream.read(8)


@pytest.mark.parametrize("reads", [False, True])
def test_only_a_hook_that_names_stream_gets_one_and_the_url_is_contacted_only_when_read(server, tmp_path, reads):
    labels = predictions()
    poseio.save(labels, tmp_path / "poses.slp")
    url = server.serve(tmp_path / "poses.slp")
    old, new = _OldHook(reads), _StreamHook(reads)
    with using_registry(registry_with("sleap", extra={"old": old, "new": new})):
        video = poseio.load(url).videos[0]
        before = server.requests
        with pytest.raises(poseio.PoseioError):  # no images anywhere: the video's own file is then refused
            video[0]
        local = poseio.load(tmp_path / "poses.slp").videos[0]
        with pytest.raises(poseio.PoseioError):
            local[0]
    assert old.calls == [None, tmp_path / "poses.slp"]  # a Path or None, never a file object
    (source, stream), (local_source, local_stream) = new.calls
    assert source is None and stream.name == url and stream.closed  # closed by poseio once nothing claimed it
    assert local_source == tmp_path / "poses.slp" and local_stream is None
    if reads:
        assert new.head == (tmp_path / "poses.slp").read_bytes()[:8] and server.requests > before
    else:
        assert server.requests == before  # no plugin read: the URL was not contacted


@pytest.mark.corpus
def test_a_user_reads_a_packages_frames_at_a_url_in_a_fresh_process_and_from_a_pickled_video(server, tmp_path):
    import pickle

    from fresh_process import run_fresh
    from test_frames_embedded import _stored_slp_images

    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    frames = _stored_slp_images(path)[0]  # decoded here by h5py + Pillow
    np.savez(tmp_path / "expected.npz", frames=sorted(frames), images=np.stack([frames[f] for f in sorted(frames)]))
    url = server.serve(path)
    (tmp_path / "video.pickle").write_bytes(pickle.dumps(poseio.load(url).videos[0]))  # never opened here
    run_fresh(
        f"""
        import pickle
        import numpy as np
        expected = np.load({str(tmp_path / "expected.npz")!r})
        frames, images = expected["frames"].tolist(), expected["images"]
        video = poseio.load({url!r}).videos[0]
        assert np.array_equal(video[frames], images)
        assert all(np.array_equal(video[f], image) for f, image in zip(frames, images))
        video.close()
        with open({str(tmp_path / "video.pickle")!r}, "rb") as f:
            copy = pickle.load(f)
        assert np.array_equal(copy[frames], images)
        copy.close()
        """
    )
