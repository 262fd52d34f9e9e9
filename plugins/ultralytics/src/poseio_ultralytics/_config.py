"""A dataset's ``data.yaml``: parsed within the load's budget, and checked key by key.

The keys read are Ultralytics' own (``kpt_shape``, ``names`` or ``nc``,
``flip_idx``, ``kpt_names``, the splits ``train``, ``val`` and ``test``),
sleap-io's (``node_names``, and ``skeleton``: 0-based node pairs) and
poseio's (``poseio_videos``: which video and frame each image came from).
``path``, where Ultralytics looks for the dataset, is kept but never followed:
a dataset written on another machine names a folder of that machine, so the
splits are looked for in the folder that holds the YAML.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from poseio.limits import check_allocation

#: Bytes of Python objects PyYAML may make per byte of text, at worst (a list of empty mappings).
PARSE_BYTES_PER_BYTE = 64
#: The split keys Ultralytics reads, in its order.
SPLITS = ("train", "val", "test")
#: The key under which poseio writes the video and frame of every image.
VIDEOS_KEY = "poseio_videos"

Fail = Callable[[str], Exception]


@dataclass
class Config:
    """What a ``data.yaml`` says of its dataset.

    Attributes:
        n_nodes: Keypoints per instance (``kpt_shape[0]``).
        dims: Values per keypoint (``kpt_shape[1]``): 2 (x, y) or 3 (x, y, visibility).
        classes: Class id -> name, in id order.
        node_names: Class id -> its node names.
        edges: 0-based node pairs (sleap-io's ``skeleton`` key), those in range.
        symmetries: Node pairs ``flip_idx`` swaps.
        splits: Split -> the folders (or image lists) it names, as written.
        videos: poseio's ``poseio_videos`` entries, unchecked (`_read` checks them against the images).
        details: What is kept in ``provenance["ultralytics"]`` (``path``, keys ignored and why).
    """

    n_nodes: int
    dims: int
    classes: dict[int, str]
    node_names: dict[int, list[str]]
    edges: list[tuple[int, int]] = field(default_factory=list)
    symmetries: list[tuple[int, int]] = field(default_factory=list)
    splits: dict[str, list[str]] = field(default_factory=dict)
    videos: Any = None
    details: dict[str, Any] = field(default_factory=dict)


def load_yaml(path: Path, name: str, fail: Fail) -> dict:
    """The parsed YAML (safe loader: no Python objects), which must be a mapping.

    Raises:
        UnsafeFileError: Parsing could take more than the load's memory budget.
        ReadError (from ``fail``): Not UTF-8 YAML, or not a mapping; the message says where it breaks.
    """
    import yaml

    size = os.path.getsize(path)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of YAML", name, path=path)
    try:
        with open(path, "rb") as f:
            data = yaml.safe_load(f.read().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text ({exc.reason})") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise fail(f"broken YAML{where} ({exc.problem})") from exc
    except (yaml.YAMLError, RecursionError) as exc:
        raise fail(f"broken YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise fail(f"the YAML is a {type(data).__name__}, not a mapping of keys (kpt_shape, names, train, ...)")
    return data


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _classes(data: dict, fail: Fail) -> dict[int, str]:
    names = data.get("names")
    if isinstance(names, list) and all(isinstance(n, (str, int)) for n in names):
        return {i: str(n) for i, n in enumerate(names)}
    if isinstance(names, dict) and all(_whole(k) and k >= 0 for k in names):
        return {k: str(names[k]) for k in sorted(names)}
    if names is None and _whole(data.get("nc")) and data["nc"] > 0:
        return {i: f"class{i}" for i in range(min(data["nc"], 10_000))}
    if names is None:
        raise fail("no 'names' (the classes) and no 'nc'")
    raise fail("'names' is neither a list of class names nor a mapping of class ids to names")


def _node_names(data: dict, classes: dict[int, str], n_nodes: int, fail: Fail) -> dict[int, list[str]]:
    """Each class's node names: Ultralytics' ``kpt_names`` (per class or one list), sleap-io's ``node_names``."""

    def checked(names: Any, key: str) -> list[str]:
        if not isinstance(names, list) or not all(isinstance(n, (str, int)) for n in names):
            raise fail(f"{key} is not a list of names")
        if len(names) != n_nodes:
            raise fail(f"{key} has {len(names)} names, but kpt_shape says {n_nodes} keypoints")
        names = [str(n) for n in names]
        if len(set(names)) != len(names):
            raise fail(f"{key} names a keypoint twice")
        return names

    default = [f"kp{k}" for k in range(n_nodes)]
    if data.get("node_names") is not None:
        default = checked(data["node_names"], "node_names")
    per_class = data.get("kpt_names")
    if isinstance(per_class, list):
        default, per_class = checked(per_class, "kpt_names"), None
    if per_class is not None and not isinstance(per_class, dict):
        raise fail("kpt_names is neither a list of names nor a mapping of class ids to lists")
    per_class = per_class or {}
    return {c: checked(per_class[c], f"kpt_names[{c}]") if c in per_class else default for c in classes}


def _pairs(value: Any, n_nodes: int) -> tuple[list[tuple[int, int]], list]:
    """0-based node pairs in range, and the entries that are not."""
    good, bad = [], []
    for pair in value if isinstance(value, list) else []:
        ok = isinstance(pair, list) and len(pair) == 2 and all(_whole(e) and 0 <= e < n_nodes for e in pair)
        if ok and pair[0] != pair[1]:
            good.append((pair[0], pair[1]))
        else:
            bad.append(pair)
    return good, bad


def _symmetries(flip: Any, n_nodes: int, ignored: dict[str, str]) -> list[tuple[int, int]]:
    if flip is None:
        return []
    if not isinstance(flip, list) or len(flip) != n_nodes or sorted(flip) != list(range(n_nodes)):
        ignored["flip_idx"] = f"not a reordering of the {n_nodes} keypoints"
        return []
    if any(flip[flip[i]] != i for i in range(n_nodes)):
        ignored["flip_idx"] = "swaps keypoints in a cycle, not in pairs"
        return []
    return [(i, j) for i, j in enumerate(flip) if i < j]


def _splits(data: dict, fail: Fail) -> dict[str, list[str]]:
    splits = {}
    for split in SPLITS:
        value = data.get(split)
        if value is None:
            continue
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
            raise fail(f"{split!r} is neither a folder nor a list of folders")
        splits[split] = list(entries)
    if not splits:
        raise fail("no split: none of 'train', 'val' or 'test' names a folder of images")
    return splits


def parse_config(data: dict, fail: Fail) -> Config:
    """The dataset's description, checked.

    Raises:
        ReadError (from ``fail``): No ``kpt_shape`` (a detection or segmentation
            dataset), or a key of the wrong kind.
    """
    shape = data.get("kpt_shape")
    if shape is None:
        raise fail("no kpt_shape: a detection or segmentation dataset, not poses")
    if not (isinstance(shape, list) and len(shape) == 2 and all(_whole(v) for v in shape)):
        raise fail(f"kpt_shape is {shape!r}, not [keypoints, 2 or 3]")
    n_nodes, dims = shape
    if not 1 <= n_nodes <= 100_000 or dims not in (2, 3):
        raise fail(f"kpt_shape is {shape!r}: keypoints must be 1 or more, and values per keypoint 2 or 3")
    classes = _classes(data, fail)
    ignored: dict[str, str] = {}
    edges, bad_edges = _pairs(data.get("skeleton"), n_nodes)
    if bad_edges:
        ignored["skeleton"] = f"entries that are not pairs of distinct keypoints: {bad_edges[:10]}"
    details: dict[str, Any] = {"kpt_shape": [n_nodes, dims], "class_ids": list(classes)}
    if "path" in data:
        details["path"] = data["path"]  # kept, never followed (see the module docstring)
    config = Config(
        n_nodes=n_nodes,
        dims=dims,
        classes=classes,
        node_names=_node_names(data, classes, n_nodes, fail),
        edges=edges,
        symmetries=_symmetries(data.get("flip_idx"), n_nodes, ignored),
        splits=_splits(data, fail),
        videos=data.get(VIDEOS_KEY),
        details=details,
    )
    if ignored:
        details["ignored"] = ignored
    return config
