"""The pose file at a URL, as the file object a ``poseio_frames`` hook reads its images from (``stream``).

A SLEAP package or an NWB file loaded from a URL holds images the hook reads
from that same URL, through the remote layer pose files are read through
(`poseio._storage._remote.RemoteFile`: Range requests for cached blocks, one
deadline per request, no decompression). Every plugin is asked about every
video, and most answer ``None`` without reading, so the URL is contacted only
when one reads: `PoseFileStream` opens it on its first seek or read.

A pose file loaded from a file object gives no stream: that object is the
caller's, who may close it, rewind it or read it from another thread once
``load`` returns, so poseio keeps no reference to it.
"""

from __future__ import annotations

import io
from typing import Any

from poseio._errors import PoseioError
from poseio._storage._remote import display_name


class PoseFileStream(io.RawIOBase):
    """A pose file's bytes at a URL: a read-only, seekable binary file, connected on first use.

    Attributes:
        url: The URL the labels were loaded from.
        name: The URL as messages show it (its query left out), also the
            ``repr``, which h5py uses to name a file opened from a file object.
    """

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.name = display_name(url)
        self._remote: Any = None
        self._failed: PoseioError | None = None

    def __repr__(self) -> str:
        return self.name

    @property
    def error(self) -> PoseioError | None:
        """The first transport failure (the server unreachable, a 404, too slow), or ``None``.

        HDF5 reports a failed read of a file object as its own generic error;
        the reader of the frames puts this one back in front of it.
        """
        if self._failed is not None:
            return self._failed
        return None if self._remote is None else self._remote.error

    def _file(self) -> Any:
        if self.closed:
            raise ValueError(f"{self.name}: read from a closed stream")
        if self._remote is None:
            from poseio._storage._remote import RemoteFile

            try:
                self._remote = RemoteFile(self.url)
            except PoseioError as exc:
                self._failed = exc
                raise
        return self._remote

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def read(self, size: int = -1) -> bytes:
        return self._file().read(size)

    def readinto(self, buffer: Any) -> int:
        return self._file().readinto(buffer)

    def close(self) -> None:
        if not self.closed and self._remote is not None:
            self._remote.close()
        super().close()


def raise_server_failure(stream: PoseFileStream | None, exc: BaseException) -> None:
    """Raise the server's failure behind ``exc`` when ``stream`` had one (HDF5 reports it only as a failed read)."""
    failure = None if stream is None else stream.error
    if failure is not None and exc is not failure:
        raise failure from exc
