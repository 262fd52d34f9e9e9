"""Recognising movement's netCDF files by their root attributes and variable names.

Only the probe's root attributes and the names of the root's links are looked
at: no dataset is read and no link is followed.
"""

from __future__ import annotations

import poseio

from poseio_movement_netcdf._layout import CONFIDENCE, FORMAT, POSITION_NAMES


def _hard_link(h5file: object, name: str) -> bool:
    # getlink=True only looks the link up: an external link named "position" is not followed.
    import h5py

    return isinstance(h5file.get(name, getlink=True), h5py.HardLink)  # type: ignore[attr-defined]


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """Claim an HDF5 file whose root holds movement's poses variables.

    `TYPED_MATCH` when the root attributes say ``ds_type="poses"`` and a
    position variable is there; `STRUCTURE_MATCH` for the early releases'
    files, which have no ``ds_type`` but a ``pose_tracks`` or ``position``
    beside ``confidence`` and ``keypoints``.
    """
    if not probe.is_hdf5:
        why = "a netCDF-3 (classic) file" if probe.head.startswith(b"CDF") else "not an HDF5 file"
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"{why}; movement saves netCDF-4 (HDF5) files")
    h5file = probe.h5
    attrs = probe.root_attrs
    ds_type = attrs.get("ds_type")
    if ds_type is not None and ds_type != "poses":
        return poseio.Claim(
            FORMAT, poseio.NOT_MINE, f"a movement {ds_type!r} dataset (ds_type), not poses: it holds no keypoints"
        )
    found = [n for n in POSITION_NAMES if _hard_link(h5file, n)]
    if not found:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "no position (or pose_tracks) variable at the root")
    if ds_type == "poses":
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"movement poses dataset: ds_type 'poses' and {found[0]}")
    if _hard_link(h5file, CONFIDENCE) and _hard_link(h5file, "keypoints"):
        return poseio.Claim(
            FORMAT, poseio.STRUCTURE_MATCH, f"{found[0]}, confidence and keypoints without a ds_type attribute"
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a {found[0]} variable, but no confidence or keypoints beside it")
