"""Recognising Anipose pose-3d CSVs by their header line."""

from __future__ import annotations

import poseio
from poseio.csv import continues_past_head, head_lines, split_rows

from poseio_anipose._columns import ColumnsError, parse

FORMAT = "anipose"
#: The read options the plugin declares and the reader takes.
READ_OPTIONS = ("fps", "video")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """Claim a CSV whose header line has Anipose's columns.

    `TYPED_MATCH` when every bodypart has the six columns ``_x, _y, _z,
    _error, _ncams, _score`` and ``fnum`` is there; `STRUCTURE_MATCH` when
    some bodyparts lack one of the last three.
    """
    head = head_lines(probe)
    if head.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, head.refusal)
    lines = head.lines
    cut = not lines[0].endswith(("\n", "\r")) and continues_past_head(probe)
    names = split_rows(lines[:1])[0]
    try:
        columns = parse(names, cut=cut)
    except ColumnsError as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not an Anipose pose-3d CSV: {exc}")
    if len(lines) > 1 and lines[1].endswith(("\n", "\r")) and len(split_rows(lines[1:2])[0]) != len(names):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first row has another number of fields than its header")
    seen = f"{len(columns.bodyparts)} bodyparts" + (" (the header is wider than the bytes sniffed)" if cut else "")
    if columns.complete:
        return poseio.Claim(
            FORMAT, poseio.TYPED_MATCH, f"Anipose columns _x/_y/_z/_error/_ncams/_score and fnum, {seen}"
        )
    return poseio.Claim(
        FORMAT, poseio.STRUCTURE_MATCH, f"Anipose-like columns, some of _error/_ncams/_score missing, {seen}"
    )
