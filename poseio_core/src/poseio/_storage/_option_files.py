"""Small text files a user names to configure poseio: the config file, ``--subject`` and ``--metadata``.

Such a path may name anything: a FIFO (opening it waits for a writer
forever), ``/dev/zero`` (reading it never ends), a file that is not UTF-8, or a
document nested so deeply that the parser overflows Python's stack. Every one
of those is an `InvalidOptionError` naming the file, raised at once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from poseio._errors import InvalidOptionError

#: The largest option file read, in bytes: a config or subject file is a few lines.
MAX_BYTES = 1024 * 1024


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of the regular file ``path``, read without blocking and at most `MAX_BYTES` long.

    Args:
        path: The file.
        what: What the file is, for messages (``"poseio's config file"``, ``"--subject"``).

    Raises:
        FileNotFoundError: ``path`` does not exist (callers decide whether that is an error).
        InvalidOptionError: It is not a regular file, is too large, cannot be read or is not UTF-8.
    """
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _error(path, what, f"it cannot be opened ({exc.strerror or exc})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _error(path, what, "it is not a regular file (a folder, device, pipe or socket)")
        raise _error(path, what, f"it is {info.st_size} bytes long, more than the {MAX_BYTES} allowed")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_BYTES + 1)  # bounded: a file may grow after the size check
        except OSError as exc:
            raise _error(path, what, f"it cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_BYTES:
        raise _error(path, what, f"it is more than the {MAX_BYTES} bytes allowed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(path, what, f"it is not UTF-8 text ({exc})") from exc


def parse_file(path: Path, what: str, parse: Callable[[str], Any], errors: tuple[type[Exception], ...]) -> Any:
    """``parse`` applied to `read_text` of ``path``; its failures become an `InvalidOptionError` naming the file.

    Args:
        path: The file.
        what: What the file is, for messages.
        parse: The parser (``tomllib.loads``, ``yaml.safe_load``).
        errors: The exceptions by which ``parse`` says the text is malformed.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        InvalidOptionError: It cannot be read (see `read_text`) or parsed, or nests too deeply.
    """
    text = read_text(path, what)
    try:
        return parse(text)
    except RecursionError as exc:
        # A document nested thousands of levels deep overflows the recursive parsers: malformed, not a crash.
        raise _error(path, what, "it nests too deeply to be parsed") from exc
    except errors as exc:
        raise _error(path, what, f"it cannot be parsed ({exc})") from exc


def _error(path: Path, what: str, reason: str) -> InvalidOptionError:
    return InvalidOptionError(f"{path}: {what} cannot be read: {reason}; fix or remove it")
