"""Recognising DANNCE prediction files by their MATLAB header and variable names, never by their data.

A DANNCE ``save_data_AVG.mat`` / ``save_data_MAX.mat`` holds ``pred``
(samples, 3, joints), ``p_max`` (samples, joints) and ``sampleID`` (1, samples).
A v5 file's variable headers are walked (`poseio.mat.variables`: a few small reads,
no data); a v7.3 file is HDF5 behind a 512-byte MATLAB header, and its root
datasets' names and shapes (metadata only) are read through ``probe.h5``.
DANNCE's skeleton files (``joint_names``, ``joints_idx``) are MAT-files too,
and are declined saying how to use them.
"""

from __future__ import annotations

import math
from typing import Any

import poseio
from poseio.mat import MatError, is_numeric, opened, variables, version
from poseio.options import say_option

FORMAT = "dannce"
#: The variables of a DANNCE prediction file.
DANNCE_VARIABLES = ("pred", "p_max", "sampleID")
#: The variables a DANNCE skeleton file has and a prediction file has not.
SKELETON_VARIABLES = ("joint_names", "joints_idx")


def _v73_variables(h5file: Any) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{name: (MATLAB's shape, class)}`` of the root datasets DANNCE's files have (metadata only)."""
    import h5py
    from poseio.hdf5 import attribute_text

    found = {}
    for name in (*DANNCE_VARIABLES, *SKELETON_VARIABLES):
        if not isinstance(h5file.get(name, getlink=True), h5py.HardLink):
            continue
        if h5file.get(name, getclass=True) is not h5py.Dataset:
            continue
        dataset = h5file[name]
        mclass = attribute_text(dataset.id, b"MATLAB_class") or dataset.dtype.name
        # MATLAB writes column-major arrays: HDF5 lists the dimensions last first.
        found[name] = (tuple(reversed(dataset.shape or ())), mclass)
    return found


def judge(found: dict[str, tuple[tuple[int, ...], str]], kind: str, name: str) -> poseio.Claim:
    """The claim on the MAT-file ``name`` whose variables are ``found`` (``{name: (shape, class)}``)."""
    pred = found.get("pred")
    if pred is not None and len(pred[0]) == 3 and pred[0][1] == 3 and is_numeric(pred[1]):
        n, _, joints = pred[0]
        p_max = found.get("p_max")
        sample = found.get("sampleID")
        if p_max is not None and p_max[0] == (n, joints) and sample is not None and math.prod(sample[0]) == n:
            return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"DANNCE predictions ({kind}): pred, p_max, sampleID")
        return poseio.Claim(
            FORMAT,
            poseio.STRUCTURE_MATCH,
            f"a pred (samples, 3, joints) variable ({kind}) without DANNCE's p_max/sampleID",
        )
    if "pred" not in found and all(name in found for name in SKELETON_VARIABLES):
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            "a DANNCE skeleton file (joint_names, joints_idx; no coordinates), not a pose file: load a DANNCE "
            f"prediction file (save_data_AVG.mat) with {say_option('skeleton', name)} to name its joints",
        )
    if pred is not None:
        return poseio.Claim(
            FORMAT,
            poseio.NOT_MINE,
            f"a pred variable of shape {pred[0]} ({pred[1]}), not DANNCE's (samples, 3, joints)",
        )
    return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a MAT-file ({kind}) without DANNCE's pred (samples, 3, joints)")


def sniff(probe: poseio.Probe) -> poseio.Claim:
    """The claim on one source: only MAT-files with DANNCE's variables are claimed."""
    kind = version(probe.head)
    if kind is None:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, "not a MATLAB 5.0 or 7.3 MAT-file (no MATLAB header)")
    if kind == "7.3":
        if not probe.is_hdf5:
            return poseio.Claim(FORMAT, poseio.NOT_MINE, "a MATLAB 7.3 header without HDF5 behind it")
        return judge(_v73_variables(probe.h5), "MATLAB 7.3", probe.name)
    try:
        with opened(probe) as stream:
            found = {v.name: (v.shape, v.mclass) for v in variables(stream, probe.head)}
    except (MatError, OSError) as exc:
        return poseio.Claim(FORMAT, poseio.NOT_MINE, f"a MATLAB 5.0 header, but its variables cannot be listed: {exc}")
    return judge(found, "MATLAB 5.0", probe.name)
