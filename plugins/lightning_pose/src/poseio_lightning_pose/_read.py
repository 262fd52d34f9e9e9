"""Reading Lightning Pose CSVs into Labels.

The header rows are read with the csv module (`_header`); the rows below them
with pandas' C parser in one call, the fastest CSV parser at hand (numpy's
text readers are several times slower). Nothing loops over rows in Python:
points, likelihoods and frame numbers are columns of pandas' float64 block,
taken as views of it (no copy) when the columns are in the usual order.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import poseio
from poseio.csv import (
    check_point_columns,
    first_lines,
    frame_numbers,
    image_rows,
    read_block,
    source_of,
    split_rows,
    take_columns,
)
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown, say_option

from poseio_lightning_pose._header import SCORE_COORD, Header, HeaderError, parse
from poseio_lightning_pose._options import READ_OPTIONS

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "lightning-pose"


def read_header(source: Path | io.BytesIO, name: str) -> Header:
    """The file's header.

    Raises:
        ReadError: It is not a single-animal DeepLabCut-layout header, or names a coord of a bodypart
            twice or leaves x or y out.
    """
    try:
        header = parse(split_rows(first_lines(source, 4, name), name))
    except HeaderError as exc:
        raise poseio.ReadError(f"{name}: not a Lightning Pose CSV: {exc}") from exc
    if header.multi_animal:
        raise poseio.ReadError(
            f"{name}: a multi-animal DeepLabCut CSV (it has an 'individuals' header row); Lightning Pose files hold "
            f"one animal. Read it with {say_option('read_format', 'dlc')}"
        )
    check_point_columns(
        [(b, c) if b else None for b, c in zip(header.bodyparts, header.coords)], name, first_column=header.n_index + 1
    )
    return header


def read_rows(source: Path | io.BytesIO, header: Header, name: str) -> tuple[np.ndarray, pd.DataFrame]:
    """The data columns (after the index) of every row as one float64 array (per-row text columns NaN), and the frame.

    Raises:
        ReadError: The rows cannot be parsed, or a point's cell is not a number.
    """

    def label(column: int) -> str:
        i = column - header.n_index
        return f"({header.bodyparts[i]}, {header.coords[i]})"

    text = [header.n_index + i for i, _ in header.row_columns]
    return read_block(
        source,
        skip=header.rows,
        width=header.width,
        name=name,
        index_columns=header.n_index,
        text_columns=text,
        label=label,
    )


def index_texts(frame: pd.DataFrame, n_index: int) -> list[str]:
    """The index cells of every row as one path (three index columns are folder, video, image)."""
    parts = [frame[c].astype(object).where(frame[c].notna(), "").astype(str).tolist() for c in range(n_index)]
    if n_index == 1:
        return parts[0]
    return ["/".join(p for p in cells if p) for cells in zip(*parts)]


def read_lightning_pose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a Lightning Pose CSV (see ``docs/formats/lightning-pose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    video_name, fps = check_video(options.get("video"), FORMAT), check_fps(options.get("fps"), FORMAT)
    name = probe.name
    source = source_of(probe)
    header = read_header(source, name)
    block, frame = read_rows(source, header, name)

    def coordinates(*coords: str) -> np.ndarray:
        """``(n, nodes, len(coords))`` values."""
        return take_columns(block, np.array([header.positions(c) for c in coords]).T, name)

    nodes = header.node_names
    has_z = any(p >= 0 for p in header.positions("z"))
    points = coordinates(*("x", "y", "z")[: 3 if has_z else 2])
    scores = coordinates(SCORE_COORD)[..., 0] if any(p >= 0 for p in header.positions(SCORE_COORD)) else None
    skeleton = poseio.Skeleton(nodes)
    by_number = header.n_index == 1 and (frame.dtypes.iloc[0].kind in "iuf" or not len(frame))
    details: dict[str, Any] = {
        "scorer": header.model_scorers[0] if len(header.model_scorers) == 1 else header.model_scorers,
        "layout": "video" if by_number else "images",
        "coords": {c: coordinates(c)[..., 0] for c in header.value_coords},
        "columns": {
            n: frame[header.n_index + i].astype(object).where(frame[header.n_index + i].notna(), "").to_numpy()
            for i, n in header.row_columns
        },
    }
    if not by_number:
        return _labels_of_images(frame, header, points, scores, skeleton, details, video_name, fps, name)
    frames = frame_numbers(frame[0].to_numpy(), name)
    details["index"] = frames
    n_frames = int(frames.max()) + 1 if len(frames) else 0
    check_allocation(
        n_frames * len(nodes) * (points.shape[-1] + 1) * 8,
        f"the pose grid of {n_frames} frames x {len(nodes)} nodes",
        name,
    )
    video = poseio.Video(video_name or _default_video(probe), fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None)
    return poseio.Labels.from_numpy(
        points[:, None],
        video=video,
        skeleton=skeleton,
        frame_inds=frames,
        point_scores=None if scores is None else scores[:, None],
        predicted=True,
        provenance={"lightning_pose": details},
    )


def _default_video(probe: poseio.Probe) -> str:
    # Lightning Pose names a video's predictions after the video (video_preds/<video>.csv) and
    # takes only mp4 videos; the video's folder is not recorded.
    return Path(probe.name).with_suffix(".mp4").name


def _labels_of_images(
    frame: pd.DataFrame,
    header: Header,
    points: np.ndarray,
    scores: np.ndarray | None,
    skeleton: poseio.Skeleton,
    details: dict[str, Any],
    video_name: str | None,
    fps: float | None,
    name: str,
) -> poseio.Labels:
    """Labels of a file indexed by image paths: one video per image folder."""
    paths = index_texts(frame, header.n_index)
    images = image_rows(paths, name, video=video_name, fps=fps, format=FORMAT)
    details["index"] = paths
    if images.in_row_order:
        details["frame_numbers"] = "row order (the image names do not number the frames)"
    present = np.isfinite(points[..., :2]).all(axis=-1).any(axis=-1)
    predicted = scores is not None
    table = poseio.PoseTable.build(
        points[present],
        video=images.video[present],
        frame_idx=images.frame_idx[present],
        skeleton=0,
        predicted=predicted,
        point_scores=scores[present] if predicted else None,
    )
    return poseio.Labels.from_table(
        table.sorted(), videos=images.videos, skeletons=[skeleton], provenance={"lightning_pose": details}
    )
