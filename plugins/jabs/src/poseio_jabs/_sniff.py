"""Recognising JABS pose files by the objects at their root, without reading a dataset.

A JABS pose file has a ``poseest`` group holding ``points`` and ``confidence``
datasets whose last axes are JABS's 12 keypoints (and their (y, x)). Only link
names, object kinds, shapes (dataspace metadata) and attributes are looked at.
SLEAP analysis files (``tracks`` at the root), DeepLabCut's pandas tables and
NWB files have no ``poseest``; JABS's behaviour predictions (a ``predictions``
group) are JABS files without poses, declined with that reason.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_jabs._layout import GROUP, N_NODES, V3_DATASETS, V4_DATASETS, name_version

FORMAT = "jabs"


def _kind(group: Any, name: str) -> str | None:
    """``"dataset"`` or ``"group"`` for a hard-linked child, else ``None`` (never follows a link)."""
    import h5py

    if not isinstance(group.get(name, getlink=True), h5py.HardLink):
        return None
    kind = group.get(name, getclass=True)
    return "dataset" if kind is h5py.Dataset else "group" if kind is h5py.Group else None


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """The claim on one source (zero confidence with the reason when it is not a JABS pose file)."""
    if not probe.is_hdf5:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not an HDF5 file")
    h5file = probe.h5
    if _kind(h5file, GROUP) != "group":
        if _kind(h5file, "predictions") == "group":
            return poseio.Claim(
                FORMAT,
                poseio.NOT_MINE,
                "JABS behaviour predictions (a 'predictions' group, no 'poseest' group): classifier output, not "
                "poses; load the video's *_pose_est_v<N>.h5 file instead",
            )
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "HDF5 without JABS's 'poseest' group")
    group = h5file[GROUP]
    if _kind(group, "points") != "dataset" or _kind(group, "confidence") != "dataset":
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "a 'poseest' group without the points and confidence datasets")
    shape, confidence = group["points"].shape, group["confidence"].shape
    named = name_version(probe.name)
    if len(shape) not in (3, 4) or shape[-2:] != (N_NODES, 2) or confidence != shape[:-1]:
        return poseio.Claim(
            FORMAT,
            poseio.STRUCTURE_MATCH if named else poseio.CONTAINER_MATCH,
            f"JABS's poseest/points and confidence, but of shapes {shape} and {confidence}, not "
            f"(frames[, mice], {N_NODES}, 2) and (frames[, mice], {N_NODES})",
        )
    names = set(group.keys())
    if len(shape) == 3:
        layout = "one mouse (v2)"
    elif set(V4_DATASETS) <= names:
        layout = "mice with identities (v4+)"
    elif set(V3_DATASETS) <= names:
        layout = "several mice (v3)"
    else:
        return poseio.Claim(
            FORMAT,
            poseio.STRUCTURE_MATCH,
            "JABS's poseest/points of several mice, but neither instance_count/instance_track_id (v3) nor "
            "instance_embed_id/id_mask (v4+) to tell which are poses",
        )
    return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"JABS pose file: poseest/points of {N_NODES} keypoints, {layout}")
