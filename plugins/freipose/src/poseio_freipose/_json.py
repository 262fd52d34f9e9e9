"""Parsing a results file within the load's memory budget.

Python's json module builds an object per number, list and dict: up to about
24 bytes of memory per byte of text (a file of empty objects). The parse cannot
be stopped half way, so the file's size times that is drawn from the budget
first, and a file that would exceed it is refused before anything is parsed.
"""

from __future__ import annotations

import json
import os
from typing import Any

import poseio
from poseio.limits import check_allocation

#: Bytes of Python objects the json module may make per byte of text, at worst.
PARSE_BYTES_PER_BYTE = 24


def fail(probe: poseio.Probe, format: str, problem: str) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return poseio.ReadError(f"{probe.name}: not a readable {format} file: {problem}", path=probe.path)


def _size(probe: poseio.Probe) -> int:
    if probe.path is not None:
        return os.path.getsize(probe.path)
    stream = probe.source
    position = stream.tell()
    try:
        return stream.seek(0, os.SEEK_END)
    finally:
        stream.seek(position)


def load_json(probe: poseio.Probe, format: str) -> Any:
    """The parsed JSON of the source.

    Raises:
        UnsafeFileError: Parsing the file could take more than the load's memory budget.
        ReadError: The file is not UTF-8 JSON; the message says where it breaks.
    """
    size = _size(probe)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of JSON", probe.name, path=probe.path)
    if probe.path is not None:
        with open(probe.path, "rb") as f:
            raw = f.read()
    else:
        probe.source.seek(0)
        raw = probe.source.read()
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise fail(probe, format, f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise fail(
            probe, format, f"broken JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); the file may be cut short"
        ) from exc
    except RecursionError as exc:
        raise fail(probe, format, "JSON nested too deeply") from exc
