"""Recognising sleap-anipose's ``points3d.h5`` by its root: one float dataset ``tracks`` (F, T, N, 3), nothing else.

sleap-anipose's ``triangulate`` writes exactly that (with a ``Description``
attribute giving the shape). A SLEAP analysis file has a ``tracks`` dataset
too, but beside ``node_names``, ``track_occupancy`` and more, and its last axis
is the frames; DeepLabCut's, JABS' and NWB files have other roots. Only the
root's link count, the one link's kind, the dataset's shape and type and one
attribute are looked at, never the data.
"""

from __future__ import annotations

from typing import Any

import poseio

FORMAT = "sleap-anipose"
DATASET = "tracks"
#: The Description attribute sleap-anipose gives the dataset.
DESCRIPTION = "Shape: (n_frames, n_tracks, n_nodes, 3)."


def _tracks(h5file: Any) -> Any:
    """The root's ``tracks`` dataset when hard-linked, else ``None`` (links are never followed)."""
    import h5py

    if not isinstance(h5file.get(DATASET, getlink=True), h5py.HardLink):
        return None
    if h5file.get(DATASET, getclass=True) is not h5py.Dataset:
        return None
    return h5file[DATASET]


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """The claim on one source: only an HDF5 file whose root is sleap-anipose's one ``tracks`` dataset."""
    if not probe.is_hdf5:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not an HDF5 file")
    h5file = probe.h5
    tracks = _tracks(h5file)
    if tracks is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "HDF5 without a tracks dataset at the root")
    shape, kind = tracks.shape, tracks.dtype.kind
    if len(shape or ()) != 4 or shape[3] != 3 or kind != "f":
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            f"a tracks dataset of shape {shape} ({tracks.dtype}), not (frames, tracks, nodes, 3)",
        )
    n_root = h5file.id.get_num_objs()
    if n_root != 1:
        # SLEAP analysis files hold tracks beside node_names, track_occupancy, ...: theirs, not ours.
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            f"a (frames, tracks, nodes, 3) tracks dataset beside {n_root - 1} other root objects; sleap-anipose's "
            "points3d.h5 holds tracks alone (a SLEAP analysis file holds node_names and track_occupancy too)",
        )
    from poseio.hdf5 import attribute_text

    if attribute_text(tracks.id, b"Description") == DESCRIPTION:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"sleap-anipose points3d: tracks {shape} with its Description")
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, f"one (frames, tracks, nodes, 3) tracks dataset {shape} alone")
