"""The leap plugin: LEAP label files written as LEAP's MATLAB code saves them, against the arrays written.

No real LEAP file is in the corpus: the fixtures are built here from the format's published description
(LEAP's ``label_joints.m`` saves ``save(path, '-struct', 'labels', '-v7.3')`` with ``positions``
(nodes x 2 x frames, single, NaN where unlabelled), the ``skeleton`` struct (``nodes`` cell, ``edges``
one-based), ``boxPath``, ``initialization``, ``config``...), in both MAT-file versions: v7.3 with h5py behind
MATLAB's 512-byte header, v5 with scipy's ``savemat``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS
from corpus_truth import BOOKKEEPING, corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

scipy_io = pytest.importorskip("scipy.io")

NODES = ["head", "neck", "thorax", "abdomen", "wingL", "wingR"]
EDGES = np.array([[1, 2], [2, 3], [3, 4], [3, 5], [3, 6]], dtype=float)  # MATLAB's one-based pairs


def _positions(n_frames: int = 10, seed: int = 0) -> np.ndarray:
    """LEAP's ``positions``: nodes x 2 x frames, single, NaN where not labelled (most frames are not)."""
    rng = np.random.default_rng(seed)
    positions = np.full((len(NODES), 2, n_frames), np.nan, dtype=np.float32)
    for frame in [f for f in (0, 3, 4, 8) if f < n_frames]:
        positions[:, :, frame] = rng.uniform(1, 192, (len(NODES), 2)).round(2)
    positions[5, :, 3] = np.nan  # a node left unlabelled in a labelled frame
    return positions


def _labels_struct(positions: np.ndarray, **more) -> dict:
    """The variables of a labels file, as LEAP's label_joints.m fills its labels struct."""
    return {
        "boxPath": "D:/flies/072212_163153.h5",
        "savePath": "D:/flies/072212_163153.labels.mat",
        "skeletonPath": "D:/flies/fly32.mat",
        "skeleton": {"nodes": NODES, "edges": EDGES, "pos": np.arange(len(NODES) * 2.0).reshape(-1, 2)},
        "initialization": np.full_like(positions, np.nan),
        "positions": positions,
        "config": {"autoSave": 1.0, "shuffleFrames": 1.0},
        "createdOn": "08-Dec-2026 00:00:00",
        "lastModified": "08-Dec-2026 00:10:00",
        "session": 2.0,
        **more,
    }


def _cell(names: list[str]) -> np.ndarray:
    """A MATLAB cell of char arrays (a column, as cellstr), as scipy's savemat writes an object array."""
    cell = np.empty((len(names), 1), dtype=object)
    for i, name in enumerate(names):
        cell[i, 0] = name
    return cell


def write_v5(path: Path, variables: dict, **savemat) -> Path:
    """A v5 MAT-file of the variables (dicts are structs, lists of str cells), by scipy's savemat."""

    def matlab(value):
        if isinstance(value, dict):
            return {k: matlab(v) for k, v in value.items()}
        return _cell(value) if isinstance(value, list) else value

    scipy_io.savemat(path, {k: matlab(v) for k, v in variables.items()}, **savemat)
    return path


def write_v73(path: Path, variables: dict) -> Path:
    """A MATLAB 7.3 MAT-file as MATLAB lays one out: HDF5 behind a 512-byte user block starting with MATLAB's
    text header; arrays column-major (HDF5 lists their dimensions reversed) with their MATLAB_class; text as
    uint16 characters; a struct a group; a cell a dataset of object references into ``#refs#``."""
    with h5py.File(path, "w", userblock_size=512) as f:
        refs = f.create_group("#refs#")

        def put(group, name, value):
            if isinstance(value, dict):
                sub = group.create_group(name)
                sub.attrs["MATLAB_class"] = np.bytes_("struct")
                for key, item in value.items():
                    put(sub, key, item)
                return
            if isinstance(value, str):
                data, mclass = np.array([[ord(c)] for c in value], np.uint16), "char"
            elif isinstance(value, list):  # a cell of char arrays, N x 1 as cellstr: HDF5 shape (1, N)
                targets = []
                for text in value:
                    chars = refs.create_dataset(
                        f"{name}{len(refs)}", data=np.array([[ord(c)] for c in text], np.uint16)
                    )
                    chars.attrs["MATLAB_class"] = np.bytes_("char")
                    targets.append(chars.ref)
                data, mclass = np.array([targets], dtype=h5py.ref_dtype), "cell"
            else:
                value = np.atleast_2d(np.asarray(value))
                data, mclass = value.T, {"float32": "single", "float64": "double"}[value.dtype.name]
            dataset = group.create_dataset(name, data=data)
            dataset.attrs["MATLAB_class"] = np.bytes_(mclass)

        for name, value in variables.items():
            put(f, name, value)
    header = b"MATLAB 7.3 MAT-file, Platform: PCWIN64, Created on: Tue Dec  8 00:00:00 2026 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(header.ljust(116) + b"\0" * 8 + b"\x00\x02" + b"IM")
    return path


def _expected_rows(positions: np.ndarray) -> list[tuple]:
    """(frame, node, x, y) of every labelled point of nodes x 2 x frames, read with numpy alone."""
    rows = []
    for node, frame in zip(*np.nonzero(np.isfinite(positions[:, 0, :])), strict=True):
        rows.append((int(frame), NODES[node], float(positions[node, 0, frame]), float(positions[node, 1, frame])))
    return sorted(rows)


def _rows(labels: poseio.Labels, predicted: bool = False) -> list[tuple]:
    names = labels.skeletons[0].node_names
    rows = []
    for frame in labels:
        for instance in frame.instances:
            if isinstance(instance, poseio.PredictedInstance) != predicted:
                continue
            for node, (x, y) in enumerate(instance.numpy().tolist()):
                if np.isfinite(x):
                    rows.append((frame.frame_idx, names[node], x, y))
    return sorted(rows)


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus (DANNCE's .mat files among them): none is a LEAP file."""
    return tuple(p for p in corpus_paths("*.*") if p.is_file() and p.name not in BOOKKEEPING)


class TestLeapConformance(FormatConformance):
    format = "leap"
    extension = ".mat"
    max_examples = 10
    max_instances_per_frame = 1
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # By hand with scipy, LEAP's layout: 2 nodes x (x, y) x 3 frames; frame 1 unlabelled.
        positions = np.full((2, 2, 3), np.nan, dtype=np.float32)
        positions[:, :, 0] = [[10.5, 20.0], [30.0, 40.25]]  # rows are nodes, columns x and y
        positions[0, :, 2] = [5.0, 6.0]
        skeleton = {"nodes": _cell(["head", "tail"]), "edges": np.array([[1.0, 2.0]])}
        path = folder / "box.labels.mat"
        scipy_io.savemat(path, {"boxPath": "box.h5", "skeleton": skeleton, "positions": positions})
        return path, [(0, None, "head", 10.5, 20.0), (0, None, "tail", 30.0, 40.25), (2, None, "head", 5.0, 6.0)]


@pytest.mark.parametrize("writer", [write_v73, write_v5])
def test_every_label_reads_as_written(tmp_path, writer):
    positions = _positions()
    path = writer(tmp_path / "072212_163153.labels.mat", _labels_struct(positions))
    [claim] = [c for c in poseio.sniff(path) if c.confidence > 0]
    assert (claim.format, claim.confidence) == ("leap", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "leap"
    skeleton = labels.skeletons[0]
    assert skeleton.node_names == NODES and skeleton.name == "fly32"
    assert skeleton.edge_inds == [(int(a) - 1, int(b) - 1) for a, b in EDGES]
    assert [f.frame_idx for f in labels] == [0, 3, 4, 8]
    assert labels.n_user_instances == 4 and labels.n_predicted_instances == 0
    assert _rows(labels) == _expected_rows(positions)
    video = labels.videos[0]
    assert (video.filename, video.shape[0]) == ("D:/flies/072212_163153.h5", 10)
    details = labels.provenance["leap"]
    assert details["matlab_version"] == ("7.3" if writer is write_v73 else "5")
    assert details["createdOn"] == "08-Dec-2026 00:00:00" and details["skeletonPath"] == "D:/flies/fly32.mat"
    assert details["unread_variables"] == ["config", "initialization", "session"]


def test_the_points_are_those_sleap_io_reads(tmp_path):
    pytest.importorskip("pymatreader")
    import sleap_io

    positions = _positions(seed=1)
    path = write_v73(tmp_path / "fly.labels.mat", _labels_struct(positions))
    theirs = sleap_io.load_leap(str(path))
    ours = poseio.load(path)
    assert [n.name for n in theirs.skeletons[0].nodes] == ours.skeletons[0].node_names
    assert [lf.frame_idx for lf in theirs.labeled_frames] == [f.frame_idx for f in ours]
    # sleap-io's array ends at the last labelled frame, ours at the box file's last frame (positions' length).
    theirs_points, ours_points = theirs.numpy(), ours.numpy()
    assert np.array_equal(theirs_points, ours_points[: len(theirs_points)], equal_nan=True)
    assert np.isnan(ours_points[len(theirs_points) :]).all()


@pytest.mark.parametrize("writer", [write_v73, write_v5])
def test_predictions_read_as_predicted_instances_with_their_confidence(tmp_path, writer):
    positions = _positions(seed=2)
    predicted = np.where(np.isnan(positions), 7.0, positions + 1).astype(np.float32)
    confidence = np.linspace(0, 1, len(NODES) * 10).reshape(len(NODES), 10)  # nodes x frames
    path = writer(tmp_path / "p.mat", _labels_struct(positions, positions_pred=predicted, conf_pred=confidence))
    labels = poseio.load(path)
    assert labels.n_user_instances == 4 and labels.n_predicted_instances == 10
    table = labels.to_table()
    rows = np.flatnonzero(table.predicted)[np.argsort(table.frame_idx[table.predicted], kind="stable")]
    assert table.frame_idx[rows].tolist() == list(range(10))
    assert np.array_equal(table.points[rows], predicted.transpose(2, 0, 1).astype(np.float64))
    assert np.array_equal(table.point_scores[rows], confidence.T)


def test_a_file_of_one_labelled_frame_and_a_compressed_one_read(tmp_path):
    one = np.arange(12, dtype=np.float32).reshape(6, 2)  # MATLAB drops a last dimension of 1: nodes x 2
    labels = poseio.load(write_v5(tmp_path / "one.mat", {"skeleton": {"nodes": NODES}, "positions": one}))
    assert labels.numpy()[0, 0].tolist() == one.tolist() and labels.videos[0].metadata["filename_guessed"]
    positions = _positions(seed=3)
    packed = write_v5(tmp_path / "packed.labels.mat", _labels_struct(positions), do_compression=True)
    assert _rows(poseio.load(packed)) == _expected_rows(positions)


def _element(kind: int, data: bytes) -> bytes:
    """A v5 data element: tag (type, byte count), the data, padding to 8 bytes."""
    return struct.pack("<II", kind, len(data)) + data + b"\0" * (-len(data) % 8)


def _matrix(body: bytes) -> bytes:
    return struct.pack("<II", 14, len(body)) + body  # miMATRIX


def with_matlab_object(path: Path) -> Path:
    """Append what MATLAB writes for a labels file's ``history`` table: an object (mxOPAQUE_CLASS, 17: flags,
    name, type system ``MCOS``, class ``table``, then its reference, and no dimensions), and the objects'
    contents in a last variable with no name. By hand: scipy cannot write MATLAB objects."""
    reference = _matrix(
        _element(6, struct.pack("<II", 13, 0))  # uint32 array flags
        + _element(5, struct.pack("<ii", 6, 1))
        + _element(1, b"")
        + _element(6, struct.pack("<6I", 0xDD000000, 2, 1, 1, 1, 1))
    )
    history = _matrix(
        _element(6, struct.pack("<II", 17, 0))
        + _element(1, b"history")
        + _element(1, b"MCOS")
        + _element(1, b"table")
        + reference
    )
    contents = bytes(range(16))
    subsystem = _matrix(
        _element(6, struct.pack("<II", 9, 0))  # uint8
        + _element(5, struct.pack("<ii", 1, len(contents)))
        + _element(1, b"")  # no name
        + _element(2, contents)
    )
    with open(path, "ab") as f:
        f.write(history + subsystem)
    return path


def test_a_v5_file_holding_a_matlab_object_reads_as_leap_saves_it(tmp_path):
    # A real LEAP labels file (talmolab/sleap, commit 22dc6cb8, tests/data/mat/labels.mat; MATLAB 5.0,
    # PCWIN64) keeps LEAP's history table as a MATLAB object beside positions and skeleton, and their contents
    # in a last unnamed variable; its sniff failed ("a variable has no dimensions"). The layout, made by hand:
    positions = _positions(seed=4)
    path = with_matlab_object(write_v5(tmp_path / "cat.labels.mat", _labels_struct(positions)))
    assert "history" not in scipy_io.loadmat(path, variable_names=["positions"])  # scipy reads past it
    [claim] = [c for c in poseio.sniff(path) if c.confidence > 0]
    assert (claim.format, claim.confidence) == ("leap", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert _rows(labels) == _expected_rows(positions)
    assert labels.provenance["leap"]["unread_variables"] == ["config", "history", "initialization", "session"]


def test_a_windows_skeleton_path_names_the_skeleton(tmp_path):
    # The real labels.mat above was saved on Windows: skeletonPath 'C:\\...\\cat-skeleton.mat'.
    variables = _labels_struct(_positions(), skeletonPath="C:\\odrive\\CatNect\\cat-skeleton.mat")
    labels = poseio.load(write_v5(tmp_path / "cat.labels.mat", variables))
    assert labels.skeletons[0].name == "cat-skeleton"
    assert labels.provenance["leap"]["skeletonPath"] == "C:\\odrive\\CatNect\\cat-skeleton.mat"


def test_no_file_of_the_corpus_is_claimed():
    paths = _foreign_corpus()
    if not paths:
        pytest.skip(f"the corpus ({CORPUS}) is absent")
    for path in paths:
        claims = [c for c in poseio.sniff(path) if c.format == "leap" and c.confidence > 0]
        assert claims == [], (path.name, claims)


def test_leap_files_are_not_claimed_by_dannce_and_other_mat_files_are_declined_with_the_reason(tmp_path):
    labels = write_v5(tmp_path / "a.labels.mat", _labels_struct(_positions()))
    assert [c.format for c in poseio.sniff(labels) if c.confidence > 0] == ["leap"]
    skeleton = write_v73(tmp_path / "fly32.mat", {"nodes": NODES, "edges": EDGES})
    dannce = write_v5(tmp_path / "save_data_AVG.mat", {"pred": np.zeros((4, 3, 2)), "p_max": np.zeros((4, 2))})
    other = write_v5(tmp_path / "calibration.mat", {"K": np.eye(3), "positions": np.zeros((4, 3, 2))})
    for path, reason in [
        (skeleton, "a LEAP skeleton file (nodes, edges; no positions)"),
        (dannce, "a DANNCE file"),
        (other, "a positions variable of shape (4, 3, 2) (double), not LEAP's"),
    ]:
        [claim] = [c for v in poseio.explain(path).verdicts for c in v.claims if c.format == "leap"]
        assert claim.confidence == poseio.NOT_MINE and reason in claim.reason, claim
    with pytest.raises(poseio.UnknownFormatError, match="load the labels file"):
        poseio.load(skeleton)


def test_positions_without_a_skeleton_are_claimed_weakly_with_numbered_nodes(tmp_path):
    path = write_v5(tmp_path / "bare.mat", {"positions": _positions()})
    [claim] = poseio.sniff(path)
    assert claim.confidence == poseio.CONTAINER_MATCH and "without its skeleton struct" in claim.reason
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == [f"node_0{i}" for i in range(6)]


def test_a_user_loads_a_leap_file_in_a_fresh_process(tmp_path):
    positions = _positions(seed=4)
    path = write_v73(tmp_path / "fly.labels.mat", _labels_struct(positions))
    run_fresh(
        f"""
        import h5py, numpy as np
        [claim] = poseio.sniff({str(path)!r})
        assert claim.format == "leap", claim
        assert "scipy" not in sys.modules, "sniffing imported scipy"
        labels = poseio.load({str(path)!r})
        with h5py.File({str(path)!r}, "r") as f:
            stored = f["positions"][()]  # HDF5 holds MATLAB's nodes x 2 x frames reversed: frames x 2 x nodes
        assert np.array_equal(labels.numpy(), stored.transpose(0, 2, 1)[:, None], equal_nan=True)
        """
    )


def test_a_leap_file_converts_to_nwb(tmp_path):
    positions = _positions(seed=5)
    path = write_v73(tmp_path / "fly.labels.mat", _labels_struct(positions))
    out = tmp_path / "fly.nwb"
    poseio.save(poseio.load(path), out, fps=100.0)
    with h5py.File(out, "r") as f:
        assert "PoseTraining" in json.dumps(list(f["processing/behavior"]))
    back = poseio.load(out)
    assert back.skeletons[0].node_names == NODES
    assert _rows(back) == _expected_rows(positions)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"skeleton": {"nodes": NODES[:2]}}, "the skeleton has 2 nodes, the positions 6"),
        ({"skeleton": {"nodes": NODES, "edges": np.array([[1.0, 9.0]])}}, "node numbers from 1 to 6"),
        ({"skeleton": {"names": NODES}}, "the skeleton struct has no nodes field"),
        ({"conf_pred": np.zeros((2, 2)), "positions_pred": np.zeros((6, 2, 10))}, "conf_pred has shape"),
    ],
)
def test_inconsistent_files_are_read_errors_naming_the_fault(tmp_path, variables, message):
    path = write_v5(tmp_path / "bad.mat", {**_labels_struct(_positions()), **variables})
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="leap")
    assert "bad.mat" in str(caught.value)


def test_a_cut_file_is_a_read_error_and_a_large_one_is_refused_before_reading(tmp_path):
    path = write_v5(tmp_path / "cut.mat", _labels_struct(_positions(n_frames=200)))
    path.write_bytes(path.read_bytes()[:-5000])  # into positions (9,600 bytes), the last large variable
    with pytest.raises(poseio.ReadError, match="cut.mat"):
        poseio.load(path, format="leap")
    big = write_v5(tmp_path / "big.mat", _labels_struct(_positions(n_frames=2000)))
    with pytest.raises(poseio.UnsafeFileError, match="positions"):
        poseio.load(big, memory_budget=20_000)


def test_options_are_checked(tmp_path):
    path = write_v5(tmp_path / "o.mat", _labels_struct(_positions()))
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, skeleton=["a"])
    labels = poseio.load(path, fps=50, video="fly.mp4")
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("fly.mp4", 50.0)
