"""Recognising MMPose inference results by the keys in their first bytes.

Only ``probe.head`` (the first 4 kB) is looked at. MMPose writes three layouts:

- its demos (``--save-predictions``): an object ``{"meta_info": {...},
  "instance_info": [...]}``, ``meta_info`` first (the dataset's
  ``keypoint_id2name``, ``skeleton_links``...);
- its inferencer, for a video: an array of ``{"frame_id", "instances"}``;
- its inferencer, for an image: an array of instances, each with
  ``keypoints`` (``[[x, y], ...]``) and ``keypoint_scores``.

COCO annotation files are objects of ``images``/``annotations``/``categories``,
COCO results arrays of ``image_id`` entries, Label Studio exports arrays of
tasks (``data``, ``annotations``), AlphaTracker files arrays of frames with
``class`` items: none has these keys, and an entry with ``image_id`` is declined.
"""

from __future__ import annotations

import json
import re

import poseio

FORMAT = "mmpose"


def _has_key(text: str, key: str) -> bool:
    return re.search(rf'"{re.escape(key)}"\s*:', text) is not None


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


def _object(text: str) -> poseio.Claim:
    meta, instances = _has_key(text, "meta_info"), _has_key(text, "instance_info")
    if meta and (instances or _has_key(text, "keypoint_id2name")):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "MMPose results: meta_info (keypoint_id2name), instance_info")
    if instances and _has_key(text, "keypoint_scores"):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "MMPose results: instance_info with keypoint_scores")
    if meta or instances:
        return poseio.Claim(
            FORMAT, poseio.STRUCTURE_MATCH, "MMPose results keys; the rest not within the bytes sniffed"
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON object without MMPose's meta_info and instance_info")


def _array(text: str) -> poseio.Claim:
    entry = _first_entry(text)
    keys = set(entry) if entry is not None else {k for k in ("frame_id", "instances", "image_id") if _has_key(text, k)}
    if "image_id" in keys:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "entries with image_id (COCO results, not MMPose's)")
    if {"frame_id", "instances"} <= keys:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "MMPose inferencer frames: frame_id and instances")
    if entry is not None and {"keypoints", "keypoint_scores"} <= keys:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "MMPose inferencer instances: keypoints and keypoint_scores")
    if entry is None and _has_key(text, "keypoint_scores") and _has_key(text, "keypoints"):
        return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "keypoints and keypoint_scores in view (MMPose instances)")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "an array without MMPose's frame_id/instances or keypoint_scores")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`mmpose`: one of MMPose's three results layouts, by its keys.

    TYPED_MATCH when ``meta_info`` is seen with ``instance_info`` or
    ``keypoint_id2name``, or an array's first entry has ``frame_id`` and
    ``instances`` (or ``keypoints`` and ``keypoint_scores``); STRUCTURE_MATCH
    when only part of that is within the bytes sniffed; everything else is
    declined with the reason.
    """
    text = probe.head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return _object(text)
    if text.startswith("["):
        return _array(text)
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "not JSON (does not start with { or [)")
