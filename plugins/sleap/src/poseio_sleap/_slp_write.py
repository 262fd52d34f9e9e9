"""Writing SLEAP labels files from a `poseio.PoseTable`, in the layout SLEAP and sleap-io read.

The instance and point tables are built as whole structured arrays from the
table's columns. Videos read from a package keep their embedded frames: the
encoded images are copied from the package they were read from, unless
``embed=False``. A ``.pkg.slp`` name (or ``embed=True``) asks for a package:
the other videos' labelled frames are then read from their files and embedded
as PNG (`poseio_sleap._embedding`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.options import check_choice, refuse_unknown, say_option

from poseio_sleap._common import PACKAGE_ENDING, SLEAP_KEY, SLP, SLP_WRITE_OPTIONS, jsonable, to_json_text
from poseio_sleap._embedding import (
    ATTRIBUTE_LIMIT,
    FrameUnavailable,
    encode_frames,
    frames_to_embed,
    refusal,
    write_encoded,
    write_source_json,
)
from poseio_sleap._skeletons import encode_skeletons
from poseio_sleap._videos import EMBEDDED, encode_video

#: The labels format written: what sleap-io 0.9 writes for poses (embedded images record their channel order).
FORMAT_ID = 1.4

FRAME_DTYPE = np.dtype(
    [
        ("frame_id", "<u8"),
        ("video", "<u4"),
        ("frame_idx", "<u8"),
        ("instance_id_start", "<u8"),
        ("instance_id_end", "<u8"),
    ]
)
INSTANCE_DTYPE = np.dtype(
    [
        ("instance_id", "<i8"),
        ("instance_type", "u1"),
        ("frame_id", "<u8"),
        ("skeleton", "<u4"),
        ("track", "<i4"),
        ("from_predicted", "<i8"),
        ("score", "<f4"),
        ("point_id_start", "<u8"),
        ("point_id_end", "<u8"),
        ("tracking_score", "<f4"),
    ]
)
POINT_DTYPE = np.dtype([("x", "<f8"), ("y", "<f8"), ("visible", "?"), ("complete", "?")])
PREDICTED_POINT_DTYPE = np.dtype([("x", "<f8"), ("y", "<f8"), ("visible", "?"), ("complete", "?"), ("score", "<f8")])


def _checked_table(labels: poseio.Labels) -> poseio.PoseTable:
    table = labels.to_table()
    if table.ndim == 3:
        if np.isfinite(table.points[..., 2]).any():
            raise poseio.InvalidLabelsError(
                "SLEAP labels hold 2D points and these labels have z coordinates; save them to a 3D format "
                "(NWB), or drop z first"
            )
        table = poseio.PoseTable.build(
            table.points[..., :2],
            video=table.video,
            frame_idx=table.frame_idx,
            skeleton=table.skeleton,
            track=table.track,
            predicted=table.predicted,
            point_scores=table.point_scores,
            score=table.score,
            tracking_score=table.tracking_score,
        )
    if len(table) and table.frame_idx.min() < 0:
        raise poseio.InvalidLabelsError(f"frame index {int(table.frame_idx.min())} is negative; SLEAP counts from 0")
    return table.sorted()


def _point_rows(table: poseio.PoseTable, rows: np.ndarray, n_nodes: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The point table of ``rows``: each instance's own nodes, in order, one after the other."""
    width = table.n_nodes
    points = table.points[rows]
    inside = np.arange(width)[None, :] < n_nodes[rows][:, None]
    xy = points.reshape(-1, 2) if inside.all() else points[inside]
    out = np.empty(len(xy), dtype=dtype)
    visible = np.isfinite(xy).all(axis=1)
    out["x"], out["y"], out["visible"] = xy[:, 0], xy[:, 1], visible
    if "score" in dtype.names:
        scores = table.point_scores[rows]
        out["score"] = scores.reshape(-1) if inside.all() else scores[inside]
        out["complete"] = False  # SLEAP: a prediction's points await a person's confirmation
    else:
        out["complete"] = visible
    return out


def _tables(labels: poseio.Labels, table: poseio.PoseTable) -> dict[str, np.ndarray]:
    """The ``frames``, ``instances``, ``points`` and ``pred_points`` datasets."""
    n = len(table)
    new_frame = np.ones(n, dtype=bool)
    new_frame[1:] = (np.diff(table.video) != 0) | (np.diff(table.frame_idx) != 0)
    firsts = np.flatnonzero(new_frame)
    frames = np.empty(len(firsts), dtype=FRAME_DTYPE)
    frames["frame_id"] = np.arange(len(firsts))
    frames["video"] = table.video[firsts]
    frames["frame_idx"] = table.frame_idx[firsts]
    frames["instance_id_start"] = firsts
    frames["instance_id_end"] = np.append(firsts[1:], n)

    n_nodes = np.array([len(s) for s in labels.skeletons], dtype=np.int64)[table.skeleton] if n else np.zeros(0, int)
    predicted = table.predicted
    instances = np.empty(n, dtype=INSTANCE_DTYPE)
    instances["instance_id"] = np.arange(n)
    instances["instance_type"] = predicted
    instances["frame_id"] = np.cumsum(new_frame) - 1
    instances["skeleton"] = table.skeleton
    instances["track"] = table.track  # NO_TRACK is SLEAP's -1 too
    instances["from_predicted"] = -1
    instances["score"] = np.where(predicted, table.score, np.nan)
    instances["tracking_score"] = np.where(predicted, table.tracking_score, np.nan)
    # Each kind numbers its own point table.
    for kind in (False, True):
        rows = predicted == kind
        ends = np.cumsum(np.where(rows, n_nodes, 0))
        instances["point_id_start"][rows] = (ends - n_nodes)[rows]
        instances["point_id_end"][rows] = ends[rows]
    return {
        "frames": frames,
        "instances": instances,
        "points": _point_rows(table, np.flatnonzero(~predicted), n_nodes, POINT_DTYPE),
        "pred_points": _point_rows(table, np.flatnonzero(predicted), n_nodes, PREDICTED_POINT_DTYPE),
    }


def _embeds(video: poseio.Video) -> bool:
    embedded = (video.metadata.get(SLEAP_KEY) or {}).get(EMBEDDED) or {}
    return bool(embedded.get("file"))


def _copy_embedded(h5file: Any, video: poseio.Video, index: int, destination: Path) -> tuple[str, int]:
    """Copy a video's embedded images from the package they were read from into ``video<index>``."""
    import h5py
    from poseio.hdf5 import check_dataset

    embedded = video.metadata[SLEAP_KEY][EMBEDDED]
    frame_numbers = np.asarray(embedded["frame_numbers"], dtype=np.int64)
    try:
        with h5py.File(embedded["file"], "r") as source:
            images = source[embedded["dataset"]]
            check_dataset(images)
            if len(images) != len(frame_numbers):
                raise ValueError(f"it holds {len(images)} images, not the {len(frame_numbers)} that were read")
            group = h5file.create_group(f"video{index}")
            source.copy(images, group, name="video")
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise poseio.WriteError(
            f"{destination}: the embedded frames of video {video.filename!r} cannot be copied from "
            f"{embedded['file']}:{embedded['dataset']} ({exc}). Pass {say_option('embed', False)} to write a "
            "reference to the video instead",
            path=destination,
        ) from exc
    if "channel_order" not in group["video"].attrs and embedded.get("channel_order"):
        # Images of packages before format 1.4 are BGR without saying so; this file says so.
        group["video"].attrs["channel_order"] = embedded["channel_order"]
    group.create_dataset("frame_numbers", data=frame_numbers)
    source_video = (video.metadata.get(SLEAP_KEY) or {}).get("source_video")
    if isinstance(source_video, dict):
        write_source_json(group, encode_video(video))
    return f"video{index}/video", len(frame_numbers)


def _string_rows(h5file: Any, name: str, rows: list[str]) -> None:
    import h5py

    h5file.create_dataset(name, data=np.array(rows, dtype=object), dtype=h5py.string_dtype(), maxshape=(None,))


def _metadata(h5file: Any, labels: poseio.Labels, destination: Path) -> None:
    skeletons, nodes = encode_skeletons(labels.skeletons)
    record = labels.provenance.get(SLEAP_KEY) or {}
    provenance = record.get("provenance") if isinstance(record.get("provenance"), dict) else {}
    provenance = provenance if jsonable(provenance) else {}
    metadata = {
        "version": "2.0.0",
        "skeletons": skeletons,
        "nodes": nodes,
        "videos": [],
        "tracks": [],
        "suggestions": [],
        "negative_anchors": {},
        "provenance": provenance,
    }
    text = to_json_text(metadata)
    if len(text.encode()) > ATTRIBUTE_LIMIT:
        metadata["provenance"] = {}  # it is in /provenance_json as well
        text = to_json_text(metadata)
    if len(text.encode()) > ATTRIBUTE_LIMIT:
        raise poseio.InvalidLabelsError(
            f"{destination}: the skeletons take {len(text.encode())} bytes of JSON, more than the 64 kB an HDF5 "
            "attribute holds; SLEAP cannot store them"
        )
    group = h5file.create_group("metadata")
    group.attrs["format_id"] = FORMAT_ID
    group.attrs["json"] = np.bytes_(text.encode())
    if provenance:
        h5file.create_dataset("provenance_json", data=np.bytes_(to_json_text(provenance).encode()))


def write_slp(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write Labels as a SLEAP labels file, or a package that embeds the labelled frames' images.

    Args:
        labels: What to write (2D).
        path: The new file. A name ending in ``.pkg.slp`` asks for a package:
            as ``embed=True``, and ``embed=False`` is refused.
        options: ``embed``: ``None`` (default) keeps the embedded frames of videos
            read from a package, and writes references to the other videos;
            ``False`` writes references only; ``True`` writes a package: the
            embedded frames kept, and every other video's labelled (and
            suggested) frames read from its file and embedded as PNG.

    Raises:
        InvalidOptionError: An unknown option or ``embed`` value; ``embed=False``
            for a ``.pkg.slp``; ``embed=True`` when a frame's image cannot be read.
        InvalidLabelsError: A ``.pkg.slp`` name, and a frame's image cannot be read.
    """
    import h5py

    refuse_unknown(options, SLP_WRITE_OPTIONS, SLP, doing="write")
    embed = check_choice(options.get("embed"), (None, True, False), SLP, option="embed")
    # SLEAP and its users take a .pkg.slp for a package that holds its labelled frames' images, to be
    # opened where the videos are not: such a name without the images would mislead.
    package = path.name.lower().endswith(PACKAGE_ENDING)
    if package and embed is False:
        raise poseio.InvalidOptionError(
            f"embed=False writes references to the videos, but a {PACKAGE_ENDING} file is a package that holds "
            "the labelled frames' images; save to a .slp name instead",
            format=SLP,
        )
    table = _checked_table(labels)
    datasets = _tables(labels, table)
    # Read and encoded before the file is opened: a frame that cannot be read leaves nothing written.
    encoded = {}
    if package or embed:
        for index, frames in frames_to_embed(labels, table).items():
            video = labels.videos[index]
            if frames and not _embeds(video):
                try:
                    encoded[index] = encode_frames(video, frames)
                except FrameUnavailable as problem:
                    none_embedded = not any(_embeds(v) for v in labels.videos)
                    # Blamed on what asked for the package: embed=True when given, else the .pkg.slp name.
                    by_name = embed is None
                    raise refusal(problem, package=by_name, none_embedded=none_embedded) from problem.cause
    with h5py.File(path, "w") as h5file:
        _metadata(h5file, labels, path)
        rows = []
        for index, video in enumerate(labels.videos):
            if embed is not False and _embeds(video):
                rows.append(encode_video(video, *_copy_embedded(h5file, video, index, path)))
            elif index in encoded:
                rows.append(write_encoded(h5file, video, index, encoded[index]))
            else:
                rows.append(encode_video(video))
        _string_rows(h5file, "videos_json", [to_json_text(row) for row in rows])
        _string_rows(h5file, "tracks_json", [to_json_text([0, track.name]) for track in labels.tracks])
        suggestions = [
            to_json_text({"video": str(index), "frame_idx": frame, "group": group})
            for index, video in enumerate(labels.videos)
            for frame, group in (video.metadata.get(SLEAP_KEY) or {}).get("suggestions", [])
        ]
        _string_rows(h5file, "suggestions_json", suggestions)
        for name, data in datasets.items():
            h5file.create_dataset(name, data=data)
