"""Writing files so that a failure never leaves a broken or half-written destination."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from poseio._errors import WriteError


@contextlib.contextmanager
def replacing(destination: Path, *, start_from_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; on success, rename it over it.

    The temporary file lives in the destination's folder so that the final
    ``os.replace`` is atomic. On any failure, including KeyboardInterrupt, the
    temporary file is removed and the destination is untouched.

    Args:
        destination: The file to create or replace.
        start_from_existing: Copy the current destination into the temporary
            file first (for appends).
    """
    folder = destination.parent if str(destination.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"{destination}: folder {folder} does not exist; create it first", path=destination)
    if not os.access(folder, os.W_OK):
        raise WriteError(f"{destination}: folder {folder} is not writable", path=destination)
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".poseio-tmp" + destination.suffix, dir=folder
        )
    except OSError as exc:
        raise WriteError(
            f"{destination}: cannot create a file in {folder} ({exc.strerror}); choose a writable folder",
            path=destination,
        ) from exc
    os.close(fd)
    temp = Path(temp_name)
    try:
        if start_from_existing:
            shutil.copy2(destination, temp)
        else:
            # Writers create the file themselves (HDF5 refuses to open an empty file as new).
            temp.unlink()
        yield temp
        if destination.exists():
            shutil.copymode(destination, temp)
        os.replace(temp, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
