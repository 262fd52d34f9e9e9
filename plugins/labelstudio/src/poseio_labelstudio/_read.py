"""Reading Label Studio JSON task exports with keypoint labels into Labels.

Every task is a frame (`_frames`); every annotation's keypoints, grouped into
animals by boxes and relations (`_groups`), user instances; every
prediction's, predicted instances with their scores. A point is at
``value.x / 100 * original_width``, ``value.y / 100 * original_height``
pixels: Label Studio keeps positions in percent of the image. What the model
has no place for is kept in ``labels.provenance["labelstudio"]`` (see
``docs/formats/labelstudio.md``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import poseio
from poseio.json import read_json, unreadable
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_labelstudio._frames import task_frames
from poseio_labelstudio._groups import instance_groups
from poseio_labelstudio._sniff import FORMAT, SETS

READ_OPTIONS = ("fps", "video")
#: What the source should be, as the messages name it.
WHAT = "Label Studio export"
#: Keys Label Studio has no place for, which poseio writes and reads (Label Studio keeps them on import).
TRACK_KEY, TRACKING_SCORE_KEY, SKELETON_KEY = "poseio_track", "poseio_tracking_score", "poseio"
#: The box key of the scores of a prediction's hidden nodes (node name -> score), which have no point to carry them.
HIDDEN_SCORES_KEY = "poseio_hidden_point_scores"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _score(value: Any) -> float:
    return float(value) if _number(value) else math.nan


def _first_label(value: Any, key: str) -> str | None:
    """The first label of a region's ``value`` (a region has one; only the first counts)."""
    labels = value.get(key) if isinstance(value, dict) else None
    return labels[0] if isinstance(labels, list) and labels and isinstance(labels[0], str) else None


def _tasks(data: Any, error) -> list[dict]:
    if isinstance(data, dict):
        if not any(key in data for key in SETS):
            raise error("a JSON object without annotations or predictions: not a Label Studio task")
        return [data]
    if not isinstance(data, list):
        raise error("the top level is neither a list of tasks nor a task")
    for position, task in enumerate(data):
        if not isinstance(task, dict):
            raise error(f"task {position} is not an object")
    return data


def _declared(tasks: list[dict]) -> dict | None:
    """The skeleton poseio wrote in a task's ``meta``: its name, node order, edges and symmetries."""
    for task in tasks:
        meta = task.get("meta")
        declared = meta.get(SKELETON_KEY) if isinstance(meta, dict) else None
        skeleton = declared.get("skeleton") if isinstance(declared, dict) else None
        if not isinstance(skeleton, dict):
            continue
        nodes = skeleton.get("nodes")
        if (
            isinstance(nodes, list)
            and nodes
            and all(isinstance(n, str) for n in nodes)
            and len(set(nodes)) == len(nodes)
        ):
            return skeleton
    return None


def _pairs(value: Any, n: int) -> list[tuple[int, int]]:
    pairs = []
    for pair in value if isinstance(value, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(i, int) and 0 <= i < n for i in pair):
            if pair[0] != pair[1]:
                pairs.append((pair[0], pair[1]))
    return pairs


class _Reader:
    """The rows of the table, filled one result set at a time."""

    def __init__(self, nodes: list[str], error) -> None:
        self.node_index = {name: i for i, name in enumerate(nodes)}
        self.error = error
        self.rows: list[dict[str, Any]] = []
        self.tracks: dict[str, int] = {}
        self.sizes: dict[tuple[int, int], set[tuple[float, float]]] = {}
        self.box_labels: dict[str, None] = {}
        self.counts: dict[str, int] = {}
        self.duplicates: list[dict[str, Any]] = []
        self.empty_boxes: list[dict[str, Any]] = []

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _size(self, item: dict, what: str) -> tuple[float, float]:
        width, height = item.get("original_width"), item.get("original_height")
        if not (_number(width) and _number(height) and width > 0 and height > 0):
            raise self.error(
                f"{what}: result {item.get('id')!r} has no original_width/original_height, which Label Studio "
                "exports with every region; without them its percent coordinates give no pixels"
            )
        return float(width), float(height)

    def _points(self, row: dict, keypoints: list[dict], where: tuple[int, int], task_id: Any, what: str) -> None:
        """The pixels (and, in a prediction, scores) of an instance's keypoint regions, by node, into ``row``."""
        for item in keypoints:
            value = item.get("value")
            label = _first_label(value, "keypointlabels")
            if label is None:
                self._count("keypoints_without_label")
                continue
            x, y = value.get("x"), value.get("y")
            if not (_number(x) and _number(y)):
                raise self.error(f"{what}: keypoint {item.get('id')!r} has no numeric value.x and value.y")
            width, height = self._size(item, what)
            self.sizes.setdefault(where, set()).add((width, height))
            # Percent of the image, as Label Studio keeps it: the pixel is the percent / 100 times the size.
            pixel = (x / 100 * width, y / 100 * height)
            if not all(math.isfinite(c) for c in pixel):
                self._count("points_not_finite")
                continue
            node = self.node_index.setdefault(label, len(self.node_index))
            if node in row["points"]:
                self.duplicates.append({"task": task_id, "result_id": item.get("id"), "node": label})
                continue
            row["points"][node] = pixel
            if row["predicted"] and _number(item.get("score")):
                row["scores"][node] = float(item["score"])

    def _box(self, row: dict, box: dict, set_score: float) -> None:
        """What an instance's box carries besides its points: a track, and a prediction's scores."""
        track = box.get(TRACK_KEY)
        if isinstance(track, str) and track:
            row["track"] = self.tracks.setdefault(track, len(self.tracks))
        if not row["predicted"]:
            return
        # A box's own score is the instance's (null: unknown); without one, the prediction's.
        row["score"] = _score(box["score"]) if "score" in box else set_score
        row["tracking_score"] = _score(box.get(TRACKING_SCORE_KEY))
        hidden = box.get(HIDDEN_SCORES_KEY)
        for label, score in hidden.items() if isinstance(hidden, dict) else ():
            node = self.node_index.get(label)
            if node is not None and node not in row["points"] and _number(score):
                row["scores"][node] = float(score)

    def result_set(self, entry: dict, where: tuple[int, int], task_id: Any, predicted: bool, what: str) -> None:
        """Read the instances of one annotation or prediction of a task into rows."""
        result = entry.get("result")
        if result is None:
            return
        if not isinstance(result, list):
            raise self.error(f"{what}: result is {type(result).__name__}, not a list")
        set_score = _score(entry.get("score")) if predicted else math.nan
        for box, keypoints in instance_groups(result, what, self.error, self.counts):
            row: dict[str, Any] = {"points": {}, "scores": {}, "predicted": predicted, "score": set_score}
            self._points(row, keypoints, where, task_id, what)
            box_label = _first_label(box.get("value"), "rectanglelabels") if box is not None else None
            if box_label is not None:
                self.box_labels.setdefault(box_label, None)
            if box is not None and _number(box.get("original_width")) and _number(box.get("original_height")):
                self.sizes.setdefault(where, set()).add(self._size(box, what))
            if not row["points"]:
                if box is not None:
                    self.empty_boxes.append({"task": task_id, "result_id": box.get("id")})
                continue
            if box is not None:
                self._box(row, box, set_score)
            row.update(
                video=where[0],
                frame=where[1],
                task=task_id,
                box_id=box.get("id") if box is not None else None,
                box_label=box_label,
            )
            self.rows.append(row)


def _sizes_into_videos(videos: list[poseio.Video], sizes: dict[tuple[int, int], set]) -> None:
    """A video's image size is its ``shape`` when its tasks agree, else ``metadata["image_sizes"]`` per frame."""
    by_video: dict[int, dict[int, set]] = {}
    for (v, frame), seen in sizes.items():
        by_video.setdefault(v, {})[frame] = seen
    for v, frames in by_video.items():
        video = videos[v]
        distinct = set().union(*frames.values())
        if video.shape is not None and video.shape[1] and video.shape[2]:
            continue
        if len(distinct) == 1:
            width, height = distinct.pop()
            if width.is_integer() and height.is_integer():
                video.shape = (0, int(height), int(width), 0)
                continue
        video.metadata["image_sizes"] = {f: sorted(s)[0] for f, s in sorted(frames.items())}


def read_labelstudio(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a Label Studio JSON export of keypoint tasks (see ``docs/formats/labelstudio.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)

    def error(problem: str) -> poseio.ReadError:
        return unreadable(probe.name, WHAT, problem, path=probe.path)

    tasks = _tasks(read_json(probe, WHAT), error)
    videos, where = task_frames(tasks, probe.name, fps=fps, video=video_name)
    declared = _declared(tasks)
    reader = _Reader(list(declared["nodes"]) if declared else [], error)
    for position, task in enumerate(tasks):
        task_id = task.get("id", position)
        user_key = "annotations" if "annotations" in task else "completions"
        for key, predicted in ((user_key, False), ("predictions", True)):
            entries = task.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise error(f"task {task_id!r}: {key} is {type(entries).__name__}, not a list")
            for j, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise error(f"task {task_id!r}: {key}[{j}] is not an object")
                reader.result_set(entry, where[position], task_id, predicted, f"task {task_id!r}, {key}[{j}]")
    nodes = list(reader.node_index)
    if not nodes:
        raise error("no task has keypointlabels results (a Label Studio export of boxes, classes or text, not poses)")
    rows = reader.rows
    check_allocation(len(rows) * len(nodes) * 8 * 3, f"{len(rows)} poses of {len(nodes)} keypoints", probe.name)
    points = np.full((len(rows), len(nodes), 2), np.nan)
    point_scores = np.full((len(rows), len(nodes)), np.nan)
    for r, row in enumerate(rows):
        for node, xy in row["points"].items():
            points[r, node] = xy
        for node, score in row["scores"].items():
            point_scores[r, node] = score

    def column(key: str, default: Any, dtype: type) -> np.ndarray:
        return np.array([row.get(key, default) for row in rows], dtype=dtype)

    predicted = column("predicted", False, bool)
    video, frame = column("video", 0, np.int64), column("frame", 0, np.int64)
    # Rows by video, frame and kind (stable: a frame's instances keep the file's order), as Labels keeps them,
    # so that the per-row provenance below lines up with labels.to_table().
    order = np.lexsort((predicted, frame, video))
    table = poseio.PoseTable.build(
        points[order],
        video=video[order],
        frame_idx=frame[order],
        skeleton=0,
        track=column("track", poseio.NO_TRACK, np.int64)[order],
        predicted=predicted[order],
        point_scores=point_scores[order],
        score=column("score", math.nan, np.float64)[order],
        tracking_score=column("tracking_score", math.nan, np.float64)[order],
    )
    if declared:
        name = declared.get("name") if isinstance(declared.get("name"), str) else None
        edges, symmetries = _pairs(declared.get("edges"), len(nodes)), _pairs(declared.get("symmetries"), len(nodes))
    else:
        # Label Studio has no skeleton: one box label for every animal (sleap-io's 'instance_class') names it.
        name = next(iter(reader.box_labels)) if len(reader.box_labels) == 1 else None
        edges, symmetries = [], []
    skeleton = poseio.Skeleton(nodes, edges=edges, symmetries=symmetries, name=name)
    _sizes_into_videos(videos, reader.sizes)
    ordered = [rows[i] for i in order.tolist()]
    details = {
        "task_ids": [row["task"] for row in ordered],
        "box_ids": [row["box_id"] for row in ordered],
        "box_labels": [row["box_label"] for row in ordered],
        "boxes_without_keypoints": reader.empty_boxes,
        "duplicate_points": reader.duplicates,
        "ignored": dict(sorted(reader.counts.items())),
    }
    return poseio.Labels.from_table(
        table,
        videos=videos,
        skeletons=[skeleton],
        tracks=[poseio.Track(track) for track in reader.tracks],
        provenance={"labelstudio": details},
    )
