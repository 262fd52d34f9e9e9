"""Which keypoints of one result set make one instance.

Label Studio stores a pose flat: each point is a ``keypointlabels`` result
whose label is the node name, and nothing in a point says which animal it
belongs to. Annotators (and sleap-io) group them with a ``rectanglelabels``
box per animal and ``relation`` results from each point to its box. The rule,
for one annotation or prediction:

1. every box is one instance, holding the points related to it (a relation in
   either direction, or a point's ``parentID`` naming the box; relations
   between points of one animal join them too, after every point-to-box
   link, so that the order of the results does not matter);
2. points related to each other but to no box are one instance per group;
3. the points related to nothing are the rest: the first point of each label
   goes to one instance, a second point of a label to a second, and so on, so
   that a set of one animal's points without boxes is one instance, and two
   animals labelled without boxes are not merged into one.

A relation that would join two boxes (two animals) is ignored, and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


def _key(value: Any) -> Hashable | None:
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


class _Union:
    """Union-find over result ids, in which no group holds two boxes."""

    def __init__(self, boxes: set) -> None:
        self.parent: dict = {}
        self.box: dict = {b: b for b in boxes}

    def find(self, item: Hashable) -> Hashable:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression keeps long chains of relations linear
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def join(self, a: Hashable, b: Hashable) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if ra in self.box and rb in self.box:
            return False  # two animals: not merged
        if rb in self.box:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def instance_groups(
    result: list, what: str, fail: Callable[[str], Exception], counts: dict[str, int]
) -> list[tuple[dict | None, list[dict]]]:
    """``(box or None, its keypoint results in file order)`` for every instance of one result set.

    Args:
        result: The ``result`` list of an annotation or prediction.
        what: Names the result set in a message ("task 3, annotation 0").
        fail: Makes the error to raise from a message.
        counts: Counters of what is not read, updated in place: ``ignored_relations``
            and, per type, ``ignored_results:<type>``.

    Raises:
        ReadError (from ``fail``): A result item that is not an object, or an id given twice.
    """
    keypoints: list[dict] = []
    boxes: dict[Hashable, dict] = {}
    loose_boxes: list[dict] = []
    relations: list[dict] = []
    ids: set = set()
    for i, item in enumerate(result):
        if not isinstance(item, dict):
            raise fail(f"{what}: result[{i}] is not an object")
        kind = item.get("type")
        identity = _key(item.get("id"))
        if kind in ("keypointlabels", "rectanglelabels") and identity is not None:
            if identity in ids:
                raise fail(f"{what}: the result id {identity!r} is given twice")
            ids.add(identity)
        if kind == "keypointlabels":
            keypoints.append(item)
        elif kind == "rectanglelabels":
            if identity is None:
                loose_boxes.append(item)  # nothing can name it: an instance without points
            else:
                boxes[identity] = item
        elif kind == "relation":
            relations.append(item)
        else:
            key = f"ignored_results:{kind}"
            counts[key] = counts.get(key, 0) + 1
    union = _Union(set(boxes))
    linked: set = set()
    pairs = [(r.get("from_id"), r.get("to_id")) for r in relations]
    pairs += [(k.get("id"), k.get("parentID")) for k in keypoints if k.get("parentID") is not None]
    pairs = [(_key(a), _key(b)) for a, b in pairs]
    # Links to a box first, then between points: which animal a group of points joins must not depend on the
    # order of the results (a point-to-point relation seen before the other point's box relation, say).
    pairs.sort(key=lambda pair: not (pair[0] in boxes or pair[1] in boxes))
    for a, b in pairs:
        if a in ids and b in ids and a != b and union.join(a, b):
            linked.update((a, b))
        else:
            counts["ignored_relations"] = counts.get("ignored_relations", 0) + 1
    members: dict[Hashable, list[dict]] = {}
    loose: list[dict] = []
    for item in keypoints:
        identity = _key(item.get("id"))
        if identity is not None and identity in linked:
            members.setdefault(union.find(identity), []).append(item)
        else:
            loose.append(item)
    groups: list[tuple[dict | None, list[dict]]] = [(box, members.pop(b, [])) for b, box in boxes.items()]
    groups += [(box, []) for box in loose_boxes]
    groups += [(None, points) for points in members.values()]
    # The unrelated points: the n-th point of each label goes to the n-th instance.
    seen: dict[Any, int] = {}
    rest: list[list[dict]] = []
    for item in loose:
        value = item.get("value")
        labels = value.get("keypointlabels") if isinstance(value, dict) else None
        label = labels[0] if isinstance(labels, list) and labels and isinstance(labels[0], str) else None
        n = seen.get(label, 0)
        seen[label] = n + 1
        if n == len(rest):
            rest.append([])
        rest[n].append(item)
    groups += [(None, points) for points in rest]
    return groups
