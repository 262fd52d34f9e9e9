"""The dannce plugin: DANNCE's prediction files against the truth and scipy, v7.3 files, skeletons, NWB."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import BOOKKEEPING, corpus_paths, finite_points, other_files, truth_points
from corpus_truth import truth as _truth
from fresh_process import run_fresh
from poseio.testing import FormatConformance

scipy_io = pytest.importorskip("scipy.io")

FORMATS2 = CORPUS / "formats2"
AVG = "dannce_markerless_mouse_1_save_data_AVG.mat"
MAX = "dannce_markerless_mouse_1_save_data_MAX.mat"
SKELETON = "dannce_mouse22_skeleton.mat"


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus that is not a DANNCE prediction file (the skeleton .mat included)."""
    if not (FORMATS2 / "truth.json").exists():
        return ()
    paths = other_files("dannce-mat") + corpus_paths("*.*", folders=("formats", "nwb"))
    return tuple(p for p in paths if p.is_file() and p.name not in BOOKKEEPING)


def write_v73(path: Path, variables: dict[str, np.ndarray]) -> Path:
    """A MATLAB 7.3 MAT-file as MATLAB lays it out: HDF5 behind a 512-byte user block that starts with
    MATLAB's 128-byte text header, each array stored column-major (so HDF5 lists its dimensions reversed)
    with its MATLAB_class attribute. Cells (lists of str) are object references into ``#refs#``."""
    with h5py.File(path, "w", userblock_size=512) as f:
        refs = f.create_group("#refs#")
        for name, value in variables.items():
            if isinstance(value, list):  # a cell of char arrays
                targets = []
                for i, text in enumerate(value):
                    chars = refs.create_dataset(f"s{name}{i}", data=np.array([[ord(c)] for c in text], np.uint16))
                    chars.attrs["MATLAB_class"] = np.bytes_("char")
                    targets.append(chars.ref)
                dataset = f.create_dataset(name, data=np.array([targets], dtype=h5py.ref_dtype).T)
                dataset.attrs["MATLAB_class"] = np.bytes_("cell")
            else:
                dataset = f.create_dataset(name, data=np.asarray(value).T)
                dataset.attrs["MATLAB_class"] = np.bytes_("double")
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(header.ljust(116) + b"\0" * 8 + b"\x00\x02" + b"IM")
    return path


class TestDannceConformance(FormatConformance):
    format = "dannce"
    extension = ".mat"
    max_instances_per_frame = 1
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # As DANNCE saves its predictions (scipy.io.savemat of pred, p_max, sampleID, data), by hand.
        path = folder / "save_data_AVG.mat"
        pred = np.array(
            [
                [[1.5, 2.5], [10.0, 20.0], [-3.0, 30.25]],  # sample 0: x, y, z (rows) of joints 0 and 1 (columns)
                [[4.0, 5.0], [40.0, 50.0], [400.0, 500.0]],
            ]
        )
        scipy_io.savemat(
            path,
            {"pred": pred, "data": np.zeros_like(pred), "p_max": np.full((2, 2), 0.5), "sampleID": np.array([[1, 11]])},
        )
        return path, [
            (0, None, "joint_00", 1.5, 10.0, -3.0),
            (0, None, "joint_01", 2.5, 20.0, 30.25),
            (1, None, "joint_00", 4.0, 40.0, 400.0),
            (1, None, "joint_01", 5.0, 50.0, 500.0),
        ]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", [AVG, MAX])
def test_dannce_files_of_the_corpus_read_as_their_truth(name):
    expected = _truth()[name]
    labels = poseio.load(corpus_file("formats2", name))
    assert labels.provenance["format"] == "dannce"
    assert np.array_equal(finite_points(labels), truth_points(name))
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert len(labels) == expected["n_frames"] == expected["n_frames_with_points"]
    assert labels.n_predicted_instances == expected["n_predicted_instances"] and labels.n_user_instances == 0
    assert [t.name for t in labels.tracks] == expected["individual_names"]
    scores = labels.to_table().point_scores.ravel()
    assert (len(scores), scores.min(), scores.max()) == (
        expected["scores"]["n"],
        expected["scores"]["min"],
        expected["scores"]["max"],
    )
    assert round(float(scores.mean()), 6) == expected["scores"]["mean"]
    details = labels.provenance["dannce"]
    assert details["sampleID"][:5].tolist() == expected["sampleID_first"]
    # Every variable is read or said not to be.
    read = {"pred", "p_max", "sampleID"} | ({"log_pmax"} if details["log_pmax"] is not None else set())
    assert sorted(read | set(details["unread_variables"])) == expected["variables"]
    assert details["unread_variables"] == ["data"]


@pytest.mark.corpus
def test_each_sample_is_one_frame_in_order_with_its_scores_as_scipy_reads_them():
    path = corpus_file("formats2", MAX)
    raw = scipy_io.loadmat(path)
    points, scores = poseio.load(path).numpy(return_scores=True)
    # pred is (samples, xyz, joints); poseio's array is (frames, instances, nodes, xyz).
    assert np.array_equal(points[:, 0], raw["pred"].transpose(0, 2, 1))
    assert np.array_equal(scores[:, 0], raw["p_max"])
    details = poseio.load(path).provenance["dannce"]
    assert np.array_equal(details["log_pmax"], raw["log_pmax"])
    assert np.array_equal(details["sampleID"], raw["sampleID"].ravel())


@pytest.mark.corpus
def test_a_matlab_73_file_reads_as_the_same_values(tmp_path):
    raw = scipy_io.loadmat(corpus_file("formats2", AVG))
    path = write_v73(tmp_path / "save_data_AVG.mat", {k: raw[k] for k in ("pred", "data", "p_max", "sampleID")})
    [claim] = poseio.sniff(path)
    assert (claim.format, claim.confidence) == ("dannce", poseio.TYPED_MATCH) and "MATLAB 7.3" in claim.reason
    labels = poseio.load(path)
    assert np.array_equal(finite_points(labels), truth_points(AVG))
    points, scores = labels.numpy(return_scores=True)
    assert np.array_equal(points[:, 0], raw["pred"].transpose(0, 2, 1))
    assert np.array_equal(scores[:, 0], raw["p_max"])
    assert labels.provenance["dannce"]["matlab_version"] == "7.3"
    assert labels.provenance["dannce"]["unread_variables"] == ["data"]


# -- naming the joints ----------------------------------------------------------------------------


@pytest.mark.corpus
def test_a_dannce_skeleton_file_names_the_joints_and_edges():
    skeleton_path = corpus_file("formats2", SKELETON)
    raw = scipy_io.loadmat(skeleton_path)
    names = [str(item[0]) for item in raw["joint_names"].ravel()]
    labels = poseio.load(corpus_file("formats2", AVG), skeleton=skeleton_path)
    skeleton = labels.skeletons[0]
    assert skeleton.node_names == names and names[:3] == ["EarL", "EarR", "Snout"]
    assert skeleton.edge_inds == [(int(a) - 1, int(b) - 1) for a, b in raw["joints_idx"]]
    assert skeleton.name == "dannce_mouse22"
    assert np.array_equal(finite_points(labels), truth_points(AVG))


@pytest.mark.corpus
def test_a_matlab_73_skeleton_file_and_a_list_of_names_name_the_joints(tmp_path):
    raw = scipy_io.loadmat(corpus_file("formats2", SKELETON))
    names = [str(item[0]) for item in raw["joint_names"].ravel()]
    skeleton_path = write_v73(
        tmp_path / "mouse22_skeleton.mat", {"joint_names": names, "joints_idx": raw["joints_idx"].astype(float)}
    )
    source = corpus_file("formats2", AVG)
    skeleton = poseio.load(source, skeleton=skeleton_path).skeletons[0]
    assert (skeleton.name, skeleton.node_names) == ("mouse22", names)
    assert skeleton.edge_inds == [(int(a) - 1, int(b) - 1) for a, b in raw["joints_idx"]]
    assert poseio.load(source, skeleton=names).skeletons[0].node_names == names
    with pytest.raises(poseio.InvalidOptionError, match="skeleton= has 2 joints, .* has 22"):
        poseio.load(source, skeleton=["a", "b"])
    with pytest.raises(poseio.ReadError, match="not a DANNCE skeleton file .* no joint_names"):
        poseio.load(source, skeleton=source)


@pytest.mark.corpus
def test_the_skeleton_file_is_refused_as_a_pose_file_saying_how_to_use_it():
    path = corpus_file("formats2", SKELETON)
    assert [c for c in poseio.sniff(path) if c.confidence > 0] == []
    for kwargs in ({}, {"format": "dannce"}):
        with pytest.raises(poseio.UnknownFormatError) as caught:
            poseio.load(path, **kwargs)
        assert "a DANNCE skeleton file (joint_names, joints_idx; no coordinates)" in str(caught.value)
        assert f"skeleton={str(path)!r}" in str(caught.value)


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "dannce" and c.confidence > 0]
        assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_dannce_files_in_a_fresh_process():
    avg, skeleton = corpus_file("formats2", AVG), corpus_file("formats2", SKELETON)
    npz = corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        [claim] = poseio.sniff({str(avg)!r})
        assert claim.format == "dannce", claim
        assert "scipy" not in sys.modules, "sniffing imported scipy"
        labels = poseio.load({str(avg)!r}, skeleton={str(skeleton)!r})
        points = labels.to_table().points.reshape(-1, 3)
        expected = np.load({str(npz)!r})[{AVG!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert labels.skeletons[0].node_names[:2] == ["EarL", "EarR"]
        """
    )


@pytest.mark.corpus
def test_dannce_predictions_convert_to_nwb_as_3d_points(tmp_path):
    source = corpus_file("formats2", AVG)
    out = tmp_path / "x.nwb"
    labels = poseio.load(source, skeleton=corpus_file("formats2", SKELETON))
    poseio.save(labels, out, fps=100.0)
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation/EarL"]
        assert series["data"].shape == (1000, 3)
        assert np.array_equal(series["data"][()], scipy_io.loadmat(source)["pred"][:, :, 0])
        assert np.array_equal(series["confidence"][()], scipy_io.loadmat(source)["p_max"][:, 0])
    back = poseio.load(out)
    assert np.array_equal(finite_points(back), truth_points(AVG))
    assert back.skeletons[0].node_names == labels.skeletons[0].node_names


# -- odd and broken files -------------------------------------------------------------------------


def _small(path: Path, **changes) -> Path:
    variables = {"pred": np.arange(12.0).reshape(2, 3, 2), "p_max": np.full((2, 2), 0.5), "sampleID": [[1, 2]]}
    variables.update(changes)
    scipy_io.savemat(path, {k: v for k, v in variables.items() if v is not None})
    return path


def test_a_compressed_file_reads_and_a_file_without_scores_reads_without(tmp_path):
    path = tmp_path / "save_data_AVG.mat"
    scipy_io.savemat(
        path, {"pred": np.arange(12.0).reshape(2, 3, 2), "p_max": [[0.25, 0.5], [0.75, 1]]}, do_compression=True
    )
    assert [c.confidence for c in poseio.sniff(path)] == [poseio.STRUCTURE_MATCH]
    points, scores = poseio.load(path).numpy(return_scores=True)
    assert np.array_equal(points[1, 0], [[6, 8, 10], [7, 9, 11]])
    assert np.array_equal(scores[:, 0], [[0.25, 0.5], [0.75, 1]])
    bare = _small(tmp_path / "bare.mat", p_max=None, sampleID=None)
    labels = poseio.load(bare)
    assert np.isnan(labels.to_table().point_scores).all() and labels.provenance["dannce"]["sampleID"] is None


def test_the_sniffer_reads_variable_headers_not_data(tmp_path):
    # The data of pred overwritten with garbage: the headers alone decide.
    path = _small(tmp_path / "save_data_MAX.mat", pred=np.zeros((500, 3, 22)), p_max=np.zeros((500, 22)),
                  sampleID=np.arange(500.0)[None])  # fmt: skip
    raw = bytearray(path.read_bytes())
    raw[400:80000] = b"\xff" * (80000 - 400)
    path.write_bytes(bytes(raw))
    [claim] = poseio.sniff(path)
    assert (claim.format, claim.confidence) == ("dannce", poseio.TYPED_MATCH)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"p_max": np.zeros((3, 2))}, r"p_max has shape \(3, 2\), not \(2, 2\)"),
        ({"sampleID": [[1, 2, 3]]}, r"sampleID has shape \(1, 3\), not \(2,\)"),
    ],
)
def test_inconsistent_files_are_read_errors_naming_the_fault(tmp_path, changes, message):
    path = _small(tmp_path / "bad.mat", **changes)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="dannce")
    assert str(path) in str(caught.value)


def test_a_pred_of_another_shape_is_declined_saying_so(tmp_path):
    path = _small(tmp_path / "bad.mat", pred=np.zeros((2, 2, 2)))
    with pytest.raises(
        poseio.UnknownFormatError, match=r"a pred variable of shape \(2, 2, 2\) \(double\), not DANNCE's"
    ):
        poseio.load(path, format="dannce")


def test_a_cut_file_is_a_read_error(tmp_path):
    path = _small(tmp_path / "cut.mat", pred=np.zeros((50, 3, 4)), p_max=np.zeros((50, 4)), sampleID=[range(50)])
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(poseio.ReadError, match="cut.mat"):
        poseio.load(path, format="dannce")


def test_a_file_over_the_memory_budget_is_refused_before_scipy_reads_it(tmp_path):
    path = _small(tmp_path / "big.mat", pred=np.zeros((200, 3, 22)), p_max=np.zeros((200, 22)), sampleID=[range(200)])
    with pytest.raises(poseio.UnsafeFileError, match="pred"):
        poseio.load(path, memory_budget=10_000)


def test_options_are_checked(tmp_path):
    path = _small(tmp_path / "s.mat")
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, frames="sampleID")
    with pytest.raises(poseio.InvalidOptionError, match="skeleton= must be a path"):
        poseio.load(path, skeleton=3)
    labels = poseio.load(path, fps=50, video="cam/0.mp4")
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("cam/0.mp4", 50.0)


def test_other_matlab_files_are_declined_with_the_reason(tmp_path):
    plain = tmp_path / "calibration.mat"
    scipy_io.savemat(plain, {"K": np.eye(3), "RDistort": np.zeros(2)})
    v4 = tmp_path / "old.mat"
    scipy_io.savemat(v4, {"pred": np.zeros((2, 3))}, format="4")
    h5 = tmp_path / "h5.mat"
    with h5py.File(h5, "w") as f:
        f["pred"] = np.zeros((4, 3, 2))
    for path, reason in [(plain, "without DANNCE's pred"), (v4, "no MATLAB header"), (h5, "no MATLAB header")]:
        [claim] = [c for v in poseio.explain(path).verdicts for c in v.claims if c.format == "dannce"]
        assert claim.confidence == poseio.NOT_MINE and reason in claim.reason, claim
    shutil.copy(plain, tmp_path / "copy.mat")
    with pytest.raises(poseio.UnknownFormatError, match="without DANNCE's pred"):
        poseio.load(tmp_path / "copy.mat")
