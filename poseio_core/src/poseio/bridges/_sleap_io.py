"""Labels to and from sleap-io's `sleap_io.Labels`.

sleap-io (https://io.sleap.ai) keeps one Python object per instance, as SLEAP
does, so both directions loop over instances; everything else (videos,
skeletons, tracks) maps one to one. sleap_io is imported only when a function runs.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from poseio._errors import InvalidArgumentError, InvalidLabelsError
from poseio._model._labels import Labels
from poseio._model._skeleton import Skeleton
from poseio._model._table import NO_TRACK, PoseTable
from poseio._model._video import Track, Video
from poseio.bridges._common import check_labels, frame_starts, known_fps, require

if TYPE_CHECKING:
    import sleap_io

#: Where a poseio Video keeps what only SLEAP knows (as poseio's SLEAP reader stores it).
SLEAP_KEY = "sleap"


def to_sleap_io(labels: Labels, *, open_videos: bool = False) -> sleap_io.Labels:
    """The labels as a sleap-io `Labels`, with the same videos, skeletons, tracks and instances.

    User instances become `sleap_io.Instance`, predictions
    `sleap_io.PredictedInstance` with their score, point scores and tracking
    score; a NaN point is an invisible one. Skeletons keep their nodes, edges,
    symmetries and name; videos their filename, shape and frame rate (in
    ``backend_metadata``), and the frames SLEAP suggested labelling (as poseio's
    SLEAP reader records them). A video whose frames are images numbered
    ``0 .. n-1`` (``video.metadata["images"]``) becomes an image-list video.

    Args:
        labels: The labels.
        open_videos: Let sleap-io open each video file that exists (to read its
            frames); by default no file is touched.

    Raises:
        MissingDependencyError: sleap-io is not installed (``pip install "poseio[sleap-io]"``).
        InvalidLabelsError: A pose has a z coordinate: sleap-io instances are 2D.
    """
    sio = require("sleap_io", "sleap-io", "to_sleap_io")
    check_labels(labels, "to_sleap_io")
    table = labels.to_table().sorted()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        raise InvalidLabelsError(
            "these labels hold 3D points, and sleap-io instances are 2D; take the x and y of each point "
            "(for example with Labels.from_numpy(labels.numpy()[..., :2], ...)) to convert them"
        )
    videos = [_sio_video(sio, v, open_videos) for v in labels.videos]
    skeletons = [
        sio.Skeleton(nodes=s.node_names, edges=s.edge_inds, symmetries=s.symmetry_inds, name=s.name)
        for s in labels.skeletons
    ]
    tracks = [sio.Track(name=t.name) for t in labels.tracks]
    n_nodes = np.array([len(s) for s in labels.skeletons], dtype=np.int64)

    frames = []
    starts = frame_starts(table)
    stops = np.append(starts[1:], len(table))
    # Python scalars and lists once, not a numpy scalar per attribute per instance.
    video_ids, frame_inds = table.video.tolist(), table.frame_idx.tolist()
    skeleton_ids, track_ids, predicted = table.skeleton.tolist(), table.track.tolist(), table.predicted.tolist()
    scores, tracking_scores = table.score.tolist(), table.tracking_score.tolist()
    points = table.points[..., :2]
    for start, stop in zip(starts.tolist(), stops.tolist()):
        instances = []
        for row in range(start, stop):
            skeleton_id = skeleton_ids[row]
            width = int(n_nodes[skeleton_id])
            track = None if track_ids[row] == NO_TRACK else tracks[track_ids[row]]
            if predicted[row]:
                instances.append(
                    sio.PredictedInstance.from_numpy(
                        points[row, :width],
                        skeleton=skeletons[skeleton_id],
                        point_scores=table.point_scores[row, :width],
                        score=scores[row],
                        track=track,
                        tracking_score=tracking_scores[row],
                    )
                )
            else:
                instances.append(
                    sio.Instance.from_numpy(points[row, :width], skeleton=skeletons[skeleton_id], track=track)
                )
        frames.append(
            sio.LabeledFrame(video=videos[video_ids[start]], frame_idx=frame_inds[start], instances=instances)
        )

    suggestions = [
        sio.SuggestionFrame(video=sio_video, frame_idx=int(frame), metadata={"group": int(group)})
        for video, sio_video in zip(labels.videos, videos)
        for frame, group in (video.metadata.get(SLEAP_KEY) or {}).get("suggestions", [])
    ]
    record = labels.provenance.get(SLEAP_KEY) or {}
    provenance = dict(record.get("provenance") or {}) if isinstance(record.get("provenance"), dict) else {}
    if isinstance(labels.provenance.get("source"), str):
        # sleap-io records the file a Labels was loaded from as "filename".
        provenance["filename"] = labels.provenance["source"]
    return sio.Labels(
        labeled_frames=frames,
        videos=videos,
        skeletons=skeletons,
        tracks=tracks,
        suggestions=suggestions,
        provenance=provenance,
    )


def _sio_video(sio: Any, video: Video, open_videos: bool) -> Any:
    metadata: dict[str, Any] = {}
    if video.shape is not None:
        metadata["shape"] = list(video.shape)
    if video.fps is not None:
        metadata["fps"] = video.fps
    filename: str | list[str] = video.filename
    images = video.metadata.get("images")
    if isinstance(images, dict) and images and sorted(images) == list(range(len(images))):
        # An image-list video of sleap-io numbers its frames by position in the list.
        filename = [str(images[i]) for i in range(len(images))]
    return sio.Video(filename=filename, backend_metadata=metadata, open_backend=open_videos)


def from_sleap_io(sio_labels: sleap_io.Labels) -> Labels:
    """Labels from a sleap-io `Labels`.

    Every `sleap_io.Instance` becomes a user `Instance` and every
    `sleap_io.PredictedInstance` a `PredictedInstance` with its score, point
    scores and tracking score (NaN where sleap-io has ``None``); invisible points
    become NaN. Videos keep their filename (an image-list video: the folder of its
    first image, with ``metadata["images"]`` mapping each frame to its image),
    shape and frame rate; skeletons their nodes, edges, symmetries and name;
    tracks their name; suggested frames are kept as poseio's SLEAP reader keeps
    them. A lazily loaded Labels is materialized first.

    Not kept: a user instance's tracking score, ``from_predicted`` links, the
    points' ``complete`` flags, identities, categories, embeddings, centroids,
    boxes, masks, ROIs, recording sessions, cameras and 3D instances, and negative
    frames (frames marked as holding no animal).

    Raises:
        MissingDependencyError: sleap-io is not installed.
        InvalidArgumentError: ``sio_labels`` is not a `sleap_io.Labels`.
    """
    sio = require("sleap_io", "sleap-io", "from_sleap_io")
    if not isinstance(sio_labels, sio.Labels):
        raise InvalidArgumentError(f"from_sleap_io takes a sleap_io.Labels, not {type(sio_labels).__name__}")
    if sio_labels.is_lazy:
        sio_labels = sio_labels.materialize()

    videos, skeletons, tracks = _Pool(_poseio_video), _Pool(_poseio_skeleton), _Pool(lambda t: Track(t.name))
    for video in sio_labels.videos:
        videos.index(video)
    for skeleton in sio_labels.skeletons:
        skeletons.index(skeleton)
    for track in sio_labels.tracks:
        tracks.index(track)

    rows = [(lf, inst) for lf in sio_labels.labeled_frames for inst in lf.instances]
    n_nodes = max([len(s.nodes) for s in sio_labels.skeletons] + [len(inst.points) for _, inst in rows] + [0])
    points = np.full((len(rows), n_nodes, 2), np.nan)
    point_scores = np.full((len(rows), n_nodes), np.nan)
    columns: dict[str, list] = {k: [] for k in ("video", "frame_idx", "skeleton", "track", "predicted")}
    score, tracking_score = np.full(len(rows), np.nan), np.full(len(rows), np.nan)
    for row, (lf, inst) in enumerate(rows):
        columns["video"].append(videos.index(lf.video))
        columns["frame_idx"].append(lf.frame_idx)
        columns["skeleton"].append(skeletons.index(inst.skeleton))
        columns["track"].append(NO_TRACK if inst.track is None else tracks.index(inst.track))
        is_predicted = isinstance(inst, sio.PredictedInstance)
        columns["predicted"].append(is_predicted)
        width = len(inst.points)
        points[row, :width] = inst.numpy()
        if is_predicted:
            point_scores[row, :width] = inst.points["score"]
            score[row] = _number(inst.score)
            tracking_score[row] = _number(inst.tracking_score)

    for suggestion in sio_labels.suggestions:
        video = videos.items[videos.index(suggestion.video)]
        group = (suggestion.metadata or {}).get("group", 0)
        video.metadata.setdefault(SLEAP_KEY, {}).setdefault("suggestions", []).append(
            (int(suggestion.frame_idx), int(group))
        )
    table = PoseTable(
        points=points, point_scores=point_scores, score=score, tracking_score=tracking_score, **columns
    ).sorted()
    provenance: dict[str, Any] = {SLEAP_KEY: {"provenance": dict(sio_labels.provenance)}}
    if isinstance(sio_labels.provenance.get("filename"), str):
        provenance["source"] = sio_labels.provenance["filename"]
    return Labels.from_table(
        table, videos=videos.items, skeletons=skeletons.items, tracks=tracks.items, provenance=provenance
    )


def _number(value: object) -> float:
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


class _Pool:
    """poseio objects made from sleap-io ones, one per sleap-io object (compared by identity)."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.items: list = []
        self._ids: dict[int, int] = {}

    def index(self, source: object) -> int:
        found = self._ids.get(id(source))
        if found is None:
            found = self._ids[id(source)] = len(self.items)
            self.items.append(self.make(source))
        return found


def _poseio_skeleton(skeleton: Any) -> Skeleton:
    return Skeleton(
        skeleton.node_names, edges=skeleton.edge_inds, symmetries=skeleton.symmetry_inds, name=skeleton.name
    )


def _poseio_video(video: Any) -> Video:
    shape = video.backend_metadata.get("shape") if video.backend is None else video.shape
    fps = known_fps(video.backend_metadata.get("fps") if video.backend is None else video.fps)
    metadata: dict[str, Any] = {}
    filename = video.filename
    if isinstance(filename, (list, tuple)):
        metadata["images"] = {i: str(f) for i, f in enumerate(filename)}
        filename = str(PurePosixPath(str(filename[0]).replace("\\", "/")).parent) if filename else ""
    valid_shape = isinstance(shape, (list, tuple)) and all(isinstance(v, (int, np.integer)) and v >= 0 for v in shape)
    return Video(str(filename), shape=tuple(shape) if valid_shape else None, fps=fps, metadata=metadata)
