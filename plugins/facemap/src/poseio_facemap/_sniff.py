"""Recognising Facemap keypoint files by the names at their root, without reading a dataset.

Facemap's pose tracker saves ``<video>_FacemapPose.h5``: a ``Facemap`` group
holding one group per bodypart, each with ``x``, ``y`` and ``likelihood``
datasets. Only link names and object kinds are looked at, of the first few
bodyparts. SLEAP analysis files (``tracks`` at the root), DeepLabCut's pandas
tables (``df_with_missing``), JABS (``poseest``), sleap-anipose (``tracks``)
and NWB files have no ``Facemap`` group.
"""

from __future__ import annotations

import itertools
from typing import Any

import poseio

FORMAT = "facemap"
GROUP = "Facemap"
#: The datasets of one bodypart (``likelihood`` is optional to the reader, as a file without it still has points).
COORDINATES = ("x", "y")
#: How many bodyparts the sniffer looks at (Facemap's face model has 15).
LOOKED_AT = 8


def kind(group: Any, name: str) -> str | None:
    """``"dataset"`` or ``"group"`` for a hard-linked child, else ``None`` (never follows a link)."""
    import h5py

    if not isinstance(group.get(name, getlink=True), h5py.HardLink):
        return None
    found = group.get(name, getclass=True)
    return "dataset" if found is h5py.Dataset else "group" if found is h5py.Group else None


def is_bodypart(group: Any, name: str) -> bool:
    """Whether ``group[name]`` is a bodypart: a hard-linked group with ``x`` and ``y`` datasets."""
    if kind(group, name) != "group":
        return False
    child = group[name]
    return all(kind(child, coordinate) == "dataset" for coordinate in COORDINATES)


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """The claim on one source (zero confidence with the reason when it is not a Facemap keypoint file)."""
    if not probe.is_hdf5:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not an HDF5 file")
    h5file = probe.h5
    if kind(h5file, GROUP) != "group":
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "HDF5 without Facemap's 'Facemap' group")
    group = h5file[GROUP]
    names = list(itertools.islice(group, LOOKED_AT))
    if names and all(is_bodypart(group, name) for name in names):
        return poseio.Claim(
            FORMAT, poseio.TYPED_MATCH, "Facemap keypoints: a 'Facemap' group of bodyparts with x, y (and likelihood)"
        )
    return poseio.Claim(
        FORMAT,
        poseio.CONTAINER_MATCH,
        "a 'Facemap' group, but not of bodypart groups holding x and y datasets",
    )
