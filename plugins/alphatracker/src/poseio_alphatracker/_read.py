"""Reading AlphaTracker / sloth JSON annotations into Labels.

The file is a JSON array of frames ``{"filename", "class": "image",
"annotations": [...]}``. Within a frame's annotations, an animal starts at a
box item (class ``Face``, as sleap-io reads it, or ``boundingBox``, as
AlphaTracker's own tools also accept and its published data uses) and holds
the ``point`` items that follow it, in order: the k-th point is node k. Any
other item (a ``rect``) ends the animal and is not read; a point before any
box belongs to no animal. Both are counted in ``provenance["alphatracker"]``.
The file has no node names: nodes are numbered ``"1"`` to ``"K"`` (K, the
most points of any animal), as sleap-io numbers them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import poseio
from poseio.csv import image_rows
from poseio.json import read_json, unreadable
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_alphatracker._plugin import READ_OPTIONS
from poseio_alphatracker._sniff import BOX_CLASSES, FORMAT

#: What the source should be, as the messages name it.
WHAT = "AlphaTracker file"


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return unreadable(probe.name, WHAT, problem, path=probe.path)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _box(item: dict) -> list[float]:
    return [float(item[k]) if _number(item.get(k)) else np.nan for k in ("x", "y", "width", "height")]


def _animals(frames: list, probe: poseio.Probe) -> tuple[list[tuple[int, int, list, list]], dict[str, Any]]:
    """Every animal as ``(frame position, item position, box, points)``, and what was passed over."""
    animals: list[tuple[int, int, list, list]] = []
    ignored: dict[str, int] = {}
    orphans: list[tuple[int, int]] = []
    for f, frame in enumerate(frames):
        items = frame.get("annotations") or []
        if not isinstance(items, list):
            raise _fail(probe, f"frame {f} ({frame.get('filename')!r}): annotations is not a list")
        current: list | None = None
        for i, item in enumerate(items):
            kind = item.get("class") if isinstance(item, dict) else None
            if kind in BOX_CLASSES:
                current = []
                animals.append((f, i, _box(item), current))
            elif kind == "point":
                x, y = item.get("x"), item.get("y")
                if not (_number(x) and _number(y)):
                    raise _fail(probe, f"frame {f} ({frame.get('filename')!r}), item {i}: a point without numbers x, y")
                if current is None:
                    orphans.append((f, i))
                else:
                    current.append((float(x), float(y)))
            else:
                current = None  # another item (a rect) ends the animal, as in sleap-io's reader
                ignored[str(kind)] = ignored.get(str(kind), 0) + 1
    kept = [animal for animal in animals if animal[3]]
    boxes_only = [(f, i) for f, i, _, points in animals if not points]
    details = {"ignored_items": ignored, "points_before_any_box": orphans, "boxes_without_points": boxes_only}
    return kept, details


def read_alphatracker(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read an AlphaTracker / sloth annotation file (see ``docs/formats/alphatracker.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    frames = read_json(probe, WHAT)
    if not isinstance(frames, list):
        raise _fail(probe, "the top level is not a JSON array of frames")
    for f, frame in enumerate(frames):
        if not isinstance(frame, dict) or not isinstance(frame.get("filename"), str):
            raise _fail(probe, f"frame {f} is not an object with a filename")
    rows = image_rows([frame["filename"] for frame in frames], probe.name, video=video_name, fps=fps, format=FORMAT)
    animals, details = _animals(frames, probe)
    n_nodes = max((len(points) for *_, points in animals), default=0)
    if not n_nodes:
        raise _fail(probe, "no animal has a point (no Face or boundingBox item followed by point items)")
    check_allocation(len(animals) * n_nodes * 2 * 8, f"{len(animals)} animals of {n_nodes} points", probe.name)
    points = np.full((len(animals), n_nodes, 2), np.nan)
    for a, (*_, found) in enumerate(animals):
        points[a, : len(found)] = found
    position = np.array([animal[0] for animal in animals], dtype=np.int64)
    video, frame_idx = rows.video[position], rows.frame_idx[position]
    # Rows by video and frame (stable: a frame's animals keep the file's order), as Labels keeps them,
    # so that the boxes below line up with labels.to_table().
    order = np.lexsort((frame_idx, video))
    table = poseio.PoseTable.build(points[order], video=video[order], frame_idx=frame_idx[order], skeleton=0)
    boxes = np.array([animal[2] for animal in animals], dtype=np.float64).reshape(-1, 4)[order]
    details = {"boxes": boxes, **details, "in_row_order": rows.in_row_order}
    return poseio.Labels.from_table(
        table,
        videos=rows.videos,
        skeletons=[poseio.Skeleton([str(k + 1) for k in range(n_nodes)])],
        provenance={"alphatracker": details},
    )
