"""The two top-level layouts of a COCO JSON file, parsed within the load's memory budget by `poseio.json`."""

from __future__ import annotations

from typing import Any

import poseio
from poseio.json import read_json, unreadable
from poseio.options import say_option

#: What each top-level JSON kind is in COCO: an annotation file is an object, a results list an array.
_LAYOUTS = {dict: ("object", "an annotation file"), list: ("array", "a results list")}


def fail(probe: poseio.Probe, format: str, problem: str) -> poseio.ReadError:
    """A ReadError naming the file, the format and what is wrong with it."""
    return unreadable(probe.name, f"{format} file", problem, path=probe.path)


def load_json(probe: poseio.Probe, format: str) -> Any:
    """The parsed JSON of the source (see `poseio.json.read_json`)."""
    return read_json(probe, f"{format} file")


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
