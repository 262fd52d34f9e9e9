"""Writing Labels as a JABS pose file, version 2 to 5 (``version=``, else the file name's, else 5).

JABS reads the version from the file name (``<video>_pose_est_v<N>.h5``), so a
name that declares another version than ``version=`` is refused. Points are
written (y, x) as whole pixels (uint16) with their confidence: a prediction's
point scores, 1.0 for a user instance's points and for points without a score,
0 (at pixel 0, 0) for a missing keypoint. The skeleton's nodes are matched to
JABS's twelve by name (case ignored); a JABS keypoint the skeleton lacks is
written missing, a node JABS does not have is refused. Identities: a track named
by a number keeps it (v3 counts from 0, v4 and v5 from 1), others are
numbered in order; an untracked pose gets an identity of its own, after the
tracks'. poseio's own ``poseest/poseio_tracks`` dataset (see
`TRACKS_DATASET`) keeps the track names and which identities were made up, for
poseio; JABS ignores it. v5 writes the static objects of labels read from a v5
file.
What JABS cannot hold is named in the write claim's losses (see
``docs/formats/jabs.md``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, refuse_unknown, say_option

from poseio_jabs._layout import GROUP, N_NODES, NODE_NAMES, STATIC, TRACKS_DATASET, WRITE_VERSIONS, name_version
from poseio_jabs._read import MIN_CONFIDENCE
from poseio_jabs._sniff import FORMAT

WRITE_OPTIONS = ("version",)
DEFAULT_VERSION = 5
#: The largest pixel coordinate uint16 holds.
MAX_PIXEL = np.iinfo(np.uint16).max


def _node_map(skeleton: poseio.Skeleton) -> np.ndarray | str:
    """The JABS keypoint of each node of ``skeleton``, or why there is none."""
    upper = [n.upper() for n in NODE_NAMES]
    foreign = [n for n in skeleton.node_names if n.upper() not in upper]
    if foreign:
        return (
            f"the skeleton {skeleton.name or ''!r} has nodes JABS does not have ({', '.join(foreign[:4])}"
            f"{', ...' if len(foreign) > 4 else ''}); JABS files hold its 12 mouse keypoints "
            f"({', '.join(NODE_NAMES)}): rename the nodes to these"
        )
    targets = [upper.index(n.upper()) for n in skeleton.node_names]
    if len(set(targets)) != len(targets):
        return f"the skeleton {skeleton.name or ''!r} names one JABS keypoint twice (case ignored)"
    return np.asarray(targets, dtype=np.int64)


def _problem(labels: poseio.Labels, table: poseio.PoseTable) -> str | None:
    """Why JABS cannot hold these labels at all, or ``None``."""
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return "the poses have z coordinates; JABS points are 2D pixels. Drop z or use another format"
    if len(table) == 0:
        return "the labels hold no instance; a JABS file holds poses"
    if len(np.unique(table.video)) > 1:
        return "the labels hold poses of several videos; a JABS pose file is of one video: save one per video"
    skeletons = np.unique(table.skeleton)
    if len(skeletons) > 1:
        return "the labels hold poses of several skeletons; a JABS file holds JABS's mouse skeleton alone"
    mapped = _node_map(labels.skeletons[int(skeletons[0])])
    if isinstance(mapped, str):
        return mapped
    xy = table.points[..., :2]
    seen = xy[np.isfinite(xy)]
    if seen.size and (np.rint(seen).min() < 0 or np.rint(seen).max() > MAX_PIXEL):
        return (
            f"some coordinates are outside 0 to {MAX_PIXEL}; JABS stores whole pixels as uint16 "
            "(shift the points into the image first)"
        )
    return None


def _check_version(options: dict[str, Any], path: Path | None) -> int | None:
    given = options.get("version")
    if given is not None:
        check_choice(given, WRITE_VERSIONS, FORMAT, option="version")
    named = name_version(path.name) if path is not None else None
    if named is not None and named not in WRITE_VERSIONS:
        raise poseio.InvalidOptionError(
            f"{path}: the name declares JABS v{named}; poseio writes v2 to v5: name the file "
            f"<video>_pose_est_v{given or DEFAULT_VERSION}.h5",
            format=FORMAT,
        )
    if given is not None and named is not None and given != named:
        raise poseio.InvalidOptionError(
            f"{path}: the name declares JABS v{named}, but {say_option('version', given)} was given; JABS reads "
            f"the version from the name: name the file <video>_pose_est_v{given}.h5",
            format=FORMAT,
        )
    return given if given is not None else named


def _static_objects(labels: poseio.Labels) -> dict[str, np.ndarray]:
    details = labels.provenance.get("jabs")
    found = details.get("static_objects") if isinstance(details, dict) else None
    return {str(k): np.asarray(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _losses(labels: poseio.Labels, table: poseio.PoseTable, version: int | None) -> list[str]:
    losses = []
    n_user = int((~table.predicted).sum())
    if n_user:
        losses.append(f"the user/predicted flag: {n_user} user instances would read back as predictions")
    for column, what in ((table.score, "instance scores"), (table.tracking_score, "tracking scores")):
        n = int(np.isfinite(column).sum())
        if n:
            losses.append(f"{what}: JABS has none, {n} would be lost")
    xy = table.points[..., :2]
    visible = np.isfinite(xy).all(axis=2)
    off = int((visible & (np.rint(np.where(visible[..., None], xy, 0)) != xy).any(axis=2)).sum())
    if off:
        losses.append(f"sub-pixel positions: {off} points would be rounded to whole pixels (JABS stores uint16)")
    scores = np.where(table.predicted[:, None], table.point_scores, np.nan)
    low = int((visible & (scores <= MIN_CONFIDENCE)).sum())
    if low:
        losses.append(
            f"{low} predicted points with a confidence of {MIN_CONFIDENCE} or less would read back as missing "
            "(JABS's cut-off)"
        )
    unscored = int((visible & table.predicted[:, None] & np.isnan(table.point_scores)).sum())
    if unscored:
        losses.append(f"{unscored} predicted points without a score would read back with confidence 1.0")
    if version is not None and version < 5 and _static_objects(labels):
        losses.append(f"the static objects ({', '.join(_static_objects(labels))}): v{version} has no place for them")
    return losses


def write_claim(labels: poseio.Labels, options: dict[str, Any] | None = None) -> poseio.Claim:
    """How well JABS suits the labels, and what a JABS file would lose of them."""
    table = labels.to_table()
    problem = _problem(labels, table)
    if problem is not None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, problem)
    version = (options or {}).get("version")
    losses = _losses(labels, table, version if version in WRITE_VERSIONS else None)
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from a JABS file", losses=losses)
    # Below the formats that take any .h5 labels: a JABS skeleton alone does not make a JABS file the best choice.
    return poseio.Claim(FORMAT, poseio.CONTAINER_MATCH, "poses of JABS's mouse keypoints", losses=losses)


def _identities(labels: poseio.Labels, table: poseio.PoseTable, version: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The identity number of every row, and what poseio keeps of them (see `TRACKS_DATASET`)."""
    first = 0 if version == 3 else 1
    tracked = table.track != poseio.NO_TRACK
    used = np.unique(table.track[tracked])
    names = [labels.tracks[int(t)].name for t in used]
    numbers = [int(n) if n.isascii() and n.isdigit() else None for n in names]
    # Tracks named by numbers (as read from JABS) keep them; others are numbered in order.
    numeric = all(v is not None and v >= first for v in numbers) and len(set(numbers)) == len(names)
    own = np.array(numbers if numeric else range(first, first + len(names)), dtype=np.int64)
    ids = np.empty(len(table), dtype=np.int64)
    ids[tracked] = own[np.searchsorted(used, table.track[tracked])]
    # Each untracked pose: an identity of its own, after every track's.
    following = int(own.max()) + 1 if len(own) else first
    ids[~tracked] = following + np.arange(int((~tracked).sum()))
    if ids.size and ids.max() > np.iinfo(np.uint32).max:
        raise poseio.InvalidLabelsError("a track's number is past what JABS's uint32 identities hold; rename it")
    kept = {"tracks": {str(n): name for n, name in zip(own.tolist(), names)}, "untracked_from": following}
    return ids, kept


def write_jabs(labels: poseio.Labels, path: Path, options: dict[str, Any], destination: Path | None = None) -> None:
    """Write a JABS pose file at ``path`` for ``destination``, whose name says the version (docs/formats/jabs.md)."""
    import h5py

    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    version = _check_version(options, destination or path)
    if version is None:
        version = DEFAULT_VERSION
    if not labels.skeletons:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no keypoints to write")
    table = labels.to_table().sorted()
    problem = _problem(labels, table)
    if problem is not None:
        raise poseio.InvalidLabelsError(f"{path}: {problem}")
    targets = _node_map(labels.skeletons[int(table.skeleton[0])])
    n_nodes = len(targets)
    video = labels.videos[int(table.video[0])]
    n_frames = int(table.frame_idx.max()) + 1
    if video.shape and video.shape[0]:
        n_frames = max(n_frames, int(video.shape[0]))
    # Each instance's place in its frame: slots 0, 1, ... in row order.
    keys = table.frame_idx
    first_row = np.searchsorted(keys, keys, side="left")
    slot = np.arange(len(table)) - first_row
    n_slots = int(slot.max()) + 1
    used_tracks = np.unique(table.track[table.track != poseio.NO_TRACK])
    if version == 2 and (n_slots > 1 or len(used_tracks) > 1):
        raise poseio.InvalidLabelsError(
            f"{path}: JABS v2 holds one mouse, but the labels have "
            + (f"{n_slots} instances in a frame" if n_slots > 1 else f"{len(used_tracks)} tracks")
            + f"; write v3 or later ({say_option('version', 5)} and a name ending _pose_est_v5.h5)"
        )
    static = _static_objects(labels)
    if static and version < 5:
        warnings.warn(
            f"{path}: the static objects ({', '.join(static)}) are not written: v{version} has no place for them "
            "(v5 has)",
            UserWarning,
            stacklevel=2,
        )

    xy = table.points[:, :n_nodes, :2]
    visible = np.isfinite(xy).all(axis=2)
    scores = np.where(table.predicted[:, None], table.point_scores[:, :n_nodes], np.nan)
    confidence_rows = np.where(visible, np.where(np.isnan(scores), 1.0, scores), 0.0)
    pixels = np.where(visible[..., None], np.rint(np.where(visible[..., None], xy, 0)), 0).astype(np.uint16)

    points = np.zeros((n_frames, n_slots, N_NODES, 2), dtype=np.uint16)
    confidence = np.zeros((n_frames, n_slots, N_NODES), dtype=np.float32)
    frames = table.frame_idx
    points[frames[:, None], slot[:, None], targets[None, :]] = pixels[..., ::-1]  # JABS stores (y, x)
    confidence[frames[:, None], slot[:, None], targets[None, :]] = confidence_rows
    attributes = _kept_attributes(labels)

    with h5py.File(path, "w") as h5file:
        group = h5file.create_group(GROUP)
        for key, value in attributes.items():
            group.attrs[key] = value
        group.attrs["version"] = np.array([version, 0], dtype=np.uint16)
        if version == 2:
            group.create_dataset("points", data=points[:, 0], compression="gzip")
            group.create_dataset("confidence", data=confidence[:, 0], compression="gzip")
            # The one mouse is identity 1 as JABS's readers name it; untracked labels come back untracked.
            tracks = {"1": labels.tracks[int(used_tracks[0])].name} if len(used_tracks) else {}
            kept = {"tracks": tracks, "untracked_from": None if tracks else 1}
            group.create_dataset(TRACKS_DATASET, data=json.dumps(kept))
            return
        ids, kept = _identities(labels, table, version)
        identity = np.zeros((n_frames, n_slots), dtype=np.uint32)
        identity[frames, slot] = ids
        filled = np.zeros((n_frames, n_slots), dtype=bool)
        filled[frames, slot] = True
        counts = filled.sum(axis=1)
        group.create_dataset("points", data=points, compression="gzip")
        group.create_dataset("confidence", data=confidence, compression="gzip")
        group.create_dataset("instance_count", data=counts.astype(np.uint8 if n_slots < 256 else np.uint16))
        group.create_dataset("instance_track_id", data=identity, compression="gzip")
        # No embeddings to give: zeros, as JABS's own tools write for poses without them.
        group.create_dataset("instance_embedding", data=np.zeros_like(confidence), compression="gzip")
        group.create_dataset(TRACKS_DATASET, data=json.dumps(kept))
        if version == 3:
            return
        group.create_dataset("instance_embed_id", data=identity, compression="gzip")
        group.create_dataset("id_mask", data=~filled)  # 0 = the pose has an identity
        group.create_dataset("identity_embeds", data=np.zeros((n_frames, n_slots, 0), dtype=np.float32))
        group.create_dataset("instance_id_center", data=np.zeros((len(np.unique(ids)), 0), dtype=np.float64))
        if version == 5 and static:
            objects = h5file.create_group(STATIC)
            for name, value in static.items():
                objects.create_dataset(name, data=value)


def _kept_attributes(labels: poseio.Labels) -> dict[str, Any]:
    """The poseest attributes of labels read from a JABS file (``cm_per_pixel``, ...), but its version."""
    details = labels.provenance.get("jabs")
    found = details.get("attributes") if isinstance(details, dict) else None
    if not isinstance(found, dict):
        return {}
    kept = {}
    for key, value in found.items():
        if key == "version" or value is None:
            continue
        if isinstance(value, (str, int, float, bool)) or (
            isinstance(value, list) and all(isinstance(v, (int, float)) for v in value)
        ):
            kept[str(key)] = value
    return kept
