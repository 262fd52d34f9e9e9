"""Video paths in NWB files: read as stored, resolved where they point, written back rebased.

An ImageSeries names its video files in ``external_file``. A relative path is
relative to the NWB file's folder (as nwbinspector and DANDI read it), so the
reader resolves it there and keeps the text as stored in the Video's metadata.
The writer stores, for a video read from a file:

- an absolute path (POSIX, Windows ``C:/...``, a UNC share) or a URL
  exactly as stored: it names the same file wherever the copy goes;
- a relative path unchanged when the output is in the source's folder, and
  otherwise rebased so that it still points at the same file from the
  output's folder (``../session1/video.mp4``).

A video a user made (or renamed) is stored relative when it sits in or below
the output's folder, and as given otherwise.

The writers link a video (write an ImageSeries naming it) only when every file
it names exists, and then name it relative to the output's folder, as NWB best
practice and DANDI ask (`linkable_files`): an ImageSeries that names a missing
file is what nwbinspector calls CRITICAL. A video whose file is not there is
kept by name in poseio's own table instead (see `poseio_nwb.writing`).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from poseio import Video

#: Video metadata: ``{"stored": [...], "resolved": [...]}``, the ``external_file``
#: entries as the file stored them and where they pointed from its folder.
STORED = "external_file_as_stored"


def is_anchored(name: str) -> bool:
    """Whether a stored path names one place from anywhere: absolute on any system, or a URL."""
    return "://" in name or PurePosixPath(name).is_absolute() or bool(PureWindowsPath(name).drive)


def resolve_stored(name: str, nwb_folder: Path | None) -> str:
    """Where a stored path points, given the folder of the NWB file that stores it."""
    if nwb_folder is None or is_anchored(name):
        return name
    return str(nwb_folder / name)


def paths_to_store(video: Video, nwb_path: Path | None) -> list[str]:
    """The ``external_file`` entries to write for a video into the NWB file at ``nwb_path``.

    An image list (``metadata["external_files"]``) gives one entry per image.
    """
    kept = video.metadata.get(STORED) or {}
    if kept.get("resolved") and kept["resolved"][0] == video.filename:  # not renamed since it was read
        return [_rebase(text, target, nwb_path) for text, target in zip(kept["stored"], kept["resolved"])]
    return [_relative_if_inside(name, nwb_path) for name in video.metadata.get("external_files") or [video.filename]]


def linkable_files(video: Video, nwb_path: Path | None, source: str | None = None) -> list[str] | None:
    """The ``external_file`` entries of a video whose files all exist, relative to ``nwb_path``'s folder.

    ``None`` when a file is missing, is a folder (an image folder is not a
    video), is a URL or a path of another system. Labelled images
    (``metadata["images"]``, frame number -> path, as DeepLabCut and Lightning
    Pose tables name them) are looked for in the folder of the file they were
    read from (``source``), where those tools keep them: found, every image is
    an entry, in frame order (see `starting_frames`). Without ``nwb_path`` (an
    in-memory file) nothing can be checked: the entries as `paths_to_store` gives them.
    """
    images = labelled_images(video, source)
    entries = images if images is not None else paths_to_store(video, nwb_path)
    if nwb_path is None:
        return entries
    # Lexical paths, not resolved ones: nwbinspector and DANDI join the entry to the folder as written.
    folder = Path(os.path.abspath(nwb_path)).parent
    linked = []
    for entry in entries:
        foreign = os.name != "nt" and bool(PureWindowsPath(entry).drive)
        target = Path(os.path.abspath(folder / entry))  # an absolute entry replaces the folder
        if "://" in entry or foreign or not target.is_file():
            return None
        linked.append(Path(os.path.relpath(target, folder)).as_posix())
    return linked


def _rebase(stored: str, target: str, nwb_path: Path | None) -> str:
    # A relative path read from a file object was never resolved: where it points is unknown.
    if nwb_path is None or is_anchored(stored) or not Path(target).is_absolute():
        return stored
    folder = nwb_path.resolve().parent
    if os.path.normpath(folder / stored) == os.path.normpath(target):
        return stored  # the same folder: the text as it was
    return Path(os.path.relpath(target, folder)).as_posix()


def _relative_if_inside(name: str, nwb_path: Path | None) -> str:
    # A Windows path read on another system is not a path here: resolving it would glue it to the cwd.
    foreign = os.name != "nt" and bool(PureWindowsPath(name).drive)
    if nwb_path is None or "://" in name or foreign:
        return name
    try:
        return str(Path(name).resolve().relative_to(nwb_path.resolve().parent))
    except (ValueError, OSError):
        return name


def labelled_images(video: Video, source: str | None) -> list[str] | None:
    """The files of a video's labelled images (``metadata["images"]``) in frame order, when all are beside ``source``.

    Each image's path is tried as written and by its name alone, within the
    source file's folder only (a table's paths never lead a writer elsewhere).
    """
    images = video.metadata.get("images")
    if not isinstance(images, dict) or not images or not source or "://" in source:
        return None
    folder = Path(os.path.abspath(source)).parent
    found = []
    for frame in sorted(images):
        name = str(images[frame])
        candidates = [folder / name.replace("\\", "/"), folder / PureWindowsPath(name).name]
        path = next((p for p in candidates if p.is_file() and p.resolve().is_relative_to(folder.resolve())), None)
        if path is None:
            return None
        found.append(os.path.abspath(path))
    return found


def starting_frames(video: Video, n_files: int) -> list[int]:
    """The ImageSeries' ``starting_frame``: each file's first frame (one frame per image of a list)."""
    images = video.metadata.get("images")
    if isinstance(images, dict) and len(images) == n_files:
        return sorted(int(frame) for frame in images)
    kept = video.metadata.get("starting_frame")
    if kept is not None and len(kept) == n_files:
        return [int(v) for v in kept]
    return list(range(n_files))


def video_label(filename: str, index: int) -> str:
    """A short name for a video, usable in NWB object names: its file stem, or ``video_<index>``.

    The stem is taken as Windows takes it (forward and back slashes both
    separate), so that a Windows path gives its file's stem on any system; NWB
    names may hold neither ``/`` nor ``:``.
    """
    stem = PureWindowsPath(filename).stem.replace("/", "_").replace(":", "_")
    return stem or f"video_{index}"
