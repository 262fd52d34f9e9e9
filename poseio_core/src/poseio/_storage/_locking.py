"""Taking turns: one writer per destination, and removing what killed writers left behind.

Every write holds an exclusive ``flock`` on a lock file beside its destination,
``.{name}.poseio-lock``, from before it reads the destination (for an append)
until the new file has replaced it. Temporary files are named after the same
``{name}``, so a temporary file whose destination's lock is free belongs to a
writer that died: a live writer would be holding that lock.

The lock is never taken on the destination itself or on the temporary file:
HDF5 takes its own ``flock`` on the files it opens, so a poseio lock there would
make HDF5 fail with "unable to lock file", in the writer and in every reader.

POSIX only. Where :mod:`fcntl` is missing (Windows), or the file system refuses
``flock``, writes are not serialised and nothing is cleaned.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from poseio._errors import FileBusyError, WriteError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

#: Seconds a write waits for another writer of the same file before raising `FileBusyError`.
LOCK_TIMEOUT = 60.0

TEMP_MARK = ".poseio-tmp-"
LOCK_SUFFIX = ".poseio-lock"
# 255 bytes (the usual file-name limit) minus the most poseio adds around the name:
# "." + TEMP_MARK + a 10-digit pid + "-" + 8 hex digits + an 11-byte extension = 43.
_MAX_NAME_BYTES = 200
_DIGEST_CHARS = 12
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
# A temporary name ends as its destination does, with every plain extension of a multi-dot
# ending (x.pkg.slp's temporary file ends in .pkg.slp; see _atomic.writer_temp_name).
_TEMP = re.compile(r"\.(?P<name>.+)" + re.escape(TEMP_MARK) + r"\d+-[0-9a-f]{8}(?:\.[A-Za-z0-9]{1,10})*", re.DOTALL)
_LOCK = re.compile(r"\.(?P<name>.+)" + re.escape(LOCK_SUFFIX), re.DOTALL)
_NO_FLOCK = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}
_OPEN_FLAGS = os.O_RDONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

log = logging.getLogger("poseio")


def short_name(name: str) -> str:
    """``name``, or for a name too long to carry poseio's additions, its start plus a hash of all of it."""
    encoded = os.fsencode(name)
    if len(encoded) <= _MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:_DIGEST_CHARS]
    keep = name
    # Cut whole characters, so that a UTF-8 name stays valid UTF-8.
    while len(os.fsencode(keep)) > _MAX_NAME_BYTES - _DIGEST_CHARS - 1:
        keep = keep[:-1]
    return f"{keep}~{digest}"


def temp_name(name: str) -> str:
    """A fresh temporary file name for a destination called ``name``; at most 255 bytes."""
    extension = os.path.splitext(name)[1]
    # Keep the extension, for writers that look at it, when it is a plain one.
    extension = extension if _EXTENSION.fullmatch(extension) else ""
    return f".{short_name(name)}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}{extension}"


def lock_path(target: Path) -> Path:
    """The lock file that writers of ``target`` take turns on."""
    return target.parent / f".{short_name(target.name)}{LOCK_SUFFIX}"


def _try_lock(path: Path) -> int | None:
    """The descriptor of the lock file at ``path``, now locked by us, or ``None`` while another holds it."""
    while True:
        fd = os.open(path, _OPEN_FLAGS, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        # The holder before us removed the file as it let go: our lock is on a file that
        # no other writer will open again, so it excludes nobody. Start over on the new one.
        try:
            current = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        except BaseException:
            os.close(fd)
            raise
        mine = os.fstat(fd)
        if current is not None and (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        os.close(fd)


def _release(path: Path, fd: int) -> None:
    # Removed while still locked, so that a waiter who opened it sees it is gone and starts over.
    try:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.unlink(path)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(target: Path, timeout: float, *, shown: Path | None = None) -> Iterator[bool]:
    """Hold the exclusive write lock of ``target`` for the duration of a ``with`` block.

    Yields whether the lock is held: ``False`` where locks are not available.

    Args:
        target: The file about to be written (symbolic links already followed).
        timeout: Seconds to wait for another writer to finish.
        shown: The path to name in errors (what the caller passed), default ``target``.

    Raises:
        FileBusyError: Another writer still held the lock after ``timeout`` seconds.
        WriteError: The lock file could not be created.
    """
    if fcntl is None:
        yield False
        return
    path = lock_path(target)
    fd = _acquire(path, timeout, shown or target)
    try:
        yield fd is not None
    finally:
        if fd is not None:
            _release(path, fd)


def _acquire(path: Path, timeout: float, shown: Path) -> int | None:
    """Wait for the lock file at ``path``; ``None`` when the file system cannot lock at all."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            fd = _try_lock(path)
        except OSError as exc:
            if exc.errno in _NO_FLOCK:
                log.warning("%s: the file system does not support flock; writing without a lock", shown)
                with contextlib.suppress(OSError):
                    os.unlink(path)
                return None
            if exc.errno == errno.ELOOP:
                message = f"its lock file {path} is a symbolic link, which poseio does not follow; remove it"
            else:
                message = f"cannot create a file in {path.parent} ({exc.strerror}); choose a writable folder"
            raise WriteError(f"{shown}: {message}", path=shown) from exc
        if fd is not None:
            return fd
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FileBusyError(
                f"{shown}: another process is writing this file (poseio waited {timeout:g} s for {path}). "
                "Try again when it has finished, or pass a longer lock_timeout=.",
                path=shown,
            )
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.1)


def remove_stale_temps(folder: Path, *, holding: str) -> list[Path]:
    """Remove the temporary files and lock files that killed writers left in ``folder``.

    A temporary file is removed only when its destination's lock can be taken
    without waiting, that is when no live writer is writing that destination.

    Args:
        folder: The folder to clean.
        holding: The name of the destination whose lock the caller holds: its
            temporary files are all stale (the caller has not made its own yet).

    Returns:
        The files removed.
    """
    if fcntl is None:
        return []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return []
    temps: dict[str, list[str]] = {}
    for entry in entries:
        if match := _TEMP.fullmatch(entry.name):
            temps.setdefault(match["name"], []).append(entry.name)
        elif match := _LOCK.fullmatch(entry.name):
            temps.setdefault(match["name"], [])
    removed: list[Path] = []
    mine = short_name(holding)
    for name, files in temps.items():
        if name == mine:
            removed += _remove_files(folder, files)
            continue
        path = folder / f".{name}{LOCK_SUFFIX}"
        try:
            fd = _try_lock(path)
        except OSError:
            continue
        if fd is None:
            continue
        try:
            removed += _remove_files(folder, files)
        finally:
            _release(path, fd)
    return removed


def _remove_files(folder: Path, names: list[str]) -> list[Path]:
    removed = []
    for name in names:
        path = folder / name
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.unlink(path)
                removed.append(path)
        except OSError:
            continue
    return removed
