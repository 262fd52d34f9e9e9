"""Recognising Anipose pose-3d CSVs by their header line."""

from __future__ import annotations

import poseio

from poseio_anipose._columns import ColumnsError, parse, split_line

FORMAT = "anipose"


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """Claim a CSV whose header line has Anipose's columns.

    `TYPED_MATCH` when every bodypart has the six columns ``_x, _y, _z,
    _error, _ncams, _score`` and ``fnum`` is there; `STRUCTURE_MATCH` when
    some bodyparts lack one of the last three.
    """
    head = probe.head
    if not head.strip():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "the file is empty")
    if b"\0" in head:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "binary content, not a CSV")
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines(keepends=True)
    cut = not lines[0].endswith(("\n", "\r")) and _goes_on(probe)
    names = split_line(lines[0].rstrip("\r\n"))
    try:
        columns = parse(names, cut=cut)
    except ColumnsError as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not an Anipose pose-3d CSV: {exc}")
    if len(lines) > 1 and lines[1].endswith(("\n", "\r")) and len(split_line(lines[1].rstrip("\r\n"))) != len(names):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first row has another number of fields than its header")
    seen = f"{len(columns.bodyparts)} bodyparts" + (" (the header is wider than the bytes sniffed)" if cut else "")
    if columns.complete:
        return poseio.Claim(
            FORMAT, poseio.TYPED_MATCH, f"Anipose columns _x/_y/_z/_error/_ncams/_score and fnum, {seen}"
        )
    return poseio.Claim(
        FORMAT, poseio.STRUCTURE_MATCH, f"Anipose-like columns, some of _error/_ncams/_score missing, {seen}"
    )


def _goes_on(probe: poseio.Probe) -> bool:
    """Whether the file goes on beyond the head (whose last line may then be cut)."""
    if probe.path is None:
        return len(probe.head) >= 4096
    try:
        return probe.path.stat().st_size > len(probe.head)
    except OSError:
        return False
