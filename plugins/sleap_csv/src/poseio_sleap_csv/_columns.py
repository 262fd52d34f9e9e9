"""The column layouts of sleap-io's CSV files, told from their header line.

sleap-io 0.9.5 (``save_csv``) writes four layouts, each a header line of
column names and one row per instance, point or frame:

- ``sleap``: ``track, frame_idx, instance.score`` then ``<node>.x``,
  ``<node>.y`` and ``<node>.score`` (sorted by name), one row per instance;
- ``instances``: ``frame_idx, [video_path], track, track_score, score`` then
  ``<node>.x/.y/.score`` in skeleton order, one row per instance;
- ``points``: ``frame_idx, node, x, y, [video_path], track, track_score,
  instance_score, score``, one row per node of each instance;
- ``frames``: ``frame_idx, [video_path]`` then, per instance slot ``instK``,
  ``instK.track, instK.track_score, instK.score, instK.<node>.x/.y/.score``,
  one row per frame.

A ``.score`` column is there only when some instance is a prediction (the
``frames`` layout always has it), and ``video_path`` only when the labels have
several videos. Columns are found by name, never by position, since pandas
orders them as the first row of the table gives them. This module imports
nothing heavy: the sniffer uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FORMAT = "sleap-csv"
#: The layouts, as sleap-io's ``save_csv(format=...)`` names them.
LAYOUTS = ("sleap", "instances", "points", "frames")

COORDS = ("x", "y", "score")
#: Columns that hold text, not numbers.
TEXT_COLUMNS = frozenset({"track", "video_path", "node"})
#: The header line of the csv-points example plugin, which shares frame_idx, node, x and y.
CSV_POINTS_HEADER = ("video", "frame_idx", "track", "instance", "skeleton", "node", "x", "y", "score", "predicted")
_SLOT = re.compile(r"inst(\d+)\.(.+)")


class ColumnsError(ValueError):
    """The header is not one of sleap-io's CSV layouts; the message says why."""


@dataclass
class Slot:
    """The columns of one instance: a row of ``sleap``/``instances``, or one ``instK`` of ``frames``.

    Attributes:
        track, track_score, score: Column positions, or ``None`` when absent.
        coords: ``(node, coord)`` -> column position, coord ``x``, ``y`` or ``score``.
    """

    track: int | None = None
    track_score: int | None = None
    score: int | None = None
    coords: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class Columns:
    """Where each thing is in a header of one layout.

    Attributes:
        layout: One of `LAYOUTS`.
        names: The header's column names.
        frame: The ``frame_idx`` column.
        video: The ``video_path`` column, or ``None``.
        video_idx: The ``video_idx`` column (``save_csv(video_id="index")``), or ``None``.
        nodes: The node names in the order their columns first appear (``points``: none; they are in the rows).
        slots: One per instance of a row (``frames``: one per ``instK``; else one).
        node, x, y, point_score: The ``points`` layout's own columns.
    """

    layout: str
    names: list[str]
    frame: int
    video: int | None = None
    video_idx: int | None = None
    nodes: list[str] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    node: int | None = None
    x: int | None = None
    y: int | None = None
    point_score: int | None = None

    @property
    def text(self) -> list[int]:
        """The columns that hold text (track and video names, node names)."""
        found = [i for i, n in enumerate(self.names) if n in TEXT_COLUMNS]
        return found + [s.track for s in self.slots if s.track is not None and self.layout == "frames"]


def _node_coord(name: str) -> tuple[str, str] | None:
    node, dot, coord = name.rpartition(".")
    return (node, coord) if dot and node and coord in COORDS else None


def _one(names: list[str], name: str) -> int | None:
    return names.index(name) if name in names else None


def _twice(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ColumnsError(f"the column {name!r} is named twice")
        seen.add(name)


def parse(names: list[str]) -> Columns:
    """The layout and columns of a header line.

    Raises:
        ColumnsError: The names are not those of a sleap-io CSV layout (or name a column twice).
    """
    names = [n.strip() for n in names]
    if tuple(names) == CSV_POINTS_HEADER:
        raise ColumnsError("the header of the csv-points example format (video, ..., predicted)")
    if "frame_idx" not in names:
        raise ColumnsError("no frame_idx column")
    _twice(names)
    columns = Columns("", names, names.index("frame_idx"), _one(names, "video_path"), _one(names, "video_idx"))
    if {"node", "x", "y"} <= set(names):
        if "instance_score" not in names and "track" not in names:
            raise ColumnsError("frame_idx, node, x and y, but neither track nor instance_score")
        columns.layout = "points"
        columns.node, columns.x, columns.y = names.index("node"), names.index("x"), names.index("y")
        columns.point_score = _one(names, "score")
        columns.slots = [Slot(_one(names, "track"), _one(names, "track_score"), _one(names, "instance_score"))]
        return columns
    if any(_SLOT.fullmatch(n) for n in names):
        return _frames(columns)
    if "instance.score" in names:
        columns.layout = "sleap"
        slot = Slot(_one(names, "track"), _one(names, "track_score"), names.index("instance.score"))
    elif "score" in names and ("track" in names or "track_score" in names):
        columns.layout = "instances"
        slot = Slot(_one(names, "track"), _one(names, "track_score"), names.index("score"))
    else:
        raise ColumnsError("frame_idx without instance.score (sleap), score and track (instances), node (points) "
                           "or instK. columns (frames)")  # fmt: skip
    taken = {slot.track, slot.track_score, slot.score, columns.frame, columns.video, columns.video_idx}
    for i, name in enumerate(names):
        pair = _node_coord(name) if i not in taken else None
        if pair is None:
            if i not in taken:
                raise ColumnsError(f"the column {name!r} is none of {columns.layout}'s (<node>.x/.y/.score)")
            continue
        slot.coords[pair] = i
        if pair[0] not in columns.nodes:
            columns.nodes.append(pair[0])
    if not columns.nodes:
        raise ColumnsError("no <node>.x / <node>.y columns")
    columns.slots = [slot]
    return columns


def _frames(columns: Columns) -> Columns:
    columns.layout = "frames"
    slots: dict[int, Slot] = {}
    for i, name in enumerate(columns.names):
        if i in (columns.frame, columns.video, columns.video_idx):
            continue
        match = _SLOT.fullmatch(name)
        if match is None:
            raise ColumnsError(f"the column {name!r} is not an instK. column of the frames layout")
        slot = slots.setdefault(int(match.group(1)), Slot())
        rest = match.group(2)
        if rest in ("track", "track_score", "score"):
            setattr(slot, rest, i)
            continue
        pair = _node_coord(rest)
        if pair is None:
            raise ColumnsError(f"the column {name!r} is not instK.<node>.x/.y/.score")
        slot.coords[pair] = i
        if pair[0] not in columns.nodes:
            columns.nodes.append(pair[0])
    columns.slots = [slots[k] for k in sorted(slots)]
    if not columns.nodes:
        raise ColumnsError("no instK.<node>.x / .y columns")
    return columns
