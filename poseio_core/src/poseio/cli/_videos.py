"""The videos a pose file names: which ones may be opened, and their frame rate.

A pose file is untrusted: the video it names is opened only when it lies in
the pose file's folder (or below it), unless the user passed ``--allow-external``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

#: Endings tried for a video named without one (DeepLabCut names videos by their stem).
VIDEO_ENDINGS = (".mp4", ".avi", ".mov", ".mkv")


def openable_video(filename: str, *, beside: Path | None, allow_external: bool) -> Path | None:
    """The video file to open, or ``None`` when it is absent or outside the pose file's folder.

    A relative name is looked for next to the pose file (``beside``).
    """
    path = Path(filename)
    if not path.is_absolute() and beside is not None:
        path = beside.parent / path
    if not path.is_file():
        return None
    if not allow_external and (beside is None or not path.resolve().is_relative_to(beside.resolve().parent)):
        return None
    return path


def video_fps(path: Path) -> float | None:
    """The frame rate the video's container declares, or ``None`` when it cannot be read (PyAV)."""
    try:
        import av
    except ImportError:
        return None
    try:
        with av.open(str(path)) as container:
            rate = container.streams.video[0].average_rate
    except Exception:  # noqa: BLE001 - an unreadable video just gives no rate
        return None
    return float(Fraction(rate)) if rate else None
