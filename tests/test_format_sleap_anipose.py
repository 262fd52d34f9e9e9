"""The sleap-anipose plugin: points3d.h5 against the truth and h5py, node and track names, look-alikes, NWB."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import BOOKKEEPING, corpus_paths, finite_points, truth_points
from fresh_process import run_fresh
from poseio.testing import FormatConformance

FORMATS2 = CORPUS / "formats2"
NAME = "sleap_anipose_minimal_points3d.h5"
DESCRIPTION = "Shape: (n_frames, n_tracks, n_nodes, 3)."


def _foreign_corpus() -> tuple[Path, ...]:
    """Every other file of the corpus (SLEAP analysis, JABS, DLC and NWB files among them)."""
    return tuple(p for p in corpus_paths() if p.is_file() and p.name not in (NAME, *BOOKKEEPING))


def points3d(path: Path, tracks: np.ndarray, *, description: str | None = DESCRIPTION) -> Path:
    """A points3d.h5 as sleap-anipose's triangulate writes it: one gzip-compressed float64 tracks dataset."""
    with h5py.File(path, "w") as f:
        dataset = f.create_dataset("tracks", data=tracks, compression="gzip")
        if description is not None:
            dataset.attrs["Description"] = description
    return path


class TestSleapAniposeConformance(FormatConformance):
    format = "sleap-anipose"
    extension = ".h5"
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # By hand with h5py, as the layout is published: (n_frames, n_tracks, n_nodes, xyz), NaN = not triangulated.
        tracks = np.full((3, 2, 2, 3), np.nan)
        tracks[0, 0] = [[1.5, 2.5, 3.5], [4.0, 5.0, 6.0]]
        tracks[0, 1, 1] = [-7.0, 8.0, 900.25]
        tracks[2, 1, 0] = [10.0, 11.0, 12.0]
        path = points3d(folder / "points3d.h5", tracks)
        return path, [
            (0, "track_0", "node_0", 1.5, 2.5, 3.5),
            (0, "track_0", "node_1", 4.0, 5.0, 6.0),
            (0, "track_1", "node_1", -7.0, 8.0, 900.25),
            (2, "track_1", "node_0", 10.0, 11.0, 12.0),
        ]


@pytest.mark.corpus
def test_the_corpus_file_reads_as_its_truth_and_as_h5py_reads_it():
    expected = json.loads(corpus_file("formats2", "truth.json").read_text())[NAME]
    path = corpus_file("formats2", NAME)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "sleap-anipose"
    assert np.array_equal(finite_points(labels), truth_points(NAME))
    assert labels.skeletons[0].node_names == expected["node_names"]
    assert [t.name for t in labels.tracks] == expected["individual_names"]
    assert len(labels) == expected["n_frames"] == expected["n_frames_with_points"]
    assert labels.n_predicted_instances == expected["n_instances"] and labels.n_user_instances == 0
    with h5py.File(path, "r") as f:
        raw = f["tracks"][()]
        assert labels.provenance["sleap-anipose"]["description"] == f["tracks"].attrs["Description"]
    # Frame by frame, track by track, node by node, in x, y, z order.
    assert np.array_equal(labels.numpy(), raw)
    assert labels.videos[0].filename == "sleap_anipose_minimal_points3d"


@pytest.mark.corpus
def test_nodes_and_tracks_are_named_by_options():
    path = corpus_file("formats2", NAME)
    names = [f"kp{i}" for i in range(15)]
    labels = poseio.load(path, skeleton=names, tracks=["mouse"])
    assert labels.skeletons[0].node_names == names and [t.name for t in labels.tracks] == ["mouse"]
    assert np.array_equal(finite_points(labels), truth_points(NAME))
    with pytest.raises(poseio.InvalidOptionError, match="skeleton= has 2 nodes, .* has 15"):
        poseio.load(path, skeleton=["a", "b"])
    with pytest.raises(poseio.InvalidOptionError, match="tracks= names 2 tracks, .* has 1"):
        poseio.load(path, tracks=["a", "b"])
    with pytest.raises(poseio.InvalidOptionError, match="names one thing twice"):
        poseio.load(path, skeleton=["x"] * 15)


@pytest.mark.corpus
def test_a_session_slp_names_the_nodes_with_its_skeleton(tmp_path):
    # The session's 2D predictions: the .slp the points were triangulated from (2 nodes here).
    slp = corpus_file("formats", "sio095_predictions_two_tracks.slp")
    with h5py.File(slp, "r") as f:
        nodes = [n["name"] for n in json.loads(f["metadata"].attrs["json"])["nodes"]]
    tracks = np.arange(4 * 1 * len(nodes) * 3, dtype=float).reshape(4, 1, len(nodes), 3)
    path = points3d(tmp_path / "points3d.h5", tracks)
    skeleton = poseio.load(path, skeleton=slp).skeletons[0]
    assert sorted(skeleton.node_names) == sorted(nodes) and len(nodes) == 4


@pytest.mark.corpus
def test_no_other_file_of_the_corpus_is_claimed():
    for path in _foreign_corpus():
        claims = [c for c in poseio.sniff(path) if c.format == "sleap-anipose" and c.confidence > 0]
        assert claims == [], (path.name, claims)


def _claim(path: Path) -> poseio.Claim:
    [claim] = [c for v in poseio.explain(path).verdicts for c in v.claims if c.format == "sleap-anipose"]
    return claim


def test_look_alikes_are_declined_with_the_reason(tmp_path):
    analysis = tmp_path / "session.analysis.h5"
    with h5py.File(analysis, "w") as f:  # SLEAP analysis: tracks (beside node_names, track_occupancy, ...)
        f["tracks"] = np.zeros((1, 2, 3, 3))
        f["node_names"] = np.array([b"a", b"b", b"c"])
        f["track_occupancy"] = np.ones((3, 1), dtype=np.uint8)
    two_d = points3d(tmp_path / "two_d.h5", np.zeros((4, 1, 3, 2)))
    grouped = tmp_path / "grouped.h5"
    with h5py.File(grouped, "w") as f:
        f.create_group("tracks")
    cases = [
        (analysis, "beside 2 other root objects"),
        (two_d, "shape (4, 1, 3, 2)"),
        (grouped, "without a tracks dataset"),
    ]
    for path, reason in cases:
        claim = _claim(path)
        assert claim.confidence == poseio.NOT_MINE and reason in claim.reason, claim
    # Named, the format's reader reads it on the caller's say-so, and says what is wrong.
    with pytest.raises(poseio.UnknownFormatError, match="asked anyway, says: .*sleap-anipose writes numbers of shape"):
        poseio.load(two_d, format="sleap-anipose")


def test_without_its_description_the_layout_is_claimed_as_structure(tmp_path):
    path = points3d(tmp_path / "p.h5", np.ones((2, 1, 2, 3)), description=None)
    assert _claim(path).confidence == poseio.STRUCTURE_MATCH
    assert poseio.load(path).provenance["sleap-anipose"]["description"] is None


def test_a_file_over_the_memory_budget_is_refused(tmp_path):
    path = points3d(tmp_path / "big.h5", np.zeros((500, 2, 10, 3)))
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(path, memory_budget=10_000)


def test_options_are_checked(tmp_path):
    path = points3d(tmp_path / "p.h5", np.ones((2, 1, 2, 3)))
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, nodes=["a", "b"])
    with pytest.raises(poseio.InvalidOptionError, match="tracks= must be a list"):
        poseio.load(path, tracks="mouse")
    labels = poseio.load(path, fps=30, video="cam.mp4")
    assert (labels.videos[0].filename, labels.videos[0].fps) == ("cam.mp4", 30.0)


@pytest.mark.corpus
def test_a_user_loads_points3d_in_a_fresh_process():
    path, npz = corpus_file("formats2", NAME), corpus_file("formats2", "truth.npz")
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r}, skeleton=[f"n{{i}}" for i in range(15)])
        points = labels.to_table().points.reshape(-1, 3)
        expected = np.load({str(npz)!r})[{NAME!r}]
        assert np.array_equal(points[np.lexsort(points.T[::-1])], expected[np.lexsort(expected.T[::-1])])
        assert labels.skeletons[0].node_names[:2] == ["n0", "n1"]
        """
    )


@pytest.mark.corpus
def test_points3d_converts_to_nwb_as_3d_points(tmp_path):
    source = corpus_file("formats2", NAME)
    out = tmp_path / "x.nwb"
    poseio.save(poseio.load(source), out, fps=30.0)
    with h5py.File(source, "r") as f:
        raw = f["tracks"][()]
    with h5py.File(out, "r") as f:
        data = f["processing/behavior/PoseEstimation/node_3/data"][()]
    assert data.shape == (120, 3) and np.array_equal(data, raw[:, 0, 3])
    back = poseio.load(out)
    assert np.array_equal(finite_points(back), truth_points(NAME))
    assert back.skeletons[0].node_names == [f"node_{i}" for i in range(15)]
