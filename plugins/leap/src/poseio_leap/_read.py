"""Reading LEAP label files (``<box>.labels.mat``, MATLAB v7.3 or v5) into Labels.

LEAP stores poses MATLAB's way, nodes x 2 x frames: ``positions(:, :, i)`` is
frame ``i``'s (x, y) of every node, NaN where the node is not labelled.
``positions`` are the user's labels; ``positions_pred`` (with ``conf_pred``,
nodes x frames, as LEAP's ``predict_box`` names them) are predictions. The
``skeleton`` struct names the nodes (``nodes``, a cell of names) and joins
them (``edges``, one-based pairs). ``boxPath`` is the HDF5 file of the
cropped frames ("boxes") that the frame numbers index.

A v5 file is read with ``scipy.io.loadmat``, only the variables used, after
their declared sizes are checked against the memory budget; a v7.3 file is
HDF5 and read with ``poseio.hdf5.values``, each array transposed (MATLAB is
column-major, HDF5 lists the dimensions last first), a cell's strings through
its object references.
"""

from __future__ import annotations

import re
from pathlib import PurePath, PureWindowsPath
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation
from poseio.mat import MatError, opened, variables, version
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_leap._sniff import FORMAT, POSE_VARIABLES, SKELETON, pose_shape

READ_OPTIONS = ("fps", "video")
SCORES = "conf_pred"
#: The variables of text read into the provenance (``boxPath`` names the video).
TEXTS = ("boxPath", "skeletonPath", "savePath", "createdOn", "lastModified")
#: LEAP's labels file is named after its box file: ``<box>.labels.mat``.
SUFFIX = re.compile(r"\.labels$", re.IGNORECASE)
#: A skeleton with more nodes than this is no LEAP skeleton (and its names are read one by one).
MAX_NODES = 10_000


def _fail(probe: poseio.Probe, problem: str) -> poseio.ReadError:
    return poseio.ReadError(f"{probe.name}: not a readable LEAP labels file: {problem}", path=probe.path)


# -- MATLAB v5, through scipy ---------------------------------------------------------------------


def _text_v5(value: Any) -> str:
    """A char array as scipy reads it (an array of one str, or empty) as ``str``."""
    value = np.asarray(value)
    if value.dtype.kind != "U":
        raise TypeError(f"{value.dtype} values, not text")
    return "".join(str(v) for v in value.ravel())


def _names_v5(cell: Any) -> list[str]:
    """Node names from scipy's reading of ``skeleton.nodes``: a cell of char arrays, or a char matrix of rows."""
    cell = np.asarray(cell)
    if cell.dtype.kind == "U":  # a char matrix, one name a row (scipy gives the rows as strs)
        return [str(row).rstrip() for row in np.atleast_1d(cell)]
    if cell.dtype != object:
        raise TypeError(f"a {cell.dtype} array, not a cell of names")
    return [_text_v5(item) for item in cell.ravel(order="F")]


def _read_v5(probe: poseio.Probe) -> tuple[dict[str, Any], list[str]]:
    try:
        with opened(probe) as stream:
            found = {v.name: v for v in variables(stream, probe.head)}
    except MatError as exc:
        raise _fail(probe, str(exc)) from exc
    wanted = [n for n in (*POSE_VARIABLES, SCORES, SKELETON, *TEXTS) if n in found]
    # Sizes as the headers declare them, before scipy allocates (a compressed file can declare anything).
    check_allocation(sum(found[n].nbytes for n in wanted), f"the variables {wanted}", probe.name, path=probe.path)
    import scipy.io

    try:
        with opened(probe) as stream:
            stream.seek(0)
            data = scipy.io.loadmat(stream, variable_names=wanted)
    except Exception as exc:  # scipy raises many kinds on a damaged file; all mean the same to the user
        raise _fail(probe, f"scipy cannot read it ({type(exc).__name__}: {exc})") from exc
    read: dict[str, Any] = {n: data[n] for n in (*POSE_VARIABLES, SCORES) if n in data}
    for name in TEXTS:
        if name in data:
            read[name] = _checked(probe, name, lambda value=data[name]: _text_v5(value))
    if SKELETON in data:
        skeleton = data[SKELETON]
        fields = skeleton.dtype.names or ()
        if skeleton.size != 1 or "nodes" not in fields:
            raise _fail(probe, f"the skeleton struct has no nodes field (its fields: {list(fields)})")
        read["nodes"] = _checked(probe, "skeleton.nodes", lambda: _names_v5(skeleton["nodes"].ravel()[0]))
        if "edges" in fields:
            read["edges"] = np.asarray(skeleton["edges"].ravel()[0])
    # MATLAB's objects (LEAP's history table) keep their contents in a last variable without a name.
    return read, sorted(set(found) - set(wanted) - {""})


def _checked(probe: poseio.Probe, name: str, convert: Any) -> Any:
    try:
        return convert()
    except (TypeError, ValueError, IndexError) as exc:
        raise _fail(probe, f"{name} cannot be read as text ({exc})") from exc


# -- MATLAB v7.3, through h5py --------------------------------------------------------------------


def _empty(obj: Any) -> bool:
    """Whether MATLAB stored an empty array (a dataset of its dimensions, marked ``MATLAB_empty``)."""
    return bool(obj.attrs.get("MATLAB_empty", 0))


def _text_v73(dataset: Any) -> str:
    """A char array (uint16 UTF-16 code units, one per element) as ``str``."""
    from poseio.hdf5 import values

    if _empty(dataset):
        return ""
    units = values(dataset)
    if units.dtype.kind not in "ui":
        raise TypeError(f"{units.dtype} values, not MATLAB characters")
    return "".join(map(chr, units.ravel().tolist()))


def _names_v73(h5file: Any, dataset: Any) -> list[str]:
    """Node names from ``skeleton/nodes``: a cell (object references to char arrays) or a char matrix."""
    import h5py
    from poseio.hdf5 import values

    if _empty(dataset):
        return []
    stored = values(dataset)
    if stored.dtype == object:  # a cell: each reference leads to a char array in #refs#
        if stored.size > MAX_NODES:
            raise ValueError(f"{stored.size} names (at most {MAX_NODES})")
        names = []
        for reference in stored.T.ravel():  # MATLAB's order: transposed back, then column by column
            target = h5file[reference]
            if not isinstance(target, h5py.Dataset):
                raise TypeError("a cell entry that is not a char array")
            names.append(_text_v73(target))
        return names
    if stored.dtype.kind in "ui" and stored.ndim == 2:  # a char matrix: HDF5's rows are MATLAB's columns
        return ["".join(map(chr, row)).rstrip() for row in stored.T.tolist()]
    raise TypeError(f"a {stored.dtype} array, not a cell of names")


def _read_v73(probe: poseio.Probe) -> tuple[dict[str, Any], list[str]]:
    import h5py
    from poseio.hdf5 import reading, values

    h5file = probe.h5
    read: dict[str, Any] = {}
    for name in (*POSE_VARIABLES, SCORES):
        if isinstance(h5file.get(name), h5py.Dataset) and not _empty(h5file[name]):
            with reading(name, probe.name):
                read[name] = values(h5file[name]).T  # MATLAB is column-major
    for name in TEXTS:
        if isinstance(h5file.get(name), h5py.Dataset):
            with reading(name, probe.name):
                read[name] = _checked(probe, name, lambda dataset=h5file[name]: _text_v73(dataset))
    skeleton = h5file.get(SKELETON)
    if isinstance(skeleton, h5py.Group):
        if not isinstance(skeleton.get("nodes"), h5py.Dataset):
            raise _fail(probe, f"the skeleton struct has no nodes field (its fields: {sorted(skeleton)})")
        with reading("skeleton.nodes", probe.name):
            read["nodes"] = _checked(probe, "skeleton.nodes", lambda: _names_v73(h5file, skeleton["nodes"]))
        edges = skeleton.get("edges")
        if isinstance(edges, h5py.Dataset):
            with reading("skeleton.edges", probe.name):
                read["edges"] = np.zeros((0, 2)) if _empty(edges) else values(edges).T
    used = {*POSE_VARIABLES, SCORES, SKELETON, *TEXTS}
    # "#refs#" holds cells' contents and "#subsystem#" MATLAB objects' (LEAP's history table).
    return read, sorted(n for n in h5file if n not in used and not n.startswith("#"))


# -- Labels ---------------------------------------------------------------------------------------


def _skeleton(probe: poseio.Probe, read: dict[str, Any], n_nodes: int) -> poseio.Skeleton:
    """The skeleton struct's nodes and edges (zero-based), or ``node_00``, ``node_01``... without one."""
    # LEAP runs on Windows mostly: PureWindowsPath splits its paths (and POSIX ones) at either slash.
    stem = PureWindowsPath(read.get("skeletonPath", "") or "").stem
    name = stem or FORMAT
    names = read.get("nodes")
    if names is None:
        width = max(2, len(str(n_nodes - 1)))
        return poseio.Skeleton([f"node_{i:0{width}d}" for i in range(n_nodes)], name=name)
    if len(names) != n_nodes:
        raise _fail(probe, f"the skeleton has {len(names)} nodes, the positions {n_nodes}")
    if len(set(names)) != len(names) or not all(names):
        raise _fail(probe, f"the skeleton has blank or repeated node names: {names}")
    pairs = np.asarray(read.get("edges", np.zeros((0, 2))), dtype=np.float64)
    if pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2):
        raise _fail(probe, f"skeleton.edges has shape {pairs.shape}, not (edges, 2)")
    pairs = pairs.reshape(-1, 2)
    if pairs.size and (
        not np.isfinite(pairs).all() or (pairs != np.round(pairs)).any() or pairs.min() < 1 or pairs.max() > n_nodes
    ):
        raise _fail(probe, f"skeleton.edges must hold node numbers from 1 to {n_nodes} (MATLAB's one-based)")
    edges = [(int(a) - 1, int(b) - 1) for a, b in pairs.tolist()]
    return poseio.Skeleton(names, edges=edges, name=name)


def _poses(probe: poseio.Probe, name: str, value: Any) -> np.ndarray:
    """A pose variable as float64 (frames, nodes, 2) from MATLAB's nodes x 2 x frames."""
    value = np.asarray(value)
    if not pose_shape(value.shape) or value.dtype.kind not in "fiu":
        raise _fail(probe, f"{name} is a {value.dtype} array of shape {value.shape}; LEAP writes (nodes, 2, frames)")
    if value.ndim == 2:
        value = value[:, :, None]  # one frame: MATLAB drops the last dimension of 1
    return np.transpose(value, (2, 0, 1)).astype(np.float64)


def read_leap(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a LEAP labels ``.mat`` (see ``docs/formats/leap.md``).

    Args:
        probe: The probe of the source.
        options: ``fps`` and ``video`` (by default the file's ``boxPath``).

    Returns:
        Labels of one video and one skeleton: user instances from
        ``positions``, predicted instances from ``positions_pred``.
    """
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    kind = version(probe.head)
    if kind == "7.3" and probe.is_hdf5:
        read, unread = _read_v73(probe)
    elif kind == "5":
        read, unread = _read_v5(probe)
    else:
        raise _fail(probe, "no MATLAB 5.0 or 7.3 MAT-file header")
    present = [n for n in POSE_VARIABLES if n in read]
    if not present:
        raise _fail(probe, "no positions or positions_pred variable (nodes, 2, frames)")
    poses = {n: _poses(probe, n, read[n]) for n in present}
    n_nodes = {p.shape[1] for p in poses.values()}
    if len(n_nodes) != 1:
        raise _fail(probe, f"positions and positions_pred have different numbers of nodes {sorted(n_nodes)}")
    skeleton = _skeleton(probe, read, n_nodes.pop())
    n_frames = max(p.shape[0] for p in poses.values())
    scores = None
    if SCORES in read and "positions_pred" in poses:
        scores = np.asarray(read[SCORES], dtype=np.float64)
        expected = poses["positions_pred"].shape[:2][::-1]  # MATLAB's nodes x frames
        if scores.shape != expected and scores.size != np.prod(expected):
            raise _fail(probe, f"conf_pred has shape {scores.shape}, not {expected} as positions_pred's")
        scores = scores.reshape(expected).T
    rows, frames, kinds, point_scores = [], [], [], []
    for name, points in poses.items():
        points = points.copy()
        points[~np.isfinite(points).all(axis=2)] = np.nan  # a node is labelled when x and y are numbers
        labelled = np.flatnonzero(np.isfinite(points).any(axis=(1, 2)))
        rows.append(points[labelled])
        frames.append(labelled)
        kinds.append(np.full(len(labelled), name == "positions_pred"))
        given = scores[labelled] if name == "positions_pred" and scores is not None else None
        point_scores.append(np.full(points[labelled].shape[:2], np.nan) if given is None else given)
    points = np.concatenate(rows)
    point_scores = np.concatenate(point_scores)
    point_scores[~np.isfinite(points).all(axis=2)] = np.nan
    table = poseio.PoseTable.build(
        points,
        video=0,
        frame_idx=np.concatenate(frames),
        skeleton=0,
        predicted=np.concatenate(kinds),
        point_scores=point_scores,
    )
    metadata: dict[str, Any] = {}
    if video_name is None:
        video_name = read.get("boxPath") or None
    if video_name is None:
        stem = PurePath(probe.name).stem
        video_name = SUFFIX.sub("", stem) or stem
        metadata["filename_guessed"] = True  # no boxPath: LEAP names its labels file <box>.labels.mat
    video = poseio.Video(video_name, fps=fps, shape=(n_frames, 0, 0, 0) if n_frames else None, metadata=metadata)
    details = {
        "matlab_version": kind,
        **{name: read[name] for name in TEXTS if name in read},
        "unread_variables": unread,
    }
    return poseio.Labels.from_table(table, videos=[video], skeletons=[skeleton], provenance={FORMAT: details})
