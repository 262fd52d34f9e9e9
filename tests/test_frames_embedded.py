"""Frames a pose file holds itself: ``video[frame]`` of a SLEAP package or of NWB source_frame images.

Every frame is compared pixel for pixel with the image the file stores,
decoded here independently: the rows read with h5py and decoded with Pillow
(and, for SLEAP packages, with sleap-io's own reader), the NWB images read
with h5py. The hook a third-party plugin implements is tested with a plugin
written here.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from poseio.testing import registry_with, using_registry

PIL_Image = pytest.importorskip("PIL.Image")

PACKAGES = sorted((CORPUS / "formats").glob("*.pkg.slp"))


def _stored_slp_images(path: Path) -> dict[int, dict[int, np.ndarray]]:
    """``{video: {frame: image}}`` of a package, decoded here: rows by h5py, images by Pillow."""
    found: dict[int, dict[int, np.ndarray]] = {}
    with h5py.File(path, "r") as f:
        legacy = float(f["metadata"].attrs.get("format_id", 1.0)) < 1.4
        for name in sorted(n for n in f if n.startswith("video") and isinstance(f[n], h5py.Group)):
            dataset = f[name]["video"]
            order = dataset.attrs.get("channel_order", "BGR" if legacy else "RGB")
            order = order.decode() if isinstance(order, bytes) else order
            frames = {}
            for row, frame in enumerate(f[name]["frame_numbers"][()].tolist()):
                data = np.asarray(dataset[row]).astype(np.uint8).tobytes()
                image = np.asarray(PIL_Image.open(io.BytesIO(data)))
                image = image[:, :, None] if image.ndim == 2 else image
                frames[int(frame)] = image[:, :, ::-1] if order == "BGR" and image.shape[2] == 3 else image
            found[int(name[len("video") :])] = frames
    return found


@pytest.mark.corpus
@pytest.mark.parametrize("path", PACKAGES, ids=[p.name for p in PACKAGES])
def test_every_frame_a_package_embeds_is_the_image_it_stores(path):
    stored = _stored_slp_images(path)
    labels = poseio.load(path)
    assert stored and len(labels.videos) == len(stored)
    for number, frames in stored.items():
        video = labels.videos[number]
        for frame, image in frames.items():
            got = video[frame]
            assert got.dtype == np.uint8 and got.shape == image.shape
            np.testing.assert_array_equal(got, image, err_msg=f"{path.name} video {number} frame {frame}")
        picks = sorted(frames)[::-1]
        np.testing.assert_array_equal(video[picks], np.stack([frames[f] for f in picks]))
        video.close()
    for frame in labels.labeled_frames:  # every labelled frame has its image
        assert frame.frame_idx in stored[labels.videos.index(frame.video)]


@pytest.mark.corpus
def test_embedded_frames_match_sleap_io_s_own_reader():
    sleap_io = pytest.importorskip("sleap_io")
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    theirs = sleap_io.load_slp(str(path))
    ours = poseio.load(path)
    for frame in theirs.labeled_frames:
        np.testing.assert_array_equal(ours.videos[0][frame.frame_idx], frame.video[frame.frame_idx])


@pytest.mark.corpus
def test_a_frame_the_package_does_not_embed_is_an_error_naming_those_it_does():
    labels = poseio.load(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp"))
    video = labels.videos[0]
    assert len(video) == 1100  # the source video's length, which the package records
    with pytest.raises(poseio.ReadError, match=r"frame 5 of .* has no image in .*video0/video, which holds .* 990"):
        video[5]
    with pytest.raises(IndexError):
        video[1100]


@pytest.mark.corpus
def test_loading_a_package_decodes_nothing():
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    code = f"""
        import sys, poseio
        labels = poseio.load({str(path)!r})
        labels.numpy()
        assert "PIL" not in sys.modules, "loading imported Pillow"
        labels.videos[0][110]
        assert "PIL" in sys.modules
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.corpus
def test_a_package_written_back_serves_the_same_frames(tmp_path):
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    poseio.save(poseio.load(path), tmp_path / "copy.pkg.slp")
    stored = _stored_slp_images(path)[0]
    copy = poseio.load(tmp_path / "copy.pkg.slp").videos[0]
    for frame, image in stored.items():
        np.testing.assert_array_equal(copy[frame], image)
    copy.close()


@pytest.mark.corpus
def test_the_image_is_drawn_from_the_memory_budget(monkeypatch):
    video = poseio.load(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")).videos[0]
    monkeypatch.setenv("POSEIO_MEMORY_BUDGET", "100kB")  # one 384 x 384 frame is 147 kB
    message = r"frame 110 \(384 x 384 pixels\) would need 147.5 kB, .* budget of 100.0 kB.* POSEIO_MEMORY_BUDGET"
    with pytest.raises(poseio.UnsafeFileError, match=message):
        video[110]
    monkeypatch.delenv("POSEIO_MEMORY_BUDGET")
    assert video[110].shape == (384, 384, 1)
    video.close()


@pytest.mark.corpus
def test_a_package_moved_away_after_loading_says_so(tmp_path):
    copy = tmp_path / "p.pkg.slp"
    copy.write_bytes(corpus_file("formats", "minimal_instance.pkg.slp").read_bytes())
    video = poseio.load(copy).videos[0]
    copy.unlink()
    with pytest.raises(poseio.SourceNotFoundError, match="no longer there"):
        video[0]


@pytest.mark.corpus
def test_the_images_an_nwb_file_stores_are_its_frames():
    path = corpus_file("nwb", "b_pose_training.nwb")
    labels = poseio.load(path)
    (video,) = [v for v in labels.videos if v.metadata.get("stored_images")]
    with h5py.File(path, "r") as f:
        container = f[video.metadata["nwb_path"]]
        expected = [container[name][()] for name in sorted(container)]
    assert len(video) == len(expected)
    for i, image in enumerate(expected):
        np.testing.assert_array_equal(video[i], image)
    video.close()


def _nwb_with_images(path: Path, images: dict[str, np.ndarray]) -> None:
    """An NWB file, written with pynwb and ndx-pose, whose TrainingFrames label images stored in it."""
    pytest.importorskip("ndx_pose")
    from ndx_pose import PoseTraining, SkeletonInstance, SkeletonInstances, TrainingFrame, TrainingFrames
    from nwb_helpers import nwbfile_with_skeleton
    from pynwb import NWBHDF5IO
    from pynwb.base import Images
    from pynwb.image import GrayscaleImage, RGBImage

    nwbfile, module, skeleton = nwbfile_with_skeleton("mouse", ["a", "b"])
    stored = [
        (GrayscaleImage if image.ndim == 2 else RGBImage)(name=name, data=image, description="a labelled frame")
        for name, image in images.items()
    ]
    module.add(Images(name="training_images", images=stored, description="labelled frames"))
    frames = []
    for i, image in enumerate(stored):
        points = np.array([[1.0 + i, 2.0], [3.0, 4.0 + i]])
        instance = SkeletonInstance(name="track=m1", id=np.uint8(0), node_locations=points, skeleton=skeleton)
        frames.append(
            TrainingFrame(
                name=f"frame_{i}",
                skeleton_instances=SkeletonInstances(skeleton_instances=[instance]),
                source_frame=image,
            )
        )
    module.add(PoseTraining(training_frames=TrainingFrames(training_frames=frames)))
    with NWBHDF5IO(str(path), "w") as nwb_io:
        nwb_io.write(nwbfile)


def test_grey_and_colour_images_written_by_pynwb_are_the_frames(tmp_path):
    rng = np.random.default_rng(3)
    images = {
        "a_grey": rng.integers(0, 256, (30, 40), dtype=np.uint8),
        "b_colour": rng.integers(0, 256, (30, 40, 3), dtype=np.uint8),
    }
    _nwb_with_images(tmp_path / "images.nwb", images)
    labels = poseio.load(tmp_path / "images.nwb")
    (video,) = labels.videos
    with h5py.File(tmp_path / "images.nwb", "r") as f:  # the images as the file stores them
        stored = {name: f[video.metadata["nwb_path"]][name][()] for name in images}
    np.testing.assert_array_equal(stored["b_colour"], images["b_colour"])
    np.testing.assert_array_equal(video[0], stored["a_grey"][:, :, None])
    np.testing.assert_array_equal(video[1], stored["b_colour"])
    # Each labelled frame's image is the one its TrainingFrame names.
    assert sorted(f.frame_idx for f in labels.labeled_frames) == [0, 1]
    video.close()
    poseio.save(labels, tmp_path / "copy.nwb")  # the writer copies the images, and they read back
    copy = poseio.load(tmp_path / "copy.nwb").videos[0]
    np.testing.assert_array_equal(copy[1], images["b_colour"])
    copy.close()


# A third-party plugin: its reader puts where the images are in the video's metadata; its hook serves them.


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    PIL_Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


class _ImagesPlugin:
    """Offers frames for videos whose metadata holds ``toy_images``: ``{frame: stored image}``."""

    def __init__(self, channel_order="RGB"):
        self.channel_order = channel_order
        self.closed = 0
        self.reads: list[int] = []

    @poseio.hookimpl
    def poseio_formats(self):
        return [poseio.FormatInfo("toy-images", "frames in the pose file", can_read=False)]

    @poseio.hookimpl
    def poseio_frames(self, video, source):
        stored = video.metadata.get("toy_images")
        if stored is None:
            return None
        frames = sorted(stored)

        def read(i):
            self.reads.append(i)
            return stored[frames[i]]

        def close():
            self.closed += 1

        return poseio.EmbeddedFrames(
            frames=frames, read=read, where="toy", channel_order=self.channel_order, close=close
        )


def test_a_third_party_plugin_serves_its_frames_through_the_hook():
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (12, 16), dtype=np.uint8)
    plugin = _ImagesPlugin()
    video = poseio.Video("somewhere.mp4", metadata={"toy_images": {3: _png(colour), 7: grey, 9: _png(grey)}})
    with using_registry(registry_with(extra={"toy": plugin})):
        np.testing.assert_array_equal(video[3], colour)
        np.testing.assert_array_equal(video[7], grey[:, :, None])
        np.testing.assert_array_equal(video[9], grey[:, :, None])
        assert len(video) == 10
        video[3]
        assert plugin.reads == [0, 1, 2]  # a repeated read is served from what was decoded
        with pytest.raises(poseio.ReadError, match=r"frame 4 of somewhere.mp4 has no image in toy.*3, 7, 9"):
            video[4]
        video.close()
        assert plugin.closed == 1
        other = poseio.Video("plain.mp4")  # not the plugin's: asked for the media file as before
        with pytest.raises(poseio.SourceNotFoundError, match="video not found"):
            other[0]


def test_bgr_images_are_flipped_to_rgb():
    image = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    video = poseio.Video("v.mp4", metadata={"toy_images": {0: _png(image), 1: image}})
    with using_registry(registry_with(extra={"toy": _ImagesPlugin("BGR")})):
        np.testing.assert_array_equal(video[0], image[:, :, ::-1])
        np.testing.assert_array_equal(video[1], image[:, :, ::-1])


def test_a_png_declaring_more_pixels_than_the_budget_is_refused_before_decoding(monkeypatch):
    png = bytearray(_png(np.zeros((1, 1), dtype=np.uint8)))
    png[16:24] = (9000).to_bytes(4, "big") + (9000).to_bytes(4, "big")  # the IHDR's width and height
    import zlib

    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    monkeypatch.setenv("POSEIO_MEMORY_BUDGET", "50MB")
    video = poseio.Video("v.mp4", metadata={"toy_images": {0: bytes(png)}})
    with using_registry(registry_with(extra={"toy": _ImagesPlugin()})):
        with pytest.raises(poseio.UnsafeFileError, match=r"9000 x 9000 pixels\) would need 81.0 MB"):
            video[0]


@pytest.mark.parametrize(
    ("stored", "error"),
    [
        (b"not an image", r"toy: the image of frame 0 is not a whole PNG, JPEG, BMP or TIFF image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", r"is not a whole PNG, .* \(it starts b'\\x89PNG"),
        (np.zeros((4, 4, 2), np.uint8), r"has shape \(4, 4, 2\); an image is"),
        (np.zeros((4, 4), np.float32), "holds float32 values; poseio reads 8-bit images"),
        ("text", "was read as str, not bytes or an array"),
    ],
)
def test_what_is_not_an_image_is_a_read_error(stored, error):
    video = poseio.Video("v.mp4", metadata={"toy_images": {0: stored}})
    with using_registry(registry_with(extra={"toy": _ImagesPlugin()})), pytest.raises(poseio.ReadError, match=error):
        video[0]


def test_a_hook_that_fails_or_returns_something_else_is_named():
    class Failing:
        @poseio.hookimpl
        def poseio_formats(self):
            return []

        @poseio.hookimpl
        def poseio_frames(self, video):  # an implementation may leave out source
            raise KeyError("images")

    class Wrong(Failing):
        @poseio.hookimpl
        def poseio_frames(self, video):
            return {"frames": [0]}

    with using_registry(registry_with(extra={"failing": Failing()})):
        with pytest.raises(poseio.ReadError, match=r"plugin failing failed to find .*KeyError"):
            poseio.Video("v.mp4")[0]
    with using_registry(registry_with(extra={"wrong": Wrong()})):
        with pytest.raises(poseio.PluginError, match="returned dict; it must return poseio.EmbeddedFrames or None"):
            poseio.Video("v.mp4")[0]


def test_two_images_of_one_frame_are_damage():
    record = poseio.EmbeddedFrames(frames=[0, 4, 4], read=lambda i: b"", where="x.slp:/video0/video")
    from poseio._frames._embedded import EmbeddedImages

    with pytest.raises(poseio.ReadError, match="two embedded images are numbered frame 4"):
        EmbeddedImages(record, name="v")


@pytest.mark.corpus
def test_an_nwb_export_takes_the_frames_a_package_embeds(tmp_path):
    pytest.importorskip("pynwb")
    av = pytest.importorskip("av")
    from poseio_nwb_annotations import export_with_frames

    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    stored = _stored_slp_images(path)[0]
    video_path = export_with_frames(poseio.load(path), tmp_path / "package.nwb")
    with av.open(str(video_path)) as container:  # lossless FFV1: the images, through one RGB to YUV round trip
        exported = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(exported) == len(stored)
    for image, (frame, original) in zip(exported, sorted(stored.items())):
        assert np.abs(image.astype(int) - original.astype(int)).max() <= 2, f"frame {frame}"


def _edited_package(tmp_path: Path, edit) -> Path:
    """A copy of the corpus package, changed by ``edit(h5py file)``."""
    path = tmp_path / "edited.pkg.slp"
    path.write_bytes(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp").read_bytes())
    with h5py.File(path, "r+") as f:
        edit(f)
    return path


@pytest.mark.corpus
def test_raw_pixels_a_package_stores_as_format_hdf5_are_the_frames(tmp_path):
    pixels = np.random.default_rng(5).integers(0, 256, (10, 24, 32, 1), dtype=np.uint8)

    def raw(f):
        del f["video0/video"]
        dataset = f.create_dataset("video0/video", data=pixels, chunks=(1, 24, 32, 1), compression="gzip")
        dataset.attrs.update({"format": "hdf5", "channels": 1, "height": 24, "width": 32, "channel_order": "RGB"})

    labels = poseio.load(_edited_package(tmp_path, raw))
    numbers = _stored_numbers()
    for row, frame in enumerate(numbers):
        np.testing.assert_array_equal(labels.videos[0][frame], pixels[row])


def _stored_numbers() -> list[int]:
    with h5py.File(corpus_file("formats", "sio095_user_labels_embedded.pkg.slp"), "r") as f:
        return f["video0/frame_numbers"][()].tolist()


@pytest.mark.corpus
def test_a_package_whose_images_are_fewer_than_its_frame_numbers_is_damaged(tmp_path):
    def fewer(f):
        rows = f["video0/video"][:4]
        attributes = dict(f["video0/video"].attrs)
        del f["video0/video"]
        f.create_dataset("video0/video", data=rows).attrs.update(attributes)

    video = poseio.load(_edited_package(tmp_path, fewer)).videos[0]
    with pytest.raises(poseio.ReadError, match="video0/video: 4 images for 10 frame numbers"):
        video[0]


@pytest.mark.corpus
def test_a_damaged_embedded_image_names_its_frame(tmp_path):
    def damage(f):
        row = f["video0/video"][1]
        row[20:200] = 7  # inside the PNG's data: its checksum fails
        f["video0/video"][1] = row

    video = poseio.load(_edited_package(tmp_path, damage)).videos[0]
    with pytest.raises(poseio.ReadError, match=r"edited.pkg.slp:video0/video: the image of frame 110"):
        video[110]
    assert video[220].shape == (384, 384, 1)  # the others still read


@pytest.mark.corpus
def test_a_package_converted_to_a_deeplabcut_project_writes_its_embedded_images(tmp_path):
    path = corpus_file("formats", "sio095_user_labels_embedded.pkg.slp")
    stored = _stored_slp_images(path)[0]
    poseio.save(poseio.load(path), tmp_path / "project", format="dlc-project", allow_loss=True)
    written = sorted((tmp_path / "project").rglob("*.png"))
    assert len(written) == len(stored)
    for image_file, (frame, image) in zip(written, sorted(stored.items())):
        assert image_file.name == f"img{frame:04d}.png"
        np.testing.assert_array_equal(np.asarray(PIL_Image.open(image_file)), image[:, :, 0])
