"""COCO ``images`` as the frames of videos.

An image is a frame. Images that poseio wrote carry ``poseio_video`` and
``poseio_frame`` (keys COCO readers ignore), which give back the video and
frame they came from. Any other image is numbered as poseio numbers labelled
images everywhere (`poseio.csv.image_rows`): each folder of ``file_name`` is
a video, and an image's frame is the last number in its name
(``frame_000990.png`` is frame 990), or its position in the folder when the
names give no distinct numbers. The images need not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import poseio
from poseio.csv import image_rows

#: The image keys by which poseio gives back the video and frame an image came from.
VIDEO_KEY, FRAME_KEY = "poseio_video", "poseio_frame"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _size(image: dict) -> tuple[int, int] | None:
    width, height = image.get("width"), image.get("height")
    return (width, height) if _whole(width) and _whole(height) else None


def image_frames(
    images: list,
    name: str,
    *,
    fps: float | None,
    video: str | None,
    fail: Callable[[str], Exception],
) -> tuple[list[poseio.Video], dict[Any, tuple[int, int]]]:
    """The videos of the images, and the ``(video index, frame)`` of every image id.

    Each video's ``metadata`` holds ``images`` (frame -> ``file_name``, as
    written), ``image_ids`` (frame -> COCO id) and, when its images differ in
    size, ``image_sizes`` (frame -> ``(width, height)``); when they agree the
    size is the video's ``shape`` ``(0, height, width, 0)`` (frame count and
    channels unknown).

    Raises:
        ReadError (from ``fail``): An image without an id or file name, or an id or
            (video, frame) given twice.
    """
    plain: list[tuple[Any, str, dict]] = []
    keyed: dict[str, dict[int, tuple[Any, str, dict]]] = {}
    seen: set = set()
    names: dict[str, Any] = {}
    for position, image in enumerate(images):
        if not isinstance(image, dict):
            raise fail(f"images[{position}] is not an object")
        image_id, file_name = image.get("id"), image.get("file_name")
        if image_id is None or isinstance(image_id, (dict, list)) or not isinstance(file_name, str):
            raise fail(f"images[{position}] has no id or no file_name")
        if image_id in seen:
            raise fail(f"the image id {image_id!r} is given twice")
        seen.add(image_id)
        owner, frame = image.get(VIDEO_KEY), image.get(FRAME_KEY)
        if isinstance(owner, str) and _whole(frame) and video is None:
            if frame in keyed.setdefault(owner, {}):
                raise fail(f"two images are frame {frame} of {owner!r}")
            keyed[owner][frame] = (image_id, file_name, image)
        else:
            # One file, one frame: two ids for one image (a merged dataset, say) would be two frames of one picture.
            if file_name in names:
                raise fail(f"the images {names[file_name]!r} and {image_id!r} have one file_name, {file_name!r}")
            names[file_name] = image_id
            plain.append((image_id, file_name, image))

    videos: list[poseio.Video] = []
    frame_of: dict[Any, tuple[int, int]] = {}
    groups: list[list[tuple[int, Any, str, dict]]] = []
    if plain:
        try:
            rows = image_rows([f for _, f, _ in plain], name, video=video, fps=fps, format="coco")
        except poseio.ReadError as exc:
            raise fail(str(exc).removeprefix(f"{name}: ")) from exc
        videos.extend(rows.videos)
        groups.extend([] for _ in rows.videos)
        for (image_id, file_name, image), v, frame in zip(plain, rows.video.tolist(), rows.frame_idx.tolist()):
            groups[v].append((frame, image_id, file_name, image))
    for owner, frames in keyed.items():
        videos.append(poseio.Video(owner, fps=fps))
        groups.append([(frame, *entry) for frame, entry in sorted(frames.items())])
    for v, (the_video, group) in enumerate(zip(videos, groups)):
        sizes = {frame: _size(image) for frame, _, _, image in group}
        the_video.metadata["images"] = {frame: file_name for frame, _, file_name, _ in group}
        the_video.metadata["image_ids"] = {frame: image_id for frame, image_id, _, _ in group}
        distinct = set(sizes.values())
        if len(distinct) == 1 and None not in distinct:
            width, height = distinct.pop()
            the_video.shape = (0, height, width, 0)
        elif any(sizes.values()):
            the_video.metadata["image_sizes"] = {f: s for f, s in sizes.items() if s is not None}
        for frame, image_id, _, _ in group:
            frame_of[image_id] = (v, frame)
    return videos, frame_of
