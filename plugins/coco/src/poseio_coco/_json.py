"""Parsing a COCO JSON file within the load's memory budget.

Python's json module builds an object per number, list and dict: a keypoint
list costs 4 to 9 bytes of memory per byte of text, and a hostile file of
empty objects (``[{},{},...]``) about 24. The parse cannot be stopped half
way, so the file's size times that worst case is drawn from the budget first
and a file that would exceed it is refused before anything is parsed.
"""

from __future__ import annotations

import json
import os
from typing import Any

import poseio
from poseio.limits import check_allocation
from poseio.options import say_option

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


def load_json(probe: poseio.Probe, format: str) -> Any:
    """The parsed JSON of the source.

    Raises:
        UnsafeFileError: Parsing the file could take more than the load's memory budget.
        ReadError: The file is not UTF-8 JSON; the message says where it breaks.
    """
    name = probe.name
    size = _size(probe)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of JSON", name, path=probe.path)
    try:
        if probe.path is not None:
            with open(probe.path, "rb") as f:
                raw = f.read()
        else:
            probe.source.seek(0)
            raw = probe.source.read()
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise poseio.ReadError(f"{name}: not a {format} file: not UTF-8 text ({exc.reason})", path=probe.path) from exc
    except json.JSONDecodeError as exc:
        raise poseio.ReadError(
            f"{name}: not a {format} file: broken JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "the file may be cut short",
            path=probe.path,
        ) from exc
    except RecursionError as exc:
        raise poseio.ReadError(f"{name}: not a {format} file: JSON nested too deeply", path=probe.path) from exc


#: What each top-level JSON kind is in COCO: an annotation file is an object, a results list an array.
_LAYOUTS = {dict: ("object", "an annotation file"), list: ("array", "a results list")}


def load_layout(probe: poseio.Probe, format: str, expected: type, other_format: str) -> Any:
    """The parsed JSON, which must be a JSON object (``dict``) or array (``list``) as ``expected``.

    The other COCO layout is refused naming the format that reads it, in the caller's words.
    """
    data = load_json(probe, format)
    if isinstance(data, expected):
        return data
    kind, meaning = _LAYOUTS[expected]
    for other, (other_kind, other_meaning) in _LAYOUTS.items():
        if isinstance(data, other):
            raise fail(
                probe,
                format,
                f"the top level is a JSON {other_kind}, as in {other_meaning} "
                f"(load it with {say_option('read_format', other_format)})",
            )
    raise fail(probe, format, f"the top level is not a JSON {kind}, as in {meaning}")


def fail(probe: poseio.Probe, format: str, problem: str) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return poseio.ReadError(f"{probe.name}: not a readable {format} file: {problem}", path=probe.path)
