"""What a PoseTraining said of its frames and instances, kept so that writing it again says the same.

Labels hold poses; the NWB names of TrainingFrames and SkeletonInstances, the
instances' ``id``, and the coordinates a file stores for nodes it marks not
visible have no place there. The reader records them in
``labels.provenance["nwb_training_frames"]``, one record per frame::

    [video filename, frame index, frame name, [[instance name, id, track, hidden], ...]]

where the instances are in the order the reader gave them (their order in the
Labels), ``track`` is the track's name or ``None``, and ``hidden`` is
``{node name: coordinates}`` or ``None``. The writer uses a frame's record when
it writes the same frame with as many instances; an instance's entry applies to
the instance in the same position of that frame when its track is the same.
An edited frame falls back to poseio's own names rather than misnaming an
instance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from poseio import Video

#: The provenance key of the records.
RECORDS_KEY = "nwb_training_frames"


class TrainingFrameRecords:
    """Collects the records of one read (see the module docstring)."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, int, int, list[tuple[str, int | None, int, Any]]]] = []

    def add(self, name: str, video: int, frame_idx: int, rows: list[tuple], kept: list[tuple]) -> None:
        """One frame: its name, video index, frame index, its instances' table rows and (name, id, hidden)."""
        instances = [(n, i, row[3], hidden) for row, (n, i, hidden) in zip(rows, kept)]
        self.frames.append((name, video, frame_idx, instances))

    def finish(self, videos: list[Video], tracks: list[str]) -> list[list]:
        """The records, with videos and tracks given by name."""
        return [
            [
                videos[video].filename,
                frame_idx,
                name,
                [[n, i, None if t < 0 else tracks[t], hidden] for n, i, t, hidden in instances],
            ]
            for name, video, frame_idx, instances in self.frames
        ]


def frame_records(labels_provenance: dict[str, Any]) -> dict[tuple[str, int], list]:
    """``{(video filename, frame index): record}`` of the records in a Labels' provenance."""
    return {(r[0], int(r[1])): r for r in labels_provenance.get(RECORDS_KEY) or []}


def id_value(value: int) -> np.unsignedinteger:
    """An instance id as the smallest unsigned integer type that holds it (ndx-pose's is uint8)."""
    for kind in (np.uint8, np.uint16, np.uint32, np.uint64):
        if value <= np.iinfo(kind).max:
            return kind(value)
    raise ValueError(f"instance id {value} is too large")
