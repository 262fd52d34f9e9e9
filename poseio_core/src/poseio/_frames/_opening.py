"""The videos a pose file names: which ones may be opened, and their frame rate.

A pose file is untrusted: the video it names is opened only when it lies in
the pose file's folder (or below it), unless the user passed ``--allow-external``.

A file in that folder can still reach outside it: an HLS playlist (``.m3u8``),
an FFmpeg concat list or an image-sequence pattern makes FFmpeg open the files
it names, anywhere, and FFmpeg picks its reader by the content, not the name.
So only a regular file (never a FIFO, which would block the open) with a known
container ending is opened, with FFmpeg told to use that container's reader and
no other, and to open nothing but that one local file. A video at a URL is read
the same way from a file object whose bytes come through fsspec, as remote pose
files' do (`open_remote_video`).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import urllib.parse
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

from poseio._errors import ReadError

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


@contextlib.contextmanager
def open_remote_video(url: str) -> Iterator[tuple[Any, RemoteVideoFile]]:
    """The PyAV container of the video at ``url``, read through fsspec as remote pose files are, and its file.

    The URL's path must end in one of `CONTAINERS`; that container's reader
    alone is used, on the bytes of that one URL (FFmpeg is given a file
    object, so it opens no protocol and no other file). A transport failure
    ends the stream and is kept in the file's ``error``: FFmpeg would report
    it as a damaged file, so the caller raises that error instead.

    Raises:
        ReadError: The URL does not name a video poseio opens, or the server fails (see `RemoteFile`).
        MissingDependencyError: fsspec (``poseio[remote]``) is not installed.
    """
    import av

    from poseio._storage._remote import display_name

    name = display_name(url)
    demuxer = CONTAINERS.get(PurePosixPath(urllib.parse.urlsplit(name).path).suffix.lower())
    if demuxer is None:
        endings = ", ".join(sorted(CONTAINERS))
        raise ReadError(f"{name}: not a video poseio opens (a URL ending in {endings})", path=name)
    with RemoteVideoFile(url) as file:
        try:
            container = av.open(file, format=demuxer.split(",")[0], options={"format_whitelist": demuxer})
        except Exception as exc:
            if file.error is not None:
                raise file.error from exc  # the server failed, not the video
            raise
        with container:
            yield container, file


class RemoteVideoFile(io.RawIOBase):
    """A video's bytes at a URL, for FFmpeg: `RemoteFile`'s blocks, a failure ending the stream.

    FFmpeg retries a read that raised, each retry waiting for the server
    again; a failed read here returns no bytes (the end) at once, and every
    later read too, with the failure kept in `error`.
    """

    def __init__(self, url: str) -> None:
        super().__init__()
        from poseio._storage._remote import RemoteFile

        self._remote = RemoteFile(url)
        self.name = self._remote.name

    @property
    def error(self) -> ReadError | None:
        """The first transport failure, or ``None``."""
        return self._remote.error

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._remote.seek(offset, whence)

    def tell(self) -> int:
        return self._remote.tell()

    def read(self, size: int = -1) -> bytes:
        if self._remote.error is not None:
            return b""
        try:
            return self._remote.read(size)
        except ReadError:  # kept in error; FFmpeg sees the end of the file
            return b""

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._remote.close()
        super().close()


def _is_regular(path: Path) -> bool:
    """A regular file (links followed): a FIFO would block the open, a device never end."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
