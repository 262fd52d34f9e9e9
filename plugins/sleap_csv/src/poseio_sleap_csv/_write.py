"""Writing Labels as a sleap-io CSV file of one layout, and its metadata sidecar.

The columns are sleap-io 0.9.5's (see `_columns`), written as pandas writes
them (floats in full, empty cells for NaN), so that ``sleap_io.load_csv``
reads the file. Two columns sleap-io's ``sleap`` layout leaves out are added
when they hold something, since sleap-io reads them: ``video_path`` (several
videos, as the other layouts have it) and ``track_score``.

The sidecar ``<stem>.json`` goes beside the destination (the hook's
``destination``; poseio hands the writer a temporary file beside it, renamed
over it on success), written through a temporary file of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, refuse_unknown, say_option

from poseio_sleap_csv._columns import FORMAT, LAYOUTS
from poseio_sleap_csv._plugin import WRITE_OPTIONS
from poseio_sleap_csv._sidecar import is_sidecar, sidecar_document, sidecar_path, write_sidecar


def _options(options: dict[str, Any]) -> tuple[str, bool]:
    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    layout = check_choice(options.get("layout", "sleap"), LAYOUTS, FORMAT, option="layout")
    metadata = check_choice(options.get("metadata", True), (True, False), FORMAT, option="metadata")
    return layout, metadata


def _refusal(labels: poseio.Labels, table: poseio.PoseTable, layout: str) -> str | None:
    """Why the labels cannot be written at all, or ``None``."""
    if table.ndim == 3 and np.isfinite(table.points[..., 2]).any():
        return "the poses have z coordinates; sleap-io CSV columns are x and y. Drop z or use another format"
    if len(labels.skeletons) > 1:
        return f"the labels have {len(labels.skeletons)} skeletons; a sleap-io CSV holds one. Write one per skeleton"
    if not labels.skeletons:
        return "the labels have no skeleton, so there are no node columns to write"
    if layout == "sleap" and "instance" in labels.skeletons[0].node_names:
        return (
            "a node is named 'instance', whose score column would be the instance score column 'instance.score'; "
            f"write with {say_option('layout', 'instances')}"
        )
    names = [v.filename for v in labels.videos]
    if len(set(names)) < len(names):
        return "two videos have one file name, which the video_path column cannot tell apart; rename one"
    return None


def _losses(labels: poseio.Labels, table: poseio.PoseTable, layout: str, metadata: bool) -> list[str]:
    losses = []
    unscored = table.predicted & ~np.isfinite(table.score) & ~np.isfinite(table.point_scores).any(axis=1)
    if unscored.any():
        losses.append(
            f"the user/predicted flag: {int(unscored.sum())} predictions without any score would read back as user "
            "instances (a row with no score is a user instance)"
        )
    if layout == "frames":
        empty = ~np.isfinite(table.points).all(axis=2).any(axis=1)
        if empty.any():
            losses.append(f"{int(empty.sum())} instances without a visible point (the frames layout keeps none)")
    if metadata:
        return losses
    skeleton = labels.skeletons[0]
    where = "with metadata=False (the sidecar JSON would keep it)"
    if skeleton.edges:
        losses.append(f"the skeleton's {len(skeleton.edges)} edges, {where}")
    if skeleton.symmetries:
        losses.append(f"the skeleton's symmetries, {where}")
    if skeleton.name:
        losses.append(f"the skeleton's name {skeleton.name!r}, {where}")
    if layout == "sleap" and skeleton.node_names != sorted(skeleton.node_names):
        losses.append(f"the node order (the sleap layout sorts its columns by name), {where}")
    if len(labels.videos) == 1:
        losses.append(f"the video's name {labels.videos[0].filename!r}, {where}")
    unused = len(labels.tracks) - len(set(table.track[table.track >= 0].tolist()))
    if unused:
        losses.append(f"{unused} tracks without an instance, {where}")
    return losses


def write_claim(labels: poseio.Labels, options: dict[str, Any] | None = None) -> poseio.Claim:
    """How well the format suits the labels, when a ``.csv`` is saved without a format, and what it would lose."""
    try:
        layout, metadata = _options(options or {})
    except poseio.InvalidOptionError:
        layout, metadata = "sleap", True  # the write itself refuses them, saying why
    table = labels.to_table()
    refusal = _refusal(labels, table, layout)
    if refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, refusal)
    losses = _losses(labels, table, layout, metadata)
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "the labels were read from a sleap-io CSV", losses=losses)
    # Any 2D poses of one skeleton fit, but DeepLabCut's CSV is the better-known home for a .csv.
    return poseio.Claim(FORMAT, poseio.CONTAINER_MATCH, "2D poses of one skeleton fit sleap-io's CSV", losses=losses)


def _text(values: list[str | None]) -> np.ndarray:
    return np.array(values, dtype=object)


class _Table:
    """The labels' rows, as the columns every layout takes from."""

    def __init__(self, labels: poseio.Labels) -> None:
        table = labels.to_table().sorted()
        self.labels, self.table = labels, table
        self.nodes = labels.skeletons[0].node_names
        n = len(self.nodes)
        self.points = table.points[:, :n, :2]
        self.predicted = table.predicted
        self.point_scores = np.where(self.predicted[:, None], table.point_scores[:, :n], np.nan)
        self.score = np.where(self.predicted, table.score, np.nan)
        self.tracking = np.where(self.predicted, table.tracking_score, np.nan)
        names = [t.name for t in labels.tracks]
        self.track = _text([names[t] if t >= 0 else None for t in table.track.tolist()])
        self.several_videos = len(labels.videos) > 1
        self.video = _text([labels.videos[v].filename for v in table.video.tolist()])
        self.frame = table.frame_idx.astype(np.int64)
        self.any_predicted = bool(self.predicted.any())

    def node_columns(self, prefix: str = "", score: bool | None = None) -> dict[str, np.ndarray]:
        score = self.any_predicted if score is None else score
        columns = {}
        for k, node in enumerate(self.nodes):
            columns[f"{prefix}{node}.x"] = self.points[:, k, 0]
            columns[f"{prefix}{node}.y"] = self.points[:, k, 1]
            if score:
                columns[f"{prefix}{node}.score"] = self.point_scores[:, k]
        return columns


def _sleap(rows: _Table) -> dict[str, np.ndarray]:
    columns = {"track": rows.track, "frame_idx": rows.frame, "instance.score": rows.score}
    if rows.several_videos:
        columns["video_path"] = rows.video
    if np.isfinite(rows.tracking).any():
        columns["track_score"] = rows.tracking
    nodes = rows.node_columns()
    # sleap-io sorts the node columns by name.
    return columns | {key: nodes[key] for key in sorted(nodes)}


def _instances(rows: _Table) -> dict[str, np.ndarray]:
    columns = {"frame_idx": rows.frame}
    if rows.several_videos:
        columns["video_path"] = rows.video
    columns |= {"track": rows.track, "track_score": rows.tracking, "score": rows.score}
    return columns | rows.node_columns()


def _points(rows: _Table) -> dict[str, np.ndarray]:
    n_nodes = len(rows.nodes)

    def each(values: np.ndarray) -> np.ndarray:
        return np.repeat(values, n_nodes)

    columns = {
        "frame_idx": each(rows.frame),
        "node": _text(rows.nodes * len(rows.frame)),
        "x": rows.points[..., 0].ravel(),
        "y": rows.points[..., 1].ravel(),
    }
    if rows.several_videos:
        columns["video_path"] = each(rows.video)
    columns |= {"track": each(rows.track), "track_score": each(rows.tracking), "instance_score": each(rows.score)}
    if rows.any_predicted:
        columns["score"] = rows.point_scores.ravel()
    return columns


def _frames(rows: _Table) -> dict[str, np.ndarray]:
    table = rows.table
    keys = np.stack([table.video, table.frame_idx], axis=1) if len(table) else np.zeros((0, 2), np.int64)
    unique, first, frame_of_row = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    frame_of_row = frame_of_row.ravel()
    order = np.argsort(first)  # frames in the table's order (video, then frame)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    frame_of_row = rank[frame_of_row]
    # The slot of each row: its place among the rows of its frame (a sorted table holds a frame's rows together).
    starts = np.flatnonzero(np.r_[True, frame_of_row[1:] != frame_of_row[:-1]]) if len(table) else np.zeros(0, int)
    slot = np.arange(len(table)) - np.repeat(starts, np.diff(np.r_[starts, len(table)]))
    # At least one slot: a file without frames still names its nodes.
    n_frames, n_slots = len(unique), int(slot.max()) + 1 if len(table) else 1
    columns: dict[str, np.ndarray] = {"frame_idx": unique[order, 1] if n_frames else np.zeros(0, np.int64)}
    if rows.several_videos:
        names = [v.filename for v in rows.labels.videos]
        columns["video_path"] = _text([names[v] for v in unique[order, 0].tolist()])
    for k in range(n_slots):
        chosen = np.flatnonzero(slot == k)
        at = frame_of_row[chosen]

        def spread(values: np.ndarray, chosen=chosen, at=at) -> np.ndarray:
            out = np.full(n_frames, None if values.dtype == object else np.nan, dtype=values.dtype)
            out[at] = values[chosen]
            return out

        columns[f"inst{k}.track"] = spread(rows.track)
        columns[f"inst{k}.track_score"] = spread(rows.tracking)
        columns[f"inst{k}.score"] = spread(rows.score)
        for key, values in rows.node_columns(f"inst{k}.", score=True).items():
            columns[key] = spread(values)
    return columns


_LAYOUT_COLUMNS = {"sleap": _sleap, "instances": _instances, "points": _points, "frames": _frames}


def write_sleap_csv(
    labels: poseio.Labels, path: Path, options: dict[str, Any], destination: Path | None = None
) -> None:
    """Write a sleap-io CSV file, and its sidecar unless ``metadata=False`` (see ``docs/formats/sleap-csv.md``)."""
    import pandas as pd

    layout, metadata = _options(options)
    destination = destination or path
    table = labels.to_table()
    refusal = _refusal(labels, table, layout)
    if refusal:
        raise poseio.InvalidLabelsError(f"{destination}: {refusal}")
    sidecar = sidecar_path(destination)
    if sidecar.exists() and not (sidecar.is_file() and is_sidecar(sidecar)):
        raise poseio.WriteError(
            f"{destination}: {sidecar.name} beside it is not a sleap-io metadata sidecar, and would be replaced "
            f"by one (or read as one). Move it, or write to another name",
            path=destination,
        )
    if not metadata and sidecar.exists():
        raise poseio.WriteError(
            f"{destination}: the sidecar {sidecar.name} beside it would be read with the new CSV, and no longer "
            f"matches it. Remove it, or write with {say_option('metadata', True)}",
            path=destination,
        )
    columns = _LAYOUT_COLUMNS[layout](_Table(labels))
    pd.DataFrame(columns).to_csv(path, index=False, na_rep="")
    if metadata:
        write_sidecar(sidecar_document(labels), sidecar)
