"""Recognising FreiPose prediction files by the keys of their first frame.

Only ``probe.head`` (the first 4 kB) is looked at. A prediction file is a JSON
array with one object per frame: ``boxes`` (a box per camera) and ``xyz`` (the
animal's centre) after FreiPose's ``predict_bb.py``, then ``kp_xyz`` and
``kp_score`` once ``predict_pose.py`` has run. COCO results, Label Studio
exports and AlphaTracker files are arrays too, but none has these keys.
"""

from __future__ import annotations

import re

import poseio

FORMAT = "freipose"


def _has_key(text: str, key: str) -> bool:
    return re.search(rf'"{re.escape(key)}"\s*:', text) is not None


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`freipose`: an array of frames with ``kp_xyz``.

    TYPED_MATCH when ``kp_xyz`` is in view with ``kp_score`` (or ``xyz``);
    STRUCTURE_MATCH for frames of ``boxes`` and ``xyz`` only (the first frames
    may have no pose: FreiPose skips frames without a detected animal);
    everything else is declined with the reason.
    """
    text = probe.head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("["):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a JSON array of frames")
    if not text[1:].lstrip().startswith(("{", "]")) and text[1:].strip():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON array whose first entry is not an object")
    if _has_key(text, "kp_xyz") and (_has_key(text, "kp_score") or _has_key(text, "xyz")):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "FreiPose predictions: frames with kp_xyz and kp_score")
    if _has_key(text, "boxes") and _has_key(text, "xyz") and not _has_key(text, "image_id"):
        return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "FreiPose frames (boxes, xyz); no kp_xyz in view")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "an array without FreiPose's kp_xyz, boxes and xyz")
