"""Skeletons: the named body parts (nodes) of an animal and how they connect."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
import numpy as np

from poseio._errors import InvalidLabelsError


@attrs.frozen
class Node:
    """A body part, for example ``"snout"``."""

    name: str


@attrs.frozen
class Edge:
    """A directed connection between two nodes of one skeleton."""

    source: Node
    destination: Node


@attrs.frozen
class Symmetry:
    """Two nodes that swap when the animal is mirrored (left ear, right ear)."""

    nodes: frozenset[Node] = attrs.field(converter=frozenset)

    @nodes.validator
    def _two_nodes(self, attribute: attrs.Attribute, value: frozenset[Node]) -> None:
        if len(value) != 2:
            raise InvalidLabelsError(f"a symmetry joins exactly two distinct nodes, got {len(value)}")


NodeLike = Node | str | int


def repeated(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, sorted."""
    seen: set[str] = set()
    return sorted({n for n in names if n in seen or seen.add(n)})


def _to_nodes(values: Iterable[Node | str]) -> list[Node]:
    return [v if isinstance(v, Node) else Node(str(v)) for v in values]


@attrs.define(eq=False)
class Skeleton:
    """The nodes, edges and symmetries shared by instances of one kind of animal.

    Skeletons compare by identity, as in SLEAP: two animals may share a skeleton
    layout and still be distinct skeletons. Use `matches` to compare content.

    Edges and symmetries may be given as objects, as node names or as node
    indices: ``Skeleton(["a", "b", "c"], edges=[(0, 1), ("b", "c")])``.
    """

    nodes: list[Node] = attrs.field(converter=_to_nodes)
    edges: list[Edge] = attrs.field(factory=list)
    symmetries: list[Symmetry] = attrs.field(factory=list)
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        dupes = self.duplicate_node_names()
        if dupes:
            raise InvalidLabelsError(f"skeleton {self.name!r} has duplicate node names: {dupes}")
        self.edges = [self._edge(e) for e in self.edges]
        self.symmetries = [
            s if isinstance(s, Symmetry) else Symmetry(self._node(n) for n in s) for s in self.symmetries
        ]

    def _node(self, ref: NodeLike) -> Node:
        if isinstance(ref, Node):
            if ref not in self.nodes:
                raise InvalidLabelsError(f"node {ref.name!r} is not in skeleton {self.name!r}")
            return ref
        if isinstance(ref, (int, np.integer)):
            if not 0 <= int(ref) < len(self.nodes):
                raise InvalidLabelsError(
                    f"node index {int(ref)} is out of range for skeleton {self.name!r} with {len(self.nodes)} nodes"
                )
            return self.nodes[int(ref)]
        try:
            return self.nodes[self.node_names.index(str(ref))]
        except ValueError:
            raise InvalidLabelsError(f"node {ref!r} is not in skeleton {self.name!r}") from None

    def _edge(self, edge: Edge | Sequence[NodeLike]) -> Edge:
        if isinstance(edge, Edge):
            return Edge(self._node(edge.source), self._node(edge.destination))
        source, destination = edge
        return Edge(self._node(source), self._node(destination))

    @property
    def node_names(self) -> list[str]:
        """The node names, in node order."""
        return [n.name for n in self.nodes]

    @property
    def edge_inds(self) -> list[tuple[int, int]]:
        """The edges as (source, destination) node indices."""
        index = {n: i for i, n in enumerate(self.nodes)}
        return [(index[e.source], index[e.destination]) for e in self.edges]

    @property
    def symmetry_inds(self) -> list[tuple[int, int]]:
        """The symmetries as sorted pairs of node indices."""
        index = {n: i for i, n in enumerate(self.nodes)}
        return [tuple(sorted(index[n] for n in s.nodes)) for s in self.symmetries]  # type: ignore[misc]

    def index(self, node: NodeLike) -> int:
        """The index of a node given by object, name or index."""
        return self.nodes.index(self._node(node))

    def duplicate_node_names(self) -> list[str]:
        """The node names that two or more nodes share (a node renamed after the skeleton was made)."""
        return repeated(self.node_names)

    def __len__(self) -> int:
        return len(self.nodes)

    def matches(self, other: Skeleton) -> bool:
        """Whether two skeletons have the same name, nodes, edges and symmetries."""
        return (
            self.name == other.name
            and self.node_names == other.node_names
            and self.edge_inds == other.edge_inds
            and sorted(self.symmetry_inds) == sorted(other.symmetry_inds)
        )
