"""Skeletons in a ``.slp`` file's metadata JSON, both ways.

SLEAP serialises each skeleton as a networkx node-link graph through
jsonpickle. In a labels file the nodes are integers indexing the file-wide
``nodes`` list, and each link's ``type`` is an ``EdgeType`` enum: the first
use of each value is spelled out as ``{"py/reduce": [..., {"py/tuple": [1]}]}``
(1 = edge, 2 = symmetry) and later uses refer back to it as ``{"py/id": k}``,
k counting the spelled-out values of that skeleton in order. Nothing here
unpickles: the markers are read as the plain JSON they are.
"""

from __future__ import annotations

from typing import Any

import poseio

EDGE, SYMMETRY = 1, 2


def _link_type(link: dict, spelled: dict[int, int]) -> int:
    kind = link.get("type")
    if not isinstance(kind, dict):
        raise ValueError(f"a skeleton link has no type: {link!r}")
    if "py/reduce" in kind:
        value = int(kind["py/reduce"][1]["py/tuple"][0])
        spelled[len(spelled) + 1] = value
        return value
    if "py/id" in kind:
        ref = int(kind["py/id"])
        # sleap-io 0.9 refers to the first symmetry as py/id 2 even when no edge took id 1;
        # an unknown id of 1 or 2 is therefore read as that edge type, as sleap-io reads it.
        if ref in spelled:
            return spelled[ref]
        if ref in (EDGE, SYMMETRY):
            return ref
        raise ValueError(f"a skeleton link refers to edge type py/id {ref}, which the skeleton never defines")
    raise ValueError(f"a skeleton link has an edge type SLEAP does not write: {kind!r}")


def decode_skeletons(metadata: dict) -> list[poseio.Skeleton]:
    """The skeletons of a labels file's metadata JSON, nodes in each skeleton's own order.

    Raises:
        ValueError, KeyError, TypeError: the JSON is not a SLEAP skeleton list (the
            caller reports these as a damaged file).
    """
    names = [str(node["name"]) for node in metadata.get("nodes", [])]
    skeletons = []
    for number, entry in enumerate(metadata.get("skeletons", [])):
        graph = entry.get("nx_graph", entry)  # SLEAP >= 1.3.2 wraps the graph with a description
        ids = [node["id"] for node in graph["nodes"]]
        if not all(isinstance(i, int) and 0 <= i < len(names) for i in ids):
            raise ValueError(f"skeleton {number} names nodes {ids} that are not in the file's {len(names)} nodes")
        position = {node_id: k for k, node_id in enumerate(ids)}
        edges, symmetries, seen = [], [], set()
        spelled: dict[int, int] = {}
        for link in graph.get("links", []):
            kind = _link_type(link, spelled)
            pair = (position[link["source"]], position[link["target"]])
            if kind == EDGE:
                edges.append(pair)
            elif kind == SYMMETRY and frozenset(pair) not in seen:
                # Older SLEAP stores each symmetry in both directions: keep one.
                seen.add(frozenset(pair))
                symmetries.append(pair)
        name = (graph.get("graph") or {}).get("name")
        skeletons.append(
            poseio.Skeleton(
                [names[i] for i in ids], edges=edges, symmetries=symmetries, name=None if name is None else str(name)
            )
        )
    return skeletons


def _edge_type(value: int, first: bool, ids: dict[int, int]) -> dict[str, Any]:
    if first:
        ids[value] = len(ids) + 1
        return {"py/reduce": [{"py/type": "sleap.skeleton.EdgeType"}, {"py/tuple": [value]}]}
    return {"py/id": ids[value]}


def encode_skeletons(skeletons: list[poseio.Skeleton]) -> tuple[list[dict], list[dict]]:
    """``(skeletons, nodes)`` for a labels file's metadata JSON: each skeleton with its own nodes."""
    nodes: list[dict] = []
    encoded = []
    for skeleton in skeletons:
        offset = len(nodes)
        nodes += [{"name": name, "weight": 1.0} for name in skeleton.node_names]
        ids: dict[int, int] = {}
        links = [
            {
                "edge_insert_idx": k,
                "key": 0,
                "source": offset + source,
                "target": offset + target,
                "type": _edge_type(EDGE, k == 0, ids),
            }
            for k, (source, target) in enumerate(skeleton.edge_inds)
        ]
        links += [
            {"key": 0, "source": offset + a, "target": offset + b, "type": _edge_type(SYMMETRY, k == 0, ids)}
            for k, (a, b) in enumerate(skeleton.symmetry_inds)
        ]
        encoded.append(
            {
                "directed": True,
                "graph": {"name": skeleton.name, "num_edges_inserted": len(skeleton.edges)},
                "links": links,
                "multigraph": True,
                "nodes": [{"id": offset + i} for i in range(len(skeleton))],
            }
        )
    return encoded, nodes
