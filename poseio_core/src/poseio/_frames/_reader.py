"""`FrameReader`: indexing a video's frames the way users know from sleap-io, on any backend."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from poseio._errors import InvalidArgumentError, ReadError


class NoImageError(ReadError):
    """A frame within the video's length that has no image: a package or a labelled-images folder holds others only."""


class FrameBackend(Protocol):
    """What a source of frames provides: its length, one frame, and closing."""

    def __len__(self) -> int: ...

    def frame(self, index: int) -> np.ndarray: ...

    def close(self) -> None: ...


class FrameReader:
    """The frames of one video: ``reader[i]`` is frame ``i`` as ``(height, width, channels)`` uint8.

    ``reader[[i, j]]`` and ``reader[a:b]`` give ``(n, height, width, channels)``;
    ``len(reader)`` is the number of frames. Close it, or use it in a ``with`` block.
    """

    def __init__(self, backend: FrameBackend, name: str) -> None:
        self._backend = backend
        self.name = name

    def __len__(self) -> int:
        return len(self._backend)

    @property
    def fps(self) -> float | None:
        """The frame rate the video file declares (a media file), or ``None``."""
        return getattr(self._backend, "fps", None)

    def __getitem__(self, key: Any) -> np.ndarray:
        n = len(self._backend)
        if isinstance(key, slice):
            indices = range(*key.indices(n))
        elif isinstance(key, (int, np.integer)):
            return self._backend.frame(self._checked(int(key), n))
        else:
            indices = np.asarray(key).reshape(-1)
            if indices.dtype.kind not in "iu":
                raise InvalidArgumentError(f"frames are indexed by whole numbers, not {indices.dtype} ({key!r})")
        wanted = [self._checked(int(i), n) for i in indices]
        if not wanted:
            raise InvalidArgumentError(f"{key!r} selects no frame of {self.name}")
        # In file order, once each: a media file is then decoded in one forward pass.
        read = {i: self._backend.frame(i) for i in sorted(set(wanted))}
        return np.stack([read[i] for i in wanted])

    def _checked(self, index: int, n: int) -> int:
        position = index + n if index < 0 else index
        if not 0 <= position < n:
            raise IndexError(f"frame {index} of {self.name}, which has {n} frames")
        return position

    def close(self) -> None:
        """Close the video file."""
        self._backend.close()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
