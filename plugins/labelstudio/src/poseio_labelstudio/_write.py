"""Writing Labels as a Label Studio JSON task export.

One task per labelled frame (and per image a Label Studio-read video listed,
labelled or not), in Label Studio's import/export layout: ``data.image`` names
the frame's image; each user instance is a ``rectanglelabels`` box around its
points in ``annotations``, each predicted instance one in ``predictions``,
with a ``keypointlabels`` result per visible point (label = node name, in
percent of the image size) and a ``relation`` from the point to its box, as
sleap-io writes them. ``meta.video`` gives the video and frame (as sleap-io
writes and reads it) and ``meta.poseio`` the skeleton; tracks and tracking
scores go under ``poseio_`` keys of the box, which Label Studio keeps.
"""

from __future__ import annotations

import json
import math
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.options import refuse_unknown

from poseio_labelstudio._percent import to_percent
from poseio_labelstudio._read import HIDDEN_SCORES_KEY, SKELETON_KEY, TRACK_KEY, TRACKING_SCORE_KEY
from poseio_labelstudio._sniff import FORMAT

WRITE_OPTIONS: tuple[str, ...] = ()
#: The control and object tag names of the labelling config the results refer to (sleap-io's, so one config serves).
KEYPOINTS, BOXES, IMAGE = "keypoint-label", "individuals", "image"


def _empty_rows(table: poseio.PoseTable) -> int:
    return int((~np.isfinite(table.points[..., :2]).all(axis=2).any(axis=1)).sum()) if len(table) else 0


def write_claim(labels: poseio.Labels) -> poseio.Claim:
    """How well Label Studio suits the labels, when a ``.json`` is saved without a format.

    Below COCO's claim unless the labels were read from Label Studio: a
    ``.json`` of poses is COCO unless said otherwise.
    """
    table = labels.to_table()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "3D points; Label Studio keypoints are 2D")
    empty = _empty_rows(table)
    losses = (f"{empty} instances without a visible point (Label Studio has no empty keypoint set)",) if empty else ()
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from Label Studio", losses=losses)
    return poseio.Claim(FORMAT, poseio.CONTAINER_MATCH, "2D poses fit Label Studio keypoint tasks", losses=losses)


def _image_size(video: poseio.Video, frame: int) -> tuple[float, float] | None:
    sizes = video.metadata.get("image_sizes")
    if isinstance(sizes, dict) and frame in sizes:
        width, height = sizes[frame]
        return float(width), float(height)
    if video.shape and len(video.shape) >= 3 and video.shape[1] and video.shape[2]:
        return float(video.shape[2]), float(video.shape[1])
    return None


def _stems(videos: list[poseio.Video]) -> list[str]:
    """A folder name per video for the images poseio names, distinct across videos."""
    stems: list[str] = []
    for i, video in enumerate(videos):
        stem = PurePosixPath(video.filename.replace("\\", "/")).stem or f"video_{i}"
        stems.append(f"{stem}_{i}" if stem in stems else stem)
    return stems


def _number(value: float) -> int | float:
    # Whole sizes as JSON integers, as Label Studio writes original_width.
    return int(value) if float(value).is_integer() else float(value)


class _Task:
    """The results of one frame's annotation and prediction."""

    def __init__(self, nodes: list[str], label: str, size: tuple[float, float]) -> None:
        self.nodes, self.label = nodes, label
        self.width, self.height = size
        self.results: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        self.scores: list[float] = []
        self.boxes = {False: 0, True: 0}  # boxes so far, per kind: their ids

    def _region(self, rid: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": rid,
            "type": kind,
            "from_name": KEYPOINTS if kind == "keypointlabels" else BOXES,
            "to_name": IMAGE,
            "original_width": _number(self.width),
            "original_height": _number(self.height),
            "image_rotation": 0,
            "value": value,
        }

    def add(self, table: poseio.PoseTable, row: int, percent: np.ndarray, track: str | None) -> None:
        """Add the instance of a table row, whose points in percent are ``percent`` (n_nodes, 2)."""
        predicted = bool(table.predicted[row])
        results = self.results[predicted]
        rid = f"{'p' if predicted else 'a'}{self.boxes[predicted]}"
        self.boxes[predicted] += 1
        points = table.points[row, : len(self.nodes), :2]
        shown = np.isfinite(points).all(axis=1)
        visible = np.flatnonzero(shown).tolist()
        low, high = points[shown].min(axis=0), points[shown].max(axis=0)
        box = self._region(
            rid,
            "rectanglelabels",
            {
                "x": float(low[0] / self.width * 100),
                "y": float(low[1] / self.height * 100),
                "width": float((high[0] - low[0]) / self.width * 100),
                "height": float((high[1] - low[1]) / self.height * 100),
                "rotation": 0,
                "rectanglelabels": [self.label],
            },
        )
        if track is not None:
            box[TRACK_KEY] = track
        point_scores = table.point_scores[row, : len(self.nodes)].tolist() if predicted else None
        if predicted:
            score = float(table.score[row])
            box["score"] = None if math.isnan(score) else score  # null: unknown, not the prediction's score
            if not math.isnan(score):
                self.scores.append(score)
            if not math.isnan(table.tracking_score[row]):
                box[TRACKING_SCORE_KEY] = float(table.tracking_score[row])
            # A hidden node has no point to carry its score: the box carries it, by node name.
            hidden = {
                self.nodes[n]: value
                for n, (value, seen) in enumerate(zip(point_scores, shown.tolist()))
                if not seen and not math.isnan(value)
            }
            if hidden:
                box[HIDDEN_SCORES_KEY] = hidden
        results.append(box)
        for node, (x, y) in zip(visible, percent[visible].tolist()):
            point = self._region(
                f"{rid}_{node}", "keypointlabels", {"x": x, "y": y, "keypointlabels": [self.nodes[node]]}
            )
            if point_scores is not None and not math.isnan(point_scores[node]):
                point["score"] = point_scores[node]
            results.append(point)
            results.append({"from_id": point["id"], "to_id": rid, "type": "relation", "direction": "right"})

    def sets(self) -> dict[str, list[dict[str, Any]]]:
        annotations = [{"result": self.results[False], "was_cancelled": False, "ground_truth": False}]
        prediction: dict[str, Any] = {"model_version": "poseio", "result": self.results[True]}
        if self.scores:
            prediction["score"] = float(np.mean(self.scores))
        return {
            "annotations": annotations if self.results[False] else [],
            "predictions": [prediction] if self.results[True] else [],
        }


def _skeleton(labels: poseio.Labels, table: poseio.PoseTable, path: Path) -> poseio.Skeleton:
    if not labels.skeletons:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no keypoints to write")
    used = sorted(set(table.skeleton.tolist()))
    if len(used) > 1:
        raise poseio.InvalidLabelsError(
            f"{path}: the instances have {len(used)} skeletons, and Label Studio's keypoint labels are the node "
            "names of one. Save each skeleton's instances to a file of its own"
        )
    return labels.skeletons[used[0] if used else 0]


def write_labelstudio(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write a Label Studio JSON task export (see ``docs/formats/labelstudio.md``)."""
    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    table = labels.to_table().sorted()
    skeleton = _skeleton(labels, table, path)
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        raise poseio.InvalidLabelsError(
            f"{path}: the poses have z coordinates; Label Studio keypoints are 2D. Drop z or use another format"
        )
    nodes = skeleton.node_names
    declared = {
        "skeleton": {
            "name": skeleton.name,
            "nodes": nodes,
            "edges": [list(e) for e in skeleton.edge_inds],
            "symmetries": [list(s) for s in skeleton.symmetry_inds],
        }
    }
    label = skeleton.name or "animal"
    has_point = np.isfinite(table.points[..., :2]).all(axis=2).any(axis=1)
    by_frame: dict[tuple[int, int], list[int]] = {}
    for row, where in enumerate(zip(table.video.tolist(), table.frame_idx.tolist())):
        if has_point[row]:
            by_frame.setdefault(where, []).append(row)
    sizes = np.ones((len(table), 2))  # (width, height) of each row's image
    for (v, frame), rows in by_frame.items():
        size = _image_size(labels.videos[v], frame)
        if size is None:
            raise poseio.InvalidLabelsError(
                f"{path}: the image size of video {labels.videos[v].filename!r} is unknown, and Label Studio keeps "
                f"points in percent of it. Give the video its shape, e.g. labels.videos[{v}].shape = "
                "(n_frames, height, width, channels), or load the labels with their video file beside them"
            )
        sizes[rows] = size
    # Every point at once: the search for percents that read back exactly is a few array operations per table.
    points = table.points[:, : len(nodes), :2]
    percent = np.stack([to_percent(points[..., 0], sizes[:, :1]), to_percent(points[..., 1], sizes[:, 1:])], axis=2)
    tasks = []
    for v, (video, stem) in enumerate(zip(labels.videos, _stems(labels.videos))):
        named = video.metadata.get("images")
        named = named if isinstance(named, dict) else {}
        # Every image a Label Studio-read video listed comes back as a task, labelled or not.
        frames = sorted({*(int(f) for f in named), *(f for w, f in by_frame if w == v)})
        shape = list(video.shape) if video.shape else None
        for frame in frames:
            rows = by_frame.get((v, frame), [])
            task = _Task(nodes, label, tuple(sizes[rows[0]]) if rows else (1.0, 1.0))
            for row in rows:
                track = int(table.track[row])
                task.add(table, row, percent[row], labels.tracks[track].name if track != poseio.NO_TRACK else None)
            meta_video: dict[str, Any] = {"filename": video.filename, "frame_idx": frame, "shape": shape}
            if video.fps:
                meta_video["fps"] = video.fps
            image = str(named[frame]) if frame in named else f"{stem}/frame_{frame:06d}.png"
            tasks.append({"data": {IMAGE: image}, "meta": {"video": meta_video, SKELETON_KEY: declared}, **task.sets()})
    with open(path, "w", encoding="utf-8") as f:
        # json.dumps without indent runs the C encoder; json.dump (to a file) or an indent, the Python one (10x slower).
        f.write(json.dumps(tasks, allow_nan=False, separators=(",", ":")))
