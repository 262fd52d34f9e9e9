"""Recognising SLEAP files by content: only root link names, object kinds and attributes, no data.

A labels file has a ``/metadata`` group whose attributes hold ``format_id`` and
the skeleton JSON, beside the ``frames``, ``instances`` and point tables. An
analysis file has root datasets ``tracks`` (four axes), ``node_names`` and
``track_occupancy``. DeepLabCut's pandas files may have a ``tracks`` *group*
(multi-animal tracklets) and NWB files none of these at the root, so neither
is mistaken for SLEAP.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_sleap._common import ANALYSIS, PACKAGE_ENDING, SLP

SLP_TABLES = ("frames", "instances")
SLP_ENDINGS = (".slp", PACKAGE_ENDING)
ANALYSIS_ENDINGS = (".analysis.h5",)


def _root_kind(h5file: Any, name: str) -> str | None:
    """``"dataset"`` or ``"group"`` for a hard-linked root object, else ``None`` (never follows a link)."""
    import h5py

    if not isinstance(h5file.get(name, getlink=True), h5py.HardLink):
        return None
    kind = h5file.get(name, getclass=True)
    return "dataset" if kind is h5py.Dataset else "group" if kind is h5py.Group else None


def _sniff_slp(probe: poseio.Probe, h5file: Any) -> poseio.Claim:
    tables = [name for name in SLP_TABLES if _root_kind(h5file, name) == "dataset"]
    has_points = any(_root_kind(h5file, name) == "dataset" for name in ("points", "pred_points"))
    metadata = _root_kind(h5file, "metadata") == "group" and {"format_id", "json"} <= set(h5file["metadata"].attrs)
    if metadata and len(tables) == len(SLP_TABLES) and has_points:
        format_id = h5file["metadata"].attrs["format_id"]
        return poseio.Claim(
            SLP,
            poseio.CERTAIN,
            f"SLEAP labels: /metadata with format_id {format_id} and skeleton JSON, and the frames, instances "
            "and points tables",
        )
    if metadata:
        return poseio.Claim(
            SLP,
            poseio.STRUCTURE_MATCH,
            "SLEAP's /metadata (format_id and skeleton JSON) but not all of the frames, instances and points tables",
        )
    if len(tables) == len(SLP_TABLES) and has_points:
        return poseio.Claim(
            SLP, poseio.STRUCTURE_MATCH, "SLEAP's frames, instances and points tables, but no /metadata skeleton JSON"
        )
    if probe.has_ending(*SLP_ENDINGS):
        return poseio.Claim(SLP, poseio.CONTAINER_MATCH, "an HDF5 file named .slp without SLEAP's tables")
    return poseio.Claim(SLP, poseio.NOT_MINE, "HDF5 without SLEAP's /metadata group and frames/instances tables")


def _sniff_analysis(probe: poseio.Probe, h5file: Any) -> poseio.Claim:
    tracks = _root_kind(h5file, "tracks") == "dataset" and len(h5file["tracks"].shape) == 4
    names = _root_kind(h5file, "node_names") == "dataset"
    occupancy = _root_kind(h5file, "track_occupancy") == "dataset"
    if tracks and names and occupancy:
        if probe.root_attrs.get("format") == "analysis":
            return poseio.Claim(
                ANALYSIS,
                poseio.CERTAIN,
                "SLEAP analysis HDF5: format='analysis' with tracks, node_names and track_occupancy datasets",
            )
        return poseio.Claim(
            ANALYSIS, poseio.TYPED_MATCH, "SLEAP analysis layout: a 4-axis tracks dataset, node_names, track_occupancy"
        )
    if tracks and names:
        return poseio.Claim(
            ANALYSIS, poseio.STRUCTURE_MATCH, "a 4-axis tracks dataset and node_names, but no track_occupancy"
        )
    if probe.has_ending(*ANALYSIS_ENDINGS):
        return poseio.Claim(
            ANALYSIS, poseio.CONTAINER_MATCH, "an HDF5 file named .analysis.h5 without SLEAP's tracks datasets"
        )
    return poseio.Claim(ANALYSIS, poseio.NOT_MINE, "HDF5 without a 4-axis tracks dataset beside node_names")


def sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    """Claims for both SLEAP formats on one source; zero-confidence claims say why not."""
    if not probe.is_hdf5:
        return [
            poseio.Claim(SLP, poseio.NOT_MINE, "not an HDF5 file"),
            poseio.Claim(ANALYSIS, poseio.NOT_MINE, "not an HDF5 file"),
        ]
    h5file = probe.h5
    return [_sniff_slp(probe, h5file), _sniff_analysis(probe, h5file)]
