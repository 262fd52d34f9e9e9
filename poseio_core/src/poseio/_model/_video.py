"""Videos and tracks: what a pose was measured on and which animal it belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

if TYPE_CHECKING:
    from poseio._frames import FrameReader


def _optional_shape(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(v) for v in value)


def _optional_timestamps(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(value, dtype=np.float64)


@attrs.define(eq=False)
class Video:
    """A video (or image sequence) whose frames were labelled or tracked.

    Videos compare by identity; `matches` compares content.

    Attributes:
        filename: Path or URL of the video, as the source recorded it.
        shape: ``(n_frames, height, width, channels)`` where known; parts may be 0
            when unknown.
        fps: Frames per second, where known.
        timestamps: The time in seconds of every frame (``timestamps[i]`` is frame
            ``i``), where known; NaN for a frame whose time is unknown. Readers
            fill it with the seconds the file gave, and writers store those.
        metadata: Anything else a format recorded about the video (for example an
            NWB object path or a device name), kept so that it round-trips.
    """

    filename: str = attrs.field(converter=str)
    shape: tuple[int, ...] | None = attrs.field(default=None, converter=_optional_shape)
    fps: float | None = attrs.field(default=None, converter=attrs.converters.optional(float))
    timestamps: np.ndarray | None = attrs.field(default=None, converter=_optional_timestamps)
    metadata: dict[str, Any] = attrs.field(factory=dict)
    # The pose file that named this video (set by poseio.load): its folder bounds what is opened.
    _pose_file: Path | None = attrs.field(default=None, init=False, repr=False)
    # Named by a pose file read from a URL or a file object: nothing on this machine is its folder.
    _named_remotely: bool = attrs.field(default=False, init=False, repr=False)
    # The URL of that pose file, when it was loaded from one: the images the file holds are read there.
    _pose_url: str | None = attrs.field(default=None, init=False, repr=False)
    _frames: Any = attrs.field(default=None, init=False, repr=False)

    def matches(self, other: Video) -> bool:
        """Whether two videos refer to the same file."""
        return self.filename == other.filename

    def open(self, *, allow_external: bool = False) -> FrameReader:
        """A reader of this video's frames (close it, or use ``with``); see `__getitem__`.

        Args:
            allow_external: Open the video even when it lies outside the folder of
                the pose file that named it (by default such a video is refused, as
                every path a file names is).
        """
        from poseio._frames import open_frames

        return open_frames(self, allow_external=allow_external)

    def __getitem__(self, key: Any) -> np.ndarray:
        """Frame ``key`` as a ``(height, width, channels)`` uint8 array; a list or slice gives ``(n, ...)``.

        Frame ``i`` is the ``i``-th frame in presentation order, the one a full
        decode yields at position ``i``, on any codec or container. The file is
        opened on first use and kept open (`close` closes it).
        """
        if self._frames is None:
            self._frames = self.open()
        return self._frames[key]

    def __len__(self) -> int:
        """The number of frames: the shape's when known, else the file's."""
        if self.shape and self.shape[0]:
            return int(self.shape[0])
        if self._frames is None:
            self._frames = self.open()
        return len(self._frames)

    def __bool__(self) -> bool:
        # A video is something, whatever its length: `if video:` must never open a file.
        return True

    def close(self) -> None:
        """Close the file `__getitem__` opened, if any (a pickled copy leaves it out, and reopens it)."""
        if self._frames is not None:
            self._frames.close()
            self._frames = None

    def __getstate__(self) -> dict[str, Any]:
        # An open reader holds a decoder and a file handle, which do not pickle: a copy sent to another
        # process (multiprocessing, Dask) reopens the video on its first frame read, with the same rules.
        state = {field.name: getattr(self, field.name) for field in attrs.fields(type(self))}
        state["_frames"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"Video(filename={self.filename!r}, shape={self.shape}, fps={self.fps})"


@attrs.define(eq=False)
class Track:
    """The identity of one animal across frames. Tracks compare by identity."""

    name: str = attrs.field(converter=str)
