"""Recognising LEAP label files by their MATLAB header and variable names, never by their data.

LEAP's labelling GUI saves ``<box>.labels.mat`` (MATLAB ``save -v7.3``): the
user's ``positions`` (nodes x 2 x frames), the ``skeleton`` struct (``nodes``,
``edges``), ``boxPath`` and more. A v5 file's variable headers are walked
(`poseio.mat.variables`: a few small reads); a v7.3 file is HDF5 behind a 512-byte
MATLAB header, and its root objects' names, kinds, shapes and ``MATLAB_class``
attributes (metadata only) are read through ``probe.h5``. DANNCE's files
(``pred``; ``joint_names``) and LEAP's skeleton files (``nodes``, ``edges`` at
the root, no positions) are declined, saying why.
"""

from __future__ import annotations

from typing import Any

import poseio
from poseio.mat import MatError, is_numeric, opened, variables, version

FORMAT = "leap"
#: The pose arrays of a LEAP file: the user's labels, and predictions (LEAP's ``predict_box`` names).
POSE_VARIABLES = ("positions", "positions_pred")
SKELETON = "skeleton"
#: The root objects the sniffer looks at in a v7.3 file.
LOOKED_AT = (*POSE_VARIABLES, SKELETON, "pred", "nodes", "edges", "joint_names")


def pose_shape(shape: tuple[int, ...]) -> bool:
    """Whether MATLAB dimensions are LEAP's nodes x 2 x frames (nodes x 2 for one frame: MATLAB drops a last 1)."""
    return len(shape) in (2, 3) and shape[1] == 2


def _v73_variables(h5file: Any) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{name: (MATLAB's shape, class)}`` of the root objects LEAP's sniffer looks at (metadata only)."""
    import h5py
    from poseio.hdf5 import attribute_text

    found = {}
    for name in LOOKED_AT:
        if not isinstance(h5file.get(name, getlink=True), h5py.HardLink):
            continue
        kind = h5file.get(name, getclass=True)
        if kind is h5py.Dataset:
            dataset = h5file[name]
            mclass = attribute_text(dataset.id, b"MATLAB_class") or dataset.dtype.name
            # MATLAB writes column-major arrays: HDF5 lists the dimensions last first.
            found[name] = (tuple(reversed(dataset.shape or ())), mclass)
        elif kind is h5py.Group:
            found[name] = ((1, 1), attribute_text(h5file[name].id, b"MATLAB_class") or "group")
    return found


def judge(found: dict[str, tuple[tuple[int, ...], str]], kind: str) -> poseio.Claim:
    """The claim on a MAT-file whose variables are ``found`` (``{name: (MATLAB's shape, class)}``)."""
    poses = [n for n in POSE_VARIABLES if n in found and pose_shape(found[n][0]) and is_numeric(found[n][1])]
    skeleton = found.get(SKELETON)
    if poses and skeleton is not None and skeleton[1] == "struct":
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"LEAP labels ({kind}): {', '.join(poses)} and skeleton")
    if poses:
        return poseio.Claim(
            FORMAT,
            poseio.CONTAINER_MATCH,
            f"LEAP's {poses[0]} (nodes, 2, frames) ({kind}) without its skeleton struct: nodes are unnamed",
        )
    if "nodes" in found and "edges" in found:
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            "a LEAP skeleton file (nodes, edges; no positions), not a pose file: load the labels file "
            "(<box>.labels.mat) made with it",
        )
    if "pred" in found or "joint_names" in found:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a DANNCE file ({kind}: pred or joint_names), not LEAP's")
    for name in POSE_VARIABLES:
        if name in found:
            shape, mclass = found[name]
            return poseio.Claim(
                FORMAT, poseio.NOT_MINE, f"a {name} variable of shape {shape} ({mclass}), not LEAP's (nodes, 2, frames)"
            )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a MAT-file ({kind}) without LEAP's positions (nodes, 2, frames)")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """The claim on one source: only MAT-files with LEAP's variables are claimed."""
    kind = version(probe.head)
    if kind is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a MATLAB 5.0 or 7.3 MAT-file (no MATLAB header)")
    if kind == "7.3":
        if not probe.is_hdf5:
            return poseio.Claim(FORMAT, poseio.NOT_MINE, "a MATLAB 7.3 header without HDF5 behind it")
        return judge(_v73_variables(probe.h5), "MATLAB 7.3")
    try:
        with opened(probe) as stream:
            found = {v.name: (v.shape, v.mclass) for v in variables(stream, probe.head)}
    except (MatError, OSError) as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a MATLAB 5.0 header, but its variables cannot be listed: {exc}")
    return judge(found, "MATLAB 5.0")
