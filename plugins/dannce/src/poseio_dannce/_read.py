"""Reading DANNCE prediction files (``save_data_AVG.mat``, ``save_data_MAX.mat``) into Labels.

DANNCE writes one row per sample: ``pred`` (samples, 3, joints) are the 3D
joint positions, ``p_max`` (samples, joints) the peak of each joint's
probability map, ``sampleID`` the id of the sample (in DANNCE's sync files a
time in milliseconds, not a frame number). MAX files also hold ``log_pmax``.
``data`` holds the 3D labels DANNCE was given for the samples (zeros when it
had none) and is not read as poses.

A v5 file is read with ``scipy.io.loadmat``, only the variables used, after
their declared sizes are checked against the memory budget; a v7.3 file is
HDF5 and read with ``poseio.hdf5.values``, each array transposed (MATLAB is
column-major, HDF5 lists the dimensions last first).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation
from poseio.mat import MatError, opened, variables, version
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_dannce._skeleton import skeleton_option
from poseio_dannce._sniff import FORMAT

READ_OPTIONS = ("fps", "video", "skeleton")
#: The variables read; any other (``data``, say) is listed in the provenance as not read.
VARIABLES = ("pred", "p_max", "sampleID", "log_pmax")


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{probe.name}: not a readable DANNCE prediction file: {problem}", path=probe.path)


def _check_pred(probe: poseio.Probe, shape: tuple[int, ...]) -> None:
    if len(shape) != 3 or shape[1] != 3:
        raise _fail(probe, f"pred has shape {shape}; DANNCE writes (samples, 3, joints)")


def _read_v5(probe: poseio.Probe) -> tuple[dict[str, np.ndarray], list[str]]:
    try:
        with opened(probe) as stream:
            found = {v.name: v for v in variables(stream, probe.head)}
    except MatError as exc:
        raise _fail(probe, str(exc)) from exc
    if "pred" not in found:
        raise _fail(probe, f"no pred variable (it holds {sorted(found) or 'no variables'})")
    _check_pred(probe, found["pred"].shape)
    wanted = [name for name in VARIABLES if name in found]
    # Sizes as the headers declare them, before scipy allocates (a compressed file can declare anything).
    check_allocation(sum(found[name].nbytes for name in wanted), f"the variables {wanted}", probe.name)
    import scipy.io

    try:
        with opened(probe) as stream:
            stream.seek(0)
            data = scipy.io.loadmat(stream, variable_names=wanted)
    except Exception as exc:  # scipy raises many kinds on a damaged file; all mean the same to the user
        raise _fail(probe, f"scipy cannot read it ({type(exc).__name__}: {exc})") from exc
    return {name: data[name] for name in wanted if name in data}, sorted(set(found) - set(wanted))


def _read_v73(probe: poseio.Probe) -> tuple[dict[str, np.ndarray], list[str]]:
    import h5py
    from poseio.hdf5 import reading, values

    h5file = probe.h5
    if not isinstance(h5file.get("pred"), h5py.Dataset):
        raise _fail(probe, "no pred dataset in the MATLAB 7.3 (HDF5) file")
    _check_pred(probe, tuple(reversed(h5file["pred"].shape)))
    arrays = {}
    for name in VARIABLES:
        if isinstance(h5file.get(name), h5py.Dataset):
            with reading(name, h5file):
                arrays[name] = values(h5file[name]).T  # MATLAB is column-major
    others = [n for n in h5file if n not in VARIABLES and not n.startswith("#")]  # "#refs#" holds cells' contents
    return arrays, sorted(others)


def _numbers(probe: poseio.Probe, arrays: dict[str, np.ndarray], name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A variable as float64 of ``shape`` (``sampleID``'s 1 x N taken as N)."""
    value = np.asarray(arrays[name])
    if value.dtype.kind not in "fiub":
        raise _fail(probe, f"{name} holds {value.dtype} values, not numbers")
    if value.size == np.prod(shape) and len(shape) == 1:
        value = value.reshape(shape)
    if value.shape != shape:
        raise _fail(probe, f"{name} has shape {value.shape}, not {shape} as pred's samples and joints say")
    return value.astype(np.float64, copy=False)


def read_dannce(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a DANNCE prediction ``.mat`` (see ``docs/formats/dannce.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    kind = version(probe.head)
    if kind == "7.3" and probe.is_hdf5:
        arrays, unread = _read_v73(probe)
    elif kind == "5":
        arrays, unread = _read_v5(probe)
    else:
        raise _fail(probe, "no MATLAB 5.0 or 7.3 MAT-file header")
    pred = np.asarray(arrays["pred"])
    _check_pred(probe, pred.shape)
    n_samples, _, n_joints = pred.shape
    pred = _numbers(probe, arrays, "pred", pred.shape)
    skeleton = skeleton_option(options.get("skeleton"), n_joints, probe.name)
    scores = _numbers(probe, arrays, "p_max", (n_samples, n_joints)) if "p_max" in arrays else None
    sample_ids = _numbers(probe, arrays, "sampleID", (n_samples,)) if "sampleID" in arrays else None
    log_pmax = _numbers(probe, arrays, "log_pmax", (n_samples, n_joints)) if "log_pmax" in arrays else None
    details = {
        "matlab_version": kind,
        "sampleID": sample_ids,
        "log_pmax": log_pmax,
        "unread_variables": unread,
    }
    video = poseio.Video(
        video_name or PurePath(probe.name).stem, fps=fps, shape=(n_samples, 0, 0, 0) if n_samples else None
    )
    # Frame i is the i-th sample: DANNCE predicts the samples in order, and which video frame a
    # sampleID is lives in the sync of the DANNCE project (kept here as sampleID, per frame).
    return poseio.Labels.from_numpy(
        np.moveaxis(pred, 1, 2)[:, None],
        video=video,
        skeleton=skeleton,
        point_scores=None if scores is None else scores[:, None],
        predicted=True,
        provenance={FORMAT: details},
    )
