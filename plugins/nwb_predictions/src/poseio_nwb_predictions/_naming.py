"""Mapping producers' names to nodes and tracks.

Producers name things differently (observed on real files):

- sleap-io and movement name each PoseEstimationSeries after its node.
- neuroconv names it ``PoseEstimationSeries`` + the node name with its case
  changed, while the Skeleton keeps the raw node name.
- dlc2nwb names it ``{individual}_{bodypart}``, and its ``nodes`` carry the same
  prefix; several individuals may share one container.
- sleap-io names containers ``track=<name>`` (``track=untracked`` for none);
  neuroconv ``PoseEstimationTrack0``; others ``PoseEstimation_<animal>``.

The rules below follow the spec (series belong to nodes, containers to
animals) and normalise names rather than special-casing one file.
"""

from __future__ import annotations

import re

from poseio_nwb import track_of

UNTRACKED = "untracked"
_SERIES_PREFIX = "PoseEstimationSeries"
_CONTAINER_PREFIX = "PoseEstimation"


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def match_series_to_nodes(series_names: list[str], node_names: list[str]) -> dict[str, int | None]:
    """The node index of every series, or ``None`` when no node fits it.

    Tried in order: the exact name; the name with a ``PoseEstimationSeries``
    prefix removed; a case- and punctuation-insensitive match; and a node name
    that the series name ends with after an ``_`` separator.
    """
    exact = {n: i for i, n in enumerate(node_names)}
    loose = {_key(n): i for i, n in enumerate(node_names)}
    result: dict[str, int | None] = {}
    for series in series_names:
        stripped = (
            series[len(_SERIES_PREFIX) :] if series.startswith(_SERIES_PREFIX) and series != _SERIES_PREFIX else series
        )
        index = exact.get(series, exact.get(stripped))
        if index is None:
            index = loose.get(_key(stripped))
        if index is None:
            endings = [i for i, n in enumerate(node_names) if series.endswith("_" + n)]
            index = endings[0] if len(endings) == 1 else None
        result[series] = index
    return result


def track_name(container: str, *, siblings: int) -> str | None:
    """The track a PoseEstimation container stands for, or ``None`` for untracked.

    ``track=<name>`` (sleap-io) and ``PoseEstimation_<name>`` (poseio, whose
    names are escaped and repeated as `poseio_nwb.escape_track` describes) name
    the animal explicitly. Any other name (``PoseEstimation``,
    ``PoseEstimationDeepLabCut``) is a track only when several containers share
    one video, as neuroconv's ``PoseEstimationTrack0``. ``untracked`` (and
    ``untracked_<n>``) mean none.
    """
    explicit = None
    if container.startswith("track="):
        explicit = container[len("track=") :]
    elif container.startswith(_CONTAINER_PREFIX + "_"):
        explicit = track_of(container[len(_CONTAINER_PREFIX) + 1 :])
    elif siblings > 1:
        explicit = container[len(_CONTAINER_PREFIX) :] if container.startswith(_CONTAINER_PREFIX) else container
        explicit = explicit or container
    if explicit is None or re.fullmatch(UNTRACKED + r"(_\d+)?", explicit):
        return None
    return explicit


def split_individuals(
    node_names: list[str], *, software: str | None, descriptions: list[str] = (), described_only: bool = False
) -> dict[str, list[str]] | None:
    """``{individual: [bodypart, ...]}`` when node names are ``{individual}_{bodypart}``.

    Applies when every name has an ``_`` prefix and every prefix carries the
    same body parts, and the file says these are individuals: several prefixes
    from DeepLabCut (the multi-animal export), or series descriptions that name
    the prefix as an individual (dlc2nwb writes "... from individual ind1").
    A lone shared prefix such as ``front_`` in ``front_left_paw`` is not an
    individual. With ``described_only`` (nodes a Skeleton object names, which
    are otherwise taken as they are) only the descriptions count. Returns
    ``None`` otherwise.
    """
    if not node_names or any("_" not in n for n in node_names):
        return None
    groups: dict[str, list[str]] = {}
    for name in node_names:
        individual, bodypart = name.split("_", 1)
        groups.setdefault(individual, []).append(bodypart)
    parts = [tuple(v) for v in groups.values()]
    if len(set(parts)) != 1 or len(set(parts[0])) != len(parts[0]):
        return None
    is_dlc = software is not None and "deeplabcut" in software.lower()
    described = all(any(f"individual {name}" in d for d in descriptions) for name in groups)
    if (len(groups) >= 2 and is_dlc and not described_only) or described:
        return groups
    return None
