"""Reading idtracker.ai's tidy CSV export (``trajectories_tidy/trajectories_tidy.csv``).

idtracker.ai 6.0.14's ``idtrackerai_format --formats csv_tidy`` writes one row
per frame and animal, ``frame,time,individual,x,y,probability`` (animals
numbered from 0, ``nan`` where one was not seen; 3 decimals, the probability
as ``%.3e``), and ``attributes_tidy.json`` beside it (the dictionary's other
entries). The rows are laid back into idtracker.ai's (frames, animals, 2)
array; the rest is read as the wide CSV export is (`_read_csv`).
"""

from __future__ import annotations

import numpy as np
import poseio
from poseio.csv import MAX_FRAME, read_block, source_of
from poseio.limits import check_allocation

from poseio_idtracker._labels import fail

#: Bytes per frame and animal of the arrays laid out: x, y, probability and the frame's time, float64.
_BYTES_PER_SLOT = 4 * 8


def _whole(probe: poseio.Probe, values: np.ndarray, column: str) -> np.ndarray:
    """A column of frame or animal numbers as int64: whole, not negative."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0) | (values > MAX_FRAME)
    if bad.any():
        row = int(np.argmax(bad))
        raise fail(probe, f"line {row + 2} has {values[row].item()!r} as its {column}, not a whole number from 0")
    return values.astype(np.int64)


def parse_tidy(probe: poseio.Probe) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tidy rows as trajectories (frames, animals, 2), probabilities (frames, animals) and each frame's time.

    Raises:
        ReadError: A frame or animal number that is not a whole number from 0, or an animal twice in a frame.
        UnsafeFileError: The arrays the numbers declare would exceed the load's memory budget.
    """
    block, _ = read_block(source_of(probe), skip=1, width=6, name=probe.name, index_columns=0)
    frames = _whole(probe, block[:, 0], "frame")
    animals = _whole(probe, block[:, 2], "individual")
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    n_animals = int(animals.max()) + 1 if len(animals) else 0
    # The largest numbers declare the arrays: a file of two rows can name frame 10**12.
    check_allocation(n_frames * n_animals * _BYTES_PER_SLOT, f"{n_frames} frames of {n_animals} animals", probe.name)
    slots = frames * n_animals + animals
    if len(np.unique(slots)) != len(slots):
        raise fail(probe, "an animal has two rows in one frame")
    trajectories = np.full((n_frames * n_animals, 2), np.nan)
    trajectories[slots] = block[:, 3:5]
    probabilities = np.full(n_frames * n_animals, np.nan)
    probabilities[slots] = block[:, 5]
    times = np.full(n_frames, np.nan)
    times[frames] = block[:, 1]
    return trajectories.reshape(n_frames, n_animals, 2), probabilities.reshape(n_frames, n_animals), times
