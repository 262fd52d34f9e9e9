"""A DeepLabCut project's ``config.yaml``: what its labels are made of, read as data.

``deeplabcut.create_new_project`` writes the file; the keys read here are the
ones that describe the labels:

- ``scorer``: the labeller, whose ``labeled-data/<video>/CollectedData_<scorer>.h5``
  holds the labels; ``Task`` and ``date`` name the project.
- ``bodyparts`` (single-animal) or, with ``multianimalproject: true``,
  ``multianimalbodyparts`` (every animal's), ``uniquebodyparts`` (parts no animal has,
  such as an arena's corners, labelled as the individual ``single``) and
  ``individuals``; ``bodyparts`` is then ``MULTI!``.
- ``skeleton``: edges as pairs of bodypart names.
- ``video_sets``: ``{video path: {"crop": "x1, x2, y1, y2"}}``, paths as written on the
  machine that made the project.

``project_path`` and the ``video_sets`` paths were written on another machine:
they name the videos, and are never opened or followed. The file is parsed with
``yaml.safe_load``, which builds plain data only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

import poseio

from poseio_dlc._columns import UNIQUE_INDIVIDUAL

PROJECT = "dlc-project"
CONFIG = "config.yaml"
#: The largest config.yaml read: DeepLabCut's are a few kB (a long video_sets list stays far below).
MAX_CONFIG_BYTES = 16 * 2**20
#: The top-level keys that make a YAML file a DeepLabCut project's configuration (looked for when sniffing).
SNIFF_KEYS = ("Task", "scorer")
#: One of these must be there too: a 3D project's config.yaml has Task and scorer but none of them.
LABEL_KEYS = ("bodyparts", "multianimalbodyparts", "video_sets")
_TOP_KEY = re.compile(rb"^([A-Za-z_][A-Za-z0-9_]*):", re.MULTILINE)


def top_keys(text: bytes) -> set[str]:
    """The names of the top-level mapping keys of a YAML text (lines ``key:`` at column 0), without parsing it."""
    return {m.group(1).decode("ascii") for m in _TOP_KEY.finditer(text)}


def looks_like_config(text: bytes) -> str | None:
    """Why a YAML text is not a DeepLabCut project's config.yaml, or ``None`` when it is one (keys only)."""
    keys = top_keys(text)
    missing = [k for k in SNIFF_KEYS if k not in keys]
    if missing:
        return f"a YAML file without DeepLabCut's project keys {', '.join(missing)}"
    if not keys & set(LABEL_KEYS):
        return "a YAML file with Task and scorer but no bodyparts or video_sets (a 3D project's or another tool's)"
    return None


@dataclass
class ProjectConfig:
    """What a project's config.yaml says about its labels.

    Attributes:
        scorer: The labeller (``CollectedData_<scorer>.h5``).
        task: The project's task name.
        date: The project's date, as written.
        multi_animal: ``multianimalproject``.
        bodyparts: The bodyparts of every animal (``multianimalbodyparts`` when multi-animal).
        unique_bodyparts: The parts of the ``single`` individual (multi-animal only).
        individuals: The animals (multi-animal only).
        skeleton: Edges as pairs of bodypart names.
        video_sets: Each video's path as written, and its settings (``crop``).
    """

    scorer: str
    task: str = ""
    date: str = ""
    multi_animal: bool = False
    bodyparts: list[str] = field(default_factory=list)
    unique_bodyparts: list[str] = field(default_factory=list)
    individuals: list[str] = field(default_factory=list)
    skeleton: list[tuple[str, str]] = field(default_factory=list)
    video_sets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def column_keys(self) -> list[tuple[str | None, str]]:
        """``(individual, bodypart)`` of every labelled point the config declares, in DeepLabCut's column order."""
        if not self.multi_animal:
            return [(None, part) for part in self.bodyparts]
        keys = [(animal, part) for animal in self.individuals for part in self.bodyparts]
        return keys + [(UNIQUE_INDIVIDUAL, part) for part in self.unique_bodyparts]

    def video_of(self, folder: str) -> str | None:
        """The ``video_sets`` entry whose file is named after a labeled-data folder (``.../m3v1mp4.mp4``: m3v1mp4)."""
        for path in self.video_sets:
            # Paths written on Windows or elsewhere: PureWindowsPath splits at both kinds of slash.
            if PureWindowsPath(path).stem == folder:
                return path
        return None


def read_config(path: Path) -> ProjectConfig:
    """Parse a project's config.yaml.

    Raises:
        ReadError: The file is too large, not YAML, or lacks the keys that describe the labels.
    """
    import yaml

    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise poseio.ReadError(
            f"{path}: a config.yaml of {size:,} bytes; DeepLabCut's are a few kB (at most {MAX_CONFIG_BYTES:,} "
            "are read)",
            path=path,
        )
    try:
        data = yaml.safe_load(path.read_bytes())
    except yaml.YAMLError as exc:
        raise poseio.ReadError(f"{path}: not valid YAML: {exc}", path=path) from exc
    if not isinstance(data, dict):
        raise poseio.ReadError(f"{path}: a DeepLabCut config.yaml is a mapping of settings", path=path)
    return config_of(data, path)


def _names(data: dict, key: str, path: Path, *, required: bool = False) -> list[str]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise poseio.ReadError(f"{path}: {key} must be a list of names, not {value!r:.80}", path=path)
    names = [str(v) for v in value]
    if len(set(names)) < len(names):
        raise poseio.ReadError(
            f"{path}: {key} names {sorted({n for n in names if names.count(n) > 1})} twice", path=path
        )
    return names


def config_of(data: dict, path: Path) -> ProjectConfig:
    """A `ProjectConfig` from the parsed YAML (see the module docstring).

    Raises:
        ReadError: A key that describes the labels has the wrong kind of value.
    """
    scorer = data.get("scorer")
    if not isinstance(scorer, str) or not scorer or "/" in scorer or "\\" in scorer:
        raise poseio.ReadError(
            f"{path}: scorer is {scorer!r}; a DeepLabCut project names its labeller (scorer: Jane), whose labels "
            "are labeled-data/<video>/CollectedData_<scorer>.h5",
            path=path,
        )
    multi = bool(data.get("multianimalproject"))
    config = ProjectConfig(scorer, str(data.get("Task") or ""), str(data.get("date") or ""), multi)
    if multi:
        config.bodyparts = _names(data, "multianimalbodyparts", path, required=True)
        config.unique_bodyparts = _names(data, "uniquebodyparts", path)
        config.individuals = _names(data, "individuals", path, required=True)
        if UNIQUE_INDIVIDUAL in config.individuals:
            raise poseio.ReadError(
                f"{path}: an individual is named {UNIQUE_INDIVIDUAL!r}, the name DeepLabCut gives the unique "
                "bodyparts; rename it",
                path=path,
            )
    else:
        config.bodyparts = _names(data, "bodyparts", path, required=True)
    edges = data.get("skeleton") or []
    if not isinstance(edges, list) or not all(
        isinstance(e, list) and len(e) == 2 and all(isinstance(n, (str, int)) for n in e) for e in edges
    ):
        raise poseio.ReadError(f"{path}: skeleton must be a list of pairs of bodyparts, not {edges!r:.80}", path=path)
    config.skeleton = [(str(a), str(b)) for a, b in edges]
    videos = data.get("video_sets") or {}
    if not isinstance(videos, dict):
        raise poseio.ReadError(f"{path}: video_sets must map video paths to their settings", path=path)
    config.video_sets = {str(k): dict(v) if isinstance(v, dict) else {} for k, v in videos.items()}
    return config
