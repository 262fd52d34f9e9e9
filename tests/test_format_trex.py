"""The trex plugin: the real TRex export against the truth, siblings, keypoints, refusals, budget, NWB."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import finite_points, other_files
from corpus_truth import sorted_points as _sorted
from fresh_process import run_fresh
from poseio.testing import FormatConformance

FORMATS2 = CORPUS / "formats2"
NAME = "trex_raw_test_fish0.npz"


def _foreign_corpus() -> tuple[Path, ...]:
    return tuple(p for p in other_files("trex-npz") if p.is_file())


def _export(path: Path, frames, x, y, *, missing=None, time=None, **more) -> Path:
    """A TRex-style export written with numpy alone: float32 arrays, inf where the individual was not found."""
    arrays = {"frame": np.asarray(frames, np.float32), "X": np.asarray(x, np.float32), "Y": np.asarray(y, np.float32)}
    arrays["missing"] = (
        np.asarray(missing, np.float32) if missing is not None else (~np.isfinite(arrays["X"])).astype(np.float32)
    )
    arrays["time"] = np.asarray(time if time is not None else arrays["frame"] / 25, np.float32)
    arrays.update({k: np.asarray(v) for k, v in more.items()})
    np.savez(path, **arrays)
    return path


class TestTrexConformance(FormatConformance):
    format = "trex"
    extension = ".npz"
    max_examples = 10
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # As TRex exports one individual: frames 10-13, inf and missing = 1 where it was not found.
        inf = np.inf
        path = _export(folder / "arena_fish3.npz", [10, 11, 12, 13], [1.5, inf, 3.25, 7.0], [2.5, inf, 4.0, 8.0])
        return path, [(10, "arena_fish3", "centroid", 1.5, 2.5), (12, "arena_fish3", "centroid", 3.25, 4.0),
                      (13, "arena_fish3", "centroid", 7.0, 8.0)]  # fmt: skip


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_trex_export_of_the_corpus_reads_as_its_truth():
    path = corpus_file("formats2", NAME)
    expected = json.loads(corpus_file("formats2", "truth.json").read_text())[NAME]
    labels = poseio.load(path)
    assert labels.provenance["format"] == "trex"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS2 / "truth.npz")[NAME]))
    assert [t.name for t in labels.tracks] == expected["individual_names"]
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert len(labels) == expected["n_frames_with_points"]
    assert labels.n_predicted_instances == expected["n_instances"] and labels.n_user_instances == 0
    details = labels.provenance["trex"]
    assert details["n_rows"] == expected["n_frames"] and details["n_missing_rows"] == expected["n_missing_flag"]
    assert sorted(details["arrays"]) == expected["columns"]
    # Independently: numpy's own reading of the file gives the frames, the times and every array kept.
    raw = np.load(path, allow_pickle=False)
    video = labels.videos[0]
    assert video.fps == 25.0  # 500 rows 0.04 s apart
    assert np.array_equal(video.timestamps[raw["frame"].astype(int)], raw["time"].astype(np.float64))
    assert np.array_equal(details["arrays"]["SPEED"], raw["SPEED"], equal_nan=True)
    seen = (raw["missing"] == 0) & np.isfinite(raw["X"])
    assert [f.frame_idx for f in labels] == raw["frame"][seen].astype(int).tolist()


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "trex" and c.confidence > 0]
        assert claims == [], (path.name, claims)


@pytest.mark.corpus
def test_a_user_loads_the_trex_export_in_a_fresh_process():
    path = corpus_file("formats2", NAME)
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        raw = np.load({str(path)!r})
        seen = (raw["missing"] == 0) & np.isfinite(raw["X"])
        points = labels.numpy()[:, 0, 0]  # frames x (one track) x (one node) x 2
        assert np.array_equal(points[raw["frame"][seen].astype(int)], np.stack([raw["X"], raw["Y"]], 1)[seen])
        assert labels.provenance["format"] == "trex" and labels.videos[0].fps == 25.0
        assert "pandas" not in sys.modules
        """
    )


@pytest.mark.corpus
def test_the_trex_export_converts_to_nwb_with_its_times(tmp_path):
    path = corpus_file("formats2", NAME)
    poseio.save(poseio.load(path), tmp_path / "x.nwb", fps=25.0)
    raw = np.load(path)
    seen = (raw["missing"] == 0) & np.isfinite(raw["X"])
    with h5py.File(tmp_path / "x.nwb", "r") as f:
        series = f["processing/behavior/PoseEstimation/centroid"]
        assert np.array_equal(series["data"][()], np.stack([raw["X"], raw["Y"]], 1)[seen].astype(np.float64))
        assert np.allclose(series["timestamps"][()], raw["time"][seen], atol=1e-5)
    assert np.array_equal(finite_points(poseio.load(tmp_path / "x.nwb")), finite_points(poseio.load(path)))


# -- rules of the format ------------------------------------------------------------------------


def test_missing_rows_and_invalid_values_are_no_points_but_are_kept(tmp_path):
    # missing = 1 with a position is what output_interpolate_positions writes; NaN is the other invalid value.
    path = _export(
        tmp_path / "v_fish0.npz", [0, 1, 2, 3], [1.0, 9.0, np.nan, 4.0], [2.0, 9.0, np.nan, 5.0], missing=[0, 1, 1, 0]
    )
    labels = poseio.load(path)
    assert [f.frame_idx for f in labels] == [0, 3]
    assert labels.provenance["trex"]["n_missing_rows"] == 2
    assert labels.provenance["trex"]["arrays"]["X"][1] == np.float32(9.0)


def test_keypoints_of_a_pose_model_are_nodes_after_the_centroid(tmp_path):
    path = _export(
        tmp_path / "v_fish0.npz", [5, 6], [1.0, 2.0], [1.0, 2.0],
        poseX0=np.float32([10, np.inf]), poseY0=np.float32([11, np.inf]),
        poseX1=np.float32([12, 13]), poseY1=np.float32([14, 15]),
    )  # fmt: skip
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == ["centroid", "pose0", "pose1"]
    points = labels.numpy()[:, 0]
    assert np.array_equal(points[5], [[1, 1], [10, 11], [12, 14]])
    assert np.array_equal(points[6], [[2, 2], [np.nan, np.nan], [13, 15]], equal_nan=True)


def test_one_file_is_one_individual_and_siblings_reads_the_session(tmp_path):
    _export(tmp_path / "arena_fish0.npz", [0, 1, 2], [1, 2, 3], [1, 2, 3])
    _export(tmp_path / "arena_fish1.npz", [1, 2], [7, 8], [7, 8])
    _export(tmp_path / "other_fish0.npz", [0], [5], [5])  # another session, not read
    one = poseio.load(tmp_path / "arena_fish1.npz")
    assert [t.name for t in one.tracks] == ["arena_fish1"] and one.n_predicted_instances == 2
    assert one.videos[0].filename == str(tmp_path / "arena")
    both = poseio.load(tmp_path / "arena_fish1.npz", siblings=True)
    assert sorted(t.name for t in both.tracks) == ["arena_fish0", "arena_fish1"]
    assert len(both.videos) == 1 and both.n_predicted_instances == 5
    individuals = both.provenance["trex"]["individuals"]
    assert sorted(individuals) == ["arena_fish0", "arena_fish1"]
    assert individuals["arena_fish1"]["arrays"]["X"].tolist() == [7, 8]
    merged = poseio.Labels.merge([poseio.load(p) for p in sorted(tmp_path.glob("arena_fish*.npz"))])
    assert np.array_equal(merged.numpy(), both.numpy(), equal_nan=True)
    with pytest.raises(poseio.InvalidOptionError, match="siblings= must be one of"):
        poseio.load(tmp_path / "arena_fish0.npz", siblings="yes")


def test_fps_and_video_options_override_the_file(tmp_path):
    path = _export(tmp_path / "v_fish0.npz", [0, 1, 3], [1, 2, 3], [1, 2, 3], time=[0.0, 0.1, 0.5])
    labels = poseio.load(path)
    assert labels.videos[0].fps is None  # the times are not regular: no rate is made up
    assert np.array_equal(labels.videos[0].timestamps, [0.0, np.float32(0.1), np.nan, 0.5], equal_nan=True)
    labels = poseio.load(path, fps=10, video="cam/v.mp4")
    assert (labels.videos[0].fps, labels.videos[0].filename) == (10.0, "cam/v.mp4")
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, scale=2)


# -- refusals -------------------------------------------------------------------------------------


def test_other_npz_files_are_declined_by_their_member_names(tmp_path):
    np.savez(tmp_path / "weights.npz", conv1_W=np.zeros((3, 3)), conv1_b=np.zeros(3))
    np.savez(tmp_path / "arrays.npz", np.arange(3), np.arange(4))
    # TRex's posture export (output_posture_data): outlines and midlines, no positions.
    np.savez(
        tmp_path / "v_posture_fish0.npz",
        outline_points=np.zeros((8, 2)), outline_lengths=np.full(2, 4), offset=np.zeros((2, 2)),
        midline_points=np.zeros((2, 4, 2)), frames=np.arange(2),
    )  # fmt: skip
    for name in ("weights.npz", "arrays.npz", "v_posture_fish0.npz"):
        assert [c for c in poseio.sniff(tmp_path / name) if c.confidence > 0] == []
        with pytest.raises(poseio.UnknownFormatError, match="without TRex's frame and X/Y"):
            poseio.load(tmp_path / name)


def test_the_sniffer_reads_no_array(tmp_path, monkeypatch):
    path = _export(tmp_path / "v_fish0.npz", [0], [1], [1])
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("the sniffer loaded the npz"))
    monkeypatch.setattr(np.lib.format, "read_array", lambda *a, **k: pytest.fail("the sniffer read an array"))
    [claim] = [c for c in poseio.sniff(path) if c.format == "trex"]
    assert claim.confidence == poseio.TYPED_MATCH


def _npz_with_header(path: Path, header: dict, payload: bytes = b"") -> Path:
    """An npz whose X.npy declares ``header`` (written by hand, not by numpy's savez)."""
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", member.getvalue() + payload)
        for name in ("Y", "frame", "missing"):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.zeros(1, np.float32))
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


def test_an_array_larger_than_the_budget_is_refused_before_it_is_read(tmp_path):
    # 10**12 float64 declared in a few bytes: refused by its header, nothing allocated.
    path = _npz_with_header(tmp_path / "v_fish0.npz", {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    with pytest.raises(poseio.UnsafeFileError, match=r"X\.npy"):
        poseio.load(path)


def test_an_object_array_is_refused_without_unpickling(tmp_path):
    path = _npz_with_header(tmp_path / "v_fish0.npz", {"descr": "|O", "fortran_order": False, "shape": (1,)}, b"junk")
    with pytest.raises(poseio.ReadError, match="holds Python objects"):
        poseio.load(path)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"frame": [0, 0], "X": [1, 2], "Y": [1, 2]}, "frame 0 has 2 rows"),
        ({"frame": [0.5], "X": [1], "Y": [1]}, "frame holds 0.5"),
        ({"frame": [0, 1], "X": [1], "Y": [1, 2]}, "X is float32 \\(1,\\), not one number per row"),
    ],
)
def test_broken_exports_are_read_errors_naming_the_file_and_the_fault(tmp_path, arrays, message):
    path = tmp_path / "v_fish0.npz"
    np.savez(path, **{k: np.asarray(v, np.float32) for k, v in arrays.items()}, missing=np.zeros(len(arrays["frame"])))
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path)
    assert str(path) in str(caught.value)


def test_a_cut_file_is_a_read_error(tmp_path):
    path = _export(tmp_path / "v_fish0.npz", [0, 1], [1, 2], [1, 2])
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises((poseio.ReadError, poseio.UnknownFormatError)):
        poseio.load(path, format="trex")


def test_a_file_object_reads_like_its_file_and_has_no_siblings(tmp_path):
    path = _export(tmp_path / "arena_fish2.npz", [3, 4], [1.5, 2.5], [3.5, 4.5])
    with open(path, "rb") as f:
        labels = poseio.load(f)
        assert np.array_equal(labels.numpy(), poseio.load(path).numpy(), equal_nan=True)
        assert [t.name for t in labels.tracks] == ["arena_fish2"]
        with pytest.raises(poseio.InvalidOptionError, match="a file object has no folder"):
            poseio.load(f, siblings=True)


def test_an_export_without_plain_x_y_takes_the_weighted_centroid(tmp_path):
    # TRex's default output_fields name the centroid X#wcentroid/Y#wcentroid.
    arrays = {"frame": np.float32([0, 1]), "missing": np.float32([0, 0]), "time": np.float32([0, 0.5])}
    np.savez(
        tmp_path / "v_fish0.npz", **arrays, **{"X#wcentroid": np.float32([1, 2]), "Y#wcentroid": np.float32([3, 4])}
    )
    labels = poseio.load(tmp_path / "v_fish0.npz")
    assert labels.provenance["trex"]["position_columns"] == ["X#wcentroid", "Y#wcentroid"]
    assert np.array_equal(labels.numpy()[:, 0, 0], [[1, 3], [2, 4]]) and labels.videos[0].fps == 2.0
