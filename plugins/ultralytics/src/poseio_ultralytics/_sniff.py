"""Recognising Ultralytics pose datasets by their ``data.yaml``.

A dataset is a folder holding ``data.yaml``; the file may also be named
directly (``poseio.load("dataset/data.yaml")``, or any ``.yaml`` of that
kind, as Ultralytics' own ``coco8-pose.yaml``). Only the first bytes of the
YAML are looked at, for its top-level keys: ``kpt_shape`` is what a pose
dataset has and a detection or segmentation dataset (same layout, same
``names``, ``train`` and ``val``) has not. Nothing else of the folder is
listed or opened while sniffing.
"""

from __future__ import annotations

import re

import poseio

FORMAT = "ultralytics"
#: The name of a dataset's description in its folder.
ENTRY = "data.yaml"
#: How much of the YAML is looked at, as much as a file's ``probe.head``.
SNIFF_BYTES = 4096


def _has_key(text: bytes, key: str) -> bool:
    # A top-level YAML key starts its line; "kpt_shape" inside a comment or a nested mapping is not one.
    return re.search(rb"^" + re.escape(key.encode()) + rb"[ \t]*:", text, re.MULTILINE) is not None


def _folder_head(probe: poseio.Probe) -> bytes | poseio.Claim:
    """The first bytes of the folder's ``data.yaml``, or the claim that declines the folder."""
    if ENTRY not in probe.entries:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a folder without {ENTRY} (an Ultralytics dataset's description)")
    try:
        path = probe.member(ENTRY)
    except poseio.UnsafeFileError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {ENTRY} is a link to a file outside the folder")
    if path is None or not path.is_file():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {ENTRY} is not a file")
    try:
        with open(path, "rb") as f:
            return f.read(SNIFF_BYTES)
    except OSError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {ENTRY} cannot be read")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`ultralytics`: a ``data.yaml`` (or the folder holding one) with ``kpt_shape``.

    TYPED_MATCH when ``kpt_shape`` is a top-level key; STRUCTURE_MATCH when
    only ``names`` and a split are seen in a YAML longer than the bytes looked
    at (a long list of class names can push ``kpt_shape`` past them); a
    dataset description without ``kpt_shape`` is a detection or segmentation
    dataset, and declined with that reason.
    """
    if probe.is_folder:
        head = _folder_head(probe)
        if isinstance(head, poseio.Claim):
            return head
    else:
        head = probe.head[:SNIFF_BYTES]
    if _has_key(head, "kpt_shape"):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "an Ultralytics pose dataset: data.yaml with kpt_shape")
    splits = [key for key in ("train", "val", "test") if _has_key(head, key)]
    if _has_key(head, "names") and splits:
        if len(head) >= SNIFF_BYTES:
            return poseio.Claim(
                FORMAT, poseio.STRUCTURE_MATCH, "Ultralytics dataset keys; kpt_shape not within the bytes sniffed"
            )
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, "an Ultralytics detection or segmentation dataset (no kpt_shape): no poses"
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "not an Ultralytics dataset description (no kpt_shape, names, train)")
