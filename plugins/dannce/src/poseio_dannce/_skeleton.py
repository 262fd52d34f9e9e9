"""Naming DANNCE's joints: the ``skeleton=`` read option.

A prediction file holds numbers only; the joint names live in the skeleton
``.mat`` of DANNCE's configuration (``configs/mouse22_skeleton.mat``:
``joint_names``, a 1 x J cell of names, and ``joints_idx``, E x 2 one-based
joint pairs). Without the option the joints are ``joint_00``, ``joint_01``, ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation
from poseio.mat import MatError, opened, variables, version
from poseio.options import check_path

from poseio_dannce._sniff import FORMAT, SKELETON_VARIABLES

#: Without skeleton=, the skeleton is named this.
DEFAULT_NAME = "dannce"


def generic(n_joints: int) -> poseio.Skeleton:
    """``joint_00``, ``joint_01``, ... (as wide as the largest number needs, at least two digits)."""
    width = max(2, len(str(n_joints - 1)))
    return poseio.Skeleton([f"joint_{i:0{width}d}" for i in range(n_joints)], name=DEFAULT_NAME)


def skeleton_option(value: Any, n_joints: int, source: str) -> poseio.Skeleton:
    """The skeleton ``skeleton=`` gives for a file of ``n_joints`` joints.

    Args:
        value: ``None``, a list of names, a `poseio.Skeleton`, or the path of a DANNCE skeleton ``.mat``.
        n_joints: How many joints the prediction file has.
        source: The prediction file, for messages.

    Raises:
        InvalidOptionError: The value is none of these, or names another number of joints.
        ReadError: The skeleton file cannot be read as one.
    """
    if value is None:
        return generic(n_joints)
    if isinstance(value, poseio.Skeleton):
        skeleton = value
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(name, str) for name in value):
            raise poseio.InvalidOptionError("skeleton= as a list must hold joint names (text)", format=FORMAT)
        if len(set(value)) != len(value):
            raise poseio.InvalidOptionError(f"skeleton= names a joint twice: {list(value)}", format=FORMAT)
        skeleton = poseio.Skeleton(list(value), name=DEFAULT_NAME)
    else:
        path = check_path(value, FORMAT, option="skeleton")
        skeleton = read_skeleton_file(path)
    if len(skeleton) != n_joints:
        raise poseio.InvalidOptionError(
            f"skeleton= has {len(skeleton)} joints, {source} has {n_joints}: give the skeleton the predictions were "
            "made with",
            format=FORMAT,
        )
    return skeleton


def _fail(path: str, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{path}: not a DANNCE skeleton file (given as skeleton=): {problem}", path=path)


def _names_v5(cell: np.ndarray, path: str) -> list[str]:
    """Joint names from scipy's reading of ``joint_names``: a cell of strings, or a char matrix of rows."""
    if cell.dtype.kind == "U":  # a char matrix: one name a row
        return [str(row).rstrip() for row in np.atleast_1d(cell)]
    if cell.dtype != object:
        raise _fail(path, f"joint_names is a {cell.dtype} array, not a cell of names")
    names = []
    for item in cell.ravel(order="F"):
        item = np.asarray(item)
        if item.dtype.kind != "U" or item.size > 1:
            raise _fail(path, "an entry of joint_names is not text")
        names.append(str(item.ravel()[0]) if item.size else "")
    return names


def _read_v5(probe: poseio.Probe, path: str) -> tuple[list[str], np.ndarray | None]:
    try:
        with opened(probe) as stream:
            found = {v.name: v for v in variables(stream, probe.head)}
    except MatError as exc:
        raise _fail(path, str(exc)) from exc
    if "joint_names" not in found:
        raise _fail(path, "no joint_names variable")
    wanted = [name for name in SKELETON_VARIABLES if name in found]
    # A cell's header gives its count, not its contents' sizes: allow 64 bytes a name beside the numbers.
    check_allocation(sum(found[n].nbytes for n in wanted) + 64 * found["joint_names"].nbytes, "a skeleton", path)
    import scipy.io

    try:
        data = scipy.io.loadmat(path, variable_names=wanted)
    except Exception as exc:  # scipy raises many kinds on a damaged file; all mean the same to the user
        raise _fail(path, f"scipy cannot read it ({exc})") from exc
    return _names_v5(data["joint_names"], path), data.get("joints_idx")


def _read_v73(probe: poseio.Probe, path: str) -> tuple[list[str], np.ndarray | None]:
    import h5py
    from poseio.hdf5 import reading, values

    h5file = probe.h5
    if not isinstance(h5file.get("joint_names"), h5py.Dataset):
        raise _fail(path, "no joint_names dataset")
    names = []
    with reading("joint_names", h5file):
        references = values(h5file["joint_names"])
        if references.dtype != object:
            raise _fail(path, "joint_names is not a cell (of object references)")
        for reference in references.ravel():
            target = h5file[reference]
            if not isinstance(target, h5py.Dataset):
                raise _fail(path, "an entry of joint_names is not a dataset of characters")
            # MATLAB's char arrays are uint16 code units.
            names.append("".join(chr(c) for c in values(target).ravel()))
    edges = None
    if isinstance(h5file.get("joints_idx"), h5py.Dataset):
        with reading("joints_idx", h5file):
            edges = values(h5file["joints_idx"]).T  # MATLAB's E x 2, column-major
    return names, edges


def read_skeleton_file(path: str) -> poseio.Skeleton:
    """A DANNCE skeleton ``.mat`` (v5 or v7.3) as a Skeleton named after it (``mouse22_skeleton`` -> ``mouse22``)."""
    probe = poseio.Probe(path)
    probe.check_readable()
    kind = version(probe.head)
    try:
        if kind == "5":
            names, pairs = _read_v5(probe, path)
        elif kind == "7.3" and probe.is_hdf5:
            names, pairs = _read_v73(probe, path)
        else:
            raise _fail(path, "no MATLAB 5.0 or 7.3 header")
    finally:
        probe.close()
    edges = []
    if pairs is not None:
        pairs = np.asarray(pairs)
        if pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2):
            raise _fail(path, f"joints_idx has shape {pairs.shape}, not (edges, 2)")
        pairs = pairs.reshape(-1, 2)
        whole = np.isfinite(pairs).all() and (pairs == np.round(pairs)).all() if pairs.size else True
        if not whole or (pairs.size and (pairs.min() < 1 or pairs.max() > len(names))):
            raise _fail(path, f"joints_idx must hold joint numbers from 1 to {len(names)}")
        edges = [(int(a) - 1, int(b) - 1) for a, b in pairs.tolist()]
    if len(set(names)) != len(names) or not all(names):
        raise _fail(path, f"joint_names has blank or repeated names: {names}")
    stem = Path(path).stem
    name = stem.removesuffix("_skeleton") or stem
    return poseio.Skeleton(names, edges=edges, name=name)
