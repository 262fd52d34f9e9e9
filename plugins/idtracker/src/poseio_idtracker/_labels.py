"""idtracker.ai's trajectories as Labels: one track per animal, one ``centroid`` node, one row per seen animal."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import poseio

from poseio_idtracker._sniff import FORMAT

#: The one node: idtracker.ai tracks each animal's centroid (its blob's centre of mass).
CENTROID = "centroid"


def fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return poseio.ReadError(f"{probe.name}: not a readable {FORMAT} file: {problem}", path=probe.path)


def frame_rate(value: Any) -> float | None:
    """``frames_per_second`` as written (a positive number), else ``None``."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    rate = float(value)
    return rate if math.isfinite(rate) and rate > 0 else None


def track_names(n_animals: int, labels: Any) -> list[str]:
    """``identities_labels`` when it gives one distinct name per animal, else ``identity_1``, ``identity_2``, ..."""
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if isinstance(labels, (list, tuple)) and len(labels) == n_animals:
        names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in labels]
        if len(set(names)) == n_animals and all(names):
            return names
    return [f"identity_{k}" for k in range(1, n_animals + 1)]


def build(
    probe: poseio.Probe,
    trajectories: np.ndarray,
    *,
    id_probabilities: np.ndarray | None,
    fps: float | None,
    video: str,
    tracks: list[str],
    details: dict[str, Any],
) -> poseio.Labels:
    """Labels of ``trajectories`` (frames, animals, 2), NaN where an animal was not seen.

    ``id_probabilities`` (frames, animals), when given, is each identity's
    probability; it is the instances' tracking score (how sure the identity is).
    """
    n_frames, n_animals = trajectories.shape[:2]
    seen = np.isfinite(trajectories).all(axis=-1)  # a half-known position is no position
    frames, animals = np.nonzero(seen)
    points = trajectories[frames, animals].astype(np.float64).reshape(-1, 1, 2)
    tracking = np.full(len(frames), np.nan)
    if id_probabilities is not None:
        if id_probabilities.shape != (n_frames, n_animals):
            raise fail(
                probe,
                f"id_probabilities is {id_probabilities.shape}, not one per frame and animal ({n_frames}, {n_animals})",
            )
        tracking = id_probabilities[frames, animals].astype(np.float64)
    table = poseio.PoseTable.build(
        points,
        video=0,
        frame_idx=frames,
        skeleton=0,
        track=animals,
        predicted=True,
        tracking_score=tracking,
    )
    return poseio.Labels.from_table(
        table,
        videos=[poseio.Video(video, shape=(n_frames, 0, 0, 0), fps=fps)],
        skeletons=[poseio.Skeleton([CENTROID], name="idtracker.ai")],
        tracks=[poseio.Track(name) for name in tracks],
        provenance={FORMAT: details},
    )
