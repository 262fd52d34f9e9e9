"""Recognising Lightning Pose CSVs from the first bytes of a file.

Lightning Pose writes DeepLabCut's single-animal layout, so the layout alone
does not tell the two apart; the scorer does. The rule, agreed with the
DeepLabCut plugin: a Lightning Pose model as scorer claims `TYPED_MATCH`;
any other single-animal header claims 0.4, under the DeepLabCut plugin's
`STRUCTURE_MATCH`, so that DeepLabCut reads such files unless asked
otherwise; a multi-animal header (an ``individuals`` row) is not ours.
"""

from __future__ import annotations

import poseio
from poseio.csv import continues_past_head, head_lines, split_rows

from poseio_lightning_pose._header import HeaderError, is_model_scorer, parse

FORMAT = "lightning-pose"
#: A DeepLabCut-layout CSV whose scorer is not a Lightning Pose model: below DeepLabCut's claim.
OTHER_SCORER = 0.4


def _describe(scorers: list[str]) -> str:
    shown = ", ".join(repr(s) for s in scorers[:3])
    return shown + (f" and {len(scorers) - 3} more" if len(scorers) > 3 else "")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """Claim a CSV by its header rows and scorer (see the module docstring)."""
    head = head_lines(probe)
    if head.refusal:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, head.refusal)
    lines, complete = head.lines, head.complete
    # The head may end inside a line; judge the complete ones, and the rest only if nothing else is seen.
    rows = split_rows(complete[:4])
    try:
        header = parse(rows)
    except HeaderError as exc:
        if split_rows(lines[:1])[0][:1] == ["scorer"] and len(complete) < 3:
            if continues_past_head(probe):
                return _from_scorer_row(split_rows(lines[:1])[0])
            # The whole file is a header cut short: declined; format="lightning-pose" reaches the reader,
            # which says so.
            return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a scorer row, but {exc}")
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not a Lightning Pose CSV: {exc}")
    if header.multi_animal:
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, "a multi-animal DeepLabCut header (individuals row); Lightning Pose files hold one"
        )
    scorers = header.model_scorers
    n = len(header.node_names)
    nodes = f"{n} bodypart{'s' if n != 1 else ''}"
    if all(is_model_scorer(s) for s in scorers):
        return poseio.Claim(
            FORMAT,
            poseio.TYPED_MATCH,
            f"DeepLabCut-layout header of {nodes} by Lightning Pose model {scorers[0]!r}",
        )
    return poseio.Claim(
        FORMAT,
        OTHER_SCORER,
        f"DeepLabCut-layout single-animal header of {nodes}, but scorer {_describe(scorers)} is no "
        "Lightning Pose model (DeepLabCut's format reads it first; format='lightning-pose' reads it as LP)",
    )


def _from_scorer_row(row: list[str]) -> poseio.Claim:
    """A claim from a scorer row alone, for a header too wide for the probe's head."""
    scorers = list(dict.fromkeys(c for c in row[1:-1] if c.strip()))  # the last cell may be cut short
    if scorers and all(is_model_scorer(s) for s in scorers):
        return poseio.Claim(
            FORMAT,
            poseio.TYPED_MATCH,
            f"scorer row names Lightning Pose model {scorers[0]!r} (the header is wider than the bytes sniffed)",
        )
    return poseio.Claim(FORMAT, OTHER_SCORER, "a scorer row, but no Lightning Pose model in the bytes sniffed")
