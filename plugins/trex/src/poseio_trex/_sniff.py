"""Recognising a TRex per-individual export by the names of its arrays.

Only the zip's directory is read (`_npz.opened`, ``namelist``): the member
names say whether an ``.npz`` is TRex's, and no array is loaded. Other
``.npz`` files (network weights, arbitrary arrays, TRex's own posture and
recognition files, which have no positions) are declined with the names seen.
"""

from __future__ import annotations

import poseio

from poseio_trex._npz import ZIP_SIGNATURE, arrays_of, opened

FORMAT = "trex"

#: The arrays every TRex export of positions has, beside a position pair.
REQUIRED = ("frame",)
#: Position pairs, in the order they are preferred for the ``centroid`` node (`_read.position_columns`).
POSITIONS = (("X", "Y"), ("X#wcentroid", "Y#wcentroid"), ("X#pcentroid", "Y#pcentroid"))
#: Arrays only TRex writes beside the positions: any one of them makes the claim certain enough.
TREX_ONLY = ("missing", "time", "timestamp", "num_pixels", "midline_length", "SPEED")


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:6])
    return f"{shown}, ... ({len(names)} arrays)" if len(names) > 6 else shown or "no arrays"


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`trex`: an npz with ``frame``, a position pair (``X``/``Y``) and TRex's own arrays."""
    if not probe.head.startswith(ZIP_SIGNATURE):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a zip archive (.npz)")
    try:
        with opened(probe) as archive:
            names = list(arrays_of(archive))
    except poseio.ReadError as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a damaged zip archive ({exc})")
    have = set(names)
    pair = next((p for p in POSITIONS if set(p) <= have), None)
    if pair is None or not set(REQUIRED) <= have:
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, f"an .npz without TRex's frame and X/Y arrays (it holds {_listed(names)})"
        )
    extra = sorted(have & set(TREX_ONLY))
    if extra:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"TRex export: frame, {'/'.join(pair)}, {', '.join(extra)}")
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, f"an .npz with frame and {'/'.join(pair)} arrays")
