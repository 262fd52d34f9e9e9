"""Reading JABS pose files (``poseest`` versions 2 to 6) into Labels of predicted instances.

The file's points are whole pixels stored (y, x); they are returned (x, y).
A keypoint is a point where its confidence is above ``min_confidence`` (0.3,
JABS's own cut-off; 0 marks a keypoint the pose estimator did not find). Which
slots of a frame hold poses depends on the version: v2 has one mouse per
frame; v3 the first ``instance_count`` slots, named by ``instance_track_id``;
v4 and later the slots whose ``id_mask`` is 0, named by ``instance_embed_id``.
The version is the one the file name declares, as JABS reads it, when the
datasets hold what it needs; otherwise the one the datasets hold. A ``version``
attribute that says otherwise is reported (a warning and
``provenance["jabs"]["notes"]``), not followed. What the model has no place
for is kept in ``labels.provenance["jabs"]`` (see ``docs/formats/jabs.md``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, check_fps, check_video, refuse_unknown, say_option

from poseio_jabs._layout import (
    DYNAMIC,
    EDGES,
    GROUP,
    N_NODES,
    NODE_NAMES,
    READ_VERSIONS,
    SKELETON_NAME,
    STATIC,
    SYMMETRIES,
    TRACKS_DATASET,
    attribute_version,
    datasets_version,
    fits,
    name_version,
    video_stem,
)
from poseio_jabs._sniff import FORMAT

READ_OPTIONS = ("fps", "video", "version", "min_confidence", "unassigned")
#: JABS counts a keypoint as found where its confidence is above this.
MIN_CONFIDENCE = 0.3
#: JABS's attributes are a version pair, a scale and its source: anything larger is not read.
MAX_ATTRIBUTE_BYTES = 1 << 16
#: How many datasets of ``dynamic_objects`` are listed (a crafted file can hold millions).
MAX_LISTED = 1000


class VersionWarning(UserWarning):
    """A JABS file whose ``version`` attribute or name disagrees with the datasets it holds."""


def skeleton() -> poseio.Skeleton:
    """A new Skeleton of JABS's twelve mouse keypoints."""
    return poseio.Skeleton(list(NODE_NAMES), edges=list(EDGES), symmetries=list(SYMMETRIES), name=SKELETON_NAME)


def _threshold(value: Any) -> float:
    if value is None:
        return MIN_CONFIDENCE
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= float(value) < np.inf:
        raise poseio.InvalidOptionError(
            f"min_confidence= must be a number of 0 or more (a keypoint counts above it), not {value!r}", format=FORMAT
        )
    return float(value)


def _plain(value: Any) -> Any:
    """An attribute's value as JSON-like Python (numbers, text, lists)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.dtype.kind in "SO" else value.tolist()
    return value.item() if isinstance(value, np.generic) else value


def _attributes(group: Any) -> dict[str, Any]:
    """The group's attributes as plain values; one that declares over `MAX_ATTRIBUTE_BYTES` is left out unread."""
    found = {}
    for key in group.attrs:
        if group.attrs.get_id(key).get_storage_size() <= MAX_ATTRIBUTE_BYTES:
            found[key] = _plain(group.attrs[key])
    return found


def _choose_version(
    forced: int | None, named: int | None, attribute: int | None, held: int | None, names: set[str], rank: int
) -> tuple[int | None, list[str]]:
    """The version to read the file as (``None``: the datasets fit no version), and notes on what disagrees."""
    notes: list[str] = []
    if forced is not None:
        if not fits(forced, names, rank):
            raise poseio.InvalidOptionError(
                f"{say_option('version', forced)}: the file's datasets do not hold a v{forced} layout "
                f"(they hold v{held})"
                if held
                else f"{say_option('version', forced)}: the file fits no JABS layout",
                format=FORMAT,
            )
        version = forced
    elif named is not None and named in READ_VERSIONS and fits(named, names, rank):
        version = named
    elif held is not None:
        # A file named otherwise: its attribute, where the datasets hold that version (v5's objects are optional).
        usable = attribute is not None and attribute in READ_VERSIONS and fits(attribute, names, rank)
        version = attribute if usable and attribute >= held else held
        if named is not None:
            notes.append(
                f"the file name says v{named}, but its datasets hold v{held}; read as v{version} (JABS would fail "
                "on it)"
            )
    else:
        return None, notes
    if attribute is not None and attribute != version:
        notes.append(
            f"poseest.attrs['version'] says {attribute}, but the "
            + ("file name and datasets say" if version == named else "datasets say")
            + f" v{version}; read as v{version}, as JABS does"
        )
    return version, notes


def _read_static(h5file: Any, where: str) -> dict[str, np.ndarray]:
    from poseio.hdf5 import reading, values

    found: dict[str, np.ndarray] = {}
    if STATIC not in h5file:
        return found
    with reading("the static objects", where):
        objects = h5file[STATIC]
        for name in objects:
            item = objects[name]
            if hasattr(item, "shape"):
                # Kept as stored: JABS's writers store some objects (y, x), others (x, y).
                found[name] = np.asarray(values(item))
    return found


def _dynamic_summary(h5file: Any, where: str) -> dict[str, Any]:
    """Names and shapes of v6 dynamic objects (read no data: poseio has no model for them)."""
    from poseio.hdf5 import reading

    summary: dict[str, Any] = {}
    if DYNAMIC not in h5file:
        return summary
    with reading("the dynamic objects", where):

        def record(name: str, item: Any) -> bool | None:
            if hasattr(item, "shape"):
                summary[name] = list(item.shape)
            return True if len(summary) >= MAX_LISTED else None  # a value stops the walk: enough listed

        h5file[DYNAMIC].visititems(record)
    return summary


def read_jabs(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a JABS pose file (see ``docs/formats/jabs.md``).

    Args:
        probe: The probe of the source (its HDF5 file is open).
        options: ``fps``, ``video`` (the video's path; by default JABS's
            ``<name>.avi`` beside the pose file), ``version`` (read as this
            version whatever the name says), ``min_confidence`` (0.3) and
            ``unassigned`` (keep v4+ poses without an identity as untracked
            instances; default ``False``, as JABS).

    Returns:
        Labels of one video and JABS's mouse skeleton; one track per identity.
    """
    from poseio.hdf5 import read_text, reading, values
    from poseio.limits import check_allocation

    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    forced = options.get("version")
    if forced is not None:
        check_choice(forced, READ_VERSIONS, FORMAT, option="version")
    threshold = _threshold(options.get("min_confidence"))
    keep_unassigned = check_choice(options.get("unassigned", False), (False, True), FORMAT, option="unassigned")
    h5file, where = probe.h5, probe.name
    if h5file is None:
        raise poseio.ReadError(f"{where}: not an HDF5 file, so not a JABS pose file", path=probe.path)
    if GROUP not in h5file or not hasattr(h5file[GROUP], "keys"):
        hint = " (JABS behaviour predictions: classifier output, not poses)" if "predictions" in h5file else ""
        raise poseio.ReadError(f"{where}: no 'poseest' group{hint}; not a JABS pose file", path=probe.path)

    with reading("the layout of poseest", where):
        group = h5file[GROUP]
        names = {n for n in group if hasattr(group[n], "shape")}
        if not {"points", "confidence"} <= names:
            raise poseio.ReadError(f"{where}: poseest has no points or no confidence dataset; the file is damaged")
        shape, confidence_shape = group["points"].shape, group["confidence"].shape
        attributes = _attributes(group)
        attribute = attribute_version(attributes["version"]) if "version" in attributes else None
        written = _poseio_tracks(read_text(group, TRACKS_DATASET)) if TRACKS_DATASET in names else None
    if shape[-2:] != (N_NODES, 2) or confidence_shape != shape[:-1] or len(shape) not in (3, 4):
        raise poseio.ReadError(
            f"{where}: poseest/points has shape {shape} and confidence {confidence_shape}; JABS's are "
            f"(frames[, mice], {N_NODES}, 2) and (frames[, mice], {N_NODES})"
        )
    named = name_version(PurePath(where).name)
    held = datasets_version(names, len(shape), STATIC in h5file, DYNAMIC in h5file)
    version, notes = _choose_version(forced, named, attribute, held, names, len(shape))
    if version is None:
        raise poseio.ReadError(
            f"{where}: poseest/points holds several mice, but neither instance_count and instance_track_id (v3) "
            "nor instance_embed_id and id_mask (v4+) say which slots are poses; the file is damaged",
            path=probe.path,
        )
    for note in notes:
        warnings.warn(f"{where}: {note}", VersionWarning, stacklevel=2)

    n_frames = shape[0]
    n_slots = 1 if len(shape) == 3 else shape[1]
    # The float copies of confidence and of the poses' points and scores, beside the stored arrays (values()
    # checks those).
    check_allocation(n_frames * n_slots * N_NODES * 4 * 8, f"{n_frames} frames of {n_slots} mice", where)
    with reading("the points and confidence", where):
        stored = values(group["points"])
        confidence = values(group["confidence"], np.float64)
    stored = stored.reshape(n_frames, n_slots, N_NODES, 2)
    confidence = confidence.reshape(n_frames, n_slots, N_NODES)
    loose, unassigned = None, 0
    with reading("the instance identities", where):
        if version == 2:
            selected = np.ones((n_frames, 1), dtype=bool)
            ids = np.ones((n_frames, 1), dtype=np.int64)
        elif version == 3:
            counts = values(group["instance_count"]).astype(np.int64).reshape(-1)
            ids = values(group["instance_track_id"]).astype(np.int64)
            if counts.shape != (n_frames,) or ids.shape != (n_frames, n_slots):
                raise poseio.ReadError(f"{where}: instance_count or instance_track_id does not fit poseest/points")
            selected = np.arange(n_slots)[None, :] < counts[:, None]
        else:
            mask = values(group["id_mask"])
            ids = values(group["instance_embed_id"]).astype(np.int64)
            if mask.shape != (n_frames, n_slots) or ids.shape != (n_frames, n_slots):
                raise poseio.ReadError(f"{where}: id_mask or instance_embed_id does not fit poseest/points")
            selected = mask == 0
            found = (confidence > threshold).any(axis=2)
            unassigned = int((found & ~selected).sum())
            if keep_unassigned:
                loose = ~selected & found  # kept, untracked
                selected = selected | loose
    valid = confidence > threshold
    present = selected & valid.any(axis=2)

    # One track per identity, named by its number (or by the name poseio wrote beside it), in number order.
    untracked = np.zeros_like(present) if loose is None else loose
    if version >= 4:
        untracked = untracked | (ids <= 0)  # 0 is JABS's "no identity"
    given, untracked_from = written if written is not None else ({}, None)
    if untracked_from is not None:
        untracked = untracked | (ids >= untracked_from)  # identities poseio made up for untracked poses
    kept_ids = np.unique(ids[present & ~untracked])
    tracks = [poseio.Track(given.get(int(i), str(int(i)))) for i in kept_ids]
    index = np.searchsorted(kept_ids, ids) if len(kept_ids) else np.zeros_like(ids)
    track_column = np.where(untracked | (len(tracks) == 0), poseio.NO_TRACK, index)

    frames, slots = np.nonzero(present)
    found = valid[frames, slots]
    table = poseio.PoseTable.build(
        # (y, x) in the file; a keypoint under the cut-off is no point.
        np.where(found[..., None], stored[frames, slots][..., ::-1].astype(np.float64), np.nan),
        video=0,
        frame_idx=frames,
        skeleton=0,
        track=track_column[frames, slots],
        predicted=True,
        point_scores=np.where(found, confidence[frames, slots], np.nan),
    )
    stem = video_stem(PurePath(where).name)
    metadata: dict[str, Any] = {}
    if video_name is None:
        video_name = str(Path(where).with_name(f"{stem}.avi")) if probe.path is not None else f"{stem}.avi"
        metadata["filename_guessed"] = True  # JABS pairs <name>.avi (or .mp4) with <name>_pose_est_vN.h5
    video = poseio.Video(video_name, shape=(n_frames, 0, 0, 0), fps=fps, metadata=metadata)
    details: dict[str, Any] = {
        "version": version,
        "version_from_name": named,
        "version_attribute": attribute,
        "version_from_datasets": held,
        "min_confidence": threshold,
        "attributes": attributes,
        "empty_poses": int((selected & ~valid.any(axis=2)).sum()),
    }
    if version >= 4:
        details["unassigned_poses"] = unassigned
        details["unassigned_kept"] = bool(keep_unassigned)
    static = _read_static(h5file, where) if version >= 5 else {}
    if static:
        details["static_objects"] = static
    dynamic = _dynamic_summary(h5file, where) if version >= 6 else {}
    if dynamic:
        details["dynamic_objects"] = dynamic
    provenance: dict[str, Any] = {"jabs": details}
    if notes:
        provenance["notes"] = notes
    return poseio.Labels.from_table(table, videos=[video], skeletons=[skeleton()], tracks=tracks, provenance=provenance)


def _poseio_tracks(text: str | None) -> tuple[dict[int, str], int | None] | None:
    """The track names and first made-up identity poseio wrote beside the identities; ``None`` when unreadable."""
    try:
        found = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("tracks"), dict):
        return None
    names = {
        int(key): name
        for key, name in found["tracks"].items()
        if isinstance(name, str) and str(key).lstrip("-").isdigit()
    }
    start = found.get("untracked_from")
    return names, start if isinstance(start, int) and not isinstance(start, bool) else None
