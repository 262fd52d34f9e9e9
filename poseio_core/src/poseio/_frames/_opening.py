"""The videos a pose file names: which ones may be opened, and their frame rate.

A pose file is untrusted: the video it names is opened only when it lies in
the pose file's folder (or below it), unless the user passed ``--allow-external``.

A file in that folder can still reach outside it: an HLS playlist (``.m3u8``),
an FFmpeg concat list or an image-sequence pattern makes FFmpeg open the files
it names, anywhere, and FFmpeg picks its reader by the content, not the name.
So only a regular file (never a FIFO, which would block the open) with a known
container ending is opened, with FFmpeg told to use that container's reader and
no other, and to open nothing but that one local file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

#: Endings tried for a video named without one (DeepLabCut names videos by their stem).
VIDEO_ENDINGS = (".mp4", ".avi", ".mov", ".mkv")
#: The containers opened, by ending: FFmpeg's reader for each, none of which opens other files
#: (the MP4/MOV reader follows external data references only when asked to, which poseio never does).
CONTAINERS = {
    ".mp4": "mov,mp4,m4a,3gp,3g2,mj2",
    ".m4v": "mov,mp4,m4a,3gp,3g2,mj2",
    ".mov": "mov,mp4,m4a,3gp,3g2,mj2",
    ".avi": "avi",
    ".mkv": "matroska,webm",
    ".webm": "matroska,webm",
}


def openable_video(filename: str, *, beside: Path | None, allow_external: bool) -> Path | None:
    """The video file to open, or ``None`` when it is absent or outside the pose file's folder.

    A relative name is looked for next to the pose file (``beside``).
    """
    path = Path(filename)
    if not path.is_absolute() and beside is not None:
        path = beside.parent / path
    if path.suffix.lower() not in CONTAINERS or not _is_regular(path):
        return None
    if not allow_external and (beside is None or not path.resolve().is_relative_to(beside.resolve().parent)):
        return None
    return path


def video_fps(path: Path) -> float | None:
    """The frame rate the video's container declares, or ``None`` when it cannot be read (PyAV)."""
    try:
        with open_video(path) as container:
            rate = container.streams.video[0].average_rate if container is not None else None
    except Exception:  # noqa: BLE001 - an unreadable video just gives no rate
        return None
    return float(Fraction(rate)) if rate else None


@contextlib.contextmanager
def open_video(path: Path) -> Iterator[Any]:
    """The PyAV container of the video at ``path``, or ``None`` (PyAV missing, or not a file that may be opened).

    The file must be a regular file with an ending of `CONTAINERS`; it is read
    with that container's reader only, through FFmpeg's ``file`` protocol only.
    """
    demuxer = CONTAINERS.get(path.suffix.lower())
    try:
        import av
    except ImportError:
        demuxer = None
    if demuxer is None or not _is_regular(path):
        yield None
        return
    short = demuxer.split(",")[0]
    options = {"protocol_whitelist": "file", "format_whitelist": demuxer}
    # "file:" and an absolute path: a name such as "concat:a.mp4|b.mp4" is a file name, not a protocol.
    with av.open("file:" + os.path.abspath(path), format=short, options=options) as container:
        yield container


def _is_regular(path: Path) -> bool:
    """A regular file (links followed): a FIFO would block the open, a device never end."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
