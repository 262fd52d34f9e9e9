"""Frames of a media file (PyAV), frame-accurate whatever the codec or container.

Frame ``i`` is the ``i``-th frame in presentation order: the frame a full
sequential decode yields at position ``i``. Seeking by time alone is where
tools go wrong (OpenCV's seek lands a frame or more off on compressed video,
so poses get drawn on the wrong pixels), so this reader never trusts a seek
to land on the frame asked for:

1. On opening, the packets are read once without decoding (fast: no pixels)
   and their presentation times sorted: the time of every frame, so frame
   ``i`` is known by its time, on a variable frame rate too.
2. To read frame ``i`` it seeks to the keyframe at or before that time and
   decodes forward until the frame with exactly that time comes out. A read
   further on in the same group of pictures (no keyframe between) continues the
   running decode instead, so reading in order is as fast as a plain decode
   loop, and `FrameReader` serves a list of frames in file order, one pass.
   Only the frames asked for are converted to arrays (the colour conversion
   costs as much as the decode); a few are cached for a repeated read.

A video at a URL is read the same way, FFmpeg reading its bytes through
fsspec's cached Range requests (`poseio._frames._opening.open_remote_video`):
numbering the frames reads the whole file once, and a frame then fetches the
blocks from its keyframe on. A transport failure is raised as itself, never
as a damaged video.

A random frame costs the decode from its keyframe: on a clip with a keyframe
every 150 frames, 100 single random reads decode about 7,500 frames, several
times a full pass; the same 100 frames asked for at once take one pass.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from poseio._errors import MissingDependencyError, PoseioError, ReadError
from poseio._frames._embedded import draw_pixels
from poseio._frames._opening import open_remote_video, open_video
from poseio._storage._remote import display_name

#: How many decoded frames are kept (neighbours of the last read; a 1080p RGB frame is 6 MB).
CACHE_FRAMES = 16
#: A read this many frames or fewer past the decode position continues decoding instead of seeking.
FORWARD_WITHOUT_SEEK = 32
_GREY = {"gray", "gray8", "gray10le", "gray12le", "gray16le", "gray16be", "ya8"}


class MediaFrames:
    """The frames of one video file, read on demand. Close it (or use ``with``) to free the file."""

    def __init__(self, source: Path | str) -> None:
        """Open the video at ``source``: a local path, or a URL (`is_url`) read through fsspec."""
        try:
            import av  # noqa: F401 - checked here, so that a missing PyAV is said as such
        except ImportError as exc:
            message = 'reading video frames needs PyAV: pip install "poseio[frames]"'
            raise MissingDependencyError(message, name="av") from exc
        self.path = source if isinstance(source, Path) else display_name(source)  # a signed URL's query kept out
        self._file: Any = None  # a remote video's file, whose failures FFmpeg sees as the end of the file
        self._stack = contextlib.ExitStack()
        try:
            try:
                if isinstance(source, str):
                    container, self._file = self._stack.enter_context(open_remote_video(source))
                else:
                    container = self._stack.enter_context(open_video(source))
                self._times, keyframes = self._frame_times(container)
            except PoseioError:
                raise
            except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on a damaged file come in many classes
                raise self._transport_error() or ReadError(
                    f"{self.path}: the video cannot be opened ({type(exc).__name__}: {exc})", path=self.path
                ) from exc
        except BaseException:
            self._stack.close()
            raise
        self._index = {t: i for i, t in enumerate(self._times)}
        # For each frame, the number of the keyframe at or before it: a read can continue the
        # running decode when no keyframe lies between the decode position and the frame asked for.
        self._group = np.searchsorted(np.asarray(keyframes), np.asarray(self._times), side="right")
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._decoder: Any = None
        self._next = -1  # the frame the running decode yields next, -1 when there is none

    def _transport_error(self) -> ReadError | None:
        """A remote video's transport failure (which FFmpeg saw as the end of the file), or ``None``."""
        return self._file.error if self._file is not None else None

    def _frame_times(self, container: Any) -> tuple[list[int], list[int]]:
        """Every frame's presentation time (stream time base) in order, and the keyframes', from the packets.

        Checks first that the container holds a video stream whose frames fit the memory budget.
        """
        source = str(self.path)
        if container is None:
            raise ReadError(f"{source}: not a video poseio opens (a regular file ending in .mp4, .avi, .mov, .mkv)")
        if not container.streams.video:
            raise ReadError(f"{source}: the file holds no video stream", path=source)
        self._container = container
        self._stream = container.streams.video[0]
        self._stream.thread_type = "AUTO"
        pixel_format = self._stream.codec_context.format
        self._grey = pixel_format is not None and pixel_format.name in _GREY
        height, width, channels = self.frame_shape
        # Drawn before any decode: the header alone can declare any size (a remote file especially).
        draw_pixels(height * width * channels, f"a frame ({width} x {height} pixels)", source)
        times, keyframes = [], []
        for packet in self._container.demux(self._stream):
            if packet.size == 0:
                continue  # the flush packet at the end
            time = packet.pts if packet.pts is not None else packet.dts
            if time is None:
                raise ReadError(f"{self.path}: a video packet has no time stamp; its frames cannot be numbered")
            times.append(int(time))
            if packet.is_keyframe:
                keyframes.append(int(time))
        if self._transport_error() is not None:
            raise self._transport_error()  # the packets stopped where the server failed: not the file's end
        times.sort()
        keyframes.sort()
        if len(set(times)) != len(times):
            raise ReadError(f"{self.path}: two video frames share one time stamp; its frames cannot be numbered")
        return times, keyframes

    def __len__(self) -> int:
        return len(self._times)

    @property
    def fps(self) -> float | None:
        """The average frame rate the container declares, or ``None``."""
        rate = self._stream.average_rate
        return float(rate) if rate else None

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of every frame."""
        return (self._stream.codec_context.height, self._stream.codec_context.width, 1 if self._grey else 3)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a ``(height, width, channels)`` uint8 array."""
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        try:
            image = self._decode_to(index)
        except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on a damaged file come in many classes
            self._next = -1  # the decode state is unknown: the next read seeks afresh
            if self._transport_error() is not None:
                raise self._transport_error() from exc
            if isinstance(exc, ReadError):
                raise
            raise ReadError(
                f"{self.path}: frame {index} cannot be decoded ({type(exc).__name__}: {exc})", path=self.path
            ) from exc
        return image

    def _decode_to(self, index: int) -> np.ndarray:
        ahead = 0 <= self._next <= index
        near = ahead and (index - self._next <= FORWARD_WITHOUT_SEEK or self._group[index] == self._group[self._next])
        if not near:
            self._container.seek(self._times[index], stream=self._stream, backward=True, any_frame=False)
            self._decoder = self._container.decode(self._stream)
            self._next = -1
        for decoded in self._decoder:
            at = self._index.get(decoded.pts)
            if at is None:
                continue  # a frame the packets did not announce (never seen); it has no number
            self._next = at + 1
            if at == index:
                image = decoded.to_ndarray(format="gray" if self._grey else "rgb24")
                image = image[:, :, np.newaxis] if image.ndim == 2 else image
                self._keep(at, image)
                return image
            if at > index:
                break  # the seek landed after the frame asked for: never return another frame in its place
        raise ReadError(f"{self.path}: frame {index} could not be decoded", path=self.path)

    def _keep(self, index: int, image: np.ndarray) -> None:
        self._cache[index] = image
        self._cache.move_to_end(index)
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)

    def close(self) -> None:
        """Close the file."""
        self._decoder = None
        self._stack.close()
