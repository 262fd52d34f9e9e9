"""Packages made from videos: the labelled frames' images, taken from the labels' videos and embedded as PNG.

A video whose frames no package holds yet (a media file, a folder of labelled
images) is embedded the way sleap-io lays packages out, so that SLEAP and
sleap-io read it:

- ``video<i>/video``: one row per image, the bytes of a PNG file as int8,
  each row padded with zeros to the longest (sleap-io's fixed-length rows),
  stored contiguous (PNG is compressed already). Its attributes say
  ``format`` (``png``), ``channel_order`` (``RGB``: Pillow encodes in RGB
  order), the source video's ``frames``, ``height``, ``width``, ``channels``
  and ``fps``.
- ``video<i>/frame_numbers``: the frame of each row.
- ``video<i>/source_video``: the JSON of the video the frames were taken
  from, in its ``json`` attribute, so that readers restore its name.

The images are the frames poseio's frames API gives (`poseio.Video.open`),
with its rules: a video named by a pose file is opened only in that file's
folder. PNG is lossless, so the package holds those pixels exactly. Every
image is read and encoded before the file is written: a frame that cannot be
read leaves nothing behind.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation

from poseio_sleap._common import PACKAGE_ENDING, SLEAP_KEY, SLP, to_json_text
from poseio_sleap._videos import encode_video

#: HDF5 keeps an attribute in the object header, which holds 64 kB.
ATTRIBUTE_LIMIT = 64_000


class EncodedVideo:
    """The PNG images of some frames of one video, ready to be written into a package.

    Attributes:
        frames: The frame of each image, ascending.
        images: Each image's PNG bytes.
        shape: ``(frames, height, width, channels)`` of the source video.
    """

    def __init__(self, frames: list[int], images: list[bytes], shape: tuple[int, int, int, int]) -> None:
        self.frames = frames
        self.images = images
        self.shape = shape


def frames_to_embed(labels: poseio.Labels, table: poseio.PoseTable) -> dict[int, list[int]]:
    """``{video index: frames}``: every labelled frame, and the suggested frames, as sleap-io's ``embed=True``."""
    wanted: dict[int, set[int]] = {index: set() for index in range(len(labels.videos))}
    pairs = np.unique(np.stack([table.video, table.frame_idx], axis=1), axis=0) if len(table) else ()
    for video, frame in pairs:
        wanted[int(video)].add(int(frame))
    for index, video in enumerate(labels.videos):
        for frame, _group in (video.metadata.get(SLEAP_KEY) or {}).get("suggestions", []):
            wanted[index].add(int(frame))
    return {index: sorted(frames) for index, frames in wanted.items()}


class FrameUnavailable(Exception):
    """A labelled frame's image cannot be read from its video (the writer says what to do)."""

    def __init__(self, video: poseio.Video, frame: int, cause: BaseException) -> None:
        super().__init__(f"frame {frame} of video {video.filename!r} cannot be read ({str(cause).rstrip('.')})")
        self.video, self.frame, self.cause = video, frame, cause


def encode_frames(video: poseio.Video, frames: list[int]) -> EncodedVideo:
    """Read ``frames`` of ``video`` through the frames API and encode each as PNG.

    Args:
        video: The video the frames are taken from.
        frames: The frames, ascending (read in file order: one forward decode).

    Raises:
        FrameUnavailable: A frame's image cannot be read (no file, outside the
            pose file's folder, past the video's end, damaged).
        poseio.MissingDependencyError: Pillow, or PyAV for a media file, is not installed.
        poseio.WriteError: The images would take more than the save's memory budget.
    """
    try:
        import PIL.Image
    except ImportError as exc:
        raise poseio.MissingDependencyError(
            'embedding frames in a SLEAP package needs Pillow: pip install "poseio[frames]"', name="PIL"
        ) from exc

    images = []
    frame = frames[0]
    try:
        with video.open() as reader:
            for frame in frames:
                image = reader[frame]
                mode = "L" if image.shape[2] == 1 else "RGB"
                buffer = io.BytesIO()
                PIL.Image.fromarray(image[:, :, 0] if mode == "L" else image, mode=mode).save(buffer, format="PNG")
                images.append(buffer.getvalue())
                # Every image is held until the file is written: they draw on the save's memory budget.
                check_allocation(len(images[-1]), f"the PNG image of frame {frame}", video.filename)
            n_frames = video.shape[0] if video.shape and video.shape[0] else len(reader)
    except (poseio.MissingDependencyError, poseio.WriteError):
        raise
    except (poseio.PoseioError, IndexError) as exc:
        raise FrameUnavailable(video, frame, exc) from exc
    height, width, channels = image.shape
    return EncodedVideo(frames, images, (int(n_frames), int(height), int(width), int(channels)))


def refusal(problem: FrameUnavailable, *, package: bool, none_embedded: bool) -> poseio.PoseioError:
    """Why a package cannot be written, in the caller's words, with the ways out.

    Args:
        problem: The frame that cannot be read.
        package: The destination's name asks for a package (``.pkg.slp``); else ``embed=True`` asked for one.
        none_embedded: No video of the labels carries frames embedded in a package (to copy instead).
    """
    also = "no video carries frames embedded in a SLEAP package, and " if none_embedded else ""
    fix = "make the video readable where the labels name it (video[i] must work) and save again"
    if package:
        return poseio.InvalidLabelsError(
            f"a {PACKAGE_ENDING} file is a package that holds the labelled frames' images, but {also}{problem}. "
            f"Save to a .slp name (references to the videos), or {fix}"
        )
    return poseio.InvalidOptionError(
        f"embed=True embeds the labelled frames' images, but {also}{problem}; pass embed=False (references to "
        f"the videos), or {fix}",
        format=SLP,
    )


def write_source_json(group: Any, source: dict) -> None:
    """Record the video the images were taken from in ``<group>/source_video`` (sleap-io restores its name)."""
    text = to_json_text(source)
    holder = group.create_group("source_video")
    if len(text.encode()) <= ATTRIBUTE_LIMIT:
        holder.attrs["json"] = text
    else:  # sleap-io stores a source over an attribute's 64 kB in a dataset
        holder.create_dataset("json", data=np.bytes_(text.encode()))


def write_encoded(h5file: Any, video: poseio.Video, index: int, encoded: EncodedVideo) -> dict:
    """Write ``encoded`` as ``video<index>`` of the package; the video's ``videos_json`` row."""
    group = h5file.create_group(f"video{index}")
    longest = max((len(image) for image in encoded.images), default=0)
    dataset = group.create_dataset("video", shape=(len(encoded.images), longest), dtype="int8")
    for row, image in enumerate(encoded.images):
        dataset[row, : len(image)] = np.frombuffer(image, dtype=np.int8)
    n_frames, height, width, channels = encoded.shape
    dataset.attrs["format"] = "png"
    dataset.attrs["channel_order"] = "RGB"
    dataset.attrs["frames"], dataset.attrs["height"] = n_frames, height
    dataset.attrs["width"], dataset.attrs["channels"] = width, channels
    if video.fps:
        dataset.attrs["fps"] = float(video.fps)
    group.create_dataset("frame_numbers", data=np.asarray(encoded.frames, dtype=np.int64))
    source = encode_video(video)  # a reference to the file the frames were taken from
    write_source_json(group, source)
    backend = {
        "type": "HDF5Video",
        "shape": [len(encoded.images), height, width, channels],
        "filename": ".",
        "dataset": f"video{index}/video",
        "input_format": "channels_last",
        "convert_range": False,
        "has_embedded_images": True,
        "grayscale": channels == 1,
        "fps": video.fps,
    }
    return {"backend": backend, "source_video": source}
