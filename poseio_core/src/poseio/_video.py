"""Videos and tracks: what a pose was measured on and which animal it belongs to."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np


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

    def matches(self, other: Video) -> bool:
        """Whether two videos refer to the same file."""
        return self.filename == other.filename

    def __repr__(self) -> str:
        return f"Video(filename={self.filename!r}, shape={self.shape}, fps={self.fps})"


@attrs.define(eq=False)
class Track:
    """The identity of one animal across frames. Tracks compare by identity."""

    name: str = attrs.field(converter=str)
