"""Reading SLEAP labels files (``.slp``, ``.pkg.slp``) with h5py, into a `poseio.PoseTable`.

The file holds four tables that index into each other: ``frames`` (one row per
labelled frame, naming a range of ``instances``), ``instances`` (one row per
pose, naming a range of ``points`` for user instances or ``pred_points`` for
predictions) and the two point tables. Skeletons, tracks and videos are JSON.
Everything is read as whole arrays and gathered with numpy: no Python loop
runs per instance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import poseio
from poseio.options import refuse_unknown

from poseio_sleap._common import SLEAP_KEY, SLP, damage, json_rows, parse_json
from poseio_sleap._skeletons import decode_skeletons
from poseio_sleap._videos import decode_video

#: ``instance_type`` values.
USER, PREDICTED = 0, 1
#: Files at or above this ``format_id`` use SLEAP's columnar layout, which has no ``instances`` table.
COLUMNAR_FORMAT_ID = 3.0
#: Below this ``format_id`` a point's coordinates put (0, 0) at a pixel's corner, not its centre.
PIXEL_CENTRE_FORMAT_ID = 1.1
#: Frame indices beyond this do not fit poseio's int64 columns (nor any real video).
MAX_FRAME = 2**62


def _field(table: np.ndarray, name: str, what: str) -> np.ndarray:
    if table.dtype.names is None or name not in table.dtype.names:
        raise ValueError(f"the {what} table has no {name!r} column (it has {table.dtype.names})")
    return table[name]


def _format_id(h5file: Any, where: str) -> tuple[float | None, dict]:
    if "metadata" not in h5file:
        raise poseio.ReadError(
            f"{where}: there is no /metadata group, which every SLEAP labels file has; "
            "the file is damaged or is not a SLEAP labels file"
        )
    with damage("the /metadata group's attributes", where):
        attributes = h5file["metadata"].attrs
        format_id = float(np.asarray(attributes["format_id"]).reshape(-1)[0]) if "format_id" in attributes else None
        if "json" not in attributes:
            raise poseio.ReadError(
                f"{where}: /metadata has no 'json' attribute, which holds the skeletons; the file is damaged. "
                "Save it again with SLEAP, or copy the attribute from a file with the same skeleton"
            )
        metadata = parse_json(attributes["json"])
        if not isinstance(metadata, dict):
            raise ValueError("the metadata JSON is not an object")
    if format_id is not None and format_id >= COLUMNAR_FORMAT_ID:
        raise poseio.ReadError(
            f"{where}: SLEAP labels format {format_id:g} uses a columnar layout this plugin does not read "
            f"(it reads formats below {COLUMNAR_FORMAT_ID:g}); save the file from SLEAP in an older format"
        )
    return format_id, metadata


def _track_name(row: Any) -> str:
    if isinstance(row, list) and len(row) >= 2:
        return str(row[1])  # [spawned_on, name]
    if isinstance(row, dict) and "name" in row:
        return str(row["name"])
    raise ValueError(f"a track entry is neither [spawned_on, name] nor an object with a name: {row!r}")


def _suggestions(h5file: Any, where: str) -> dict[int, list[tuple[int, int]]]:
    """``video index -> [(frame_idx, group), ...]`` of the frames SLEAP suggests labelling."""
    found: dict[int, list[tuple[int, int]]] = {}
    if "suggestions_json" not in h5file:
        return found
    with damage("the suggested frames (/suggestions_json)", where):
        for row in json_rows(h5file["suggestions_json"]):
            found.setdefault(int(row["video"]), []).append((int(row["frame_idx"]), int(row.get("group", 0))))
    return found


def _video_rows(frame_videos: np.ndarray, videos: list[poseio.Video], where: str) -> np.ndarray:
    """Each frame's index into ``videos``.

    Frames name videos by list index, except in packages whose embedded videos
    kept the number of their ``video<N>`` group, which may skip numbers.
    """
    # Quick for the usual one video (and np.unique's first call imports numpy.ma: 10 ms of a first load).
    ids = poseio.PoseTable.distinct(frame_videos)
    if len(ids) and not (len(ids) == len(videos) and ids[-1] == len(videos) - 1):
        lookup = {i: i for i in range(len(videos))}
        for index, video in enumerate(videos):
            dataset = ((video.metadata.get(SLEAP_KEY) or {}).get("embedded") or {}).get("dataset", "")
            group = dataset.split("/")[0]
            if group.startswith("video") and group[5:].isdigit():
                lookup[int(group[5:])] = index
        unknown = [int(i) for i in ids if int(i) not in lookup]
        if unknown:
            raise poseio.ReadError(f"{where}: frames refer to videos {unknown[:5]}, but the file has {len(videos)}")
        table = np.zeros(int(ids[-1]) + 1, dtype=np.int64)
        for key, index in lookup.items():
            if key < len(table):
                table[key] = index
        return table[frame_videos]
    return frame_videos.astype(np.int64)


def _instance_rows(starts: np.ndarray, stops: np.ndarray, n_instances: int, where: str) -> np.ndarray:
    """The instance table rows of every frame, in frame order (each frame names a range of them)."""
    counts = stops - starts
    if len(counts) and (counts.min() < 0 or starts.min() < 0 or stops.max() > n_instances):
        raise poseio.ReadError(f"{where}: /frames names instance ranges outside the {n_instances} instances")
    if len(starts) == 0 or (starts[0] == 0 and np.array_equal(starts[1:], stops[:-1]) and stops[-1] == n_instances):
        return np.arange(n_instances)  # the usual layout: consecutive ranges covering the table
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.repeat(starts, counts) + np.arange(int(counts.sum())) - offsets
    if len(np.unique(rows)) != len(rows):
        # Overlapping ranges would put one instance into two frames.
        raise poseio.ReadError(f"{where}: /frames names some instances in two frames; the file is damaged")
    return rows


def _gather(values: np.ndarray, starts: np.ndarray, n_nodes: np.ndarray, width: int) -> np.ndarray:
    """``(len(starts), width, ...)`` rows of ``values``: row i holds values[starts[i] : starts[i] + n_nodes[i]].

    Past a row's own nodes the result is NaN. When the ranges tile the table
    (every instance follows the previous one), this is a reshape, not a copy.
    """
    n = len(starts)
    if n and (n_nodes == width).all() and np.array_equal(starts, starts[0] + width * np.arange(n)):
        return values[starts[0] : starts[0] + n * width].reshape(n, width, *values.shape[1:])
    nodes = np.arange(width)
    inside = nodes[None, :] < n_nodes[:, None]
    gathered = values[np.where(inside, starts[:, None] + nodes[None, :], 0)]
    gathered[~inside] = np.nan
    return gathered


#: Rows of a point table read at a time: the table's rows interleave their fields, and are never held whole.
_SLAB_BYTES = 8 << 20


def _points(h5file: Any, name: str, where: str, format_id: float | None, scores: bool) -> tuple[np.ndarray, ...]:
    """A point table as ``(n, 2)`` coordinates, NaN where not visible (and ``(n,)`` scores).

    The rows are read a slab at a time into the coordinates and scores, so
    that the table itself (x, y, flags and score of every point, interleaved)
    is not held beside them.
    """
    from poseio.hdf5 import check_dataset, values

    with damage(f"the points (/{name})", where):
        dataset = h5file[name]
        wanted = ("x", "y", "visible", "score") if scores else ("x", "y", "visible")
        names = dataset.dtype.names
        if dataset.ndim != 1 or names is None or not set(wanted) <= set(names):
            table = values(dataset)  # the checks below say what is wrong
            rows: Any = [(0, len(table), table)]
            n = len(table)
        else:
            check_dataset(dataset)
            n = dataset.shape[0]
            step = max(1, _SLAB_BYTES // max(1, dataset.dtype.itemsize))
            rows = ((start, min(start + step, n), None) for start in range(0, n, step))
        xy = np.empty((n, 2))
        score = np.empty(n) if scores else None
        for start, stop, part in rows:
            if part is None:
                part = dataset[start:stop]
            place = xy[start:stop]
            place[:, 0] = _field(part, "x", name)
            place[:, 1] = _field(part, "y", name)
            hidden = ~_field(part, "visible", name).astype(bool, copy=False)  # SLEAP: an invisible point is missing
            if hidden.any():
                place[hidden] = np.nan  # whole rows by a mask: four times quicker than copyto's broadcast mask
            if score is not None:
                score[start:stop] = _field(part, "score", name)
        if format_id is not None and format_id < PIXEL_CENTRE_FORMAT_ID:
            xy -= 0.5  # files before 1.1 counted from a pixel's corner
        return (xy,) if score is None else (xy, score)


def _table(
    h5file: Any, where: str, skeletons: list[poseio.Skeleton], videos: list[poseio.Video], n_tracks: int, format_id
) -> tuple[poseio.PoseTable, int]:
    """The pose table, and how many labelled frames held no instance (poseio keeps no empty frames)."""
    from poseio.hdf5 import values
    from poseio.limits import check_allocation

    with damage("the labelled frames (/frames)", where):
        frames = values(h5file["frames"])
        frame_idx = _field(frames, "frame_idx", "frames")
        starts = _field(frames, "instance_id_start", "frames").astype(np.int64)
        stops = _field(frames, "instance_id_end", "frames").astype(np.int64)
        frame_videos = _field(frames, "video", "frames").astype(np.int64)
    if len(frame_idx) and int(frame_idx.max()) >= MAX_FRAME:
        raise poseio.ReadError(f"{where}: /frames holds frame index {int(frame_idx.max())}, which no video has")
    if len(frame_idx) and int(frame_idx.min()) < 0:
        raise poseio.ReadError(f"{where}: /frames holds frame index {int(frame_idx.min())}; the file is damaged")
    with damage("the instances (/instances)", where):
        instances = values(h5file["instances"])
        names = ["instance_type", "skeleton", "track", "score", "point_id_start", "point_id_end"]
        # tracking_score arrived with format 1.2: before it, the tracker's confidence is unknown.
        if instances.dtype.names is not None and "tracking_score" in instances.dtype.names:
            names.append("tracking_score")
        columns = {name: _field(instances, name, "instances") for name in names}
    rows = _instance_rows(starts, stops, len(instances), where)
    frame_of = np.repeat(np.arange(len(starts)), stops - starts)
    if not np.array_equal(rows, np.arange(len(instances))):
        columns = {name: column[rows] for name, column in columns.items()}
    kind = columns["instance_type"].astype(np.int64)
    skeleton = columns["skeleton"].astype(np.int64)
    track = columns["track"].astype(np.int64)
    for name, column, low, high in (
        ("instance_type", kind, USER, PREDICTED),
        ("skeleton", skeleton, 0, len(skeletons) - 1),
        ("track", track, -1, n_tracks - 1),
    ):
        bad = np.flatnonzero((column < low) | (column > high))
        if len(bad):
            raise poseio.ReadError(
                f"{where}: instance {int(rows[bad[0]])} has {name} {int(column[bad[0]])}, outside {low}..{high} "
                f"({len(bad)} such instances); the file is damaged"
            )
    n_nodes = np.array([len(s) for s in skeletons], dtype=np.int64)[skeleton] if len(skeleton) else skeleton
    point_starts = columns["point_id_start"].astype(np.int64)
    stored = columns["point_id_end"].astype(np.int64) - point_starts
    mismatch = np.flatnonzero(stored != n_nodes)
    if len(mismatch):
        i = mismatch[0]
        raise poseio.ReadError(
            f"{where}: instance {int(rows[i])} has {int(stored[i])} points but its skeleton has {int(n_nodes[i])} "
            "nodes; the file is damaged"
        )
    width = int(n_nodes.max()) if len(n_nodes) else max((len(s) for s in skeletons), default=0)
    n = len(kind)
    check_allocation(n * max(width, 1) * 3 * 8, f"{n} instances of up to {width} nodes", where)

    predicted = kind == PREDICTED
    user = ~predicted
    parts = {}
    for is_predicted, mask, name in ((False, user, "points"), (True, predicted, "pred_points")):
        if not mask.any():
            continue
        found = _points(h5file, name, where, format_id, scores=is_predicted)
        # Negative starts would index from the table's end: another instance's points, silently.
        if int((point_starts[mask] + n_nodes[mask]).max()) > len(found[0]) or int(point_starts[mask].min()) < 0:
            raise poseio.ReadError(f"{where}: instances name points outside the {len(found[0])} rows of /{name}")
        parts[is_predicted] = [_gather(values, point_starts[mask], n_nodes[mask], width) for values in found]
    if len(parts) == 1 and (predicted.all() or user.all()):
        gathered = next(iter(parts.values()))
        points = gathered[0]
        point_scores = gathered[1] if predicted.all() else np.full((n, width), np.nan)
    else:
        points = np.full((n, width, 2), np.nan)
        point_scores = np.full((n, width), np.nan)
        for is_predicted, gathered in parts.items():
            mask = predicted if is_predicted else user
            points[mask] = gathered[0]
            if is_predicted:
                point_scores[mask] = gathered[1]

    # Scores belong to predictions: SLEAP stores NaN or 0 for a user instance's.
    score = np.where(predicted, columns["score"], np.nan)
    tracking_score = np.where(predicted, columns["tracking_score"], np.nan) if "tracking_score" in columns else np.nan
    table = poseio.PoseTable(
        video=_video_rows(frame_videos, videos, where)[frame_of],
        frame_idx=frame_idx.astype(np.int64)[frame_of],
        skeleton=skeleton,
        track=np.where(track < 0, poseio.NO_TRACK, track),
        predicted=predicted,
        points=points,
        point_scores=point_scores,
        score=score,
        tracking_score=np.broadcast_to(tracking_score, (n,)),
    )
    return table, int((stops == starts).sum())


def read_slp(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a SLEAP labels file (or package) as Labels.

    Args:
        probe: The probe of the source (its HDF5 file is open).
        options: Read options; this reader takes none.

    Returns:
        Labels with every user and predicted instance, the skeletons (edges and
        symmetries), tracks and videos; SLEAP's own fields under ``"sleap"`` in
        ``provenance`` and in each video's ``metadata``.
    """
    refuse_unknown(options, (), SLP)
    h5file, where = probe.h5, probe.name
    format_id, metadata = _format_id(h5file, where)
    with damage("the skeletons (/metadata json)", where):
        skeletons = decode_skeletons(metadata)
    with damage("the tracks (/tracks_json)", where):
        tracks = (
            [poseio.Track(_track_name(row)) for row in json_rows(h5file["tracks_json"])]
            if ("tracks_json" in h5file)
            else []
        )
    suggestions = _suggestions(h5file, where)
    with damage("the videos (/videos_json)", where):
        entries = json_rows(h5file["videos_json"])
        videos = [
            decode_video(entry, h5file, probe.path, format_id, suggestions.get(i, []))
            for i, entry in enumerate(entries)
        ]
    table, empty_frames = _table(h5file, where, skeletons, videos, len(tracks), format_id)
    if len(table) and not videos:
        raise poseio.ReadError(f"{where}: the file has labelled frames but no videos in /videos_json")
    sleap_provenance = metadata.get("provenance") or {}
    if "provenance_json" in h5file:  # sleap-io >= 0.6 keeps it out of the size-limited attribute
        from poseio.hdf5 import values

        with damage("the provenance (/provenance_json)", where):
            sleap_provenance = parse_json(values(h5file["provenance_json"]))
    record: dict[str, Any] = {
        "format_id": format_id,
        "version": metadata.get("version"),
        "provenance": sleap_provenance,
    }
    if empty_frames:
        record["empty_frames"] = empty_frames
    return poseio.Labels.from_table(
        table, videos=videos, skeletons=skeletons, tracks=tracks, provenance={SLEAP_KEY: record}
    )
