"""What the bridges share: importing the library they need, checking their inputs, naming individuals."""

from __future__ import annotations

import importlib
import math
from types import ModuleType
from typing import Any

import numpy as np

from poseio._errors import InvalidArgumentError, InvalidLabelsError, InvalidOptionError, MissingDependencyError
from poseio._model._labels import Labels
from poseio._model._table import PoseTable
from poseio._model._video import Track

#: How an individual with no track is named: the k-th untracked instance of a frame is ``individual_k``,
#: as movement names the one animal of a single-animal DeepLabCut file.
UNTRACKED_NAME = "individual_{}"
KINDS = ("all", "user", "predicted")


def require(module: str, extra: str, caller: str) -> ModuleType:
    """Import an optional library, or say how to install it.

    Args:
        module: The module to import (``"xarray"``, ``"sleap_io"``, ``"pandas"``).
        extra: The poseio extra that installs it (``"movement"``, ``"sleap-io"``, ``"pandas"``).
        caller: The function that needs it, for the message.

    Raises:
        MissingDependencyError: The module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f'{caller} needs {module}, which is not installed; install it with: pip install "poseio[{extra}]"',
            name=module,
        ) from exc


def check_labels(labels: object, caller: str) -> Labels:
    """The argument, when it is a `poseio.Labels`.

    Raises:
        InvalidArgumentError: It is something else.
    """
    if not isinstance(labels, Labels):
        raise InvalidArgumentError(f"{caller} takes a poseio.Labels, not {type(labels).__name__}")
    return labels


def check_kind(kind: object) -> str:
    """``kind=``: which instances to take (``"all"``, ``"user"``, ``"predicted"``).

    Raises:
        InvalidOptionError: Another value.
    """
    if kind not in KINDS:
        raise InvalidOptionError(f"kind= must be one of {list(KINDS)}, not {kind!r}")
    return str(kind)


def known_fps(fps: object) -> float | None:
    """A frame rate a file recorded, or ``None`` when it is missing, zero or not a number."""
    try:
        value = float(fps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def individual_names(tracks: list[Track], n_slots: int) -> list[str]:
    """The name of every slot of a dense array: the track names, then ``individual_0``, ... for untracked slots.

    A generated name that a track already has is skipped, so the names stay unique.
    """
    names = [t.name for t in tracks][:n_slots]
    if len(set(names)) != len(names):
        duplicated = sorted({n for n in names if names.count(n) > 1})
        raise InvalidLabelsError(
            f"two tracks share the name(s) {duplicated}, and the individuals of a table need distinct names; "
            "rename one of them"
        )
    taken, k = set(names), 0
    while len(names) < n_slots:
        name = UNTRACKED_NAME.format(k)
        k += 1
        if name not in taken:
            names.append(name)
    return names


def selected_rows(labels: Labels, video: object, kind: str) -> tuple[int, PoseTable]:
    """The index of the chosen video and the table rows of its instances of the chosen kind."""
    table = labels.to_table()
    video_id = labels._video_index(video)  # type: ignore[arg-type]
    mask = table.video == video_id
    if kind != "all":
        mask &= table.predicted == (kind == "predicted")
    return video_id, table if mask.all() else table.take(mask)


def frame_count(labels: Labels, video_id: int, table: PoseTable) -> int:
    """How many frames a dense array of one video spans: its length when known, else the last labelled one + 1.

    The same rule as `Labels.numpy`, so every bridge's time axis agrees with it.
    """
    shape = labels.videos[video_id].shape if labels.videos else None
    return max(shape[0] if shape and shape[0] else 0, int(table.frame_idx.max()) + 1 if len(table) else 0)


def frame_starts(table: PoseTable) -> np.ndarray:
    """The first row of each (video, frame) of a sorted table."""
    new_frame = np.ones(len(table), dtype=bool)
    new_frame[1:] = (np.diff(table.video) != 0) | (np.diff(table.frame_idx) != 0)
    return np.flatnonzero(new_frame)


def untracked_slots(table: PoseTable, n_tracks: int) -> np.ndarray:
    """Each row's slot in a dense array: its track, or for the k-th untracked instance of a frame ``n_tracks + k``."""
    slot = table.slots()
    untracked = slot < 0
    slot[untracked] = n_tracks - slot[untracked] - 1
    return slot


def jsonable_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """The attributes that are plain values (text, numbers, lists of them), for a Labels' provenance."""
    kept: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iufUSb":
            value = value.tolist()
        if value is None or isinstance(value, (str, int, float, bool)):
            kept[str(key)] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) for v in value):
            kept[str(key)] = list(value)
    return kept
