"""Recognising Label Studio task exports by the keys of their first task.

Only ``probe.head`` (the first 4 kB) is looked at: an export can be hundreds
of megabytes. A task is a JSON object with ``data`` and result sets
(``annotations``, ``predictions``, or ``completions`` in Label Studio before
1.0) whose ``result`` items name their control (``from_name``) and ``type``;
poses are the ``keypointlabels`` items. An export is a JSON array of tasks, or
one task object.

A single task object has ``annotations``, a key COCO files have too: the COCO
sniffer may claim it on that key alone (at ``STRUCTURE_MATCH``), so a Label
Studio task is claimed above that whenever its Label Studio keys are in view.
"""

from __future__ import annotations

import json
import re

import poseio

FORMAT = "labelstudio"

#: Between STRUCTURE_MATCH and TYPED_MATCH: Label Studio's result keys seen, its keypoints not (yet).
RESULT_KEYS_SEEN = 0.6
#: Where a task keeps its result sets, in Label Studio 1.x and before 1.0.
SETS = ("annotations", "predictions", "completions")


def _has_key(text: str, key: str) -> bool:
    return re.search(rf'"{re.escape(key)}"\s*:', text) is not None


def _text(probe: poseio.Probe) -> str:
    # A head cut inside a multi-byte character, or a UTF-8 byte-order mark, must not stop the look.
    return probe.head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def _first_task(text: str) -> dict | None:
    """The first task, when it ends within the head; ``None`` otherwise."""
    body = text[1:].lstrip() if text.startswith("[") else text
    if not body.startswith("{"):
        return None
    try:
        task, _ = json.JSONDecoder().raw_decode(body)
    except ValueError:
        return None
    return task if isinstance(task, dict) else None


def _result_types(task: dict) -> set[str] | None:
    """The ``type`` of every result item of the task's result sets; ``None`` when it has no result set."""
    sets = [task[key] for key in SETS if isinstance(task.get(key), list)]
    if not sets:
        return None
    types = set()
    for entry in (e for s in sets for e in s):
        if isinstance(entry, dict) and isinstance(entry.get("result"), list):
            types.update(str(item.get("type")) for item in entry["result"] if isinstance(item, dict))
    return types


def _judge_task(task: dict) -> poseio.Claim:
    types = _result_types(task)
    if types is None:
        if any(
            isinstance(v, list) and v and isinstance(v[0], dict) and "keypointlabels" in v[0] for v in task.values()
        ):
            # JSON-MIN flattens each control's regions into a key of the task: no ids, so no relations or boxes.
            reason = "a Label Studio JSON-MIN export (export the project as JSON to read it)"
            return poseio.Claim(FORMAT, poseio.NOT_MINE, reason)
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first entry has no annotations or predictions list")
    if "keypointlabels" in types:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "a Label Studio task with keypointlabels results")
    if types - {"relation"}:
        kinds = "/".join(sorted(types))
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a Label Studio task with {kinds} results, no keypointlabels")
    if "data" in task:
        # The first task is not labelled yet: the keypoints may be in the next ones.
        return poseio.Claim(FORMAT, RESULT_KEYS_SEEN, "a Label Studio task (data, annotations) without results yet")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first entry has no data and no labelled results")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """`labelstudio`: a JSON array of tasks, or one task, with ``keypointlabels`` results.

    TYPED_MATCH when the first task (or, if it is longer than the head, the
    bytes in view) shows ``keypointlabels``; 0.6 when Label Studio's result keys
    (``result`` and ``from_name``) are in view but no keypoints; an export whose
    first task is whole in view with other results only (boxes, choices, text)
    is declined, naming them.
    """
    text = _text(probe)
    if not text.startswith(("[", "{")):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not JSON (does not start with { or [)")
    if not any(f'"{key}"' in text for key in ("result", "data", "keypointlabels")):
        # Every claim below needs one of these in view: other JSON (COCO, say) is not parsed to be declined.
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no Label Studio data, result or keypointlabels in view")
    task = _first_task(text)
    if task is not None:
        return _judge_task(task)
    sets = [key for key in SETS if _has_key(text, key)]
    if not sets or not _has_key(text, "result"):
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no Label Studio annotations/predictions with a result in view")
    if _has_key(text, "keypointlabels") or re.search(r'"type"\s*:\s*"keypointlabels"', text):
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"Label Studio {'/'.join(sets)} with keypointlabels")
    if _has_key(text, "from_name"):
        return poseio.Claim(
            FORMAT, RESULT_KEYS_SEEN, "Label Studio result keys; keypointlabels not within the bytes sniffed"
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "result items without Label Studio's from_name or keypointlabels")
