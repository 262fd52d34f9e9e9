"""Writing Labels as a COCO keypoint annotation file.

One category per skeleton (``skeleton`` edges 1-based, as COCO numbers
them), one image per labelled frame (and every image a COCO-read video listed,
labelled or not), one annotation per instance, with visibility 2 for a point
and 0, at (0, 0), for a missing node. What COCO has no key for is written
under keys its readers ignore: ``poseio_video``/``poseio_frame`` on images,
``poseio_symmetries`` on categories, ``attributes.track_name`` on annotations
(beside ``attributes.object_id``, the track id sleap-io reads), and, on a
prediction, ``poseio_predicted``, ``score``, ``poseio_point_scores`` and
``poseio_tracking_score``: other COCO readers take it for a label.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import poseio
from poseio.options import refuse_unknown

from poseio_coco._images import FRAME_KEY, VIDEO_KEY
from poseio_coco._read import POINT_SCORES_KEY, PREDICTED_KEY, TRACKING_SCORE_KEY
from poseio_coco._sniff import FORMAT

WRITE_OPTIONS: tuple[str, ...] = ()


def write_claim(labels: poseio.Labels) -> poseio.Claim:
    """How well COCO suits the labels, when a ``.json`` is saved without a format."""
    table = labels.to_table()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "3D points; COCO keypoints are 2D")
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from a COCO file")
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "2D poses fit COCO keypoint annotations")


def _optional(value: float) -> float | None:
    # JSON has no NaN: an unknown score is null.
    return None if np.isnan(value) else float(value)


def _categories(labels: poseio.Labels) -> list[dict[str, Any]]:
    categories = []
    for i, skeleton in enumerate(labels.skeletons):
        name = skeleton.name or f"skeleton_{i + 1}"
        category: dict[str, Any] = {
            "id": i + 1,
            "name": name,
            "supercategory": name,
            "keypoints": skeleton.node_names,
            "skeleton": [[a + 1, b + 1] for a, b in skeleton.edge_inds],
        }
        if skeleton.symmetries:
            category["poseio_symmetries"] = [[a + 1, b + 1] for a, b in skeleton.symmetry_inds]
        categories.append(category)
    return categories


def _stems(videos: list[poseio.Video]) -> list[str]:
    """A folder name per video for the images poseio names, distinct across videos."""
    stems: list[str] = []
    for i, video in enumerate(videos):
        stem = PurePosixPath(video.filename.replace("\\", "/")).stem or f"video_{i}"
        stems.append(f"{stem}_{i}" if stem in stems else stem)
    return stems


def _size(video: poseio.Video, frame: int) -> dict[str, int]:
    sizes = video.metadata.get("image_sizes")
    if isinstance(sizes, dict) and frame in sizes:
        width, height = sizes[frame]
        return {"width": int(width), "height": int(height)}
    if video.shape and len(video.shape) >= 3 and video.shape[1] and video.shape[2]:
        return {"width": int(video.shape[2]), "height": int(video.shape[1])}
    return {}  # unknown: left out rather than made up


def _images(labels: poseio.Labels, table: poseio.PoseTable) -> tuple[list[dict[str, Any]], dict[tuple[int, int], int]]:
    """The ``images`` entries, and the image id of every (video, frame)."""
    images, ids = [], {}
    for v, (video, stem) in enumerate(zip(labels.videos, _stems(labels.videos))):
        named = video.metadata.get("images")
        named = named if isinstance(named, dict) else {}
        # Every image a COCO file listed comes back, labelled or not; other videos give their labelled frames.
        frames = sorted({*(int(f) for f in named), *table.frame_idx[table.video == v].tolist()})
        for frame in frames:
            ids[(v, frame)] = len(images) + 1
            images.append(
                {
                    "id": len(images) + 1,
                    "file_name": str(named[frame]) if frame in named else f"{stem}/frame_{frame:06d}.png",
                    **_size(video, frame),
                    VIDEO_KEY: video.filename,
                    FRAME_KEY: frame,
                }
            )
    return images, ids


def _annotations(labels: poseio.Labels, table: poseio.PoseTable, image_ids: dict) -> list[dict[str, Any]]:
    points = table.points[..., :2]
    visible = np.isfinite(points).all(axis=2)
    # x, y, v per node: v = 2 where a point is (labelled and visible), 0 and (0, 0) where it is not.
    xyv = np.concatenate([np.where(visible[..., None], points, 0.0), np.where(visible, 2.0, 0.0)[..., None]], axis=2)
    annotations = []
    for row in range(len(table)):
        skeleton = int(table.skeleton[row])
        n = len(labels.skeletons[skeleton])
        seen = points[row, :n][visible[row, :n]]
        if len(seen):
            low, high = seen.min(axis=0), seen.max(axis=0)
            box = [float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1])]
        else:
            box = [0.0, 0.0, 0.0, 0.0]
        annotation: dict[str, Any] = {
            "id": row + 1,
            "image_id": image_ids[(int(table.video[row]), int(table.frame_idx[row]))],
            "category_id": skeleton + 1,
            "keypoints": xyv[row, :n].ravel().tolist(),
            "num_keypoints": int(visible[row, :n].sum()),
            "bbox": box,
            "area": box[2] * box[3],
            "iscrowd": 0,
        }
        if table.predicted[row]:
            # A prediction stays one for poseio; to other COCO readers it is an annotation like the rest.
            annotation[PREDICTED_KEY] = True
            annotation["score"] = _optional(table.score[row])
            annotation[POINT_SCORES_KEY] = [_optional(v) for v in table.point_scores[row, :n].tolist()]
            annotation[TRACKING_SCORE_KEY] = _optional(table.tracking_score[row])
        track = int(table.track[row])
        if track != poseio.NO_TRACK:
            # object_id counts from 1: sleap-io's reader takes a 0 for no track.
            annotation["attributes"] = {"object_id": track + 1, "track_name": labels.tracks[track].name}
        annotations.append(annotation)
    return annotations


def write_coco(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write a COCO keypoint annotation file (see ``docs/formats/coco.md``)."""
    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    if not labels.skeletons:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no keypoints to write")
    table = labels.to_table().sorted()
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        raise poseio.InvalidLabelsError(
            f"{path}: the poses have z coordinates; COCO keypoints are 2D. Drop z or use another format"
        )
    images, image_ids = _images(labels, table)
    document: dict[str, Any] = {}
    info = labels.provenance.get("coco", {}).get("info") if isinstance(labels.provenance.get("coco"), dict) else None
    if isinstance(info, dict):
        document["info"] = info
    document.update(images=images, annotations=_annotations(labels, table, image_ids), categories=_categories(labels))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, allow_nan=False, separators=(",", ":"))
