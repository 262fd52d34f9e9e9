"""Turning a series' times (seconds) into video frame indices, and keeping those seconds.

Frame indices come from a clock (`choose_clock`); the seconds each frame had in
the file are kept on the Video (`frame_seconds`), so that writing the Labels
back stores the same float64 values without being told a rate.
"""

from __future__ import annotations

import attrs
import numpy as np
from poseio._video import Video

#: The source of a clock taken from the series' own ``starting_time`` + ``rate``.
SERIES_RATE = "series rate"


@attrs.frozen
class FrameClock:
    """How times map to frame indices for one video.

    Attributes:
        source: How the clock was found, recorded in the Labels' provenance.
        rate: Frames per second, when the mapping is by rate.
        start: Time of frame 0, in seconds.
        timestamps: The time of every frame, when the mapping is by lookup.
    """

    source: str
    rate: float | None = None
    start: float = 0.0
    timestamps: np.ndarray | None = None

    def frame_indices(self, times: np.ndarray) -> np.ndarray:
        """The nearest frame index of every time.

        Raises:
            ValueError: A time lies too far from the clock's start for a frame number.
        """
        times = np.asarray(times, dtype=np.float64)
        if self.timestamps is not None and len(self.timestamps):
            stamps = self.timestamps
            right = (
                np.clip(np.searchsorted(stamps, times), 1, len(stamps) - 1)
                if len(stamps) > 1
                else np.zeros(len(times), dtype=np.int64)
            )
            if len(stamps) == 1:
                return right.astype(np.int64)
            left = right - 1
            nearer_left = np.abs(times - stamps[left]) <= np.abs(stamps[right] - times)
            return np.where(nearer_left, left, right).astype(np.int64)
        with np.errstate(over="ignore", invalid="ignore"):
            frames = np.rint((times - self.start) * self.rate)
        # Beyond 2**53 a float no longer holds every whole number, and int64 casts wrap silently.
        if len(frames) and not np.all(np.abs(frames) < 2**53):
            raise ValueError(f"times up to {np.max(np.abs(times))} s do not give frame numbers on this clock")
        return frames.astype(np.int64)


def choose_clock(video: Video, series_rates: list[tuple[float, float]], all_times: list[np.ndarray]) -> FrameClock:
    """The best available frame clock for one video's series.

    In order: the video's own frame timestamps; the video's rate and start; the
    rate of a series that uses ``starting_time`` + ``rate`` (its start is a time,
    not frame 0, so frame 0 is at time 0); and last, the spacing of the
    timestamps themselves, which is an inference and says so.
    """
    if video.timestamps is not None and len(video.timestamps):
        return FrameClock("video timestamps", timestamps=video.timestamps)
    if video.fps:
        return FrameClock("video rate", rate=video.fps, start=float(video.metadata.get("starting_time") or 0.0))
    rates = [r for _, r in series_rates if r and r > 0]
    if rates:
        return FrameClock(SERIES_RATE, rate=max(rates))
    stamps = np.unique(np.concatenate(all_times)) if all_times else np.empty(0)
    steps = np.diff(stamps)
    steps = steps[steps > 0]
    if len(steps):
        step = float(np.min(steps))
        return FrameClock(f"inferred from timestamp spacing ({1 / step:g} Hz)", rate=1 / step)
    return FrameClock(
        "unknown: one sample per series, taken as frame 0", rate=1.0, start=float(stamps[0]) if len(stamps) else 0.0
    )


def frame_seconds(clock: FrameClock, video: Video, rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, int]:
    """The time in seconds of every frame ``0 .. last``, as the file recorded it.

    A frame that has poses gets the time of its rows, exactly. The other frames
    get the video's own timestamps, else the rate clock's time, else NaN
    (unknown: an irregular clock says nothing of frames it never mentions).

    Args:
        clock: The clock that numbered the frames.
        video: The video, whose own timestamps fill frames without poses.
        rows: ``(frame indices, seconds)`` of each series' rows.

    Returns:
        The seconds, and how many rows had a time other than the first row of
        their frame (nodes timed apart within one frame), which keep that
        first time.
    """
    last = max((int(frames.max()) for frames, _ in rows if len(frames)), default=-1)
    last = max(last, len(video.timestamps) - 1 if video.timestamps is not None else -1)
    seconds = np.full(last + 1, np.nan)
    if clock.timestamps is not None:
        seconds[: len(clock.timestamps)] = clock.timestamps
    elif clock.rate:
        seconds[:] = clock.start + np.arange(last + 1) / clock.rate
    taken = np.zeros(last + 1, dtype=bool)
    disagree = 0
    for frames, times in rows:
        first = ~taken[frames]
        disagree += int(np.count_nonzero(~first & (seconds[frames] != times)))
        seconds[frames[first]] = times[first]
        taken[frames] = True
    return seconds, disagree
