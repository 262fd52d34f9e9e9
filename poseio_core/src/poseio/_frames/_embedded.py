"""Frames a pose file holds itself: a SLEAP package's images, an NWB file's training images.

A plugin says where its file keeps them by returning an `EmbeddedFrames`
record from its ``poseio_frames`` hook: which frames have an image, and a
function that reads one image as the file stores it (encoded bytes, or an
array). poseio does the rest the same way for every format, so that embedded
frames obey the rules of every other read:

- nothing is read until a frame is asked for (loading labels decodes nothing);
- an encoded image is decoded by Pillow, with only the PNG, JPEG, BMP and
  TIFF decoders allowed, and its pixels are drawn from the memory budget
  before they are decoded (a 100-byte PNG can declare 50,000 x 50,000 pixels);
- a frame the file holds no image of is an error naming the frames it holds,
  never another frame's image.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import attrs
import numpy as np

from poseio._errors import MissingDependencyError, PoseioError, ReadError, UnsafeFileError, WriteError
from poseio._frames._reader import NoImageError
from poseio._frames._stream import PoseFileStream, raise_server_failure
from poseio._storage._policy import BUDGET_VARIABLE, budget_message, current_policy, draw, size_text

if TYPE_CHECKING:  # the model imports this layer; only the annotation needs the Video
    from poseio._model._video import Video

#: The Pillow decoders an embedded image may use: the formats pose files embed, and no other.
DECODERS = ("PNG", "JPEG", "BMP", "TIFF")
#: How many decoded frames are kept for a repeated read.
CACHE_FRAMES = 8
_GREY_MODES = ("1", "L", "I;16", "I;16B", "I;16L", "I", "F")


def _frame_numbers(value: Any) -> np.ndarray:
    numbers = np.asarray(value)
    if numbers.dtype.kind not in "iu":
        if numbers.size == 0:
            return np.zeros(0, dtype=np.int64)
        raise TypeError(f"EmbeddedFrames.frames must be whole numbers, not {numbers.dtype}")
    return numbers.astype(np.int64, copy=False).reshape(-1)


@attrs.frozen(eq=False)
class EmbeddedFrames:
    """The images of a video's frames that a pose file holds itself; what ``poseio_frames`` returns.

    poseio reads an image only when its frame is asked for, decodes it (an
    encoded image with Pillow, under the memory budget) and gives it as a
    ``(height, width, channels)`` uint8 array, 1 or 3 channels.

    Attributes:
        frames: The frame number of each image the file holds: image ``i`` is
            frame ``frames[i]``. Each number at most once.
        read: ``read(i)`` returns image ``i`` as the file stores it: the bytes
            of a PNG, JPEG, BMP or TIFF file (bytes after a PNG's or JPEG's
            end, such as the zero padding of fixed-width rows, are ignored), or a uint8 array ``(height, width)`` or
            ``(height, width, channels)`` of 1, 3 or 4 channels (the 4th, alpha,
            is dropped). Read only that image, through `poseio.hdf5`'s checks;
            raise `poseio.ReadError` when it cannot be read.
        where: Where the images are, for messages: ``"labels.pkg.slp:/video0/video"``.
        channel_order: ``"RGB"``, or ``"BGR"`` for colour images the file
            stores in OpenCV's order (poseio flips them).
        close: Called when the video is closed, to release what ``read`` keeps
            open (an HDF5 file); ``None`` when it keeps nothing open.
    """

    frames: np.ndarray = attrs.field(converter=_frame_numbers)
    read: Callable[[int], bytes | np.ndarray]
    where: str = attrs.field(converter=str)
    channel_order: str = attrs.field(default="RGB", validator=attrs.validators.in_(("RGB", "BGR")))
    close: Callable[[], None] | None = None

    @staticmethod
    def file_to_read(
        video: Video, source: Path | None, stream: BinaryIO | None, recorded: str | None, holder: str
    ) -> Path | BinaryIO:
        """The file a ``poseio_frames`` hook reads a video's images from, or the error when there is none.

        ``source`` (the local pose file) comes first, then ``stream`` (the pose
        file at the URL it was loaded from), then ``recorded`` (the file the
        reader noted in the video's metadata, for a video that was copied into
        other labels). A pose file loaded from a file object leaves none:
        poseio does not keep the caller's object, which may be closed.

        Args:
            video: The video whose images are asked for.
            source: The hook's ``source``.
            stream: The hook's ``stream``.
            recorded: The pose file's path as the reader noted it, or ``None``.
            holder: What holds the images, for the message ("a SLEAP package").

        Raises:
            ReadError: The pose file was loaded from a file object; the message says to load it from its path or URL.
        """
        if source is not None:
            return Path(source)
        if stream is not None:
            return stream
        if recorded is not None:
            return Path(recorded)
        raise ReadError(
            f"video {video.filename}: its frames are images stored in {holder} that was loaded from a file "
            "object, which poseio does not keep after loading (the caller may close it); load it from its path "
            "or URL to read them"
        )


class EmbeddedImages:
    """A `poseio._frames._reader.FrameBackend` over an `EmbeddedFrames` record."""

    def __init__(
        self, record: EmbeddedFrames, *, name: str, length: int = 0, stream: PoseFileStream | None = None
    ) -> None:
        self._record = record
        self._stream = stream  # the pose file at the URL it was loaded from, which the record reads; or None
        self._name = name
        frames = record.frames
        if len(frames) and int(frames.min()) < 0:
            raise ReadError(
                f"{record.where}: an embedded image is numbered frame {int(frames.min())}; frames count from 0"
            )
        self._row = {int(frame): row for row, frame in enumerate(frames.tolist())}
        if len(self._row) != len(frames):
            numbers, counts = np.unique(frames, return_counts=True)
            repeated = int(numbers[counts > 1][0])
            raise ReadError(f"{record.where}: two embedded images are numbered frame {repeated}; the file is damaged")
        # The video's length when the file records it, else as far as its images go.
        self._length = max(int(length or 0), int(frames.max()) + 1 if len(frames) else 0)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return self._length

    @property
    def frame_numbers(self) -> list[int]:
        """The frames the file holds an image of, in order."""
        return sorted(self._row)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a ``(height, width, channels)`` uint8 array."""
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        row = self._row.get(index)
        if row is None:
            raise NoImageError(
                f"frame {index} of {self._name} has no image in {self._record.where}, which holds the images of "
                f"frames {_spans(self.frame_numbers)}"
            )
        try:
            stored = self._record.read(row)
        except Exception as exc:  # noqa: BLE001 - a plugin's reader may fail in any way on a damaged file
            raise_server_failure(self._stream, exc)  # the server failed, not the file
            if isinstance(exc, PoseioError):
                raise
            raise ReadError(
                f"{self._record.where}: the image of frame {index} cannot be read ({type(exc).__name__}: {exc})"
            ) from exc
        image = _decoded(stored, index, self._record.where)
        if self._record.channel_order == "BGR" and image.shape[2] == 3:
            image = np.ascontiguousarray(image[:, :, ::-1])
        self._cache[index] = image
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)
        return image

    def close(self) -> None:
        """Release what the plugin's reader keeps open."""
        self._cache.clear()
        try:
            if self._record.close is not None:
                self._record.close()
        finally:
            if self._stream is not None:
                self._stream.close()  # after the plugin's file: h5py may still read it while closing


def _decoded(stored: object, index: int, where: str) -> np.ndarray:
    """One stored image as ``(height, width, 1 or 3)`` uint8."""
    if isinstance(stored, (bytes, bytearray, memoryview)):
        return decode_image(bytes(stored), f"the image of frame {index}", where)
    if not isinstance(stored, np.ndarray):
        raise ReadError(
            f"{where}: the image of frame {index} was read as {type(stored).__name__}, not bytes or an array"
        )
    if stored.dtype == np.int8 and stored.ndim == 1:  # an encoded image kept as signed bytes (SLEAP)
        return decode_image(stored.tobytes(), f"the image of frame {index}", where)
    image = stored[:, :, np.newaxis] if stored.ndim == 2 else stored
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ReadError(
            f"{where}: the image of frame {index} has shape {stored.shape}; an image is (height, width) or "
            "(height, width, channels) with 1, 3 or 4 channels"
        )
    if image.dtype != np.uint8:
        raise ReadError(
            f"{where}: the image of frame {index} holds {image.dtype} values; poseio reads 8-bit images (uint8)"
        )
    return np.ascontiguousarray(image[:, :, :3])


def decode_image(data: bytes, what: str, where: str) -> np.ndarray:
    """An encoded image (PNG, JPEG, BMP, TIFF) as ``(height, width, 1 or 3)`` uint8, within the memory budget."""
    try:
        import PIL.Image
    except ImportError as exc:
        raise MissingDependencyError(
            'reading the images a pose file holds needs Pillow: pip install "poseio[frames]"', name="PIL"
        ) from exc
    try:
        with PIL.Image.open(io.BytesIO(data), formats=DECODERS) as image:
            width, height = image.size
            grey = image.mode in _GREY_MODES
            # Drawn before decoding: the header alone can declare any size.
            draw_pixels(width * height * (1 if grey else 3), f"{what} ({width} x {height} pixels)", where)
            mode = "L" if grey else "RGB"
            array = np.asarray(image if image.mode == mode else image.convert(mode))
    except PoseioError:
        raise
    except PIL.Image.DecompressionBombError as exc:
        raise UnsafeFileError(f"{where}: {what} declares more pixels than an image may ({exc})", path=where) from exc
    except PIL.UnidentifiedImageError as exc:
        raise ReadError(
            f"{where}: {what} is not a whole {', '.join(DECODERS[:-1])} or {DECODERS[-1]} image, damaged or of another "
            f"kind (it starts {data[:8]!r})"
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:  # Pillow's errors on truncated or damaged images
        raise ReadError(f"{where}: {what} cannot be decoded ({exc})") from exc
    return array[:, :, np.newaxis] if array.ndim == 2 else array


def draw_pixels(nbytes: int, what: str, where: str) -> None:
    """Draw an image's pixels from the memory budget, or refuse it saying how to raise the budget.

    Frames are read after the load, so the fix is the environment variable
    (``video[i]`` takes no ``memory_budget=``). During a save (a writer that
    embeds frames) a frame must fit in what the save's budget has left, and
    over it is the `WriteError` every writer raises, naming ``memory_budget=``;
    it is not drawn, as a writer holds one decoded frame at a time (what it
    keeps, such as encoded images, it draws itself).
    """
    policy = current_policy()
    if policy.writing:
        if policy.allowance.spent + nbytes > policy.memory_budget:
            raise WriteError(budget_message(nbytes, what, where), path=where)
        return
    if not draw(nbytes):
        raise UnsafeFileError(
            f"{where}: {what} would need {size_text(nbytes)}, more than poseio's memory budget of "
            f"{size_text(current_policy().memory_budget)}. If the image is genuine, raise the budget with the "
            f"{BUDGET_VARIABLE} environment variable",
            path=where,
        )


def _spans(numbers: list[int]) -> str:
    if len(numbers) <= 8:
        return ", ".join(map(str, numbers)) or "none"
    return f"{', '.join(map(str, numbers[:4]))}, ..., {', '.join(map(str, numbers[-2:]))} ({len(numbers)} images)"
