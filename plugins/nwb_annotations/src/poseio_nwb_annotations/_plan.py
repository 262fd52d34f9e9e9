"""What to write for PoseTraining, decided once for both ways of writing it.

Track identity, which ndx-pose's SkeletonInstance has no field for, is kept in
the instance's name: ``track=<name>`` (``track=<name>#2`` for a second instance
of one track in a frame, ``/``, ``#`` and ``%`` in the name percent-encoded; see
`poseio_nwb.escape_track`); untracked instances are ``instance_<j>``. The
SkeletonInstance ``id`` is the instance's position in its frame.
"""

from __future__ import annotations

import attrs
import numpy as np
from poseio import Labels
from poseio_nwb import escape_track, repeated
from poseio_nwb.writing import video_label

from poseio_nwb_annotations._read import TRACK_PREFIX, instance_track
from poseio_nwb_annotations._records import frame_records


@attrs.frozen
class InstancePlan:
    """One SkeletonInstance to write."""

    name: str
    id: int
    skeleton: int
    locations: np.ndarray
    visibility: np.ndarray


@attrs.frozen
class FramePlan:
    """One TrainingFrame to write."""

    name: str
    video: int
    frame_idx: int
    annotator: str | None
    instances: tuple[InstancePlan, ...]


def plan_frames(labels: Labels, annotator: str | None = None) -> list[FramePlan]:
    """One FramePlan per labelled frame holding user instances, in video and frame order.

    The annotator of each frame comes from ``labels.provenance["annotators"]``
    (as the reader records it), else from ``annotator``.
    """
    table = labels.to_table()
    table = (table.take(~table.predicted) if table.predicted.any() else table).sorted()
    known = {(v, int(i)): a for v, i, a in labels.provenance.get("annotators", [])}
    labels_of_videos = {}
    for i, video in enumerate(labels.videos):
        label = video_label(video.filename, i)
        while label in labels_of_videos.values():
            label = f"{label}_{i}"
        labels_of_videos[i] = label
    frames: list[FramePlan] = []
    if len(table) == 0:
        return frames
    new_frame = np.ones(len(table), dtype=bool)
    new_frame[1:] = (np.diff(table.video) != 0) | (np.diff(table.frame_idx) != 0)
    starts = np.flatnonzero(new_frame)
    stops = np.append(starts[1:], len(table))
    visible_all = np.isfinite(table.points[..., :2]).all(axis=2)
    records = frame_records(labels.provenance)
    for start, stop in zip(starts.tolist(), stops.tolist()):
        video = int(table.video[start])
        frame_idx = int(table.frame_idx[start])
        filename = labels.videos[video].filename
        record = records.get((filename, frame_idx))
        # A frame with as many instances as when it was read keeps their names; an edited one
        # (an instance added or removed) gets poseio's, so that no instance takes another's.
        kept = record[3] if record is not None and len(record[3]) == stop - start else []
        instances, defaults = [], []
        seen: dict[str, int] = {}
        for j, row in enumerate(range(start, stop)):
            skeleton = int(table.skeleton[row])
            n_nodes = len(labels.skeletons[skeleton])
            track = int(table.track[row])
            if track < 0:
                name = f"instance_{j}"
            else:
                base = TRACK_PREFIX + escape_track(labels.tracks[track].name)
                seen[base] = seen.get(base, 0) + 1
                name = repeated(base, seen[base])
            defaults.append(name)
            locations, visibility = table.points[row, :n_nodes], visible_all[row, :n_nodes]
            instance_id = j
            was = kept[j] if j < len(kept) else None
            if was is not None and was[2] == (None if track < 0 else labels.tracks[track].name):
                # The instance read from this place of this frame: its name, id and hidden points.
                taken = {i.name for i in instances}
                if was[0] not in taken and (track < 0 or instance_track(was[0]) in (None, labels.tracks[track].name)):
                    name = was[0]
                instance_id = was[1] if was[1] is not None else j
                locations = _with_hidden(locations, visibility, was[3], labels.skeletons[skeleton].node_names)
            instances.append(InstancePlan(name, instance_id, skeleton, locations, visibility))
        if len({i.name for i in instances}) < len(instances):  # a kept name equals a made one
            instances = [attrs.evolve(i, name=name) for i, name in zip(instances, defaults)]
        frames.append(
            FramePlan(
                record[2] if record is not None else f"{labels_of_videos[video]}_frame_{frame_idx}",
                video,
                frame_idx,
                known.get((filename, frame_idx), annotator),
                tuple(instances),
            )
        )
    return frames


def _with_hidden(
    locations: np.ndarray, visibility: np.ndarray, hidden: dict[str, list[float]] | None, node_names: list[str]
) -> np.ndarray:
    """The locations with the coordinates a file stored for nodes it marked not visible put back."""
    if not hidden:
        return locations
    locations = locations.copy()
    for node, coordinates in hidden.items():
        if node in node_names:
            i = node_names.index(node)
            if not visibility[i] and len(coordinates) <= locations.shape[1]:
                locations[i, : len(coordinates)] = coordinates
    return locations
