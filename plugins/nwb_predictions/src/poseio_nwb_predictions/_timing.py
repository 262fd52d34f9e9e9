"""Turning a series' times (seconds) into video frame indices, and keeping those seconds.

Frame indices come from a clock (`choose_clock`); the seconds each frame had in
the file are kept on the Video (`frame_seconds`), so that writing the Labels
back stores the same float64 values without being told a rate.
"""

from __future__ import annotations

import attrs
import numpy as np
from poseio import InvalidLabelsError, Video

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
            if len(times) == len(stamps) and np.array_equal(times, stamps):
                return np.arange(len(times), dtype=np.int64)  # a series timed by the clock itself (the usual case)
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
    stamps = _distinct_times(all_times)
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


def _distinct_times(all_times: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct times of the series; quick when they share one increasing array (one per animal, say)."""
    if not all_times:
        return np.empty(0)
    first = np.asarray(all_times[0], dtype=np.float64)
    same = all(np.array_equal(first, times) for times in all_times[1:])
    if same and (len(first) < 2 or bool((first[1:] > first[:-1]).all())):  # NaN fails the test: sorted below
        return first.copy()
    return np.unique(np.concatenate(all_times))


def frame_seconds(clock: FrameClock, video: Video, rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, int]:
    """The time in seconds of every frame ``0 .. last``, as the file recorded it.

    A frame that has poses gets the time of its rows, exactly. The other frames
    get the video's own timestamps, else the rate clock's time, else NaN
    (unknown: an irregular clock says nothing of frames it never mentions).

    Args:
        clock: The clock that numbered the frames.
        video: The video, whose own timestamps fill frames without poses.
        rows: ``(frame indices, seconds)`` of each series' rows; NaN seconds
            (a series read with rate 0.0) time no frame.

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
        timed = ~np.isnan(times)
        if not timed.all():
            # A series read with rate 0.0 times its first sample only: the frames its other samples
            # were placed on keep the clock's time (or NaN), which is not theirs.
            frames, times = frames[timed], times[timed]
        first = ~taken[frames]
        disagree += int(np.count_nonzero(~first & (seconds[frames] != times)))
        seconds[frames[first]] = times[first]
        taken[frames] = True
    return seconds, disagree


# --- Series that know the time of their first sample only ---------------------------------------

#: ``labels.provenance`` key listing the series read with the time of their first sample only.
UNTIMED_KEY = "untimed_series"


def first_time_only(timing_key: object, n: int) -> bool:
    """Whether a series timed by ``starting_time`` with rate 0.0 holds several samples.

    sleap-io 0.9.5 writes a series' rate as ``float(int(1 / period))``, so
    samples evenly spaced more than one second apart (frame indices stored as
    seconds: more than one frame apart) get rate 0.0. The first sample's time
    is ``starting_time``; the others' is unknown, and no rate can be guessed
    from the file without inventing times. ``timing_key`` is the reader's
    ``("rate", starting_time, rate attribute, n)`` for such series.
    """
    if n < 2 or not (isinstance(timing_key, tuple) and timing_key[0] == "rate" and timing_key[2] is not None):
        return False
    rate = np.asarray(timing_key[2], dtype=np.float64).reshape(-1)
    # A non-finite starting_time stays refused by the common rules, with their message.
    return rate.size == 1 and rate[0] == 0.0 and bool(np.isfinite(timing_key[1]))


def placed_frames(clock: FrameClock, start: float, n: int, timed: np.ndarray | None = None) -> np.ndarray:
    """The frames a series with rate 0.0 is placed on: its first sample's frame, then the next free ones.

    Only the first sample's frame comes from a time. The others follow it in
    the file's order on the next frames that hold no pose of the same animal
    with a known time (``timed``), so that no two samples share a frame, none
    is dropped, and no pose joins a point of unknown time to points of known
    time (see "Clock rules" in docs/formats/nwb-predictions.md).

    Args:
        clock: The video's clock, which gives the first sample's frame.
        start: The first sample's time (``starting_time``).
        n: The number of samples.
        timed: The frames of the animal's series that have times.
    """
    first = clock.frame_indices(np.array([start]))[0]
    later = np.asarray(timed if timed is not None else (), dtype=np.int64)
    later = np.unique(later[later > first])
    # At most len(later) of these candidates are taken: n - 1 remain free.
    candidates = np.arange(first + 1, first + n + len(later), dtype=np.int64)
    free = candidates[~np.isin(candidates, later)][: n - 1]
    return np.concatenate([[first], free]).astype(np.int64)


@attrs.frozen
class UntimedRows:
    """How a container's rows are written when some of its series were read with rate 0.0.

    Attributes:
        on_clock: For each row, whether it is timed by the video's clock:
            rows outside every placed block, and rows where a series with
            times has a visible point.
        samples: Node index -> (``starting_time``, for each sample the row
            holding it, or -1 where the labels have no pose there).
    """

    on_clock: np.ndarray
    samples: dict[int, tuple[float, np.ndarray]]


def untimed_entries(provenance: dict, *, video: str, skeleton: str | None, track: str | None) -> list[dict]:
    """The `UNTIMED_KEY` entries of one (video, skeleton, track)."""
    return [
        e
        for e in provenance.get(UNTIMED_KEY) or ()
        if isinstance(e, dict) and (e.get("video"), e.get("skeleton"), e.get("track")) == (video, skeleton, track)
    ]


def untimed_rows(
    entries: list[dict], node_names: list[str], frames: np.ndarray, points: np.ndarray
) -> UntimedRows | None:
    """Which rows of one container are placed samples of a rate-0.0 series, or ``None`` when none are.

    Args:
        entries: The container's `UNTIMED_KEY` entries (`untimed_entries`).
        node_names: The skeleton's nodes, in the order of ``points``' node axis.
        frames: The frame index of each row, increasing.
        points: ``(rows, nodes, D)``.

    Raises:
        InvalidLabelsError: A node of such a series is visible outside the
            frames its samples were placed on: one NWB series cannot hold both.
    """
    visible = np.isfinite(points[:, :, 0]) & np.isfinite(points[:, :, 1])
    placed = np.zeros(len(frames), dtype=bool)
    samples: dict[int, tuple[float, np.ndarray]] = {}
    for entry in entries:
        node = node_names.index(entry["node"]) if entry.get("node") in node_names else None
        if node is None:
            continue
        wanted = np.asarray(entry["frames"], dtype=np.int64)
        n, first, last = len(wanted), int(wanted[0]), int(wanted[-1])
        rows = np.full(n, -1)
        if len(frames):
            at = np.minimum(np.searchsorted(frames, wanted), len(frames) - 1)
            rows = np.where(frames[at] == wanted, at, -1)
        inside = np.zeros(len(frames), dtype=bool)
        inside[rows[rows >= 0]] = True
        if not visible[inside, node].any():
            continue  # the labels no longer hold these samples: nothing to keep apart
        outside = np.flatnonzero(visible[:, node] & ~inside)
        if len(outside):
            listed = ", ".join(str(int(f)) for f in frames[outside][:5]) + (" ..." if len(outside) > 5 else "")
            raise InvalidLabelsError(
                f"node {entry['node']!r} of track {entry.get('track')!r} in video {entry['video']!r} was read from "
                f"the NWB series {entry['series']}, whose rate of 0.0 gives a time to its first sample only "
                f"({entry['starting_time']} s); its {n} samples were placed on frames {first} to {last}, but "
                f"these labels also have that node at frames {listed}, which one NWB series with that clock cannot "
                "hold. Keep the node's poses within those frames, or remove "
                f"labels.provenance[{UNTIMED_KEY!r}] to time every frame by the video's clock instead"
            )
        placed |= inside
        samples[node] = (float(entry["starting_time"]), rows)
    if not samples:
        return None
    timed_nodes = [i for i in range(len(node_names)) if i not in samples]
    on_clock = ~placed | visible[:, timed_nodes].any(axis=1)
    return UntimedRows(on_clock, samples)
