"""Reading MMPose inference results into Labels.

Three layouts (see `_sniff`) hold the same instances: ``keypoints`` (K lists of
x, y, or x, y, z for 3D lifters), ``keypoint_scores`` (K), ``bbox`` (the
person's box, ``[[x1, y1, x2, y2]]``) and ``bbox_score``. Every instance is a
predicted instance of one skeleton: its points, the keypoint scores as point
scores, ``bbox_score`` as the instance score, ``track_id`` (pose-tracking
demos) as its track. Frames are the ``frame_id`` of each entry as written (an
image's instances are frame 0). Node names come from ``meta_info``'s
``keypoint_id2name``, edges from ``skeleton_links`` and mirror pairs from
``flip_indices``; without ``meta_info`` the nodes are numbered. What the model
has no place for is kept in ``labels.provenance["mmpose"]`` (see
``docs/formats/mmpose.md``). Points of three values without any
``keypoint_scores`` are mmpose 0.x's ``x, y, score`` triples, not 3D.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.json import read_json, unreadable
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_mmpose._plugin import READ_OPTIONS
from poseio_mmpose._sniff import FORMAT

#: The keys read at each level; any other is named in ``provenance["mmpose"]["not_read"]``.
READ_KEYS = {
    "file": ("meta_info", "instance_info"),
    "frame": ("frame_id", "instances"),
    "instance": ("keypoints", "keypoint_scores", "bbox", "bbox_score", "track_id"),
}


def _not_read(data: Any, instances: list[dict]) -> list[str]:
    """The keys no part of the Labels holds (``video_info``, ``instance.keypoints_3d``...), each named once.

    Pipelines built on MMPose's demos add their own (a real one writes the 3D lifter's ``keypoints_3d`` beside
    the 2D ``keypoints``, and ``meta_info_3d`` and ``video_info`` beside ``meta_info``): none goes unsaid.
    """
    found = {k for k in data if k not in READ_KEYS["file"]} if isinstance(data, dict) else set()
    entries = data.get("instance_info") if isinstance(data, dict) else data
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("instances"), list):
            found.update(f"frame.{k}" for k in entry if k not in READ_KEYS["frame"])
    for item in instances:
        found.update(f"instance.{k}" for k in item if k not in READ_KEYS["instance"])
    return sorted(found)


def _frames(data: Any, error) -> tuple[str, dict | None, list[tuple[int, list]]]:
    """The layout's name, its meta_info, and (frame, instances) pairs in the file's order."""
    meta = None
    if isinstance(data, dict):
        if "instance_info" not in data:
            raise error("a JSON object without instance_info (MMPose's demos write meta_info and instance_info)")
        meta, entries, layout = data.get("meta_info"), data["instance_info"], "demo"
        if meta is not None and not isinstance(meta, dict):
            raise error("meta_info is not an object")
    elif isinstance(data, list):
        entries, layout = data, "inferencer"
    else:
        raise error("the top level is neither an object with instance_info nor a list of frames or instances")
    if not isinstance(entries, list):
        raise error("instance_info is not a list")
    if not entries or all(isinstance(e, dict) and "keypoints" in e for e in entries):
        # An image's results: its instances, no frames.
        return f"{layout} (one image)", meta, [(0, entries)] if entries else []
    frames = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("instances"), list):
            raise error(f"entry {position} is not a frame with an instances list (nor an instance with keypoints)")
        frame = entry.get("frame_id", position)
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
            raise error(f"entry {position}: frame_id is {frame!r}, not a frame number")
        frames.append((frame, entry["instances"]))
    return f"{layout} (frames)", meta, frames


def _node_names(meta: dict | None, n_nodes: int, error) -> list[str]:
    names = (meta or {}).get("keypoint_id2name")
    if names is None:
        width = max(2, len(str(n_nodes - 1)))
        return [f"kp{i:0{width}d}" for i in range(n_nodes)]
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise error("meta_info.keypoint_id2name is not a map of keypoint ids to names")
    # JSON object keys are text: mmpose's {0: "nose"} is written {"0": "nose"}.
    by_id = {str(k): v for k, v in names.items()}
    missing = [i for i in range(n_nodes) if str(i) not in by_id]
    if missing or len(by_id) != n_nodes:
        raise error(
            f"meta_info.keypoint_id2name names {len(by_id)} keypoints, the instances have {n_nodes}"
            + (f" (no name for id {missing[0]})" if missing else "")
        )
    ordered = [by_id[str(i)] for i in range(n_nodes)]
    if len(set(ordered)) != n_nodes:
        raise error("meta_info.keypoint_id2name gives one name to two keypoints")
    return ordered


def _pairs(value: Any, n_nodes: int) -> tuple[list[tuple[int, int]], list]:
    """Valid 0-based node pairs, and the entries that are not (as given)."""
    good, bad = [], []
    for pair in value or []:
        ok = (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(i, int) and not isinstance(i, bool) for i in pair)
        )
        if ok and all(0 <= i < n_nodes for i in pair) and pair[0] != pair[1]:
            good.append((pair[0], pair[1]))
        else:
            bad.append(pair)
    return good, bad


def _skeleton(meta: dict | None, n_nodes: int, error) -> tuple[poseio.Skeleton, dict[str, list]]:
    names = _node_names(meta, n_nodes, error)
    edges, bad_edges = _pairs((meta or {}).get("skeleton_links"), n_nodes)
    flips = (meta or {}).get("flip_indices") or []
    symmetries = []
    if isinstance(flips, list) and len(flips) == n_nodes:
        # flip_indices[i] is the node i becomes in a mirror image; each pair once.
        symmetries = [(i, j) for i, j in enumerate(flips) if isinstance(j, int) and 0 <= j < n_nodes and i < j]
    name = (meta or {}).get("dataset_name")
    skeleton = poseio.Skeleton(
        names, edges=edges, symmetries=symmetries, name=name if isinstance(name, str) else "mmpose"
    )
    return skeleton, ({"skeleton_links": bad_edges} if bad_edges else {})


def _number(value: Any) -> float:
    if isinstance(value, list) and len(value) == 1:  # bbox_score as a one-element list
        value = value[0]
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _box(value: Any) -> list[float]:
    """x1, y1, x2, y2 and the box's score (NaN when not given)."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]  # mmpose 1.x writes one box as [[x1, y1, x2, y2]]
    if isinstance(value, list) and len(value) in (4, 5):  # mmpose 0.x: [x1, y1, x2, y2, score]
        return [_number(v) for v in value] + [np.nan] * (5 - len(value))
    return [np.nan] * 5


def _score(instance: dict, box: list[float]) -> float:
    score = _number(instance.get("bbox_score"))
    return box[4] if np.isnan(score) else score


def read_mmpose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read MMPose inference results (see ``docs/formats/mmpose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)

    def error(problem: str) -> poseio.ReadError:
        return unreadable(probe.name, f"{FORMAT} file", problem, path=probe.path)

    data = read_json(probe, f"{FORMAT} file")
    layout, meta, frames = _frames(data, error)
    instances, frame_column = [], []
    for frame, items in frames:
        for position, item in enumerate(items):
            if not isinstance(item, dict) or "keypoints" not in item:
                raise error(f"frame {frame}: instance {position} has no keypoints")
            instances.append(item)
            frame_column.append(frame)
    shape = None
    for i, item in enumerate(instances):
        keypoints = item["keypoints"]
        first = keypoints[0] if isinstance(keypoints, list) and keypoints else None
        if not isinstance(first, list) or len(first) not in (2, 3):
            raise error(f"frame {frame_column[i]}: keypoints is not a list of [x, y] (or [x, y, z]) points")
        this = (len(keypoints), len(first))
        if shape is not None and this != shape:
            raise error(
                f"frame {frame_column[i]}: {this[0]} keypoints of {this[1]}D, earlier ones {shape[0]} of {shape[1]}D"
            )
        shape = this
    names = (meta or {}).get("keypoint_id2name")
    n_nodes, ndim = shape or (len(names) if isinstance(names, dict) else 0, 2)
    if not n_nodes:
        raise error("no instance and no meta_info.keypoint_id2name: no keypoints to read")
    # mmpose 1.x writes keypoint_scores beside x, y (or x, y, z from a 3D lifter); mmpose 0.x's results were
    # x, y, score triples without keypoint_scores.
    triples = ndim == 3 and not any("keypoint_scores" in item for item in instances)
    check_allocation(len(instances) * max(n_nodes, 1) * (ndim + 6) * 8, f"{len(instances)} instances", probe.name)
    points = np.full((len(instances), n_nodes, ndim), np.nan)
    point_scores = np.full((len(instances), n_nodes), np.nan)
    for i, item in enumerate(instances):
        try:
            points[i] = np.asarray(item["keypoints"], dtype=np.float64)
            if triples:
                point_scores[i] = points[i, :, 2]
            elif item.get("keypoint_scores") is not None:
                point_scores[i] = np.asarray(item["keypoint_scores"], dtype=np.float64).reshape(n_nodes)
        except (TypeError, ValueError) as exc:
            raise error(
                f"frame {frame_column[i]}: keypoints or keypoint_scores are not {n_nodes} numbers each"
            ) from exc
    if triples:
        points, ndim = np.ascontiguousarray(points[..., :2]), 2
    skeleton, dropped = _skeleton(meta, n_nodes, error)
    tracks: dict[Any, int] = {}
    track_column = []
    for item in instances:
        track_id = item.get("track_id")
        if track_id is None or isinstance(track_id, (bool, dict, list)) or track_id == -1:
            track_column.append(poseio.NO_TRACK)
        else:
            track_column.append(tracks.setdefault(track_id, len(tracks)))
    boxes = [_box(item.get("bbox")) for item in instances]
    # Frames in order, instances of one frame in the file's order (so that bboxes line up with the table's rows).
    order = np.argsort(np.asarray(frame_column, dtype=np.int64), kind="stable")
    table = poseio.PoseTable.build(
        points[order],
        video=0,
        frame_idx=np.asarray(frame_column, dtype=np.int64)[order],
        skeleton=0,
        track=np.asarray(track_column, dtype=np.int64)[order],
        predicted=True,
        point_scores=point_scores[order],
        score=np.array([_score(instances[i], boxes[i]) for i in order.tolist()]),
    )
    details = {
        "layout": layout,
        "bboxes": np.array([boxes[i][:4] for i in order.tolist()]).reshape(-1, 4),
        "keypoints": "x, y, score" if triples else ("x, y, z" if ndim == 3 else "x, y"),
        "meta_info": meta,
        "dropped": dropped,
        "not_read": _not_read(data, instances),
    }
    video = poseio.Video(video_name or PurePath(probe.name).stem, fps=fps)
    return poseio.Labels.from_table(
        table,
        videos=[video],
        skeletons=[skeleton],
        tracks=[poseio.Track(f"track_{t}") for t in tracks],
        provenance={FORMAT: details},
    )
