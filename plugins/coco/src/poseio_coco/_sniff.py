"""Recognising COCO keypoint files by the keys in their first bytes.

Only ``probe.head`` (the first 4 kB) is looked at: a COCO file can be hundreds
of megabytes, and parsing it to tell whether it is ours would cost as much as
reading it. The two layouts differ from the first character on: an annotation
file is a JSON object, a results list a JSON array.
"""

from __future__ import annotations

import json
import re

import poseio

FORMAT = "coco"
RESULTS = "coco-results"

_KEY = r'"{}"\s*:'
#: The top-level lists of a COCO annotation file.
_TOP = ("images", "annotations", "categories")


def _has_key(text: str, key: str) -> bool:
    return re.search(_KEY.format(re.escape(key)), text) is not None


def _text(probe: poseio.Probe) -> str:
    # A head cut inside a multi-byte character, or a UTF-8 byte-order mark, must not stop the look.
    return probe.head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    """One claim per format: `coco` for a JSON object, `coco-results` for a JSON array, by their keys."""
    text = _text(probe)
    if text.startswith("{"):
        return [sniff_annotations(text), poseio.Claim(RESULTS, poseio.NOT_MINE, "a JSON object, not a results list")]
    if text.startswith("["):
        return [poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON array, not a COCO annotation file"), sniff_results(text)]
    reason = "not JSON (does not start with { or [)"
    return [poseio.Claim(FORMAT, poseio.NOT_MINE, reason), poseio.Claim(RESULTS, poseio.NOT_MINE, reason)]


def sniff_annotations(text: str) -> poseio.Claim:
    """`coco`: an object with COCO's top-level lists and keypoints.

    TYPED_MATCH when the keys ``images``/``annotations``/``categories`` and
    ``keypoints`` are seen; STRUCTURE_MATCH when only the lists are (a long
    ``info`` or ``licenses`` block can push the keypoints past the bytes
    sniffed); a COCO file whose categories or annotations are seen without
    keypoints is a detection or segmentation dataset, and declined.
    """
    top = [key for key in _TOP if _has_key(text, key)]
    if not top:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON object without COCO's images/annotations/categories")
    seen = "/".join(top)
    if _has_key(text, "keypoints") or _has_key(text, "num_keypoints"):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"COCO keys {seen} with keypoints")
    # Entries of categories or annotations already in view, and none has keypoints: not a keypoint file.
    entries_seen = re.search(r'"(categories|annotations)"\s*:\s*\[\s*\{[^{}]*\}', text) is not None
    if entries_seen:
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, f"COCO keys {seen}, but its categories/annotations have no keypoints (detection?)"
        )
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, f"COCO keys {seen}; keypoints not within the bytes sniffed")


def _first_entry(text: str) -> dict | None:
    """The first object of a JSON array, when it ends within the head; ``None`` otherwise."""
    body = text[1:].lstrip()
    if not body.startswith("{"):
        return None
    try:
        entry, _ = json.JSONDecoder().raw_decode(body)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def sniff_results(text: str) -> poseio.Claim:
    """`coco-results`: an array whose first entry has ``image_id`` and ``keypoints``.

    Detection results (``bbox`` or ``segmentation`` without ``keypoints``) are
    declined with that reason.
    """
    entry = _first_entry(text)
    if entry is not None:
        keys = set(entry)
    else:
        # The first entry is longer than the head (hundreds of keypoints): judge by the keys in view.
        keys = {
            k for k in ("image_id", "keypoints", "score", "category_id", "bbox", "segmentation") if _has_key(text, k)
        }
    if "image_id" not in keys:
        return poseio.Claim(RESULTS, poseio.NOT_MINE, "a JSON array whose first entry has no image_id")
    if "keypoints" not in keys:
        other = sorted(keys & {"bbox", "segmentation"})
        kind = f"COCO detection results ({'/'.join(other)}, no keypoints)" if other else "no keypoints"
        return poseio.Claim(RESULTS, poseio.NOT_MINE, f"{kind}: nothing to read as poses")
    if entry is not None and isinstance(entry.get("keypoints"), list) and len(entry["keypoints"]) % 3 == 0:
        return poseio.Claim(RESULTS, poseio.TYPED_MATCH, "COCO keypoint results: image_id, keypoints [x, y, v]*K")
    return poseio.Claim(RESULTS, poseio.STRUCTURE_MATCH, "COCO keypoint results keys image_id and keypoints")
