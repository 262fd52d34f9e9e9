"""What an append adds: the instances of some Labels that a file does not hold already.

``poseio.append(labels, path)`` run twice with the same labels once doubled
every instance, and the file then could not be saved again (two predictions on
one track in one frame). An append now compares the labels with what the file
holds: an instance the file has already (same video, frame, track, kind and
points) is not added again, and an instance that would sit on a track in a
frame where the file holds a different instance of the same kind is a conflict,
refused before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from poseio._errors import InvalidLabelsError
from poseio._model._labels import Labels
from poseio._model._table import NO_TRACK

#: Points written as float32 by some formats come back within this of the float64 given.
_RELATIVE_TOLERANCE = 1e-6


def _keys(labels: Labels) -> list[tuple[str, int, str | None, bool, tuple[str, ...]]]:
    """Per table row: (video file, frame, track name or None, predicted, the skeleton's node names)."""
    table = labels.to_table()
    return [
        (
            labels.videos[v].filename,
            int(f),
            labels.tracks[t].name if t != NO_TRACK else None,
            bool(p),
            tuple(labels.skeletons[s].node_names),
        )
        for v, f, t, p, s in zip(table.video, table.frame_idx, table.track, table.predicted, table.skeleton)
    ]


def _same_points(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=_RELATIVE_TOLERANCE, atol=0.0, equal_nan=True))


def new_instances(labels: Labels, held: Labels, path: Path) -> Labels | None:
    """``labels`` less the instances ``held`` (the file's contents) has already; ``None`` when nothing is new.

    Raises:
        InvalidLabelsError: An instance would go on a track, in a frame, where
            the file already holds a different instance of the same kind.
    """
    held_table = held.to_table()
    held_points: dict[tuple, list[np.ndarray]] = defaultdict(list)
    for row, key in enumerate(_keys(held)):
        held_points[key].append(held_table.points[row, : len(key[4])])
    table = labels.to_table()
    keep = []
    conflicts = []
    for row, key in enumerate(_keys(labels)):
        points = table.points[row, : len(key[4])]
        known = held_points.get(key, [])
        if any(_same_points(points, other) for other in known):
            continue
        if known and key[2] is not None:
            conflicts.append(key)
        keep.append(row)
    if conflicts:
        video, frame, track, predicted, _ = conflicts[0]
        kind = "prediction" if predicted else "user instance"
        raise InvalidLabelsError(
            f"{path}: frame {frame} of {video} already holds a different {kind} on track {track!r}"
            + (f" (and {len(conflicts) - 1} more such instances)" if len(conflicts) > 1 else "")
            + ". Nothing was written: save the merged labels with poseio.save, or give the new instances "
            "their own track"
        )
    if len(keep) == len(table):
        return labels
    if not keep:
        return None
    return Labels.from_table(
        table.take(np.asarray(keep, dtype=np.int64)),
        videos=labels.videos,
        skeletons=labels.skeletons,
        tracks=labels.tracks,
        provenance=dict(labels.provenance),
    )
