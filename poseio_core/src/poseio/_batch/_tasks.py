"""One file's task of a batch: a plain function of plain arguments, run by whichever engine.

`convert_task` is what a worker process or a Dask worker runs: it is pickled by
name (the workers need poseio and the same plugins installed), takes the paths
as strings and the settings as a dict, and never raises for a bad file: it
returns the file's `FileOutcome`, so that one failure never stops the others.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Mapping
from typing import Any

from poseio._batch._records import CONVERTED, FAILED, SKIPPED_EXISTING, FileOutcome
from poseio._errors import PoseioError, WriteError
from poseio._io._converting import convert_one
from poseio._io._loading import sniff
from poseio._storage._remote import is_url


def convert_task(source: str, output: str, plan: Mapping[str, Any]) -> FileOutcome:
    """Convert ``source`` to ``output`` unless a complete output is there already; never raises ``Exception``.

    Args:
        source: The input: a path, or a URL.
        output: The output path.
        plan: `poseio._io._converting.settings` plus ``overwrite`` (redo every file)
            and ``written_by`` (the formats whose claim on an output shows it complete).
    """
    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        if not plan["overwrite"] and is_complete(source, output, plan["written_by"]):
            return FileOutcome(source, SKIPPED_EXISTING, output, time.perf_counter() - start, worker=worker)
        _make_folder(os.path.dirname(output))
        before = _modified(source)
        notes = convert_one(source, output, plan)
        if before is not None and _modified(source) != before:
            notes.append(_changed_while_converted(source, output, before))
    except Exception as exc:  # noqa: BLE001 - the file fails alone, with its error in the report
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        kind = type(exc).__name__ if isinstance(exc, PoseioError) else f"unexpected {type(exc).__name__}"
        return FileOutcome(source, FAILED, output, time.perf_counter() - start, kind, lines[0], worker=worker)
    return FileOutcome(source, CONVERTED, output, time.perf_counter() - start, notes=notes, worker=worker)


def is_complete(source: str, output: str, written_by: list[str]) -> bool:
    """Whether ``output`` is a finished conversion of ``source``: a cheap check, no data read.

    poseio writes atomically (a temporary file renamed on success), so an
    output that exists is whole unless something else wrote it. It counts as
    done when it is a regular file not older than its source (a local one: a
    URL has no time here) and one of ``written_by`` is its most confident claimant (`poseio.sniff`).
    """
    try:
        done = os.stat(output)
    except OSError:
        return False
    if not stat.S_ISREG(done.st_mode):
        return False
    if not is_url(source):
        try:
            if done.st_mtime_ns < os.stat(source).st_mtime_ns:
                return False
        except OSError:
            return False
    try:
        claims = sniff(output)
    except PoseioError:
        return False
    # The output format must be the file's best claimant, not merely one that would read it: the DeepLabCut
    # CSV an earlier run wrote is no Lightning Pose output, though the Lightning Pose sniffer claims it too.
    best = max((claim.confidence for claim in claims), default=0.0)
    return any(claim.format in written_by and claim.confidence >= best for claim in claims)


def _modified(source: str) -> int | None:
    """The local source's modification time (ns); ``None`` for a URL or a file that cannot be looked up."""
    if is_url(source):
        return None
    try:
        return os.stat(source).st_mtime_ns
    except OSError:
        return None


def _changed_while_converted(source: str, output: str, before: int) -> str:
    """Date the output back to the input it was made from, so that the next run converts the new input again."""
    try:
        os.utime(output, ns=(time.time_ns(), before))
    except OSError:
        pass  # then the next run may take it for done; the note says so
    return f"{source} changed while it was converted; the next run converts it again"


def _make_folder(folder: str) -> None:
    """The output's folder (an input's subfolder below the one given), made on the worker that writes it."""
    try:
        os.makedirs(folder or ".", exist_ok=True)
    except OSError as exc:
        raise WriteError(f"{folder}: cannot create the output folder ({exc.strerror or exc})", path=folder) from exc
