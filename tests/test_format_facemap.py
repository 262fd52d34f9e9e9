"""The facemap plugin: Facemap keypoint files written as Facemap writes them, against the arrays written.

No real Facemap file is in the corpus: the fixtures are built here from the format's published description
(Facemap's documentation, keypoint-MoSeq's loader): ``Facemap/<bodypart>/{x, y, likelihood}``, float32, one
value per frame.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS
from corpus_truth import BOOKKEEPING, corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

#: Facemap's face model, in the order its pose tracker lists them.
BODYPARTS = ["eye(back)", "eye(bottom)", "eye(front)", "eye(top)", "lowerlip", "mouth", "nose(bottom)", "nose(r)",
             "nose(tip)", "nose(top)", "nosebridge", "paw", "whisker(I)", "whisker(III)", "whisker(II)"]  # fmt: skip


def write_facemap(path: Path, x: np.ndarray, y: np.ndarray, likelihood: np.ndarray | None, names=BODYPARTS) -> Path:
    """A keypoint file as Facemap's pose tracker saves one: ``x``, ``y``, ``likelihood`` are (frames, bodyparts)."""
    with h5py.File(path, "w") as f:
        group = f.create_group("Facemap")
        for i, name in enumerate(names):
            part = group.create_group(name)
            part.create_dataset("x", data=np.asarray(x[:, i], np.float32))
            part.create_dataset("y", data=np.asarray(y[:, i], np.float32))
            if likelihood is not None:
                part.create_dataset("likelihood", data=np.asarray(likelihood[:, i], np.float32))
    return path


def _arrays(n_frames: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 640, (n_frames, len(BODYPARTS))).astype(np.float32)
    y = rng.uniform(0, 480, (n_frames, len(BODYPARTS))).astype(np.float32)
    likelihood = rng.uniform(0, 1, (n_frames, len(BODYPARTS))).astype(np.float32)
    x[3, 2] = y[3, 2] = np.nan  # a point Facemap did not give
    x[7, :] = y[7, :] = np.nan  # a frame without any
    return x, y, likelihood


def _foreign_corpus() -> tuple[Path, ...]:
    """Every file of the corpus: none is a Facemap file."""
    return tuple(p for p in corpus_paths("*.*") if p.is_file() and p.name not in BOOKKEEPING)


class TestFacemapConformance(FormatConformance):
    format = "facemap"
    extension = ".h5"
    max_examples = 10
    max_instances_per_frame = 1
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # By hand with h5py, as Facemap lays it out: two bodyparts, three frames, NaN where no point.
        path = folder / "cam0_FacemapPose.h5"
        with h5py.File(path, "w") as f:
            f["Facemap/nose(tip)/x"] = np.float32([10.5, 11.0, np.nan])
            f["Facemap/nose(tip)/y"] = np.float32([20.25, 21.0, np.nan])
            f["Facemap/nose(tip)/likelihood"] = np.float32([0.9, 0.8, 0.1])
            f["Facemap/paw/x"] = np.float32([np.nan, 300.0, 301.5])
            f["Facemap/paw/y"] = np.float32([np.nan, 400.0, 402.0])
            f["Facemap/paw/likelihood"] = np.float32([0.2, 0.7, 0.6])
        return path, [
            (0, None, "nose(tip)", 10.5, 20.25),
            (1, None, "nose(tip)", 11.0, 21.0),
            (1, None, "paw", 300.0, 400.0),
            (2, None, "paw", 301.5, 402.0),
        ]


def test_every_point_and_likelihood_reads_as_written(tmp_path):
    x, y, likelihood = _arrays()
    path = write_facemap(tmp_path / "mouse_face_FacemapPose.h5", x, y, likelihood)
    [claim] = poseio.sniff(path)
    assert (claim.format, claim.confidence) == ("facemap", poseio.TYPED_MATCH)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "facemap"
    assert labels.skeletons[0].node_names == sorted(BODYPARTS)  # h5py lists a group's names in order
    assert labels.videos[0].filename == "mouse_face" and labels.videos[0].metadata["filename_guessed"]
    assert [f.frame_idx for f in labels] == [i for i in range(20) if i != 7]
    assert labels.n_predicted_instances == 19 and labels.n_user_instances == 0 and not labels.tracks
    points, scores = labels.numpy(return_scores=True)
    order = [BODYPARTS.index(name) for name in labels.skeletons[0].node_names]
    expected = np.stack([x, y], axis=-1)[:, order].astype(np.float64)
    assert np.array_equal(points[:, 0], expected, equal_nan=True)
    expected_scores = likelihood[:, order].astype(np.float64)
    expected_scores[~np.isfinite(expected).all(axis=-1)] = np.nan
    assert np.array_equal(scores[:, 0], expected_scores, equal_nan=True)


def test_a_file_read_with_h5py_alone_gives_the_same_points(tmp_path):
    x, y, likelihood = _arrays(seed=1)
    path = write_facemap(tmp_path / "v_FacemapPose.h5", x, y, likelihood)
    labels = poseio.load(path, fps=30, video="videos/v.mp4")
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("videos/v.mp4", 30.0)
    with h5py.File(path, "r") as f:
        for node, name in enumerate(labels.skeletons[0].node_names):
            table = labels.to_table()
            got = table.points[:, node]
            rows = table.frame_idx
            assert np.array_equal(got[:, 0], f[f"Facemap/{name}/x"][()][rows].astype(np.float64), equal_nan=True)
            assert np.array_equal(got[:, 1], f[f"Facemap/{name}/y"][()][rows].astype(np.float64), equal_nan=True)


def test_no_file_of_the_corpus_is_claimed():
    paths = _foreign_corpus()
    if not paths:
        pytest.skip(f"the corpus ({CORPUS}) is absent")
    for path in paths:
        claims = [c for c in poseio.sniff(path) if c.format == "facemap" and c.confidence > 0]
        assert claims == [], (path.name, claims)


def test_a_user_loads_a_facemap_file_in_a_fresh_process(tmp_path):
    x, y, likelihood = _arrays(seed=2)
    path = write_facemap(tmp_path / "cam1_FacemapPose.h5", x, y, likelihood)
    np.save(tmp_path / "x.npy", x)
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        assert labels.provenance["format"] == "facemap"
        names = labels.skeletons[0].node_names
        x = np.load({str(tmp_path / "x.npy")!r})
        column = {BODYPARTS!r}.index("paw")
        assert np.array_equal(labels.numpy()[:, 0, names.index("paw"), 0], x[:, column].astype(float), equal_nan=True)
        assert "pandas" not in sys.modules
        """
    )


def test_a_facemap_file_converts_to_nwb(tmp_path):
    x, y, likelihood = _arrays(seed=3)
    path = write_facemap(tmp_path / "face_FacemapPose.h5", x, y, likelihood)
    out = tmp_path / "face.nwb"
    poseio.save(poseio.load(path), out, fps=50.0)
    column = BODYPARTS.index("whisker(I)")
    seen = np.isfinite(x[:, column])
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation/whisker(I)"]
        assert np.array_equal(series["data"][()], np.stack([x[:, column], y[:, column]], 1)[seen].astype(np.float64))
        assert np.array_equal(series["confidence"][()], likelihood[seen, column].astype(np.float64))
    back = poseio.load(out)
    assert sorted(back.skeletons[0].node_names) == sorted(BODYPARTS)
    read_back = back.to_table().points
    written = np.concatenate([x[np.isfinite(x)], y[np.isfinite(y)]]).astype(np.float64)
    assert np.array_equal(np.sort(read_back[np.isfinite(read_back)]), np.sort(written))


def test_a_file_without_likelihood_reads_without_scores(tmp_path):
    x, y, _ = _arrays(seed=4)
    labels = poseio.load(write_facemap(tmp_path / "a.h5", x, y, None))
    assert np.isnan(labels.to_table().point_scores).all()
    assert labels.provenance["facemap"]["bodyparts_without_likelihood"] == sorted(BODYPARTS)


@pytest.mark.parametrize(
    ("dataset", "value", "message"),
    [
        ("Facemap/paw/x", np.zeros(3), r"different lengths \[3, 5\]"),
        ("Facemap/paw/x", np.zeros((5, 2)), r"Facemap/paw/x has shape \(5, 2\)"),
        ("Facemap/paw/y", np.array([b"a"] * 5), r"Facemap/paw/y holds \|S1 values, not numbers"),
    ],
)
def test_damaged_files_are_read_errors_naming_the_fault(tmp_path, dataset, value, message):
    path = write_facemap(tmp_path / "bad.h5", np.zeros((5, 2)), np.zeros((5, 2)), np.ones((5, 2)), ["nose", "paw"])
    with h5py.File(path, "a") as f:
        del f[dataset]
        f[dataset] = value
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path)
    assert "bad.h5" in str(caught.value)


def test_other_hdf5_files_are_declined_or_weakly_claimed_with_the_reason(tmp_path):
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["tracks"] = np.zeros((1, 2, 3, 4))
    odd = tmp_path / "odd.h5"
    with h5py.File(odd, "w") as f:
        f["Facemap/settings"] = np.zeros(3)
    [plain_claim] = [c for v in poseio.explain(plain).verdicts for c in v.claims if c.format == "facemap"]
    assert plain_claim.confidence == poseio.NOT_MINE and "without Facemap's 'Facemap' group" in plain_claim.reason
    [claim] = poseio.sniff(odd)
    assert claim.confidence == poseio.CONTAINER_MATCH and "not of bodypart groups" in claim.reason
    with pytest.raises(poseio.ReadError, match="holds no bodypart group with x and y"):
        poseio.load(odd)


def test_options_are_checked(tmp_path):
    path = write_facemap(tmp_path / "o.h5", *_arrays(seed=5))
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, skeleton=["a"])
    with pytest.raises(poseio.InvalidOptionError):
        poseio.load(path, fps=-1)


def test_a_file_over_the_memory_budget_is_refused(tmp_path):
    path = write_facemap(tmp_path / "big.h5", *_arrays(n_frames=2000, seed=6))
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(path, memory_budget=10_000)


def test_the_pandas_table_of_facemaps_early_code_is_left_to_the_dlc_format(tmp_path):
    # No real Facemap file was found on GitHub. Facemap's early pose code (MouseLand/facemap's
    # pose.save_pose_prediction before 1.0) wrote <video>_FacemapPose.h5 with pandas:
    # dataFrame.to_hdf(path, "df_with_missing") of columns (scorer "Facemap", bodyparts, x/y/likelihood),
    # DeepLabCut's layout. Such a file is DeepLabCut's to read, point for point.
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    columns = pd.MultiIndex.from_product(
        [["Facemap"], ["eye(back)", "nose(tip)"], ["x", "y", "likelihood"]], names=["scorer", "bodyparts", "coords"]
    )
    values = np.arange(18, dtype=float).reshape(3, 6) + 0.5
    path = tmp_path / "cam1_FacemapPose.h5"
    pd.DataFrame(values, columns=columns).to_hdf(path, key="df_with_missing", mode="w")
    assert [c.format for c in poseio.sniff(path) if c.confidence > 0] == ["dlc"]
    labels = poseio.load(path)
    assert labels.skeletons[0].node_names == ["eye(back)", "nose(tip)"]
    points, scores = labels.numpy(return_scores=True)
    assert np.array_equal(points[:, 0], values.reshape(3, 2, 3)[..., :2])
    assert np.array_equal(scores[:, 0], values.reshape(3, 2, 3)[..., 2])
