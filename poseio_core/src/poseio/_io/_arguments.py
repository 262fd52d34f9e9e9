"""Checks of what callers pass to the public functions, so a wrong call is a usage error.

Without them a wrong argument surfaces deep inside as a KeyError, IndexError or
an OSError, which a caller cannot tell from a failing disk.
"""

from __future__ import annotations

import io
import math
import os
from numbers import Real
from pathlib import Path
from typing import Any

from poseio._errors import (
    InvalidArgumentError,
    InvalidLabelsError,
    InvalidOptionError,
    InvalidSourceError,
    PoseioError,
)
from poseio._model._instance import Instance, LabeledFrame, PredictedInstance
from poseio._model._labels import Labels
from poseio._model._skeleton import repeated


def _kind(value: object) -> str:
    return "None" if value is None else f"{type(value).__name__} {value!r}"[:80]


def check_format(format: object) -> None:
    """Refuse a ``format=`` that is not ``None``, a name, or a non-empty list or tuple of names."""
    if format is None or isinstance(format, str):
        return
    if isinstance(format, (list, tuple)) and format and all(isinstance(name, str) for name in format):
        return
    raise InvalidArgumentError(
        f"format must be a format name, a non-empty list of names, or None, not {_kind(format)}; "
        "poseio.formats() lists the names"
    )


def check_path(path: object) -> Path:
    """The destination as a `Path`; refuses anything but a non-empty ``str`` or ``os.PathLike``.

    Bytes are refused rather than decoded: ``os.fsdecode(path)`` turns them into a str.
    """
    if not isinstance(path, (str, os.PathLike)):
        hint = "; decode it with os.fsdecode()" if isinstance(path, bytes) else ""
        raise InvalidArgumentError(f"path must be a str or pathlib.Path, not {_kind(path)}{hint}")
    return Path(_path_text(path, "path", "name the file to write", InvalidArgumentError))


def _path_text(path: os.PathLike | str, what: str, advice: str, error: type[Exception]) -> str:
    """The text of a path, refused (as ``error``) when no file can have it: not text, empty, or with NUL."""
    try:
        text = os.fspath(path)
    except TypeError as exc:
        raise error(f"{what} {path!r} does not give a file system path: {exc}") from exc
    if not isinstance(text, str):
        raise error(f"{what} must give a str, not {_kind(text)}; decode it with os.fsdecode()")
    if not text:
        raise error(f"{what} is empty; {advice}")
    if "\0" in text:
        raise error(f"{what} {text!r} contains a NUL character, which no file name may hold")
    return text


def check_source(source: object) -> None:
    """Refuse a source path that no file can have, and a file object that is closed or in text mode.

    The `Probe` refuses what is neither a path nor a file object.
    """
    if isinstance(source, io.TextIOBase):
        raise InvalidSourceError("the source is a file opened in text mode; open it with open(path, 'rb')")
    if hasattr(source, "read") and getattr(source, "closed", False):
        raise InvalidSourceError("the source is a closed file object; pass an open one, or the path")
    if isinstance(source, (str, os.PathLike)):
        _path_text(source, "the source path", "name the file to read", InvalidSourceError)


def check_timeout(timeout: object) -> float | None:
    """Refuse a ``lock_timeout=`` that is not ``None`` or a number of seconds >= 0."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, Real):
        raise InvalidArgumentError(f"lock_timeout must be a number of seconds or None, not {_kind(timeout)}")
    try:
        seconds = float(timeout)
    except OverflowError:
        seconds = math.inf
    if math.isnan(seconds) or seconds < 0 or math.isinf(seconds):
        raise InvalidOptionError(f"lock_timeout must be a finite number of seconds, 0 or more, not {timeout!r}")
    return seconds


def check_flag(value: object, name: str) -> bool:
    """Refuse a yes/no argument that is not a bool (``allow_external="no"`` would mean yes)."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, not {_kind(value)}")
    return value


def check_labels(labels: object, function: str) -> None:
    """Refuse what is not `Labels`, or Labels whose frames and instances do not fit together.

    Runs before anything is written, so bad labels never leave a file behind.
    """
    if not isinstance(labels, Labels):
        raise InvalidArgumentError(f"{function}() writes poseio.Labels, not {_kind(labels)}")
    # Only the object face can have been edited into a bad state; a table is checked as it is built.
    # Looked at without touching labeled_frames, which would build objects for table-backed labels.
    frames = labels._frames
    problem = _first_problem(frames) if frames is not None else None
    if problem:
        raise InvalidLabelsError(f"{function}(): the labels do not hold together: {problem}")
    try:
        labels.to_table()
    except PoseioError:
        raise
    except (ValueError, IndexError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidLabelsError(
            f"{function}(): the labels do not hold together ({type(exc).__name__}: {exc})"
        ) from exc
    problem = _names_problem(labels)
    if problem:
        raise InvalidLabelsError(f"{function}(): {problem}")


def _names_problem(labels: Labels) -> str | None:
    """Edges to nodes a skeleton no longer has, and names that two nodes or two tracks share.

    Writers name nodes and tracks by their names: two tracks of one name saved
    to NWB read back as one animal, and a skeleton with a node name twice
    writes a .slp that does not load. Both arise by renaming after the labels
    were made (a Skeleton refuses duplicates when it is made).
    """
    for skeleton in labels.skeletons:
        nodes = set(skeleton.nodes)  # as `Skeleton.edge_inds` finds them: by value
        for edge in skeleton.edges:
            if edge.source not in nodes or edge.destination not in nodes:
                return (
                    f"skeleton {skeleton.name!r} has an edge {edge.source.name!r} -> {edge.destination.name!r} to a "
                    "node that is no longer one of its nodes (it was replaced or removed). Make the skeleton again "
                    "with its edges: poseio.Skeleton(names, edges=[...])"
                )
        dupes = skeleton.duplicate_node_names()
        if dupes:
            return (
                f"skeleton {skeleton.name!r} has nodes named alike: {dupes}; files name nodes by their names, so "
                "they could not be told apart. Rename them to distinct names"
            )
    dupes = repeated([track.name for track in labels.tracks])
    if dupes:
        return (
            f"tracks named alike: {dupes}; files name tracks by their names, so the animals would read back as "
            "one. Rename them to distinct names (labels.tracks[i].name = ...)"
        )
    return None


def _first_problem(frames: list) -> str | None:
    for number, frame in enumerate(frames):
        if not isinstance(frame, LabeledFrame):
            return f"labeled_frames[{number}] is a {type(frame).__name__}, not a LabeledFrame"
        where = f"frame {frame.frame_idx} of {getattr(frame.video, 'filename', frame.video)!r}"
        for index, instance in enumerate(frame.instances):
            problem = _instance_problem(instance)
            if problem:
                return f"{where}, instance {index}: {problem}"
    return None


def _instance_problem(instance: object) -> str | None:
    if not isinstance(instance, Instance):
        return f"is a {type(instance).__name__}, not an Instance"
    points, skeleton = instance.points, instance.skeleton
    if not hasattr(skeleton, "nodes"):
        return f"its skeleton is a {type(skeleton).__name__}, not a Skeleton"
    if getattr(points, "ndim", None) != 2 or points.shape[1] not in (2, 3):
        return f"points have shape {getattr(points, 'shape', None)}, expected ({len(skeleton)}, 2 or 3)"
    if points.shape[0] != len(skeleton):
        return f"{points.shape[0]} points for skeleton {skeleton.name!r} of {len(skeleton)} nodes"
    if isinstance(instance, PredictedInstance):
        scores = instance.point_scores
        if getattr(scores, "shape", None) != (len(skeleton),):
            return f"point_scores have shape {getattr(scores, 'shape', None)}, expected ({len(skeleton)},)"
    return None


def split_options(
    options: dict[str, Any], accepted: list[set[str]], names: list[str], where: object, role: str
) -> list[dict[str, Any]]:
    """Give each of several combined readers or writers the options it declares.

    Args:
        options: What the user passed.
        accepted: The option names each of ``names`` declares.
        names: The formats, in order.
        where: The file, for the message.
        role: ``"reader"`` or ``"writer"``, for the message.

    Raises:
        InvalidOptionError: An option none of them accepts (a typo must not be dropped silently).
    """
    unused = set(options) - set().union(*accepted)
    if unused:
        raise InvalidOptionError(
            f"{where}: no {role} of {names} accepts the options {sorted(unused)}; "
            f"they accept {sorted(set().union(*accepted))}"
        )
    return [{k: v for k, v in options.items() if k in keys} for keys in accepted]
