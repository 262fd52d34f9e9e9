"""A dataset's images as the frames of videos.

A dataset poseio wrote says in ``data.yaml`` (``poseio_videos``) which video
and frame each image came from, and gives them back. Any other dataset is
numbered as poseio numbers labelled images everywhere (`poseio.csv.image_rows`):
each folder of images is a video (``train/images``), and an image's frame is
the last number in its name (``0000042.png`` is frame 42), or its position in
the folder when the names give no distinct numbers.

Each video's ``metadata["images"]`` maps its frames to the image files (from
the dataset's folder, so that ``video[i]`` reads them) and
``metadata["splits"]`` to the split that lists them; the image size is the
video's ``shape`` ``(0, height, width, 0)`` when its images agree, else
``metadata["image_sizes"]`` (frame -> ``(width, height)``).
"""

from __future__ import annotations

from typing import Any

import poseio
from poseio.csv import image_rows

from poseio_ultralytics._images import Image
from poseio_ultralytics._sniff import FORMAT


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _written(entries: Any, names: set[str]) -> tuple[list[tuple[str, Any, dict[int, str]]], str | None]:
    """The record poseio wrote of the videos, when it names exactly the images found; else why it is not used."""
    if not isinstance(entries, list):
        return [], "not a list"
    videos, seen = [], set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            return [], "an entry without a filename"
        frames = entry.get("frames")
        if not isinstance(frames, dict):
            return [], "an entry without frames"
        if not all(_whole(f) and isinstance(n, str) for f, n in frames.items()):
            return [], "frames that are not frame numbers and image names"
        seen.update(frames.values())
        fps = entry.get("fps")
        videos.append((entry["filename"], fps if isinstance(fps, (int, float)) and fps > 0 else None, frames))
    if seen != names or sum(len(frames) for _, _, frames in videos) != len(names):
        # Images added or removed since poseio wrote the dataset: its record no longer describes the folder.
        return [], "it does not name every image of the dataset exactly once"
    return videos, None


def image_videos(
    images: list[Image], sizes: list[tuple[int, int]], written: Any, name: str, *, fps: float | None
) -> tuple[list[poseio.Video], list[tuple[int, int]], str | None]:
    """The videos of the images, the ``(video index, frame)`` of each image, and why ``poseio_videos`` was ignored."""
    names = [image.name for image in images]
    note = None
    records, note = _written(written, set(names)) if written is not None else ([], None)
    if records:
        videos, where_of = [], {}
        for v, (filename, rate, frames) in enumerate(records):
            videos.append(poseio.Video(filename, fps=fps or rate, metadata={"images": dict(sorted(frames.items()))}))
            where_of.update({image: (v, frame) for frame, image in frames.items()})
        where = [where_of[n] for n in names]
    else:
        rows = image_rows(names, name, fps=fps, format=FORMAT)
        videos = rows.videos
        where = list(zip(rows.video.tolist(), rows.frame_idx.tolist()))
    for v, video in enumerate(videos):
        mine = [(frame, image, size) for (w, frame), image, size in zip(where, images, sizes) if w == v]
        video.metadata["splits"] = {frame: image.split for frame, image, _ in sorted(mine, key=lambda m: m[0])}
        distinct = {size for _, _, size in mine}
        if len(distinct) == 1:
            width, height = distinct.pop()
            video.shape = (0, height, width, 0)
        else:
            video.metadata["image_sizes"] = {frame: size for frame, _, size in sorted(mine, key=lambda m: m[0])}
    return videos, where, note
