"""Reading COCO keypoint results lists (``[{image_id, category_id, keypoints, score}, ...]``) into Labels.

A results list is what a model hands to COCO's evaluation: no images, no
categories, so no node names and no image files. Every result is a predicted
instance with its ``score``; the images are the frames of one video named after
the file, numbered in the order of their ids (``metadata["image_ids"]`` maps
each frame back to its id), so that ids in the hundreds of thousands do not make
``labels.numpy()`` that many frames long.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.options import check_fps, check_path, check_video, refuse_unknown

from poseio_coco._images import image_frames
from poseio_coco._json import fail, load_json, load_layout
from poseio_coco._keypoints import decode, points_of
from poseio_coco._sniff import FORMAT, RESULTS

READ_OPTIONS = ("fps", "video", "annotations")
#: Third values that are COCO visibility flags; any other makes them confidences.
FLAGS = (0.0, 1.0, 2.0)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _from_annotations(
    path: str, fps: float | None, video: str | None
) -> tuple[list[poseio.Video], dict[Any, tuple[int, int]], dict[Any, poseio.Skeleton]]:
    """The videos, frames and skeletons of the annotation file a results list was made for (``annotations=``)."""
    from poseio_coco._read import _list, _skeletons

    probe = poseio.Probe(path)
    probe.check_readable()

    def error(problem: str) -> poseio.ReadError:
        return fail(probe, FORMAT, f"{problem} (given as annotations= for a results list)")

    data = load_json(probe, FORMAT)
    if not isinstance(data, dict):
        raise error("the top level is not a JSON object")
    skeletons, index, _ = _skeletons(_list(data, "categories", error), error)
    videos, frame_of = image_frames(_list(data, "images", error), probe.name, fps=fps, video=video, fail=error)
    return videos, frame_of, {category: skeletons[i] for category, i in index.items()}


def read_results(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a COCO keypoint results list (see ``docs/formats/coco.md``)."""
    refuse_unknown(options, READ_OPTIONS, RESULTS)
    fps, video_name = check_fps(options.get("fps"), RESULTS), check_video(options.get("video"), RESULTS)
    name = probe.name

    def error(problem: str) -> poseio.ReadError:
        return fail(probe, RESULTS, problem)

    data = load_layout(probe, RESULTS, list, FORMAT)
    by_category: dict[Any, list[int]] = {}
    for position, result in enumerate(data):
        if not isinstance(result, dict):
            raise error(f"entry {position} is not an object")
        if "keypoints" not in result:
            kind = "a detection result (bbox/segmentation)" if {"bbox", "segmentation"} & set(result) else "an entry"
            raise error(f"entry {position} is {kind} without keypoints")
        image_id = result.get("image_id")
        if image_id is None or isinstance(image_id, (dict, list, bool)):
            raise error(f"entry {position} has no image_id")
        category = result.get("category_id", 1)
        if isinstance(category, (dict, list)):
            raise error(f"entry {position}: category_id is not a number")
        by_category.setdefault(category, []).append(position)

    truth = check_path(options.get("annotations"), RESULTS, option="annotations")
    named: dict[Any, poseio.Skeleton] = {}
    if truth is not None:
        # The annotation file the results were made for names the nodes and the images.
        videos, frame_of, named = _from_annotations(truth, fps, video_name)
        missing = next((r["image_id"] for r in data if r["image_id"] not in frame_of), None)
        if missing is not None:
            raise error(f"image {missing!r} of the results is not in the images of {truth}")
    else:
        image_ids = sorted({r["image_id"] for r in data}, key=lambda i: (str(type(i)), i))
        frame_of = {image_id: (0, frame) for frame, image_id in enumerate(image_ids)}
        metadata = {"image_ids": dict(enumerate(image_ids))}
        videos = [poseio.Video(video_name or PurePath(name).stem, fps=fps, metadata=metadata)]
    skeletons, parts = [], []
    third_values: list[np.ndarray] = []
    for s, (category, positions) in enumerate(by_category.items()):
        first = data[positions[0]]["keypoints"]
        n_nodes = len(first) // 3 if isinstance(first, list) else 0
        if not n_nodes:
            raise error(f"entry {positions[0]}: keypoints is not a list of [x, y, v] triples")
        lists = [data[p]["keypoints"] for p in positions]
        xyv = decode(lists, n_nodes, name, what=lambda i, positions=positions: f"entry {positions[i]}", fail=error)
        scores = [data[p].get("score") for p in positions]
        if not all(_number(v) for v in scores):
            bad = next(p for p, v in zip(positions, scores) if not _number(v))
            raise error(f"entry {bad}: score is not a number")
        if category in named and len(named[category]) != n_nodes:
            raise error(
                f"entry {positions[0]} has {n_nodes} keypoints, category {category!r} of {truth} has "
                f"{len(named[category])}"
            )
        # Without annotations= there are no node names: the nodes are numbered as the triples are.
        generic = poseio.Skeleton([f"kp{k}" for k in range(n_nodes)], name=f"category_{category}")
        skeletons.append(named.get(category) or generic)
        parts.append((s, positions, xyv, np.asarray(scores, dtype=np.float64)))
        third_values.append(xyv[..., 2])
    # A third value other than 0, 1 or 2 anywhere makes them confidences (as most models write), kept as point scores.
    confidences = any(not np.isin(v, FLAGS).all() for v in third_values)
    n_max = max((len(s) for s in skeletons), default=0)
    tables, dropped = [], []
    for s, positions, xyv, scores in parts:
        points, labelled = points_of(xyv)
        kept = labelled.any(axis=1)
        dropped.extend(p for p, k in zip(positions, kept) if not k)
        rows = np.flatnonzero(kept)
        padded = np.full((len(rows), n_max, 2), np.nan)
        padded[:, : points.shape[1]] = points[rows]
        point_scores = np.full((len(rows), n_max), np.nan)
        if confidences:
            point_scores[:, : points.shape[1]] = np.where(labelled[rows], xyv[rows, :, 2], np.nan)
        tables.append(
            poseio.PoseTable.build(
                padded,
                video=[frame_of[data[positions[r]]["image_id"]][0] for r in rows.tolist()],
                frame_idx=[frame_of[data[positions[r]]["image_id"]][1] for r in rows.tolist()],
                skeleton=s,
                predicted=True,
                point_scores=point_scores,
                score=scores[rows],
            )
        )
    table = poseio.PoseTable.concat(tables) if tables else poseio.PoseTable.empty(n_max)
    details = {
        "layout": "results",
        "third_value": "confidence" if confidences else "visibility",
        "category_ids": list(by_category),
        "skipped_entries": dropped,
    }
    return poseio.Labels.from_table(table.sorted(), videos=videos, skeletons=skeletons, provenance={"coco": details})
