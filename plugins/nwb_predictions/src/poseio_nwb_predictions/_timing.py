"""Turning a series' times (seconds) into video frame indices, and keeping those seconds.

Frame indices come from a clock (`choose_clock`); the seconds each frame had in
the file are kept on the Video (`frame_seconds`), so that writing the Labels
back stores the same float64 values without being told a rate.
"""

from __future__ import annotations

import attrs
import numpy as np
from poseio import Video

#: The source of a clock taken from the series' own ``starting_time`` + ``rate``.
SERIES_RATE = "series rate"
#: The source of a clock whose times are frame indices (sleap-io's rate 1.0, dlc2nwb's timestamps).
FRAME_INDICES = "frame indices stored as seconds"
#: The source of a clock made of the poses' own distinct times.
POSE_TIMES = "the poses' own times"


@attrs.frozen
class FrameClock:
    """How times map to frame indices for one video.

    Attributes:
        source: How the clock was found, recorded in the Labels' provenance.
        rate: Frames per second, when the mapping is by rate.
        start: Time of frame 0, in seconds.
        timestamps: The time of every frame, when the mapping is by lookup.
        declared: The rate is regular and the video may take it as its frame
            rate, so that frames a user adds later are timed by it.
    """

    source: str
    rate: float | None = None
    start: float = 0.0
    timestamps: np.ndarray | None = None
    declared: bool = False

    def frame_indices(self, times: np.ndarray) -> np.ndarray:
        """The nearest frame index of every time.

        Raises:
            ValueError: A time lies too far from the clock's start for a frame number.
        """
        times = np.asarray(times, dtype=np.float64)
        if not len(times):
            return np.empty(0, dtype=np.int64)
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

    In order:

    1. the video's own frame timestamps;
    2. the video's rate and start;
    3. frame indices stored as seconds (every time a whole number, and any
       series rate 1.0, as sleap-io and dlc2nwb write them): frame = time;
    4. the rate of the series that use ``starting_time`` + ``rate``, with
       frame 0 at the first pose;
    5. the poses' own distinct times, frame *i* at the *i*-th of them.

    Without a video clock, frames are therefore never invented (no empty frames
    between irregular times) and none lie before the first pose, whatever the
    offset of the series in the session.

    Args:
        video: The video whose frames are numbered.
        series_rates: ``(starting_time, rate)`` of each series timed by rate.
        all_times: The distinct time arrays of the video's series.
    """
    if video.timestamps is not None and len(video.timestamps):
        return FrameClock("video timestamps", timestamps=video.timestamps)
    if video.fps:
        return FrameClock("video rate", rate=video.fps, start=float(video.metadata.get("starting_time") or 0.0))
    stamps = np.unique(np.concatenate(all_times)) if all_times else np.empty(0)
    rates = [r for _, r in series_rates if r and r > 0]
    if len(stamps) and stamps[0] >= 0 and np.all(stamps == np.rint(stamps)) and set(rates) <= {1.0}:
        return FrameClock(FRAME_INDICES, rate=1.0, declared=bool(rates))
    if rates:
        return FrameClock(SERIES_RATE, rate=max(rates), start=float(stamps[0]) if len(stamps) else 0.0, declared=True)
    if len(stamps) > 1:
        steps = np.diff(stamps)
        regular = steps.max() - steps.min() <= 1e-6 * steps.min()
        # Ten significant digits: 1 / (1/30) is 30.000000000000007 in floating point.
        rate = float(f"{(len(stamps) - 1) / (stamps[-1] - stamps[0]):.10g}") if regular else None
        source = f"{POSE_TIMES} (regular, {rate:g} Hz)" if regular else f"{POSE_TIMES} (irregular)"
        return FrameClock(source, rate=rate, timestamps=stamps, declared=regular)
    return FrameClock(f"{POSE_TIMES} (one time)", timestamps=stamps)


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
