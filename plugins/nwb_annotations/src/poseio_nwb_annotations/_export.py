"""Exporting labelled frames with their images, as a self-contained package.

The package is an NWB file and, beside it, one video that holds every
labelled frame (``<stem>.frames.mkv``, lossless FFV1 by default). The NWB
file's SourceVideos point at that video, and a ``poseio_frame_map`` table
records for every exported frame the original video and frame index, which
`poseio.load` returns as ``provenance["frame_map"]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio import Labels, Video, WriteError


def read_frames(video: Video, indices: Iterable[int], *, allow_external: bool = False) -> dict[int, np.ndarray]:
    """The given frames of a video, ``{frame: (height, width, channels) uint8}``, through ``video.open()``.

    Frame-accurate, from whatever holds the frames (a video file, image files,
    the images a pose file holds), under the rules of `poseio.Video.open`: a
    video a pose file names is opened within that file's folder unless
    ``allow_external``. Read in one pass in file order.

    Raises:
        poseio.WriteError: The video cannot be read, or has no such frame (it is named).
    """
    wanted = sorted({int(i) for i in indices})
    if not wanted:
        return {}
    try:
        reader = video.open(allow_external=allow_external)
    except poseio.ReadError as exc:
        raise WriteError(f"cannot read the frames of video {video.filename!r} to export them: {exc}") from exc
    with reader:
        past = [i for i in wanted if i >= len(reader)]
        if past:
            raise WriteError(
                f"video {video.filename!r} has no frame {past[0]} (it has {len(reader)} frames); cannot export it"
            )
        try:
            images = reader[wanted]
        except poseio.ReadError as exc:
            raise WriteError(f"cannot export the frames of video {video.filename!r}: {exc}") from exc
    return dict(zip(wanted, images))


def write_video(path: Path, frames: list[np.ndarray], fps: float, codec: str = "ffv1") -> tuple[int, int]:
    """Encode RGB frames into a new video file; returns its (height, width).

    Frames of different sizes are padded with black at the bottom and right,
    so that point coordinates stay valid.
    """
    import av

    height = max(f.shape[0] for f in frames)
    width = max(f.shape[1] for f in frames)
    # Most codecs need even dimensions.
    height += height % 2
    width += width % 2
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=int(round(fps)) or 1)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv444p" if codec == "ffv1" else "yuv420p"
        for image in frames:
            padded = np.zeros((height, width, 3), dtype=np.uint8)
            padded[: image.shape[0], : image.shape[1]] = image[..., :3] if image.ndim == 3 else image[..., None]
            for packet in stream.encode(av.VideoFrame.from_ndarray(padded, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return height, width


def export_with_frames(
    labels: Labels,
    path: str | os.PathLike[str],
    *,
    include_predictions: bool = False,
    fps: float = 30.0,
    codec: str = "ffv1",
    allow_external: bool = False,
    **options: Any,
) -> Path:
    """Save labels and the images of their labelled frames as one package.

    Args:
        labels: What to export; every labelled frame's video must be readable.
        path: The NWB file to write; the video is written beside it.
        include_predictions: Keep predicted instances (written as PoseEstimation);
            by default they are dropped.
        fps: Frame rate of the exported video (its frames are not consecutive
            in time, so this only sets playback speed).
        codec: An FFmpeg encoder; ``"ffv1"`` (default) is lossless.
        allow_external: Read a video the labels' pose file names even when it lies
            outside that file's folder (see `poseio.Video.open`).
        **options: Passed to ``poseio.save`` (NWB metadata, ``annotator``, ...).

    Returns:
        The path of the exported video.
    """
    path = Path(path)
    table = labels.to_table()
    if not include_predictions:
        table = table.take(~table.predicted)
    keys = table.frame_keys()
    if len(keys) == 0:
        raise WriteError(f"{path}: there are no labelled frames to export")
    images: list[np.ndarray] = []
    frame_map: list[tuple[str, int]] = []
    for video_id in np.unique(keys[:, 0]):
        video = labels.videos[video_id]
        indices = keys[keys[:, 0] == video_id, 1]
        decoded = read_frames(video, indices, allow_external=allow_external)
        images.extend(decoded[int(i)] for i in indices)
        frame_map.extend((video.filename, int(i)) for i in indices)
    video_path = path.with_name(path.stem + ".frames" + (".mkv" if codec == "ffv1" else ".mp4"))
    temp = video_path.with_name("." + video_path.name + ".poseio-tmp" + video_path.suffix)
    try:
        height, width = write_video(temp, images, fps, codec)
        # Each exported frame's new index is its row in keys (sorted by video, frame).
        new_index = {(int(v), int(i)): n for n, (v, i) in enumerate(keys)}
        rows = np.array([new_index[(int(v), int(i))] for v, i in zip(table.video, table.frame_idx)], dtype=np.int64)
        exported = Video(str(video_path), shape=(len(images), height, width, 3), fps=fps)
        new_table = table.replace(video=np.zeros(len(table), dtype=np.int64), frame_idx=rows)
        annotators = {(f, i): a for f, i, a in labels.provenance.get("annotators", [])}
        provenance = {
            "annotators": [[str(video_path), n, annotators[m]] for n, m in enumerate(frame_map) if m in annotators]
        }
        package = Labels.from_table(
            new_table, videos=[exported], skeletons=labels.skeletons, tracks=labels.tracks, provenance=provenance
        )
        os.replace(temp, video_path)
        poseio.save(package, path, frame_map=frame_map, **options)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return video_path
