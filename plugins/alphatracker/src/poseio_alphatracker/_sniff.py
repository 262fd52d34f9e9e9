"""Recognising AlphaTracker / sloth annotation files by the keys in their first bytes.

Only ``probe.head`` is looked at. A sloth file is a JSON array of frames whose
items carry a ``class``: ``image`` for a frame, ``Face`` or ``boundingBox``
for an animal's box, ``point`` for a keypoint. COCO files are JSON objects (or
arrays of ``image_id`` entries), Label Studio exports arrays of tasks whose
regions have no ``class``: neither holds these classes. ``filename`` is not
required in view: a frame's keys may come sorted, and its ``annotations``
before its ``filename`` fill the bytes sniffed (as in AlphaTracker's own data).
"""

from __future__ import annotations

import re

import poseio

FORMAT = "alphatracker"
#: The item classes that start an animal: sleap-io reads ``Face``; AlphaTracker's own tools also ``boundingBox``.
BOX_CLASSES = ("Face", "boundingBox")


def _class(text: str, value: str) -> bool:
    return re.search(r'"class"\s*:\s*"' + re.escape(value) + '"', text) is not None


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`TYPED_MATCH` for an array with ``annotations`` holding box and ``point`` items; `NOT_MINE` (with why) else.

    `STRUCTURE_MATCH` when the first bytes show sloth frames (``"class": "image"``
    with ``annotations``, or boxes) but no point yet (frames without animals first).
    """
    text = probe.head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("["):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a JSON array of frames")
    if re.search(r'"annotations"\s*:\s*\[', text) is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON array without an annotations list")
    box = next((c for c in BOX_CLASSES if _class(text, c)), None)
    if box and _class(text, "point"):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"sloth annotations: {box!r} boxes and 'point' items")
    if box or (_class(text, "image") and not re.search(r'"class"\s*:\s*"(?!image")', text)):
        return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "sloth image frames; no point within the bytes sniffed")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "annotations without sloth's Face/boundingBox and point classes")
