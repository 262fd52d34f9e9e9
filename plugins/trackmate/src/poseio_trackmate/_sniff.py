"""Recognising TrackMate spots exports by their first line of feature keys, never by their rows.

TrackMate (Fiji) exports its spots table as CSV: a line of feature keys
(``LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,...``),
then, since TrackMate 7, three lines of the features' names, short names and
units, then one row per spot. Older exports (Fiji's results tables) have the
key line alone, with ``Label`` for ``LABEL``. TrackMate's edges and tracks
tables are declined, saying to load the spots table.
"""

from __future__ import annotations

import poseio
from poseio.csv import continues_past_head, head_lines, split_rows

FORMAT = "trackmate"
#: The feature keys a spots table must have to be read as poses.
REQUIRED = ("TRACK_ID", "POSITION_X", "POSITION_Y", "FRAME")
#: Keys of TrackMate's other tables, which name what they are.
EDGES_KEYS = ("SPOT_SOURCE_ID", "SPOT_TARGET_ID")
TRACKS_KEYS = ("NUMBER_SPOTS", "TRACK_START")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`TYPED_MATCH` for a TrackMate spots table's key line; `NOT_MINE` (with why) otherwise."""
    head = head_lines(probe)
    if head.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, head.refusal)
    if not head.lines:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no text line")
    try:
        keys = split_rows(head.lines[:1])[0]
    except poseio.ReadError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first line is not CSV text")
    if not head.lines[0].endswith(("\n", "\r")) and continues_past_head(probe):
        keys = keys[:-1]  # the last key may be cut short by the end of the bytes sniffed
    found = set(keys)
    if all(key in found for key in EDGES_KEYS):
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, "a TrackMate edges table (links between spots): load the spots table beside it"
        )
    if all(key in found for key in TRACKS_KEYS):
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, "a TrackMate tracks table (one row per track): load the spots table beside it"
        )
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"no TrackMate spot columns {missing} in its first line")
    if "ID" not in found:
        return poseio.Claim(
            FORMAT, poseio.STRUCTURE_MATCH, "TrackMate's TRACK_ID, POSITION_X/Y and FRAME without its spot ID column"
        )
    layout = "with its names, short names and units rows" if _has_name_rows(head.lines) else "one header line"
    return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"TrackMate spots table ({layout})")


def _has_name_rows(lines: tuple[str, ...]) -> bool:
    """Whether the second line is TrackMate's row of feature names (``Label,Spot ID,Track ID,...``)."""
    return len(lines) > 1 and "Spot ID" in lines[1] and "Track ID" in lines[1]
