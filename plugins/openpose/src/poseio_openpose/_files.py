"""Finding the frame files of an OpenPose output: a folder's ``*_keypoints.json``, or the one file given.

Every file is opened through ``probe.member``, so that a link or a name that
leads out of the folder is refused (unless the user allowed it). A file's name
gives its video and frame: ``<video>_<12-digit frame>_keypoints.json``, as
OpenPose names the frames of a video or camera; ``<image>_keypoints.json``,
as it names those of an image folder, has no frame number: such files are the
frames of one video, numbered in the order of their names.

Each file is a small JSON object, parsed by `poseio.json` (up to about 24
bytes of memory per byte of text). A folder is parsed one file at a time, and
only the numbers are kept (as float64, at most 4 bytes per byte of text:
``"0,"`` is two), so a load draws from the budget the largest file's parse
plus the numbers of all of them, before any is parsed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

import poseio
from poseio.json import PARSE_BYTES_PER_BYTE, source_size, unreadable
from poseio.limits import check_allocation

from poseio_openpose._sniff import ENDING

#: Bytes of float64 arrays kept per byte of text, at worst (a number takes at least two bytes).
KEPT_BYTES_PER_BYTE = 4
#: What each file should be, as the messages name it.
WHAT = "OpenPose frame file"

#: A video's frame: the 12-digit number OpenPose puts before ``_keypoints.json``, the video's name before it.
FRAME_NAME = re.compile(r"^(?:(?P<video>.*)_)?(?P<frame>\d{12})" + re.escape(ENDING) + "$")


class FrameFile(NamedTuple):
    """One frame file: its name, path (``None`` for an open file object), video key and frame number."""

    name: str
    path: Path | None
    video: str | None  # None: an image's frame, numbered by name order
    frame: int


def _number(files: list[tuple[str, Path | None]]) -> list[FrameFile]:
    """Each file's video and frame from its name; image-named files numbered in name order."""
    numbered, images = [], []
    for name, path in files:
        match = FRAME_NAME.match(name)
        if match:
            numbered.append(FrameFile(name, path, match["video"] or "", int(match["frame"])))
        else:
            images.append((name, path))
    images.sort()
    numbered += [FrameFile(name, path, None, position) for position, (name, path) in enumerate(images)]
    return sorted(numbered, key=lambda f: (f.video is None, f.video or "", f.frame))


def fail(source: str, problem: str, path: str | Path | None = None) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return unreadable(source, WHAT, problem, path=path)


def frame_files(probe: poseio.Probe) -> list[FrameFile]:
    """The frame files of the source, checked against the load's memory budget.

    Raises:
        ReadError: A folder without frame files, or a frame file that is not a file.
        UnsafeFileError: A file leads outside the folder, or parsing them all could exceed the budget.
    """
    if not probe.is_folder:
        size = source_size(probe)
        check_allocation(
            size * (PARSE_BYTES_PER_BYTE + KEPT_BYTES_PER_BYTE),
            f"parsing {size} bytes of JSON",
            probe.name,
            path=probe.path,
        )
        return _number([(Path(probe.name).name, probe.path)])
    try:
        with os.scandir(probe.path) as listing:  # type: ignore[arg-type]
            names = sorted(e.name for e in listing if e.name.endswith(ENDING) and not e.name.startswith("."))
    except OSError as exc:
        raise poseio.ReadError(f"{probe.name}: cannot list the folder ({exc.strerror})", path=probe.path) from exc
    if not names:
        raise poseio.ReadError(
            f"{probe.name}: not an OpenPose output folder: no *{ENDING} file in it "
            "(OpenPose writes them with --write_json FOLDER)",
            path=probe.path,
        )
    files, sizes = [], []
    for name in names:
        path = probe.member(name)  # raises UnsafeFileError for a link out of the folder
        if path is None or not path.is_file():
            raise fail(str(probe.path / name), "not a regular file", probe.path / name)
        files.append((name, path))
        sizes.append(path.stat().st_size)
    # One file is parsed at a time; the numbers of all are kept.
    check_allocation(
        max(sizes) * PARSE_BYTES_PER_BYTE + sum(sizes) * KEPT_BYTES_PER_BYTE,
        f"parsing {len(names)} OpenPose frame files ({sum(sizes)} bytes of JSON)",
        probe.name,
        path=probe.path,
    )
    return _number(files)


def read_bytes(probe: poseio.Probe, frame: FrameFile) -> bytes:
    """The bytes of one frame file (the probe's own source when it is a file object)."""
    if frame.path is None:
        probe.source.seek(0)
        return probe.source.read()
    with open(frame.path, "rb") as f:
        return f.read()
