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
from h5py import h5d, h5g, h5o, h5s, h5t
from poseio.hdf5 import attribute_text, check_dataset, read_strings, read_text, text, values

#: The container's text fields, as NWB names them and as ``PoseEstimation`` takes them.
TEXT_FIELDS = ("description", "scorer", "source_software")
#: Fields that say who made the poses: kept in ``labels.provenance`` under these names too, where
#: every other format's reader and writer finds them (a DeepLabCut scorer becomes the NWB scorer).
WHO_MADE_THEM = ("scorer", "source_software", "source_software_version")
#: The container's lists of video paths.
LIST_FIELDS = ("original_videos", "labeled_videos")


def _attribute(obj: h5py.HLObject | None, name: str) -> str | None:
    return None if obj is None else text(obj.attrs.get(name))


#: Text attributes of an NWB Device (and of ndx-pose's CalibratedCamera, which extends it).
DEVICE_TEXT = ("description", "manufacturer", "model_number", "model_name", "serial_number")
#: A CalibratedCamera's calibration arrays.
CAMERA_ARRAYS = ("intrinsic_matrix", "rotation_matrix", "translation_vector", "distortion_coefficients")


def device_record(path: str, device: h5py.Group) -> dict[str, Any]:
    """What a Device or CalibratedCamera says of itself: name, type, text fields and calibration."""
    found: dict[str, Any] = {
        "name": path.rsplit("/", 1)[-1],
        "type": text(device.attrs.get("neurodata_type")) or "Device",
        "fields": {k: v for k in DEVICE_TEXT if (v := _attribute(device, k)) is not None},
    }
    arrays = {}
    for name in CAMERA_ARRAYS:
        if isinstance(device.get(name), h5py.Dataset):
            arrays[name] = np.asarray(values(device[name]), dtype=np.float64).tolist()
    if arrays:
        found["arrays"] = arrays
    return found


def container_record(
    container: h5py.Group,
    series: dict[str, Any],
    *,
    video: str,
    skeleton: str | None,
    track: str | None,
    devices: list[tuple[str, h5py.Group]] = (),
) -> dict[str, Any]:
    """The record of one container whose series are ``{node name: the reader's Series}``.

    A camera view of a MultiCameraPoseEstimation records the MultiCamera's
    name (``within``) and fields, so that the writer nests the view again.
    """
    fields: dict[str, Any] = {name: read_text(container, name) for name in TEXT_FIELDS}
    fields["source_software_version"] = who_made_them(container).get("source_software_version")
    for name in LIST_FIELDS:
        if isinstance(container.get(name), h5py.Dataset):
            fields[name] = read_strings(container[name])
    if isinstance(container.get("dimensions"), h5py.Dataset):
        fields["dimensions"] = np.asarray(values(container["dimensions"])).astype(int).tolist()
    parent = container.parent
    record = {
        "video": video,
        "skeleton": skeleton,
        "track": track,
        "module": parent.name.rsplit("/", 1)[-1],
        "name": container.name.rsplit("/", 1)[-1],
        "type": text(container.attrs.get("neurodata_type")),
        "fields": {k: v for k, v in fields.items() if v is not None},
        "series": {node: _series_fields(s) for node, s in series.items()},
        "devices": [device_record(path, group) for path, group in devices],
    }
    if text(parent.attrs.get("neurodata_type")) == "MultiCameraPoseEstimation":
        record["within"] = record["module"]
        record["module"] = parent.parent.name.rsplit("/", 1)[-1]
    return record


def _series_fields(series: Any) -> dict[str, Any]:
    """What one series said of itself; ``series`` is the reader's `Series` (name, group, open datasets)."""
    # Low-level reads on the objects the reader already opened: this runs for every series of
    # every load, and h5py's high-level objects made it a fifth of a 300-series load.
    found = {
        "name": series.name,
        "description": attribute_text(series.group.id, b"description"),
        "unit": attribute_text(series.data.id, b"unit"),
        "reference_frame": _scalar_text(series.group.id, b"reference_frame"),
        "has_confidence": series.confidence is not None or None,
    }
    if series.confidence is not None:
        found["confidence_definition"] = attribute_text(series.confidence.id, b"definition")
    return {k: v for k, v in found.items() if v is not None}


def _scalar_text(gid: h5g.GroupID, member: bytes) -> str | None:
    """A scalar string dataset of a group, or ``None`` when absent or not a scalar string."""
    if not gid.links.exists(member):
        return None
    dataset = h5o.open(gid, member)
    if not isinstance(dataset, h5d.DatasetID) or dataset.shape != () or dataset.get_type().get_class() != h5t.STRING:
        return None
    check_dataset(dataset)
    value = np.empty((), dtype=h5py.string_dtype())
    dataset.read(h5s.ALL, h5s.ALL, value)
    return text(value[()])


def find_record(records: list[dict[str, Any]], *, video: str, skeleton: str | None, track: str | None) -> dict | None:
    """The record of the container that held this (video, skeleton, track) alone, or ``None``."""
    return next(
        (
            r
            for r in records
            if "members" not in r and (r["video"], r["skeleton"], r["track"]) == (video, skeleton, track)
        ),
        None,
    )


def find_shared(records: list[dict[str, Any]], *, video: str, skeleton: str | None, track: str) -> dict | None:
    """The record of a container this track shared with other individuals (dlc2nwb's), or ``None``."""
    return next(
        (r for r in records if track in r.get("members", {}) and (r["video"], r["skeleton"]) == (video, skeleton)),
        None,
    )


def who_made_them(container: h5py.Group) -> dict[str, str]:
    """The container's `WHO_MADE_THEM` fields that it states (the version as ndx-pose 0.2+ or 0.1 keeps it)."""
    found = {name: read_text(container, name) for name in WHO_MADE_THEM[:2]}
    found["source_software_version"] = _attribute(container.get("source_software"), "version") or read_text(
        container, "source_software_version"
    )
    return {name: value for name, value in found.items() if value}


def shared_fields(containers: list[h5py.Group]) -> dict[str, str]:
    """The `WHO_MADE_THEM` fields on which every container that states them agrees."""
    stated = [who_made_them(container) for container in containers]
    shared = {}
    for name in WHO_MADE_THEM:
        values = {fields[name] for fields in stated if name in fields}
        if len(values) == 1:
            shared[name] = values.pop()
    return shared
