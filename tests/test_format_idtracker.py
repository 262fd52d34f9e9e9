"""The idtracker plugin against files built from idtracker.ai's published output description.

No real idtracker.ai file is in the corpus: every fixture here is written
with h5py, numpy and json as idtracker.ai's ``save_trajectories`` lays its
dictionary out (``trajectories.h5``: arrays as gzip datasets, numbers and
text as root attributes, ``length_unit`` -1 for none, the ``areas``,
``setup_points`` and ``identities_groups`` dictionaries as groups;
``trajectories_csv/``: ``trajectories.csv`` with ``time,x1,y1,...`` at 3
decimals, ``id_probabilities.csv`` and ``attributes.json``; ``.npy``: the
dictionary pickled by ``np.save``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS
from corpus_truth import corpus_paths
from fresh_process import run_fresh
from poseio.testing import FormatConformance

N_FRAMES, N_ANIMALS, FPS = 12, 3, 30


def _trajectories() -> tuple[np.ndarray, np.ndarray]:
    """(frames, animals, 2) positions with NaN where an animal was not seen, and (frames, animals, 1) probabilities."""
    rng = np.random.default_rng(7)
    trajectories = rng.uniform(0, 800, (N_FRAMES, N_ANIMALS, 2))
    trajectories[3, 1] = np.nan
    trajectories[5:9, 2] = np.nan
    probabilities = rng.uniform(0.5, 1.0, (N_FRAMES, N_ANIMALS, 1))
    probabilities[np.isnan(trajectories[..., :1])] = np.nan
    return trajectories, probabilities


def write_h5(path: Path, trajectories: np.ndarray, probabilities: np.ndarray | None = None, **attributes) -> Path:
    """trajectories.h5 as idtracker.ai v5 writes it (h5py, not the plugin)."""
    with h5py.File(path, "w") as f:
        areas = f.create_group("areas")
        for key in ("mean", "median", "std"):
            areas.create_dataset(key, data=np.full(trajectories.shape[1], 150.0))
        f.create_group("setup_points").create_dataset("border", data=np.array([[0, 0], [800, 0], [800, 800]]))
        f.create_group("identities_groups")
        f.attrs["length_unit"] = -1
        defaults = {"version": "5.2.12", "video_paths": ["/videos/zebrafish.avi"], "frames_per_second": FPS,
                    "body_length": 41.5}  # fmt: skip
        for key, value in {**defaults, **attributes}.items():
            f.attrs[key] = value
        f.create_dataset("trajectories", data=trajectories, compression="gzip")
        if probabilities is not None:
            f.create_dataset("id_probabilities", data=probabilities, compression="gzip")
    return path


def write_csv_export(
    folder: Path,
    trajectories: np.ndarray,
    probabilities: np.ndarray,
    fps: float | None = FPS,
    time_column: str = "time",
) -> Path:
    """trajectories_csv/ as idtracker.ai writes it: time column, 3 decimals, attributes.json beside."""
    folder.mkdir()
    n_frames, n_animals = trajectories.shape[:2]
    time = np.arange(n_frames) / fps
    header = f"{time_column}," + ",".join(f"{c}{i}" for i in range(1, n_animals + 1) for c in "xy")
    rows = np.column_stack((time, trajectories.reshape(n_frames, -1)))
    np.savetxt(folder / "trajectories.csv", rows, delimiter=",", header=header, fmt="%.3f", comments="")
    header = f"{time_column}," + ",".join(f"id_probabilities{i}" for i in range(1, n_animals + 1))
    rows = np.column_stack((time, probabilities[..., 0]))
    fmt = ["%.3f"] + ["%.3e"] * n_animals
    np.savetxt(folder / "id_probabilities.csv", rows, delimiter=",", header=header, fmt=fmt, comments="")
    (folder / "attributes.json").write_text(
        json.dumps({"frames_per_second": fps, "body_length": 41.5, "video_paths": ["/videos/zebrafish.avi"]})
    )
    return folder / "trajectories.csv"


def _foreign_corpus() -> tuple[Path, ...]:
    endings = (".h5", ".hdf5", ".csv", ".npy")
    return tuple(p for p in corpus_paths() if p.is_file() and p.name.lower().endswith(endings))


class TestIdtrackerConformance(FormatConformance):
    format = "idtracker"
    extension = ".h5"
    max_examples = 10
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        trajectories = np.full((4, 2, 2), np.nan)
        trajectories[1, 0] = [10.5, 20.25]
        trajectories[3, 1] = [300.0, 40.0]
        trajectories[2, 1] = [np.nan, 5.0]  # half a position is no position
        path = write_h5(folder / "trajectories.h5", trajectories, identities_labels=["queen", "worker"])
        return path, [(1, "queen", "centroid", 10.5, 20.25), (3, "worker", "centroid", 300.0, 40.0)]


# -- the HDF5 export ------------------------------------------------------------------------------


def test_the_h5_export_reads_every_animal_as_a_track(tmp_path):
    trajectories, probabilities = _trajectories()
    path = write_h5(tmp_path / "trajectories.h5", trajectories, probabilities)
    labels = poseio.load(path)
    assert labels.provenance["format"] == "idtracker"
    assert [t.name for t in labels.tracks] == ["identity_1", "identity_2", "identity_3"]
    assert labels.skeletons[0].node_names == ["centroid"]
    video = labels.videos[0]
    assert (video.filename, video.fps, video.shape[0]) == ("/videos/zebrafish.avi", FPS, N_FRAMES)
    points = labels.numpy()  # frames x tracks x 1 node x 2
    assert np.array_equal(points[:, :, 0], trajectories, equal_nan=True)
    assert labels.n_predicted_instances == int(np.isfinite(trajectories[..., 0]).sum())
    table = labels.to_table()
    # The identity probability of each seen animal in each frame is its tracking score.
    assert np.array_equal(table.tracking_score, probabilities[table.frame_idx, table.track, 0])
    details = labels.provenance["idtracker"]
    assert details["attributes"]["body_length"] == 41.5 and details["length_unit"] is None
    assert np.array_equal(details["areas"]["mean"], np.full(N_ANIMALS, 150.0))
    assert details["setup_points"]["border"].shape == (3, 2)


def test_options_override_the_file_and_unknown_ones_are_refused(tmp_path):
    path = write_h5(tmp_path / "trajectories.h5", _trajectories()[0])
    labels = poseio.load(path, fps=60, video="here.avi")
    assert (labels.videos[0].fps, labels.videos[0].filename) == (60.0, "here.avi")
    with pytest.raises(poseio.InvalidOptionError, match="does not know the read options"):
        poseio.load(path, siblings=True)


def test_an_h5_converts_to_nwb_with_one_series_per_animal(tmp_path):
    trajectories, probabilities = _trajectories()
    labels = poseio.load(write_h5(tmp_path / "trajectories.h5", trajectories, probabilities))
    poseio.save(labels, tmp_path / "x.nwb", fps=FPS)
    with h5py.File(tmp_path / "x.nwb", "r") as f:
        for k in range(N_ANIMALS):
            data = f[f"processing/behavior/PoseEstimation_identity_{k + 1}/centroid/data"][()]
            seen = np.isfinite(trajectories[:, k, 0])
            assert np.array_equal(data, trajectories[seen, k]), k
    back = poseio.load(tmp_path / "x.nwb")
    assert np.array_equal(back.numpy(), labels.numpy(), equal_nan=True)


def test_a_file_over_the_memory_budget_is_refused(tmp_path):
    path = write_h5(tmp_path / "trajectories.h5", _trajectories()[0])
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(path, memory_budget=100)


@pytest.mark.parametrize(
    ("probabilities", "message"),
    [(np.ones((N_FRAMES, 2, 1)), r"id_probabilities is \(12, 2\), not one per frame and animal \(12, 3\)")],
)
def test_broken_h5_files_are_read_errors(tmp_path, probabilities, message):
    path = write_h5(tmp_path / "trajectories.h5", _trajectories()[0], probabilities)
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path)
    assert str(path) in str(caught.value)


def test_hdf5_files_of_other_shapes_are_declined(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["trajectories"] = np.zeros((5, 2, 3))
    with h5py.File(tmp_path / "tracks.h5", "w") as f:
        f["tracks"] = np.zeros((5, 2, 2))
    for name, reason in (("other.h5", r"not idtracker.ai's \(frames, animals, 2\)"), ("tracks.h5", "'trajectories'")):
        assert [c for c in poseio.sniff(tmp_path / name) if c.format == "idtracker" and c.confidence > 0] == []
        with pytest.raises(poseio.UnknownFormatError, match=reason):
            poseio.load(tmp_path / name, format="idtracker")


def test_an_external_link_is_not_followed(tmp_path):
    write_h5(tmp_path / "elsewhere.h5", _trajectories()[0])
    with h5py.File(tmp_path / "trajectories.h5", "w") as f:
        f.attrs["frames_per_second"] = FPS
        f["trajectories"] = h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "/trajectories")
    assert [c for c in poseio.sniff(tmp_path / "trajectories.h5") if c.format == "idtracker" and c.confidence > 0] == []
    with pytest.raises((poseio.UnsafeFileError, poseio.UnknownFormatError)):
        poseio.load(tmp_path / "trajectories.h5", format="idtracker")
    # A real trajectories dataset beside a link out of the file: the reader refuses before reading.
    path = write_h5(tmp_path / "linked.h5", _trajectories()[0])
    with h5py.File(path, "a") as f:
        f["extra"] = h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "/areas")
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(path)


# -- the CSV export -------------------------------------------------------------------------------


def test_the_csv_export_reads_with_its_probabilities_and_attributes(tmp_path):
    trajectories, probabilities = _trajectories()
    path = write_csv_export(tmp_path / "trajectories_csv", trajectories, probabilities)
    [claim] = [c for c in poseio.sniff(path) if c.format == "idtracker"]
    assert claim.confidence == poseio.TYPED_MATCH
    labels = poseio.load(path)
    # Independently: numpy's reading of the CSV, 3 decimals as written.
    rows = np.loadtxt(path, delimiter=",", skiprows=1)
    assert np.array_equal(labels.numpy()[:, :, 0], rows[:, 1:].reshape(N_FRAMES, N_ANIMALS, 2), equal_nan=True)
    scores = np.loadtxt(path.with_name("id_probabilities.csv"), delimiter=",", skiprows=1)[:, 1:]
    table = labels.to_table()
    assert np.array_equal(table.tracking_score, scores[table.frame_idx, table.track])
    assert (labels.videos[0].fps, labels.videos[0].filename) == (FPS, "/videos/zebrafish.avi")


def test_the_csv_export_folder_loads_as_its_trajectories_csv(tmp_path):
    path = write_csv_export(tmp_path / "trajectories_csv", *_trajectories())
    folder, file = poseio.load(path.parent), poseio.load(path)
    assert folder.provenance["format"] == "idtracker"
    assert np.array_equal(folder.numpy(), file.numpy(), equal_nan=True)
    assert np.array_equal(folder.to_table().tracking_score, file.to_table().tracking_score, equal_nan=True)
    # Other folders (the corpus' DeepLabCut project and YOLO dataset among them) are not claimed.
    others = [p for d in ("formats", "formats2") for p in sorted((CORPUS / d).glob("*")) if p.is_dir()]
    for other in [tmp_path, *others]:
        assert [c for c in poseio.sniff(other) if c.format == "idtracker" and c.confidence > 0] == [], other


def test_a_csv_alone_takes_its_rate_from_the_time_column(tmp_path):
    path = write_csv_export(tmp_path / "trajectories_csv", *_trajectories(), fps=25)
    (path.parent / "attributes.json").unlink()
    (path.parent / "id_probabilities.csv").unlink()
    [claim] = [c for c in poseio.sniff(path) if c.format == "idtracker"]
    assert claim.confidence == poseio.STRUCTURE_MATCH
    labels = poseio.load(path)
    assert labels.videos[0].fps == 25.0 and np.isnan(labels.to_table().tracking_score).all()


def test_a_seconds_time_column_as_idtracker_6_0_0a0_writes_it(tmp_path):
    # A real export of idtracker.ai 6.0.0a0 (roaldarbol/animovement, commit 9e47f16c,
    # tests/testthat/data/idtrackerai/trajectories_csv/) heads both CSVs "seconds,x1,y1,..." and
    # "seconds,id_probabilities1,...", where later versions write "time,". Every point is read either way.
    trajectories, probabilities = _trajectories()
    path = write_csv_export(tmp_path / "trajectories_csv", trajectories, probabilities, time_column="seconds")
    assert path.read_text().startswith("seconds,x1,y1,x2,y2")
    [claim] = [c for c in poseio.sniff(path.parent) if c.format == "idtracker"]
    assert claim.confidence == poseio.TYPED_MATCH
    labels = poseio.load(path.parent)
    expected = np.loadtxt(path, delimiter=",", skiprows=1)[:, 1:].reshape(N_FRAMES, N_ANIMALS, 2)
    seen = np.isfinite(expected).all(axis=2)
    table = labels.to_table()
    got = np.full((N_FRAMES, N_ANIMALS, 2), np.nan)
    got[table.frame_idx, table.track] = table.points[:, 0]
    assert np.array_equal(np.isfinite(got).all(axis=2), seen) and np.array_equal(got[seen], expected[seen])
    scores = np.loadtxt(path.parent / "id_probabilities.csv", delimiter=",", skiprows=1)[:, 1:]
    assert np.array_equal(table.tracking_score, scores[table.frame_idx, table.track])
    assert labels.videos[0].fps == FPS and len(table) == seen.sum()


def test_other_csv_files_are_declined(tmp_path):
    (tmp_path / "a.csv").write_text("time,x,y\n0,1,2\n")
    (tmp_path / "b.csv").write_text("time,x1,y1,x3,y3\n0,1,2,3,4\n")
    for name in ("a.csv", "b.csv"):
        assert [c for c in poseio.sniff(tmp_path / name) if c.format == "idtracker" and c.confidence > 0] == []


# -- the pickled .npy -----------------------------------------------------------------------------


class _Hostile:
    """Pickles as a call of os.system: loading it with pickle would run the command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_the_pickled_npy_is_recognised_and_refused_with_the_way_out(tmp_path):
    trajectories, _ = _trajectories()
    np.save(tmp_path / "trajectories.npy", {"trajectories": trajectories, "frames_per_second": FPS}, allow_pickle=True)
    [claim] = [c for c in poseio.sniff(tmp_path / "trajectories.npy") if c.format == "idtracker"]
    assert claim.confidence == poseio.TYPED_MATCH
    with pytest.raises(poseio.ReadError, match="idtrackerai_format .* --formats h5") as caught:
        poseio.load(tmp_path / "trajectories.npy")
    assert "does not unpickle it" in str(caught.value)


def test_a_hostile_pickle_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    np.save(tmp_path / "trajectories.npy", {"trajectories": _Hostile(marker)}, allow_pickle=True)
    with pytest.raises(poseio.ReadError, match="does not unpickle it"):
        poseio.load(tmp_path / "trajectories.npy")
    assert not marker.exists()
    # A pickled .npy without the trajectories key, and plain arrays, are not idtracker.ai's.
    np.save(tmp_path / "other.npy", {"weights": np.zeros(3)}, allow_pickle=True)
    np.save(tmp_path / "plain.npy", np.zeros((4, 2, 2)))
    for name in ("other.npy", "plain.npy"):
        assert [c for c in poseio.sniff(tmp_path / name) if c.format == "idtracker" and c.confidence > 0] == []


def test_a_user_loads_an_idtracker_h5_in_a_fresh_process(tmp_path):
    trajectories, probabilities = _trajectories()
    path = write_h5(tmp_path / "trajectories.h5", trajectories, probabilities, identities_labels=["a", "b", "c"])
    np.save(tmp_path / "expected.npy", trajectories)
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        assert [t.name for t in labels.tracks] == ["a", "b", "c"]
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.array_equal(labels.numpy()[:, :, 0], expected, equal_nan=True)
        """
    )


def write_tidy_export(folder: Path, trajectories: np.ndarray, probabilities: np.ndarray, fps: float = FPS) -> Path:
    """trajectories_tidy/ as idtracker.ai 6.0.14's csv_tidy writer lays it out: a row per frame and animal."""
    folder.mkdir()
    lines = ["frame,time,individual,x,y,probability"]
    for frame, row in enumerate(trajectories):
        for animal, (x, y) in enumerate(row):
            lines.append(f"{frame},{frame / fps:.3f},{animal},{x:.3f},{y:.3f},{probabilities[frame, animal, 0]:.3e}")
    (folder / "trajectories_tidy.csv").write_text("\n".join(lines) + "\n")
    (folder / "attributes_tidy.json").write_text(json.dumps({"frames_per_second": fps, "version": "6.0.14"}))
    return folder / "trajectories_tidy.csv"


def test_the_tidy_csv_export_reads_every_animal_as_numpy_reads_it(tmp_path):
    # A real tidy export (animovement/aniread, commit a4800d31, tests/testthat/data/idtrackerai/trajectories_tidy/:
    # idtracker.ai 6.0.14's writer run on a 6.0.0a0 session) heads its rows frame,time,individual,x,y,probability,
    # numbers animals from 0, writes nan,nan,nan for an animal not seen and a nan probability beside a known
    # position, with attributes_tidy.json beside it.
    trajectories, probabilities = _trajectories()
    probabilities[2, 0] = np.nan  # a position without its identity's probability
    path = write_tidy_export(tmp_path / "trajectories_tidy", trajectories, probabilities)
    [claim] = [c for c in poseio.sniff(path.parent) if c.format == "idtracker"]
    assert claim.confidence == poseio.TYPED_MATCH
    rows = np.genfromtxt(path, delimiter=",", skip_header=1)
    expected = np.full((N_FRAMES, N_ANIMALS, 2), np.nan)
    scores = np.full((N_FRAMES, N_ANIMALS), np.nan)
    frames, animals = rows[:, 0].astype(int), rows[:, 2].astype(int)
    expected[frames, animals], scores[frames, animals] = rows[:, 3:5], rows[:, 5]
    for labels in (poseio.load(path.parent), poseio.load(path)):
        table = labels.to_table()
        got = np.full((N_FRAMES, N_ANIMALS, 2), np.nan)
        got[table.frame_idx, table.track] = table.points[:, 0]
        seen = np.isfinite(expected).all(axis=2)
        assert np.array_equal(np.isfinite(got).all(axis=2), seen) and np.array_equal(got[seen], expected[seen])
        assert np.array_equal(table.tracking_score, scores[table.frame_idx, table.track], equal_nan=True)
        assert labels.videos[0].fps == FPS and labels.provenance["idtracker"]["layout"] == "csv_tidy"
        assert [t.name for t in labels.tracks] == ["identity_1", "identity_2", "identity_3"]


def test_a_tidy_csv_declaring_huge_arrays_or_an_animal_twice_is_refused(tmp_path):
    header = "frame,time,individual,x,y,probability\n"
    huge = tmp_path / "huge.csv"
    huge.write_text(header + "0,0.0,0,1.0,2.0,1.0\n1000000000000,1.0,5,1.0,2.0,1.0\n")
    with pytest.raises(poseio.UnsafeFileError):
        poseio.load(huge)
    twice = tmp_path / "twice.csv"
    twice.write_text(header + "0,0.0,0,1.0,2.0,1.0\n0,0.0,0,3.0,4.0,1.0\n")
    with pytest.raises(poseio.ReadError, match="two rows in one frame"):
        poseio.load(twice)
    fraction = tmp_path / "fraction.csv"
    fraction.write_text(header + "0.5,0.0,0,1.0,2.0,1.0\n")
    with pytest.raises(poseio.ReadError, match="as its frame"):
        poseio.load(fraction)
