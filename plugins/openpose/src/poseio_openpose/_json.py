"""Parsing OpenPose frame files, each a small JSON object.

Python's json module builds an object per number, list and dict: up to about
24 bytes of memory per byte of text (a file of empty objects). A folder is
parsed one file at a time, and only the numbers are kept (as float64, at most
4 bytes per byte of text: ``"0,"`` is two), so a load draws from the budget the
largest file's parse plus the numbers of all of them, before any is parsed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import poseio

#: Bytes of Python objects the json module may make per byte of text, at worst.
PARSE_BYTES_PER_BYTE = 24
#: Bytes of float64 arrays kept per byte of text, at worst (a number takes at least two bytes).
KEPT_BYTES_PER_BYTE = 4


def fail(source: str, problem: str, path: str | Path | None = None) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return poseio.ReadError(f"{source}: not a readable OpenPose frame file: {problem}", path=path)


def parse(raw: bytes, source: str, path: str | Path | None = None) -> Any:
    """The parsed JSON of one frame file.

    Raises:
        ReadError: The bytes are not UTF-8 JSON; the message says where they break.
    """
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise fail(source, f"not UTF-8 text ({exc.reason})", path) from exc
    except json.JSONDecodeError as exc:
        raise fail(
            source, f"broken JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); the file may be cut short", path
        ) from exc
    except RecursionError as exc:
        raise fail(source, "JSON nested too deeply", path) from exc
