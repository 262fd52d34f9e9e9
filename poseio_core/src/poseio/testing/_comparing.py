"""Comparing Labels aspect by aspect, with failures that say where and what differs."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from poseio._model._instance import Instance, PredictedInstance
from poseio._model._labels import Labels

#: Everything a lossless format keeps. A plugin's test lists what its format keeps.
ALL_ASPECTS = frozenset(
    {
        "points",
        "frames",
        "videos",
        "tracks",
        "kinds",
        "point_scores",
        "instance_scores",
        "edges",
        "symmetries",
        "skeleton_name",
        "video_shape",
        "fps",
    }
)

#: How many differences a failure lists.
LISTED = 5


class LabelsDiffer(AssertionError):
    """Two Labels differ in an aspect the format claims to keep; the message lists where."""


def _rounded(values: np.ndarray, decimals: int) -> tuple:
    return tuple(np.round(np.nan_to_num(np.asarray(values, dtype=float), nan=-1e9), decimals).ravel())


def _describe(instance: Instance) -> str:
    kind = "predicted" if isinstance(instance, PredictedInstance) else "user"
    track = f"track {instance.track.name!r}" if instance.track is not None else "untracked"
    points = ", ".join(
        f"{node}=({', '.join(f'{c:g}' for c in xy)})" if np.isfinite(xy).all() else f"{node}=hidden"
        for node, xy in zip(instance.skeleton.node_names, instance.points)
    )
    return f"{kind} {track}: {points}"


#: What an untracked instance may come back as in a format that gives untracked instances tracks.
A_NEW_TRACK = "<a track of its own>"


def _track_name(instance: Instance) -> str | None:
    return instance.track.name if instance.track is not None else None


def _instance_key(
    instance: Instance, keeps: frozenset[str], scores_of: bool, track_of: Callable[[Instance], str | None] = _track_name
) -> tuple:
    """What of one instance a format that keeps ``keeps`` must give back.

    ``scores_of``: the expected instance is predicted, so its scores are owed; a
    user instance has none, whatever kind the format gives it back as.
    ``track_of``: what stands for the instance's track.
    """
    predicted = isinstance(instance, PredictedInstance)
    track = track_of(instance)
    key: list = [
        track if "tracks" in keeps else None,
        predicted if "kinds" in keeps else None,
        tuple(instance.skeleton.node_names),
        _rounded(instance.points, 4) if "points" in keeps else (),
    ]
    if scores_of and "point_scores" in keeps:
        key.append(_rounded(getattr(instance, "point_scores", np.full(len(instance.points), np.nan)), 5))
    if scores_of and "instance_scores" in keeps:
        key.append(
            (_rounded(getattr(instance, "score", np.nan), 5), _rounded(getattr(instance, "tracking_score", np.nan), 5))
        )
    return tuple(key)


def _frames(labels: Labels, keeps: frozenset[str]) -> dict[tuple, list[Instance]]:
    frames: dict[tuple, list[Instance]] = {}
    for frame in labels.labeled_frames:
        key = (
            frame.video.filename if "videos" in keeps else "",
            frame.frame_idx if "frames" in keeps else len(frames),
        )
        frames.setdefault(key, []).extend(frame.instances)
    return frames


def instance_differences(
    expected: Labels, actual: Labels, keeps: frozenset[str], *, untracked_as_tracks: bool = False
) -> list[str]:
    """Every instance of ``expected`` that ``actual`` lacks, or has otherwise, frame by frame.

    Instances are matched within a frame whatever their order, so a format may
    store them in any order; an untracked crowd must come back as many
    instances, each with its own points.

    With ``untracked_as_tracks`` (a format that may store untracked instances
    as tracks, such as DeepLabCut's individuals), each untracked instance of
    ``expected`` must come back untracked or on a track named by none of
    ``expected``'s tracks, one such track per instance of its frame; tracked
    instances keep their tracks.
    """
    problems = _crowds_sharing_tracks(expected, actual) if untracked_as_tracks and "tracks" in keeps else []
    expected_track, actual_track = _track_name, _track_name
    if untracked_as_tracks:
        known = {track.name for track in expected.tracks}

        def expected_track(instance: Instance) -> str | None:
            return A_NEW_TRACK if instance.track is None else instance.track.name

        def actual_track(instance: Instance) -> str | None:
            name = _track_name(instance)
            return A_NEW_TRACK if name is None or name not in known else name

    expected_frames, actual_frames = _frames(expected, keeps), _frames(actual, keeps)
    for where in sorted(set(expected_frames) | set(actual_frames), key=repr):
        wanted, found = expected_frames.get(where, []), actual_frames.get(where, [])
        label = f"video {where[0]!r} frame {where[1]}" if "videos" in keeps else f"frame {where[1]}"
        if not found:
            problems.append(f"{label}: missing ({len(wanted)} instances expected)")
            continue
        if not wanted:
            problems.append(f"{label}: not expected, but read with {len(found)} instances")
            continue
        for kind in (True, False):  # scores are owed for predicted instances only
            owed = [i for i in wanted if isinstance(i, PredictedInstance) == kind]
            if not owed:
                continue
            want = Counter(_instance_key(i, keeps, kind, expected_track) for i in owed)
            candidates = (
                found if "kinds" not in keeps else [i for i in found if isinstance(i, PredictedInstance) == kind]
            )
            have = Counter(_instance_key(i, keeps, kind, actual_track) for i in candidates)
            for key, count in (want - have).items():
                instance = next(i for i in owed if _instance_key(i, keeps, kind, expected_track) == key)
                near = [_describe(i) for i in candidates if i.skeleton.node_names == instance.skeleton.node_names]
                problems.append(
                    f"{label}: {f'{count} x ' if count > 1 else ''}{_describe(instance)} was not read back"
                    + (f"; the frame holds {'; '.join(near[:3])}" if near else "")
                )
        if len(found) != len(wanted):
            problems.append(f"{label}: {len(found)} instances read back, {len(wanted)} written")
    return problems


def _crowds_sharing_tracks(expected: Labels, actual: Labels) -> list[str]:
    """Frames of ``actual`` where two instances share a track that ``expected`` does not have."""
    known = {track.name for track in expected.tracks}
    problems = []
    for frame in actual.labeled_frames:
        new = Counter(i.track.name for i in frame.instances if i.track is not None and i.track.name not in known)
        shared = sorted(name for name, count in new.items() if count > 1)
        if shared:
            problems.append(
                f"video {frame.video.filename!r} frame {frame.frame_idx}: untracked instances came back sharing "
                f"the track(s) {shared}"
            )
    return problems


def object_differences(expected: Labels, actual: Labels, keeps: frozenset[str]) -> list[str]:
    """Skeletons and videos of ``expected`` that ``actual`` does not keep as ``keeps`` says."""
    problems = []
    used = {id(i.skeleton) for f in expected.labeled_frames for i in f.instances}
    for skeleton in (s for s in expected.skeletons if id(s) in used):
        match = [s for s in actual.skeletons if s.node_names == skeleton.node_names]
        if not match:
            problems.append(f"skeleton {skeleton.name!r} with nodes {skeleton.node_names} was not kept")
            continue
        if "edges" in keeps and not any(s.edge_inds == skeleton.edge_inds for s in match):
            problems.append(f"skeleton {skeleton.name!r}: edges {skeleton.edge_inds} became {match[0].edge_inds}")
        if "symmetries" in keeps and not any(sorted(s.symmetry_inds) == sorted(skeleton.symmetry_inds) for s in match):
            problems.append(
                f"skeleton {skeleton.name!r}: symmetries {sorted(skeleton.symmetry_inds)} became "
                f"{sorted(match[0].symmetry_inds)}"
            )
        if "skeleton_name" in keeps and not any(s.name == skeleton.name for s in match):
            problems.append(f"skeleton {skeleton.name!r} came back named {match[0].name!r}")
    if "videos" in keeps:
        by_name = {v.filename: v for v in actual.videos}
        for video in {id(f.video): f.video for f in expected.labeled_frames}.values():
            found = by_name.get(video.filename)
            if found is None:
                problems.append(f"video {video.filename!r} was not kept; read back: {sorted(by_name)}")
                continue
            if "video_shape" in keeps and found.shape != video.shape:
                problems.append(f"video {video.filename!r}: shape {video.shape} became {found.shape}")
            if "fps" in keeps and found.fps != video.fps:
                problems.append(f"video {video.filename!r}: fps {video.fps} became {found.fps}")
    return problems


def fail_with(problems: Sequence[str], what: str) -> None:
    """Raise `LabelsDiffer` listing the first problems, when there are any."""
    if problems:
        more = f"\n  ... and {len(problems) - LISTED} more" if len(problems) > LISTED else ""
        raise LabelsDiffer(f"{what}:\n  " + "\n  ".join(problems[:LISTED]) + more)


def assert_labels_equal(
    expected: Labels, actual: Labels, keeps: frozenset[str] = ALL_ASPECTS, *, untracked_as_tracks: bool = False
) -> None:
    """Assert two Labels hold the same poses, comparing only the aspects in ``keeps``.

    Args:
        expected: The Labels written.
        actual: The Labels read back.
        keeps: The aspects to compare (see `ALL_ASPECTS`).
        untracked_as_tracks: The format gives each untracked instance a track
            of its own (see `instance_differences`).

    Raises:
        LabelsDiffer: (an ``AssertionError``) naming each frame, instance, node
            or object that differs, and how.
    """
    fail_with(
        instance_differences(expected, actual, keeps, untracked_as_tracks=untracked_as_tracks)
        + object_differences(expected, actual, keeps),
        "the Labels read back differ from those written",
    )


def visible_point_rows(labels: Labels) -> list[tuple]:
    """Every visible point as ``(frame_idx, track name or None, node name, *coordinates)``."""
    rows = []
    for frame in labels.labeled_frames:
        for instance in frame.instances:
            track = instance.track.name if instance.track is not None else None
            for node, xyz in zip(instance.skeleton.node_names, instance.points):
                if np.isfinite(xyz).all():
                    rows.append((frame.frame_idx, track, node, *(float(c) for c in xyz)))
    return rows


def point_row_differences(expected: Iterable[tuple], actual: Iterable[tuple], decimals: int = 6) -> list[str]:
    """Rows of visible points one side has and the other lacks (coordinates rounded to ``decimals``)."""

    def normal(row: tuple) -> tuple:
        frame, track, node, *coords = row
        return (
            int(frame),
            None if track is None else str(track),
            str(node),
            *(round(float(c), decimals) for c in coords),
        )

    want, have = Counter(map(normal, expected)), Counter(map(normal, actual))
    missing = [f"missing point {row}" for row in sorted(want - have, key=repr)]
    extra = [f"unexpected point {row}" for row in sorted(have - want, key=repr)]
    # Interleaved, so that a failure's first lines show what was read instead of what was expected.
    mixed = [row for pair in itertools.zip_longest(missing, extra) for row in pair if row is not None]
    return mixed
