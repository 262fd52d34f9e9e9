"""What a PoseEstimation container said about itself, kept so that writing it again says the same.

Poses live in the Labels' arrays; the names and descriptive fields of the NWB
objects that held them (container and series names, processing module,
description, scorer, source software and version, original and labelled
videos, dimensions, and each series' description, unit, reference frame and
confidence definition) have no place there. The reader records them in
``labels.provenance["nwb_containers"]``, one `ContainerRecord` dict per
container, keyed by what the writer groups poses by (video filename, skeleton
name, track name); the writer uses a record when it writes the same group, and
its own defaults otherwise. Options still override every field.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
from poseio.nwb import read_strings, read_text, text, values

#: The container's text fields, as NWB names them and as ``PoseEstimation`` takes them.
TEXT_FIELDS = ("description", "scorer", "source_software")
#: The container's lists of video paths.
LIST_FIELDS = ("original_videos", "labeled_videos")


def _attribute(obj: h5py.HLObject | None, name: str) -> str | None:
    return None if obj is None else text(obj.attrs.get(name))


def container_record(
    container: h5py.Group, series: dict[str, h5py.Group], *, video: str, skeleton: str | None, track: str | None
) -> dict[str, Any]:
    """The record of one container whose series are ``{node name: series group}``."""
    fields: dict[str, Any] = {name: read_text(container, name) for name in TEXT_FIELDS}
    software = container.get("source_software")
    fields["source_software_version"] = _attribute(software, "version") or read_text(
        container, "source_software_version"
    )
    for name in LIST_FIELDS:
        if isinstance(container.get(name), h5py.Dataset):
            fields[name] = read_strings(container[name])
    if isinstance(container.get("dimensions"), h5py.Dataset):
        fields["dimensions"] = np.asarray(values(container["dimensions"])).astype(int).tolist()
    return {
        "video": video,
        "skeleton": skeleton,
        "track": track,
        "module": container.parent.name.rsplit("/", 1)[-1],
        "name": container.name.rsplit("/", 1)[-1],
        "fields": {k: v for k, v in fields.items() if v is not None},
        "series": {node: _series_fields(group) for node, group in series.items()},
    }


def _series_fields(group: h5py.Group) -> dict[str, Any]:
    found = {
        "name": group.name.rsplit("/", 1)[-1],
        "description": _attribute(group, "description"),
        "unit": _attribute(group.get("data"), "unit"),
        "reference_frame": read_text(group, "reference_frame"),
        "confidence_definition": _attribute(group.get("confidence"), "definition"),
        "has_confidence": "confidence" in group or None,
    }
    return {k: v for k, v in found.items() if v is not None}


def find_record(records: list[dict[str, Any]], *, video: str, skeleton: str | None, track: str | None) -> dict | None:
    """The record of the container that held this (video, skeleton, track), or ``None``."""
    return next(
        (r for r in records if (r["video"], r["skeleton"], r["track"]) == (video, skeleton, track)),
        None,
    )
