"""Label Studio tasks as the frames of videos.

A task is one image. Its video and frame come, in this order, from:

1. ``meta.video`` (``filename``, ``frame_idx``, ``shape``), which sleap-io and
   poseio write: the video the frame was taken from, exactly;
2. the image the task's ``data`` names (``data.image``, or the only text value
   of ``data``): each folder of the image paths is a video, named after the
   folder, and an image's frame is the last number in its name
   (``/data/upload/3/9f2c1a7b-frame_000120.png`` is frame 120), or its position
   in the folder when the names give no distinct numbers, as poseio numbers
   labelled images everywhere (`poseio.csv.image_rows`); Label Studio's
   local-files URLs (``/data/local-files/?d=mice/img_0003.png``) are read as the
   path they carry;
3. neither: one video named after the export, the task's position in the list
   its frame.

The images need not exist: nothing is opened.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

import poseio
from poseio.csv import MAX_FRAME, image_rows

from poseio_labelstudio._sniff import FORMAT

_IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def whole(value: Any) -> bool:
    """Whether ``value`` is a whole number from 0 to `poseio.csv.MAX_FRAME` (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_FRAME


def task_image(task: dict) -> str | None:
    """The image a task's ``data`` names: ``data.image``, else its only text value, else one named like an image."""
    data = task.get("data")
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("image"), str) and data["image"]:
        return data["image"]
    texts = [v for v in data.values() if isinstance(v, str) and v]
    if len(texts) == 1:
        return texts[0]
    return next((v for v in texts if _path_of(v).lower().endswith(_IMAGE_ENDINGS)), None)


def _path_of(image: str) -> str:
    """The path an image reference stands for: Label Studio's ``?d=`` local-files URLs carry it in the query."""
    if "?d=" in image or "&d=" in image:
        carried = parse_qs(urlsplit(image).query).get("d")
        if carried:
            return carried[0]
    return image.replace("\\", "/")


def _folder(image: str) -> tuple[str, str]:
    path = _path_of(image)
    folder, _, file_name = path.rpartition("/")
    return folder or ".", file_name


def _shape(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, list) and len(value) == 4 and all(whole(v) for v in value):
        return tuple(value)
    return None


def task_frames(
    tasks: list[dict],
    name: str,
    *,
    fps: float | None,
    video: str | None,
) -> tuple[list[poseio.Video], list[tuple[int, int]]]:
    """The videos of the tasks, and the ``(video index, frame)`` of every task.

    Each video's ``metadata["images"]`` maps a frame to the image its task
    named, as written, where one did.

    Raises:
        InvalidOptionError: ``video`` is given, but the tasks are frames of several videos.
    """
    where: list[tuple[int, int] | None] = [None] * len(tasks)
    videos: list[poseio.Video] = []
    by_file: dict[str, int] = {}
    images_of: dict[int, dict[int, str]] = {}
    folders: dict[str, dict[str, list[int]]] = {}
    unnamed: list[int] = []
    for position, task in enumerate(tasks):
        image = task_image(task)
        meta = task.get("meta")
        source = meta.get("video") if isinstance(meta, dict) else None
        if isinstance(source, dict) and isinstance(source.get("filename"), str) and whole(source.get("frame_idx")):
            filename = source["filename"]
            if filename not in by_file:
                given = source.get("fps")
                rate = fps if fps is not None else (float(given) if _rate(given) else None)
                by_file[filename] = len(videos)
                videos.append(poseio.Video(filename, fps=rate, shape=_shape(source.get("shape"))))
            v = by_file[filename]
            where[position] = (v, source["frame_idx"])
            if image is not None:
                images_of.setdefault(v, {})[source["frame_idx"]] = image
        elif image is not None:
            folder, _ = _folder(image)
            folders.setdefault(folder, {}).setdefault(image, []).append(position)
        else:
            unnamed.append(position)
    for folder, images in folders.items():
        # One image in several tasks (imported twice) is one frame: their instances share it.
        listed = list(images)
        rows = image_rows([_folder(i)[1] for i in listed], name, video=folder, fps=fps, format=FORMAT)
        v = len(videos)
        videos.append(rows.videos[0])
        images_of[v] = {}
        for image, frame in zip(listed, rows.frame_idx.tolist()):
            images_of[v][frame] = image
            for position in images[image]:
                where[position] = (v, frame)
    if unnamed:
        v = len(videos)
        videos.append(poseio.Video(PurePosixPath(name.replace("\\", "/")).name, fps=fps))
        for position in unnamed:
            where[position] = (v, position)
    for v, images in images_of.items():
        videos[v].metadata["images"] = dict(sorted(images.items()))
    if video is not None:
        if len(videos) > 1:
            raise poseio.InvalidOptionError(
                f"{name}: video= names one video, but the tasks are frames of {len(videos)} "
                f"({', '.join(repr(v.filename) for v in videos)})",
                format=FORMAT,
            )
        for the_video in videos:
            the_video.filename = video
    return videos, [w for w in where if w is not None]


def _rate(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")
