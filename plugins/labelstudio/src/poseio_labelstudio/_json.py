"""Parsing a Label Studio export within the load's memory budget.

Python's json module builds an object per number, string, list and dict:
about 4 to 9 bytes of memory per byte of a typical export, and up to about 24
for a hostile file of empty objects (``[{},{},...]``). The parse cannot be
stopped half way, so the file's size times that worst case is drawn from the
budget first, and a file over it is refused before anything is parsed.
"""

from __future__ import annotations

import json
import os
from typing import Any

import poseio
from poseio.limits import check_allocation

#: Bytes of Python objects the json module may make per byte of text, at worst (see the module docstring).
PARSE_BYTES_PER_BYTE = 24


def _size(probe: poseio.Probe) -> int:
    if probe.path is not None:
        return os.path.getsize(probe.path)
    stream = probe.source
    position = stream.tell()
    try:
        return stream.seek(0, os.SEEK_END)
    finally:
        stream.seek(position)


def fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    """A ReadError naming the file and what is wrong with it."""
    return poseio.ReadError(f"{probe.name}: not a readable Label Studio export: {problem}", path=probe.path)


def load_json(probe: poseio.Probe) -> Any:
    """The parsed JSON of the source.

    Raises:
        UnsafeFileError: Parsing the file could take more than the load's memory budget.
        ReadError: The file is not UTF-8 JSON; the message says where it breaks.
    """
    size = _size(probe)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of JSON", probe.name, path=probe.path)
    try:
        if probe.path is not None:
            with open(probe.path, "rb") as f:
                raw = f.read()
        else:
            probe.source.seek(0)
            raw = probe.source.read()
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise fail(probe, f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise fail(
            probe, f"broken JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); the file may be cut short"
        ) from exc
    except RecursionError as exc:
        raise fail(probe, "JSON nested too deeply") from exc
