"""Frames that are image files: a DeepLabCut ``labeled-data`` folder, an NWB ImageSeries of image files.

Frame numbers map to files (``{frame: path}``); a frame without a file is an
error naming it, never another frame's image. Images are decoded by Pillow,
which opens the one file it is given and nothing it names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from poseio._errors import MissingDependencyError, ReadError
from poseio._frames._reader import NoImageError

#: The endings of the image files read as frames.
IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


class ImageFrames:
    """Frames read from image files, one file per frame number."""

    def __init__(self, files: dict[int, Path]) -> None:
        try:
            import PIL.Image  # noqa: F401 - checked here, so that a missing Pillow is said before any frame
        except ImportError as exc:
            raise MissingDependencyError(
                'reading frames from image files needs Pillow: pip install "poseio[frames]"', name="PIL"
            ) from exc
        self._files = dict(sorted(files.items()))

    def __len__(self) -> int:
        return max(self._files, default=-1) + 1

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a ``(height, width, channels)`` uint8 array."""
        import PIL.Image

        path = self._files.get(index)
        if path is None:
            raise NoImageError(f"frame {index} has no image file (the images are frames {_spans(self._files)})")
        try:
            with PIL.Image.open(path) as image:
                grey = image.mode in ("1", "L", "I;16", "I", "F")
                array = np.asarray(image.convert("L" if grey else "RGB"))
        except (OSError, ValueError) as exc:
            raise ReadError(f"{path}: the image of frame {index} cannot be read ({exc})", path=path) from exc
        return array[:, :, np.newaxis] if array.ndim == 2 else array

    def close(self) -> None:
        """Nothing stays open between frames."""


def _spans(files: dict[int, Path]) -> str:
    numbers = list(files)
    return f"{numbers[0]}..{numbers[-1]} ({len(numbers)} files)" if numbers else "none"
