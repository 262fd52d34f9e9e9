"""Recognising sleap-io CSV files by their header line.

Only ``probe.head`` (the first bytes) is looked at. DeepLabCut and Lightning
Pose CSVs start with ``scorer`` rows, Anipose's with ``<bodypart>_x`` columns
and ``fnum``: none has a ``frame_idx`` column, which every sleap-io layout
starts with or holds, beside columns only sleap-io names so
(``instance.score``, ``track_score``, ``instK.<node>.x``, ``instance_score``).
"""

from __future__ import annotations

import poseio
from poseio.csv import continues_past_head, head_lines, split_rows

from poseio_sleap_csv._columns import FORMAT, ColumnsError, parse


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`TYPED_MATCH` for a header line of one of sleap-io's CSV layouts; `NOT_MINE` (with why) otherwise."""
    head = head_lines(probe)
    if head.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, head.refusal)
    lines = head.lines
    if not lines:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no text line (a byte-order mark alone)")
    try:
        names = split_rows(lines[:1])[0]
    except poseio.ReadError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first line is not CSV text")
    cut = not lines[0].endswith(("\n", "\r")) and continues_past_head(probe)
    if cut:
        names = names[:-1]  # the last name may be cut short by the end of the bytes sniffed
    try:
        columns = parse(names)
    except ColumnsError as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not a sleap-io CSV: {exc}")
    if not cut and len(lines) > 1 and lines[1].endswith(("\n", "\r")):
        if len(split_rows(lines[1:2])[0]) != len(names):
            return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first row has another number of fields than its header")
    wide = " (the header is wider than the bytes sniffed)" if cut else ""
    return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"sleap-io CSV header, layout {columns.layout!r}{wide}")
