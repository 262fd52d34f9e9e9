"""A project's skeleton edges (config.yaml ``skeleton``) on the skeletons read from its tables.

DeepLabCut's tables hold bodyparts but no edges; config.yaml lists the edges
as pairs of bodypart names. An edge joins two nodes of one skeleton: the
animals' (named after the project's ``Task``) or the unique bodyparts'
(``uniquebodyparts``). An edge between an animal's bodypart and a unique one,
or naming a bodypart no table has, joins nothing poseio can hold: it is listed
in ``provenance["dlc_project"]["edges_not_kept"]``.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_dlc._config import ProjectConfig


def with_config_skeletons(labels: poseio.Labels, config: ProjectConfig, details: dict[str, Any]) -> poseio.Labels:
    """The labels with config.yaml's edges on their skeletons, the animals' skeleton named after the task."""
    skeletons = []
    placed: set[tuple[str, str]] = set()
    for number, skeleton in enumerate(labels.skeletons):
        names = set(skeleton.node_names)
        edges = [edge for edge in config.skeleton if edge[0] in names and edge[1] in names and edge[0] != edge[1]]
        placed.update(edges)
        name = skeleton.name if number or not config.task else config.task
        skeletons.append(poseio.Skeleton(skeleton.node_names, edges=edges, name=name))
    left = [list(edge) for edge in config.skeleton if edge not in placed]
    if left:
        details["edges_not_kept"] = left
    return poseio.Labels.from_table(
        labels.to_table(),
        videos=labels.videos,
        skeletons=skeletons,
        tracks=labels.tracks,
        provenance=labels.provenance,
    )
