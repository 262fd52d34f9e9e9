"""Recognising OpenPose ``--write_json`` output by its file names and first bytes.

OpenPose writes one JSON object per frame, ``{"version": 1.3, "people": [...]}``,
named ``<video>_<12-digit frame>_keypoints.json`` (``<image>_keypoints.json`` for
an image folder). A file is judged by ``probe.head``; a folder by its entries'
names and the first bytes of the first ``*_keypoints.json`` among them, opened
through ``probe.member`` (so that a link out of the folder is never read). No
other file is opened while sniffing: an output folder can hold 100,000 frames.
"""

from __future__ import annotations

import re

import poseio

FORMAT = "openpose"
#: The ending of every file OpenPose's --write_json writes.
ENDING = "_keypoints.json"
#: How much of a folder's first frame file is looked at, as much as a file's ``probe.head``.
SNIFF_BYTES = 4096
#: The keys of a person's keypoint arrays, any of which marks a frame file.
_ARRAYS = re.compile(r'"(pose|face|hand_left|hand_right)_keypoints_(2d|3d)"\s*:')


def _has_key(text: str, key: str) -> bool:
    return re.search(rf'"{re.escape(key)}"\s*:', text) is not None


def _judge(head: bytes, named: bool) -> poseio.Claim:
    """The claim on one frame file's first bytes; ``named``: its name ends with ``_keypoints.json``."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a JSON object (an OpenPose frame is one)")
    if not _has_key(text, "people"):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a JSON object without OpenPose's people list")
    if _ARRAYS.search(text):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "an OpenPose frame: people with *_keypoints_2d/3d arrays")
    # A frame in which nobody was detected is {"version": 1.3, "people": []}: its name tells it.
    if named and _has_key(text, "version") and re.search(r'"people"\s*:\s*\[\s*\]', text):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"an OpenPose frame without people (*{ENDING})")
    if named:
        return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, f"a *{ENDING} file with people; no keypoints in view")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "a people list without OpenPose's *_keypoints_2d/3d arrays")


def _folder(probe: poseio.Probe) -> poseio.Claim:
    frames = [name for name in probe.entries if name.endswith(ENDING)]
    if not frames:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a folder without *{ENDING} files (OpenPose --write_json)")
    try:
        path = probe.member(frames[0])
    except poseio.UnsafeFileError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {frames[0]} is a link to a file outside the folder")
    if path is None or not path.is_file():
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {frames[0]} is not a file")
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {frames[0]} cannot be read")
    claim = _judge(head, named=True)
    if claim.confidence == poseio.NOT_MINE:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"its {frames[0]}: {claim.reason}")
    return poseio.Claim(FORMAT, claim.confidence, f"a folder of {len(frames)} OpenPose frame files ({claim.reason})")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`openpose`: a folder of ``*_keypoints.json`` frames, or one frame file.

    TYPED_MATCH for a JSON object with ``people`` and a ``*_keypoints_2d`` or
    ``_3d`` array in view (or, for a file named ``*_keypoints.json``, an empty
    ``people`` list beside ``version``); STRUCTURE_MATCH for a
    ``*_keypoints.json`` file with ``people`` but no array in the bytes
    sniffed; everything else is declined with the reason.
    """
    if probe.is_folder:
        return _folder(probe)
    return _judge(probe.head, named=probe.has_ending(ENDING))
