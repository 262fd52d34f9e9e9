"""Writing files so that a failure never leaves a broken or half-written destination.

See the "Writing" section of ``docs/security.md`` for the guarantees as users read them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path, PurePath

from poseio._errors import WriteError
from poseio._storage._locking import _EXTENSION, LOCK_TIMEOUT, locked, remove_stale_temps, temp_name

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

# Errors of a folder fsync that mean "this file system does not sync folders", not a failed write.
_CANNOT_SYNC_FOLDER = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES, errno.EPERM}
#: The longest file name poseio makes (most file systems' limit, in bytes).
_MAX_NAME_BYTES = 255


def writable_target(destination: Path) -> Path:
    """The file a write to ``destination`` replaces, after checking that poseio may replace it.

    A symbolic link is followed: the file it points to is replaced and the link is kept.

    Raises:
        WriteError: The folder is missing or not writable; the destination is a
            folder, not a regular file, read-only, or a link that cannot be followed.
    """
    try:
        return _writable_target(destination)
    except OSError as exc:
        if isinstance(exc, WriteError):
            raise
        # A name too long for the file system, a component that is not a folder, ...
        raise WriteError(
            f"{destination}: cannot be written ({exc.strerror or exc}); check the path", path=destination
        ) from exc


def _writable_target(destination: Path) -> Path:
    target = destination
    if destination.is_symlink():
        try:
            target = destination.resolve(strict=False)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop, before Python 3.13
            raise WriteError(
                f"{destination}: is a symbolic link that cannot be followed ({exc}); fix the link or write elsewhere",
                path=destination,
            ) from exc
    shown = destination if target == destination else f"{destination} (a link to {target})"
    folder = target.parent
    if not folder.is_dir():
        raise WriteError(f"{shown}: folder {folder} does not exist; create it first", path=destination)
    if not os.access(folder, os.W_OK):
        raise WriteError(f"{shown}: folder {folder} is not writable", path=destination)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise WriteError(f"{shown}: cannot inspect the existing file ({exc.strerror})", path=destination) from exc
    if stat.S_ISDIR(mode):
        raise WriteError(f"{shown}: is a folder, not a file; name a file inside it", path=destination)
    if not stat.S_ISREG(mode):
        raise WriteError(
            f"{shown}: is not a regular file (a device, pipe or socket); poseio will not replace it",
            path=destination,
        )
    # Replacing a file needs write access to its folder only; refuse anyway, as a user marking a
    # file read-only means "do not change it". Root passes os.access, so look at the mode too.
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteError(
            f"{shown}: the file is read-only (mode {stat.S_IMODE(mode):04o}); poseio will not replace it. "
            "Make it writable (chmod u+w) or write to another path.",
            path=destination,
        )
    if not os.access(target, os.W_OK):
        raise WriteError(
            f"{shown}: you do not have permission to write this file; poseio will not replace it. "
            "Ask its owner, or write to another path.",
            path=destination,
        )
    return target


@contextlib.contextmanager
def replacing(
    destination: Path, *, start_from_existing: bool = False, lock_timeout: float = LOCK_TIMEOUT
) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; on success, rename it over it.

    The temporary name ends as the destination's does (`writer_temp_name`), so
    that a writer can tell ``x.pkg.slp`` from ``x.slp``.

    While the block runs, the destination's write lock is held (POSIX), so other
    poseio writers of the same file wait. The temporary file lives in the
    destination's folder so that the final ``os.replace`` is atomic; it is synced
    to disk before the rename, and the folder after it. On any failure,
    including KeyboardInterrupt, the temporary file is removed and the
    destination is untouched.

    Args:
        destination: The file to create or replace. A symbolic link is followed.
        start_from_existing: Copy the current destination into the temporary
            file first (for appends); the copy is made under the lock.
        lock_timeout: Seconds to wait for another writer of the same file.

    Raises:
        FileBusyError: Another writer held the file for longer than ``lock_timeout``.
        WriteError: The destination cannot be written (see `writable_target`).
    """
    target = writable_target(destination)
    folder = target.parent
    with locked(target, lock_timeout, shown=destination) as holding:
        if holding:
            remove_stale_temps(folder, holding=target.name)
        temp = _new_temp(target, destination)
        try:
            if start_from_existing:
                _copy(target, temp, destination)
            else:
                # Writers create the file themselves (HDF5 refuses to open an empty file as new).
                temp.unlink()
            yield temp
            _put_in_place(temp, target, destination)
        except BaseException:
            # A writer may have left a folder there; the original error is the one to report.
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        _sync_folder(folder, destination)


@contextlib.contextmanager
def replacing_folder(
    destination: Path, *, may_replace: Callable[[Path], bool], lock_timeout: float = LOCK_TIMEOUT
) -> Iterator[Path]:
    """Yield a folder path beside ``destination`` for a writer to create; on success, swap it in.

    For formats whose data is a folder (a dataset, a project). The writer
    creates the yielded folder and fills it. On success an existing destination
    is renamed aside, the new folder renamed into its place, and the old one
    removed; a failure at any step before that leaves the destination as it was.
    An existing folder is replaced only when it is empty or ``may_replace``
    says it holds this format's data: poseio never deletes a folder of other files.

    Raises:
        FileBusyError: Another writer held the destination for longer than ``lock_timeout``.
        WriteError: The destination is a file, a folder of something else, or its folder is not writable.
    """
    target = writable_folder(destination, may_replace)
    with locked(target, lock_timeout, shown=destination):
        temp = _new_temp(target, destination)
        temp.unlink()  # the writer creates the folder itself
        try:
            yield temp
            if not temp.is_dir():
                raise WriteError(f"{destination}: the writer did not create the folder", path=destination)
            _swap_folder(temp, target, destination)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise


def writable_folder(destination: Path, may_replace: Callable[[Path], bool]) -> Path:
    """The folder a folder write replaces, after checking that poseio may replace it (see `replacing_folder`)."""
    target = destination.resolve() if destination.is_symlink() else destination
    parent = target.parent
    if not parent.is_dir():
        raise WriteError(f"{destination}: folder {parent} does not exist; create it first", path=destination)
    if not os.access(parent, os.W_OK):
        raise WriteError(f"{destination}: folder {parent} is not writable", path=destination)
    if target.exists() and not target.is_dir():
        raise WriteError(
            f"{destination}: is a file, and this format writes a folder; name a new folder", path=destination
        )
    if target.is_dir() and any(target.iterdir()) and not may_replace(target):
        raise WriteError(
            f"{destination}: is a folder of other files; poseio replaces only an empty folder or one of the "
            "format's own data. Name a new folder",
            path=destination,
        )
    return target


def _swap_folder(temp: Path, target: Path, destination: Path) -> None:
    """Put the new folder in place of ``target``, keeping the old one until the new one is there."""
    old = None
    try:
        if target.exists():
            old = target.parent / temp_name(target.name)
            os.replace(target, old)
        try:
            os.replace(temp, target)
        except OSError:
            if old is not None:
                os.replace(old, target)
            raise
    except OSError as exc:
        raise WriteError(
            f"{destination}: could not put the new folder in place ({exc.strerror or exc}); "
            "the destination was left as it was",
            path=destination,
        ) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    _sync_folder(target.parent, destination)


def writer_temp_name(name: str) -> str:
    """A fresh temporary name for a destination called ``name``, ending as ``name`` ends, at most 255 bytes.

    A writer is handed this name, not the destination's, and some tell what to
    write by the whole ending (``x.pkg.slp`` is a SLEAP package, ``x.slp`` is
    not; ``x.analysis.h5`` is SLEAP's analysis file): the ending's plain
    parts (``.pkg``, ``.analysis``) are kept before the last extension, as many as fit.
    """
    temp = temp_name(name)
    suffixes = PurePath(name).suffixes
    if not suffixes or not temp.endswith(suffixes[-1]):
        return temp  # temp_name keeps no extension that is not a plain one, and so no ending
    earlier = ""
    for suffix in reversed(suffixes[:-1]):
        if not _EXTENSION.fullmatch(suffix) or len(os.fsencode(temp + suffix + earlier)) > _MAX_NAME_BYTES:
            break
        earlier = suffix + earlier
    return temp[: -len(suffixes[-1])] + earlier + suffixes[-1]


def _new_temp(target: Path, destination: Path) -> Path:
    for _ in range(100):
        temp = target.parent / writer_temp_name(target.name)
        try:
            # Mode 0o666 so the umask applies, as for any new file the writer would create.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(
                f"{destination}: cannot create a file in {target.parent} ({exc.strerror}); choose a writable folder",
                path=destination,
            ) from exc
        os.close(fd)
        return temp
    raise WriteError(f"{destination}: cannot find a free temporary name in {target.parent}", path=destination)


def _copy(target: Path, temp: Path, destination: Path) -> None:
    try:
        shutil.copy2(target, temp)
    except OSError as exc:
        raise WriteError(
            f"{destination}: cannot copy the existing file to append to it ({exc.strerror or exc})", path=destination
        ) from exc


def _put_in_place(temp: Path, target: Path, destination: Path) -> None:
    try:
        _sync_file(temp, destination)
        _keep_permissions(target, temp)
        os.replace(temp, target)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(
            f"{destination}: could not put the new file in place ({exc.strerror or exc}); "
            "the destination was left as it was",
            path=destination,
        ) from exc


def _sync_file(temp: Path, destination: Path) -> None:
    """Flush the new file to disk, so that a power cut after the rename cannot leave it empty."""
    try:
        # Windows flushes only handles open for writing; POSIX syncs any descriptor.
        fd = os.open(temp, os.O_RDONLY if os.name == "posix" else os.O_RDWR)
    except FileNotFoundError as exc:
        raise WriteError(f"{destination}: the writer did not create the file", path=destination) from exc
    try:
        # macOS's fsync leaves data in the drive's cache; F_FULLFSYNC does not, where the volume supports it.
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
        except (AttributeError, OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _keep_permissions(target: Path, temp: Path) -> None:
    """Give the new file the old one's permission bits and, where allowed, its owner and group."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    # Permission bits carry over, setuid and setgid do not: a data file poseio wrote is no program.
    os.chmod(temp, stat.S_IMODE(old.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))
    new = os.stat(temp)
    if hasattr(os, "chown") and (new.st_uid, new.st_gid) != (old.st_uid, old.st_gid):
        # Only root may give a file away; others keep the file as theirs, as any editor would.
        with contextlib.suppress(OSError):
            os.chown(temp, old.st_uid, old.st_gid)


def _sync_folder(folder: Path, destination: Path) -> None:
    """Flush the folder, so that the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _CANNOT_SYNC_FOLDER:
            raise WriteError(
                f"{destination}: the new file is in place, but syncing its folder failed ({exc.strerror}); "
                "it may not survive a power cut",
                path=destination,
            ) from exc
    finally:
        os.close(fd)
