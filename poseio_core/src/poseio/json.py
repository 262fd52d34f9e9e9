"""Parsing a JSON file within the load's memory budget, for format plugins.

Python's json module builds an object per number, string, list and dict: a
typical pose file costs 4 to 9 bytes of memory per byte of text, and a hostile
file of empty objects (``[{},{},...]``) about 24. A parse cannot be stopped
half way, so `read_json` draws the file's size times that worst case
(`PARSE_BYTES_PER_BYTE`) from the load's memory budget first: a file that
would exceed it is refused before anything is parsed. Text that is not JSON
becomes a `poseio.ReadError` saying where it breaks.

Example::

    from poseio.json import read_json, unreadable

    def read_mine(probe, options):
        data = read_json(probe, "Mine file")  # UnsafeFileError over the budget, ReadError if broken
        if not isinstance(data, dict):
            raise unreadable(probe.name, "Mine file", "the top level is not a JSON object", path=probe.path)
        ...

A caller that reads the bytes itself (a sidecar, the files of a folder) draws
its own budget, sized with `source_size` or the files' sizes, and parses each
with `parse_json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from poseio._errors import ReadError
from poseio._plugins._probe import Probe
from poseio.limits import check_allocation

__all__ = ["PARSE_BYTES_PER_BYTE", "PARSE_ERRORS", "describe", "parse_json", "read_json", "source_size", "unreadable"]

#: Bytes of Python objects the json module may make per byte of text, at worst (an array of empty objects).
PARSE_BYTES_PER_BYTE = 24
#: What ``json.loads`` raises on bytes that are not JSON: not UTF-8, broken, nested too deeply.
PARSE_ERRORS = (UnicodeDecodeError, json.JSONDecodeError, RecursionError)


def unreadable(name: str, what: str, problem: str, *, path: str | os.PathLike[str] | None = None) -> ReadError:
    """The error for a source that is not a readable ``what``: ``"<name>: not a readable <what>: <problem>"``.

    Args:
        name: The source as the user knows it (``probe.name``).
        what: What it should be, with its noun: ``"COCO file"``, ``"Label Studio export"``.
        problem: What is wrong with it.
        path: The source's path, if it has one.

    Returns:
        The `poseio.ReadError`, to raise.
    """
    return ReadError(f"{name}: not a readable {what}: {problem}", path=path)


def describe(error: BaseException) -> str:
    """What is wrong with a text, in words, from the error ``json.loads`` raised on it (one of `PARSE_ERRORS`)."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text ({error.reason})"
    if isinstance(error, json.JSONDecodeError):
        return f"broken JSON at line {error.lineno} column {error.colno} ({error.msg}); the file may be cut short"
    if isinstance(error, RecursionError):
        return "JSON nested too deeply"
    return str(error)


def parse_json(raw: bytes | str, name: str, what: str, *, path: str | os.PathLike[str] | None = None) -> Any:
    """The parsed JSON of bytes already read; the caller has drawn the budget for their parse.

    Args:
        raw: The text (UTF-8 bytes, or str).
        name: The source the text comes from, for the message.
        what: What the text should be (see `unreadable`).
        path: The source's path, if it has one.

    Returns:
        What ``json.loads`` returns.

    Raises:
        ReadError: The text is not UTF-8 JSON; the message says where it breaks.
    """
    try:
        return json.loads(raw)
    except PARSE_ERRORS as exc:
        raise unreadable(name, what, describe(exc), path=path) from exc


def source_size(probe: Probe) -> int:
    """The size in bytes of the probe's file, or of its file object (left where it was)."""
    if probe.path is not None:
        return os.path.getsize(probe.path)
    stream = probe.source
    position = stream.tell()
    try:
        return stream.seek(0, os.SEEK_END)
    finally:
        stream.seek(position)


def read_json(probe: Probe, what: str) -> Any:
    """The parsed JSON of the probe's whole source (a path or a file object), its worst case drawn from the budget.

    Args:
        probe: The probe of the source.
        what: What the source should be, for the messages (see `unreadable`).

    Returns:
        What ``json.loads`` returns.

    Raises:
        UnsafeFileError: Parsing the file could take more than the load's memory budget.
        ReadError: The file is not UTF-8 JSON; the message says where it breaks.
    """
    size = source_size(probe)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of JSON", probe.name, path=probe.path)
    if probe.path is not None:
        raw = Path(probe.path).read_bytes()
    else:
        probe.source.seek(0)
        raw = probe.source.read()
    return parse_json(raw, probe.name, what, path=probe.path)
