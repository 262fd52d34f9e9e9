"""What ``layout="sleap-io"`` needs of the labels: the layout sleap-io 0.9.5's NWB reader opens.

sleap-io takes the skeleton of the first container of its first
``SLEAP_VIDEO_*`` module for every container, looks each of its nodes up by
name in every container, and holds 2D points only. So labels with several
skeletons are written under one skeleton of all their nodes (each instance's
other nodes missing), which `layout_losses` names so that a save says so,
and 3D points are refused: sleap-io would fail on them.
"""

from __future__ import annotations

import attrs
import numpy as np
from poseio import InvalidOptionError, Labels, PoseTable, Skeleton
from poseio.options import say_option


def layout_losses(labels: Labels) -> list[str]:
    """What writing ``labels`` in sleap-io's layout cannot keep apart (for the write claim)."""
    used = _used_skeletons(labels.to_table())
    if len(used) < 2:
        return []
    names = ", ".join(repr(labels.skeletons[i].name) for i in used)
    return [f"the skeletons {names} (sleap-io's layout holds one: they are written as one of all their nodes)"]


def for_sleap_io(labels: Labels) -> Labels:
    """``labels`` ready for sleap-io's layout: their predictions under one skeleton, checked to be 2D.

    Raises:
        InvalidOptionError: The predictions have 3D points (a finite z).
    """
    table = labels.to_table()
    predicted = table.take(table.predicted) if not table.predicted.all() else table
    if predicted.ndim == 3 and np.isfinite(predicted.points[:, :, 2]).any():
        raise InvalidOptionError(
            f"{say_option('layout', 'sleap-io')} holds 2D points, and these poses are 3D: sleap-io's NWB reader "
            f"would fail on them. Write the default layout ({say_option('layout', 'ndx-pose')})",
            format="nwb-predictions",
        )
    used = _used_skeletons(table)
    if len(used) < 2:
        return labels
    skeletons = [labels.skeletons[i] for i in used]
    nodes = list(dict.fromkeys(n for s in skeletons for n in s.node_names))
    edges = list(dict.fromkeys((s.node_names[a], s.node_names[b]) for s in skeletons for a, b in s.edge_inds))
    merged = Skeleton(nodes, edges=edges, name="+".join(s.name or "skeleton" for s in skeletons))
    points = np.full((len(predicted), len(nodes), predicted.ndim), np.nan)
    scores = np.full((len(predicted), len(nodes)), np.nan)
    for index in used:
        rows = predicted.skeleton == index
        names = labels.skeletons[index].node_names
        columns = [nodes.index(n) for n in names]
        points[np.ix_(rows, columns)] = predicted.points[rows][:, : len(names)]
        scores[np.ix_(rows, columns)] = predicted.point_scores[rows][:, : len(names)]
    one = attrs.evolve(predicted, points=points, point_scores=scores, skeleton=np.zeros(len(predicted), int))
    return Labels.from_table(
        one, videos=labels.videos, skeletons=[merged], tracks=labels.tracks, provenance=labels.provenance
    )


def _used_skeletons(table: PoseTable) -> list[int]:
    return sorted({int(k) for k in np.unique(table.skeleton[table.predicted])})
