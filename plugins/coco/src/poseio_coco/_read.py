"""Reading COCO keypoint annotation files (``images``, ``annotations``, ``categories``) into Labels.

Every category with ``keypoints`` is a skeleton (its ``skeleton`` edges are
1-based node numbers); every image a frame (`_images`); every annotation with
at least one labelled keypoint a user instance. What the model has no place for
is kept in ``labels.provenance["coco"]`` (see ``docs/formats/coco.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import poseio
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_coco._images import image_frames
from poseio_coco._json import fail, load_layout
from poseio_coco._keypoints import decode, points_of
from poseio_coco._sniff import FORMAT, RESULTS

READ_OPTIONS = ("fps", "video")
#: Why an annotation holds no instance: the keys of ``provenance["coco"]["skipped"]``.
NO_KEYPOINTS = "no labelled keypoint"
CROWD = "crowd region without keypoints"
OTHER_CATEGORY = "category without keypoints"
#: The annotation keys of an instance's identity, in the order they are looked up.
TRACK_KEYS = ("object_id", "track_id", "instance_id")
#: The annotation keys of a prediction, as poseio writes one (COCO has none).
PREDICTED_KEY, POINT_SCORES_KEY, TRACKING_SCORE_KEY = "poseio_predicted", "poseio_point_scores", "poseio_tracking_score"


def _list(data: dict, key: str, error) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        raise error(f"no {key!r} list" if value is None else f"{key!r} is {type(value).__name__}, not a list")
    return value


def _skeletons(categories: list, error) -> tuple[list[poseio.Skeleton], dict[Any, int], dict[str, list]]:
    """One skeleton per category with keypoints; their index by category id; edges dropped per category."""
    skeletons: list[poseio.Skeleton] = []
    index: dict[Any, int] = {}
    dropped: dict[str, list] = {}
    for position, category in enumerate(categories):
        if not isinstance(category, dict) or "id" not in category or isinstance(category["id"], (dict, list)):
            raise error(f"categories[{position}] is not an object with an id")
        if category["id"] in index:
            raise error(f"the category id {category['id']!r} is given twice")
        nodes = category.get("keypoints")
        if not nodes:
            continue  # a detection category beside keypoint ones: its annotations are counted as skipped
        if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
            raise error(f"category {category['id']!r}: keypoints is not a list of names")
        if len(set(nodes)) != len(nodes):
            raise error(f"category {category['id']!r}: a keypoint name is given twice")
        label = str(category.get("name", category["id"]))
        edges, bad = [], []
        for edge in category.get("skeleton") or []:
            ok = isinstance(edge, list) and len(edge) == 2 and all(isinstance(e, int) for e in edge)
            # 1-based; real files list edges to nodes they do not have (mmpose's CrowdPose: 16 and 17 of 14).
            if ok and all(1 <= e <= len(nodes) for e in edge) and edge[0] != edge[1]:
                edges.append((edge[0] - 1, edge[1] - 1))
            else:
                bad.append(edge)
        if bad:
            dropped[label] = bad
        # Written by poseio (COCO has no key for them): pairs of 1-based nodes that swap in a mirror image.
        pairs = category.get("poseio_symmetries") or []
        symmetries = [
            (a - 1, b - 1)
            for a, b in (p for p in pairs if isinstance(p, list) and len(p) == 2)
            if isinstance(a, int) and isinstance(b, int) and a != b and 1 <= a <= len(nodes) and 1 <= b <= len(nodes)
        ]
        index[category["id"]] = len(skeletons)
        skeletons.append(poseio.Skeleton(nodes, edges=edges, symmetries=symmetries, name=label))
    return skeletons, index, dropped


def _track_id(annotation: dict) -> Any:
    attributes = annotation.get("attributes")
    for key in TRACK_KEYS:
        value = attributes.get(key) if key == "object_id" and isinstance(attributes, dict) else annotation.get(key)
        if value is not None and not isinstance(value, (dict, list, bool)):
            return value
    return None


def _track_name(annotation: dict, track_id: Any) -> str:
    attributes = annotation.get("attributes")
    name = attributes.get("track_name") if isinstance(attributes, dict) else None
    return name if isinstance(name, str) and name else f"track_{track_id}"


def _empty_part(n_nodes: int) -> dict[str, np.ndarray]:
    """The table's columns with no rows, for ``n_nodes`` nodes."""
    rows = {key: np.zeros(0, np.int64) for key in ("video", "frame", "skeleton", "track")}
    return {
        "predicted": np.zeros(0, bool),
        "score": np.zeros(0),
        "point_scores": np.zeros((0, n_nodes)),
        "tracking_score": np.zeros(0),
        **rows,
        "points": np.zeros((0, n_nodes, 2)),
        "occluded": np.zeros((0, n_nodes), bool),
        "ids": np.zeros(0, object),
        "crowd": np.zeros(0, bool),
    }


def _float(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _scores(annotations: list[dict], n: int, width: int) -> dict[str, np.ndarray]:
    """The kind and scores of each annotation: a prediction poseio wrote has them (point scores padded to ``width``)."""
    predicted = np.array([a.get(PREDICTED_KEY) is True for a in annotations], dtype=bool)
    score, tracking = np.full(len(annotations), np.nan), np.full(len(annotations), np.nan)
    point_scores = np.full((len(annotations), width), np.nan)
    # Only predictions carry scores: a file of labels pays for one look per annotation, not four.
    for i in np.flatnonzero(predicted).tolist():
        annotation = annotations[i]
        score[i], tracking[i] = _float(annotation.get("score")), _float(annotation.get(TRACKING_SCORE_KEY))
        given = annotation.get(POINT_SCORES_KEY)
        if isinstance(given, list) and len(given) == n:
            point_scores[i, :n] = [_float(v) for v in given]
    return {"predicted": predicted, "score": score, "point_scores": point_scores, "tracking_score": tracking}


def read_coco(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a COCO keypoint annotation file (see ``docs/formats/coco.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    name = probe.name

    def error(problem: str) -> poseio.ReadError:
        return fail(probe, FORMAT, problem)

    data = load_layout(probe, FORMAT, dict, RESULTS)
    images, annotations = _list(data, "images", error), _list(data, "annotations", error)
    skeletons, category_index, dropped = _skeletons(_list(data, "categories", error), error)
    if not skeletons:
        raise error("no category has keypoints (a COCO detection or segmentation dataset, not poses)")
    videos, frame_of = image_frames(images, name, fps=fps, video=video_name, fail=error)

    skipped: dict[str, list] = {OTHER_CATEGORY: [], CROWD: [], NO_KEYPOINTS: []}
    by_category: list[list[dict]] = [[] for _ in skeletons]
    for position, annotation in enumerate(annotations):
        if not isinstance(annotation, dict):
            raise error(f"annotations[{position}] is not an object")
        if isinstance(annotation.get("image_id"), (dict, list)) or isinstance(
            annotation.get("category_id"), (dict, list)
        ):
            raise error(f"annotations[{position}]: image_id and category_id must be ids, not lists or objects")
        category = category_index.get(annotation.get("category_id"))
        if annotation.get("image_id") not in frame_of:
            raise error(
                f"annotation {annotation.get('id', position)!r} names image {annotation.get('image_id')!r}, "
                "which is not in images"
            )
        if category is None:
            skipped[OTHER_CATEGORY].append(annotation.get("id"))
        elif not annotation.get("keypoints") and annotation.get("iscrowd"):
            skipped[CROWD].append(annotation.get("id"))  # crowd regions carry a mask, not keypoints
        else:
            by_category[category].append(annotation)

    tracks: dict[Any, tuple[int, poseio.Track]] = {}
    n_nodes = max(len(s) for s in skeletons)
    parts: list[dict[str, np.ndarray]] = []
    for s, (skeleton, group) in enumerate(zip(skeletons, by_category)):
        if not group:
            continue
        lists = [a.get("keypoints") or [0, 0, 0] * len(skeleton) for a in group]
        xyv = decode(
            lists, len(skeleton), name, what=lambda i, group=group: f"annotation {group[i].get('id')!r}", fail=error
        )
        points, labelled = points_of(xyv)
        kept = labelled.any(axis=1)
        skipped[NO_KEYPOINTS].extend(a.get("id") for a, k in zip(group, kept) if not k)
        rows = np.flatnonzero(kept)
        track_column = []
        for r in rows.tolist():
            track_id = _track_id(group[r])
            if track_id is None:
                track_column.append(poseio.NO_TRACK)
                continue
            if track_id not in tracks:
                tracks[track_id] = (len(tracks), poseio.Track(_track_name(group[r], track_id)))
            track_column.append(tracks[track_id][0])
        where = np.array([frame_of[group[r]["image_id"]] for r in rows.tolist()], dtype=np.int64).reshape(-1, 2)
        padded = np.full((len(rows), n_nodes, 2), np.nan)
        padded[:, : len(skeleton)] = points[rows]
        occluded = np.zeros((len(rows), n_nodes), dtype=bool)
        occluded[:, : len(skeleton)] = xyv[rows, :, 2] == 1
        parts.append(
            {
                **_scores([group[r] for r in rows.tolist()], len(skeleton), n_nodes),
                "video": where[:, 0],
                "frame": where[:, 1],
                "skeleton": np.full(len(rows), s),
                "track": np.asarray(track_column, dtype=np.int64),
                "points": padded,
                "occluded": occluded,
                "ids": np.array([group[r].get("id") for r in rows.tolist()], dtype=object),
                "crowd": np.array([bool(group[r].get("iscrowd")) for r in rows.tolist()], dtype=bool),
            }
        )
    if len(parts) == 1:
        column = parts[0]  # one category: its columns as they are (most files; copying costs a small file dearly)
    else:
        # The empty part first gives every column its type when no annotation holds a point.
        parts.insert(0, _empty_part(n_nodes))
        column = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    # Rows by video, frame and kind (stable: annotations of one image keep the file's order), as Labels keeps
    # them, so that the per-row provenance below lines up with labels.to_table().
    order = np.lexsort((column["predicted"], column["frame"], column["video"]))
    if (order != np.arange(len(order))).any():
        column = {key: value[order] for key, value in column.items()}
    table = poseio.PoseTable.build(
        column["points"],
        video=column["video"],
        frame_idx=column["frame"],
        skeleton=column["skeleton"],
        track=column["track"],
        predicted=column["predicted"],
        point_scores=column["point_scores"],
        score=column["score"],
        tracking_score=column["tracking_score"],
    )
    details = {
        "annotation_ids": column["ids"].tolist(),
        "occluded": column["occluded"],
        "crowd_annotation_ids": column["ids"][column["crowd"]].tolist(),
        "skipped": {reason: ids for reason, ids in skipped.items() if ids},
        "dropped_edges": dropped,
        "category_ids": [c for c, _ in sorted(category_index.items(), key=lambda item: item[1])],
    }
    if isinstance(data.get("info"), dict):
        details["info"] = data["info"]
    return poseio.Labels.from_table(
        table,
        videos=videos,
        skeletons=skeletons,
        tracks=[track for _, track in tracks.values()],
        provenance={"coco": details},
    )
