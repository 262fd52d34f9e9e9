"""Reading idtracker.ai's ``trajectories.h5``.

idtracker.ai (v5 on) writes its trajectories dictionary into HDF5: arrays as
root datasets (``trajectories`` (frames, animals, 2) with NaN where an animal
was not seen, ``id_probabilities`` (frames, animals, 1)), numbers, text and
lists of text as root attributes (``frames_per_second``, ``body_length``,
``version``, ``video_paths``, ``identities_labels``, ``length_unit``, -1 for
none), and the dictionaries ``areas``, ``setup_points`` and
``identities_groups`` as groups of datasets.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import poseio
from poseio.hdf5 import open_attribute, reading, refuse_external_links, values
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_idtracker._labels import build, fail, frame_rate, track_names
from poseio_idtracker._sniff import FORMAT

READ_OPTIONS = ("fps", "video")
#: Root attributes larger than this are not read (idtracker.ai's are numbers and short text).
MAX_ATTRIBUTE_BYTES = 2**20
#: The groups of small dictionaries idtracker.ai writes; their datasets are kept in the provenance.
GROUPS = ("areas", "setup_points", "identities_groups")


def _plain(value: Any) -> Any:
    """An attribute as Python data: text decoded, numpy scalars and arrays as numbers and lists."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.ndim else _plain(value[()])
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def _attributes(h5: h5py.File) -> tuple[dict[str, Any], list[str]]:
    """The root attributes small enough to read, and the names of those that are not."""
    kept, skipped = {}, []
    for name in h5.attrs:
        attr = open_attribute(h5.id, name.encode())
        if attr is None:
            continue
        if attr.dtype.itemsize * math.prod(attr.shape or ()) > MAX_ATTRIBUTE_BYTES:
            skipped.append(name)
            continue
        with reading(f"the attribute {name!r}", f"{h5.filename}:/"):
            kept[name] = _plain(h5.attrs[name])
    return kept, skipped


def _group(group: h5py.Group) -> dict[str, np.ndarray]:
    return {name: values(item) for name, item in group.items() if isinstance(item, h5py.Dataset)}


def _video_name(attributes: dict[str, Any], probe: poseio.Probe) -> str:
    paths = attributes.get("video_paths")
    if isinstance(paths, list) and paths and isinstance(paths[0], str):
        return paths[0]
    if isinstance(attributes.get("video_path"), str):
        return attributes["video_path"]
    return str(Path(probe.name).with_suffix(""))


def read_h5(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read idtracker.ai's ``trajectories.h5`` (see the module docstring and ``docs/formats/idtracker.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    h5 = probe.h5
    if h5 is None:
        raise fail(probe, "not an HDF5 file")
    refuse_external_links(h5)  # trajectories.h5 is one file; a link out of it is not followed
    if not isinstance(h5.get("trajectories", getlink=True), h5py.HardLink):
        raise fail(probe, "no 'trajectories' dataset")
    dataset = h5["trajectories"]
    if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 3 or dataset.shape[2] != 2:
        raise fail(probe, "'trajectories' is not a dataset of (frames, animals, 2) positions")
    if dataset.dtype.kind not in "iuf":
        raise fail(probe, f"'trajectories' holds {dataset.dtype}, not numbers")
    with reading("the trajectories", dataset):
        trajectories = values(dataset, np.float64)
    n_frames, n_animals = trajectories.shape[:2]
    probabilities = None
    if isinstance(h5.get("id_probabilities"), h5py.Dataset):
        with reading("the identity probabilities", h5["id_probabilities"]):
            probabilities = values(h5["id_probabilities"], np.float64)
        if probabilities.ndim == 3 and probabilities.shape[2] == 1:
            probabilities = probabilities[..., 0]  # (frames, animals, 1) as idtracker.ai keeps it
    attributes, too_large = _attributes(h5)
    unit = attributes.get("length_unit")
    details: dict[str, Any] = {
        "layout": "h5",
        "attributes": attributes,
        "length_unit": None if unit == -1 else unit,
        **{name: _group(h5[name]) for name in GROUPS if isinstance(h5.get(name), h5py.Group)},
    }
    if too_large:
        details["attributes_not_read"] = too_large
    other = sorted(set(h5) - {"trajectories", "id_probabilities", *GROUPS})
    if other:
        details["datasets_not_read"] = other
    return build(
        probe,
        trajectories,
        id_probabilities=probabilities,
        fps=fps if fps is not None else frame_rate(attributes.get("frames_per_second")),
        video=video or _video_name(attributes, probe),
        tracks=track_names(n_animals, attributes.get("identities_labels")),
        details=details,
    )
