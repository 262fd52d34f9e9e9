"""The movement-netcdf plugin: movement's real file against its truth, files movement and xarray made, writing
read back by movement in another process, hostile and foreign files, and conversion to NWB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import h5netcdf
import h5py
import numpy as np
import poseio
import pytest
from conftest import CORPUS, corpus_file
from corpus_truth import finite_points
from corpus_truth import sorted_points as _sorted
from fresh_process import run_fresh
from poseio.testing import FormatConformance

FORMATS2 = CORPUS / "formats2"
NAME = "movement015_wasp_dlc.nc"
POSEIO = str(Path(sys.executable).with_name("poseio"))
SUBJECT = "subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\ndescription: test mouse\n"
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken,csv-points"}


def _foreign_corpus() -> tuple[Path, ...]:
    """The HDF5 files of both corpora that are not movement's (empty when the corpus is absent)."""
    found = []
    for folder in (CORPUS / "formats", FORMATS2):
        if (folder / "truth.json").exists():
            truth = json.loads((folder / "truth.json").read_text())
            found += [folder / n for n, t in truth.items() if t["format"] != "movement-netcdf" and n.endswith(".h5")]
    return tuple(p for p in found if p.is_file())


def movement_dataset(position: np.ndarray, confidence: np.ndarray, fps: float | None, **names):
    """A poses dataset built by movement itself (its validator and its layout), for files made without poseio."""
    from movement.io import load_poses

    return load_poses.from_numpy(position, confidence, fps=fps, source_software="test", **names)


class TestMovementNetcdfConformance(FormatConformance):
    format = "movement-netcdf"
    extension = ".nc"
    # One video per file and no user/predicted flag; the video's name, fps, tracks and untracked crowds are kept.
    keeps = frozenset({"points", "frames", "videos", "tracks", "point_scores", "fps"})
    strategy_options = {"max_videos": 1, "user": False, "ndim": None}
    max_examples = 25
    foreign_samples_extra = _foreign_corpus()

    def reference(self, folder: Path) -> tuple[Path, list[tuple]]:
        # Built by movement's from_numpy and saved by xarray's own netCDF4 engine: no poseio code involved.
        position = np.full((3, 2, 2, 2), np.nan)  # (time, space, keypoints, individuals)
        position[0, :, 0, 0] = (1.5, 200.25)
        position[2, :, 1, 1] = (3.0, 400.0)
        position[2, :, 0, 1] = (-5.0, 6.5)
        confidence = np.full((3, 2, 2), 0.5)
        ds = movement_dataset(
            position, confidence, 10.0, individual_names=["m1", "m2"], keypoint_names=["nose", "tail"]
        )
        path = folder / "reference.nc"
        ds.to_netcdf(path, engine="netcdf4")
        return path, [(0, "m1", "nose", 1.5, 200.25), (2, "m2", "nose", -5.0, 6.5), (2, "m2", "tail", 3.0, 400.0)]


# -- the corpus ---------------------------------------------------------------------------------


@pytest.mark.corpus
def test_the_corpus_file_reads_exactly_as_its_truth_says():
    path = corpus_file("formats2", NAME)
    truth = json.loads((FORMATS2 / "truth.json").read_text())[NAME]
    labels = poseio.load(path)
    assert labels.provenance["format"] == "movement-netcdf"
    assert np.array_equal(finite_points(labels), _sorted(np.load(FORMATS2 / "truth.npz")[NAME]))
    assert labels.skeletons[0].node_names == truth["node_names"]
    assert [t.name for t in labels.tracks] == truth["individual_names"]
    points, scores = labels.numpy(return_scores=True)
    assert points.shape[0] == truth["n_frames"] and points.shape[3] == truth["dims"]
    assert labels.n_predicted_instances == truth["n_instances"]
    assert labels.videos[0].fps == truth["attrs"]["fps"] == 40.0
    finite = scores[np.isfinite(scores)]
    assert (len(finite), finite.min(), finite.max()) == (truth["scores"]["n"], 0.0, truth["scores"]["max"])
    assert labels.provenance["movement"]["attrs"]["source_software"] == "DeepLabCut"


@pytest.mark.corpus
def test_the_corpus_file_loads_in_a_fresh_process_as_users_run_poseio():
    path = corpus_file("formats2", NAME)
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.load({str(path)!r})
        table = labels.to_table()
        points = table.points.reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        truth = np.load({str(FORMATS2 / "truth.npz")!r})[{NAME!r}]
        order = lambda p: p[np.lexsort(p.T[::-1])]
        assert np.array_equal(order(points), order(truth))
        assert labels.videos[0].fps == 40.0 and labels.numpy().shape == (1085, 1, 2, 2)
        assert "xarray" not in sys.modules and "movement" not in sys.modules, "reading needs neither"
        """
    )


@pytest.mark.corpus
def test_the_corpus_file_written_again_is_the_same_dataset_to_xarray(tmp_path):
    path = corpus_file("formats2", NAME)
    out = tmp_path / "again.nc"
    poseio.save(poseio.load(path), out)
    run_fresh(
        f"""
        import xarray as xr
        with xr.open_dataset({str(path)!r}) as before, xr.open_dataset({str(out)!r}) as after:
            assert after.identical(before), (before, after)
        """
    )


def test_sniffing_imports_no_netcdf_library(tmp_path):
    path = tmp_path / "p.nc"
    _old_layout_file(path)
    result = run_fresh(
        f"""
        claims = poseio.sniff({str(path)!r})
        print(claims[0].format, claims[0].confidence)
        assert "h5netcdf" not in sys.modules and "xarray" not in sys.modules
        """
    )
    assert result.stdout.split() == ["movement-netcdf", "0.5"]


# -- files movement and xarray made ---------------------------------------------------------------


def _old_layout_file(path: Path) -> np.ndarray:
    """An early movement file: pose_tracks (time, individuals, keypoints, space), frames, no ds_type or fps."""
    import xarray as xr

    rng = np.random.default_rng(1)
    tracks = rng.uniform(0, 500, (4, 2, 3, 3))
    tracks[1, 0, 2] = np.nan
    ds = xr.Dataset(
        {
            "pose_tracks": (("time", "individuals", "keypoints", "space"), tracks),
            "confidence": (("time", "individuals", "keypoints"), rng.uniform(0, 1, (4, 2, 3))),
        },
        coords={
            "time": np.arange(4) + 10,
            "individuals": ["a", "b"],
            "keypoints": ["k0", "k1", "k2"],
            "space": ["x", "y", "z"],
        },
        attrs={"source_software": "SLEAP", "source_file": "x.slp"},
    )
    ds.to_netcdf(path, engine="netcdf4")
    return tracks


def test_an_early_movement_file_in_3d_with_frame_numbers_reads_by_dimension_names(tmp_path):
    path = tmp_path / "early.nc"
    tracks = _old_layout_file(path)
    labels = poseio.load(path)
    points = labels.numpy()
    assert points.shape == (14, 2, 3, 3)
    assert np.array_equal(points[10:], tracks, equal_nan=True)
    assert [t.name for t in labels.tracks] == ["a", "b"] and labels.skeletons[0].node_names == ["k0", "k1", "k2"]
    assert labels.videos[0].fps is None


def test_seconds_without_an_fps_attribute_need_fps(tmp_path):
    ds = movement_dataset(np.ones((3, 2, 1, 1)), np.ones((3, 1, 1)), 4.0)
    ds.attrs.pop("fps")
    ds.to_netcdf(tmp_path / "s.nc", engine="netcdf4")
    with pytest.raises(poseio.ReadError, match="no fps attribute.*pass fps="):
        poseio.load(tmp_path / "s.nc")
    labels = poseio.load(tmp_path / "s.nc", fps=4.0)
    assert [f.frame_idx for f in labels.labeled_frames] == [0, 1, 2] and labels.videos[0].fps == 4.0


def test_an_fps_option_that_contradicts_the_file_is_refused(tmp_path):
    ds = movement_dataset(np.ones((3, 2, 1, 1)), np.ones((3, 1, 1)), 4.0)
    ds.to_netcdf(tmp_path / "s.nc", engine="netcdf4")
    with pytest.raises(poseio.InvalidOptionError, match="the file says 4.0 frames per second, fps=5.0 was given"):
        poseio.load(tmp_path / "s.nc", fps=5.0)
    assert poseio.load(tmp_path / "s.nc", fps=4.0).videos[0].fps == 4.0


def test_resampled_times_are_refused_and_timedeltas_read(tmp_path):
    import pandas as pd

    ds = movement_dataset(np.ones((3, 2, 1, 1)), np.ones((3, 1, 1)), 4.0)
    ds.assign_coords(time=[0.0, 0.1, 0.5]).to_netcdf(tmp_path / "resampled.nc", engine="netcdf4")
    with pytest.raises(poseio.ReadError, match=r"resampled.nc: time 0.1 is not a frame \(frame 0.4"):
        poseio.load(tmp_path / "resampled.nc")
    ds.assign_coords(time=pd.to_timedelta([0, 250, 750], unit="ms")).to_netcdf(tmp_path / "td.nc", engine="netcdf4")
    assert [f.frame_idx for f in poseio.load(tmp_path / "td.nc").labeled_frames] == [0, 1, 3]
    ds.assign_coords(time=pd.to_datetime(["2024-01-01"] * 3) + pd.to_timedelta([0, 1, 2], unit="s")).to_netcdf(
        tmp_path / "dates.nc", engine="netcdf4"
    )
    with pytest.raises(poseio.ReadError, match="dates.nc: the times are dates"):
        poseio.load(tmp_path / "dates.nc")


def test_a_fill_value_is_missing_as_xarray_decodes_it(tmp_path):
    ds = movement_dataset(np.array([[[[1.0]], [[-1.0]]], [[[2.0]], [[3.0]]]]), np.ones((2, 1, 1)), None)
    ds.to_netcdf(tmp_path / "f.nc", engine="netcdf4", encoding={"position": {"_FillValue": -1.0}})
    points = poseio.load(tmp_path / "f.nc").numpy()
    assert np.array_equal(points[:, 0, 0], [[np.nan, np.nan], [2.0, 3.0]], equal_nan=True)


# -- writing, read back by movement ---------------------------------------------------------------


def _many_animals() -> poseio.Labels:
    rng = np.random.default_rng(7)
    points = rng.uniform(-100, 100, (6, 3, 4, 3))
    points[2, 1] = np.nan  # animal b is absent from frame 2
    points[4, 0, 3] = np.nan
    return poseio.Labels.from_numpy(
        points,
        point_scores=rng.uniform(0, 1, (6, 3, 4)),
        video=poseio.Video("/data/cage 1.mp4", fps=25.0, shape=(8, 10, 10, 1)),
        skeleton=poseio.Skeleton(["snout", "ear_l", "ear_r", "tail"]),
        tracks=[poseio.Track("a"), poseio.Track("b"), poseio.Track("é z/#")],
    )


def test_files_poseio_writes_are_read_by_movement_with_every_point(tmp_path):
    labels = _many_animals()
    crowd = poseio.Labels(
        [
            poseio.LabeledFrame(
                poseio.Video("/v.mp4"),
                3,
                [poseio.PredictedInstance(np.array([[1.0, 2.0]]), poseio.Skeleton(["n"]), point_scores=[0.25])] * 2,
            )
        ]
    )
    cases = {"animals.nc": labels, "crowd.nc": crowd}
    for name, case in cases.items():
        poseio.save(case, tmp_path / name)
        points, scores = case.numpy(return_scores=True)
        np.save(tmp_path / f"{name}.points.npy", points)
        np.save(tmp_path / f"{name}.scores.npy", scores)
    run_fresh(
        f"""
        import numpy as np, xarray as xr
        from movement.validators.datasets import ValidPosesInputs
        from movement.kinematics import compute_velocity
        folder = {str(tmp_path)!r}
        cases = (("animals.nc", ["a", "b", "é z/#"], 25.0), ("crowd.nc", ["individual_0", "individual_1"], None))
        for name, individuals, fps in cases:
            with xr.open_dataset(f"{{folder}}/{{name}}") as ds:
                ValidPosesInputs.validate(ds)  # what movement's napari loader checks of a netCDF file
                assert list(ds.individuals.values) == individuals and ds.attrs.get("fps") == fps
                points = np.load(f"{{folder}}/{{name}}.points.npy")
                scores = np.load(f"{{folder}}/{{name}}.scores.npy")
                position = ds.position.transpose("time", "individuals", "keypoints", "space").values
                assert np.array_equal(position, points, equal_nan=True), name
                confidence = ds.confidence.transpose("time", "individuals", "keypoints").values
                assert np.array_equal(confidence, scores, equal_nan=True), name
                compute_velocity(ds.position)
        with xr.open_dataset(f"{{folder}}/animals.nc") as ds:
            assert ds.time.values[1] == 1 / 25 and ds.attrs["time_unit"] == "seconds"
            assert ds.attrs["video_path"] == "/data/cage 1.mp4"
        """
    )
    again = poseio.load(tmp_path / "crowd.nc")
    assert again.tracks == [] and len(again.labeled_frames[0].instances) == 2


@pytest.mark.corpus
def test_a_deeplabcut_file_converted_to_netcdf_is_the_dataset_movement_builds_from_it(tmp_path):
    source = corpus_file("formats", "DLC_sample_poses.h5")
    out = tmp_path / "wasp.nc"
    poseio.convert(source, out, fps=40)
    run_fresh(
        f"""
        import numpy as np, xarray as xr
        from movement.io import load_poses
        reference = load_poses.from_dlc_file({str(source)!r}, fps=40)
        with xr.open_dataset({str(out)!r}) as ds:
            for name in ("position", "confidence", "time", "space", "keypoints", "individuals"):
                same = np.array_equal(ds[name].values, reference[name].values, equal_nan=ds[name].dtype.kind == "f")
                assert same, name
                assert ds[name].dims == reference[name].dims, name
            for key, value in reference.attrs.items():
                assert ds.attrs[key] == value, (key, ds.attrs[key], value)
        """
    )


def test_user_instances_are_a_declared_loss(tmp_path):
    labels = poseio.Labels.from_numpy(
        np.ones((2, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["n"]), predicted=False
    )
    with pytest.raises(poseio.DataLossError, match="user instances would read back as predictions"):
        poseio.save(labels, tmp_path / "user.nc")
    poseio.save(labels, tmp_path / "user.nc", allow_loss=True)
    assert poseio.load(tmp_path / "user.nc").n_predicted_instances == 2


def test_two_videos_are_refused_naming_them(tmp_path):
    skeleton = poseio.Skeleton(["n"])
    frames = [
        poseio.LabeledFrame(poseio.Video(v), 0, [poseio.PredictedInstance(np.ones((1, 2)), skeleton)])
        for v in ("a.mp4", "b.mp4")
    ]
    with pytest.raises(poseio.PoseioError, match="2 videos"):
        poseio.save(poseio.Labels(frames), tmp_path / "two.nc")
    assert not (tmp_path / "two.nc").exists()


# -- hostile and foreign files --------------------------------------------------------------------


def _netcdf(path: Path, shape: tuple[int, ...], **create) -> None:
    """A movement-looking file whose position declares ``shape`` and stores only what ``create`` says."""
    with h5netcdf.File(path, "w") as nc:
        nc.dimensions = dict(zip(("time", "space", "keypoints", "individuals"), shape))
        nc.create_variable("position", ("time", "space", "keypoints", "individuals"), dtype="f8", **create)
        nc.attrs["ds_type"] = "poses"


def test_a_huge_declared_shape_storing_nothing_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.nc"
    _netcdf(path, (10**11, 2, 50, 4), chunks=(1, 2, 50, 4))
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(poseio.ReadError, match=str(path)) as caught:
            poseio.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "memory budget" in str(caught.value) or "budget" in str(caught.value)
    assert peak < 50 * 2**20


def test_a_shape_under_budget_that_stores_nothing_is_refused(tmp_path):
    path = tmp_path / "hollow.nc"
    _netcdf(path, (20_000, 2, 5, 2), chunks=(100, 2, 5, 2))
    with pytest.raises(poseio.ReadError, match="hollow.nc") as caught:
        poseio.load(path)
    assert "position" in str(caught.value)


def test_external_storage_is_refused(tmp_path):
    secret = np.arange(8, dtype="<f8")
    (tmp_path / "secret.bin").write_bytes(secret.tobytes())
    path = tmp_path / "external.nc"
    _netcdf(path, (2, 2, 2, 1))
    with h5py.File(path, "a") as f:
        dims = [f["position"].dims[i][0] for i in range(4)]
        del f["position"]
        f.create_dataset("position", shape=(2, 2, 2, 1), dtype="f8", external=[(str(tmp_path / "secret.bin"), 0, 64)])
        for i, scale in enumerate(dims):
            f["position"].dims[i].attach_scale(scale)
    with pytest.raises(poseio.UnsafeFileError, match="stores its data in files"):
        poseio.load(path)


def test_a_netcdf_file_that_is_not_a_poses_dataset_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "ocean.nc"
    with h5netcdf.File(path, "w") as nc:
        nc.dimensions = {"lat": 3, "lon": 4}
        nc.create_variable("temperature", ("lat", "lon"), data=np.zeros((3, 4)))
        nc.attrs["title"] = "sea surface temperature"
    with pytest.raises(poseio.UnknownFormatError, match="movement-netcdf: no position"):
        poseio.load(path)
    with pytest.raises(poseio.UnknownFormatError, match=r"ocean.nc: format 'movement-netcdf' .* \(no position"):
        poseio.load(path, format="movement-netcdf")


def test_a_movement_bboxes_dataset_is_refused_as_such(tmp_path):
    from movement.io import load_bboxes

    ds = load_bboxes.from_numpy(
        np.ones((3, 2, 1)), np.ones((3, 2, 1)), confidence_array=np.ones((3, 1)), source_software="VIA-tracks"
    )
    ds.to_netcdf(tmp_path / "boxes.nc", engine="netcdf4")
    with pytest.raises(poseio.UnknownFormatError, match="movement-netcdf: a movement 'bboxes' dataset"):
        poseio.load(tmp_path / "boxes.nc")
    with pytest.raises(poseio.UnknownFormatError, match="boxes.nc: format 'movement-netcdf' .*'bboxes'"):
        poseio.load(tmp_path / "boxes.nc", format="movement-netcdf")


def test_position_without_netcdf_dimensions_is_refused(tmp_path):
    path = tmp_path / "plain.nc"
    with h5py.File(path, "w") as f:
        f["position"] = np.zeros((2, 2, 1, 1))
        f.attrs["ds_type"] = "poses"
    with pytest.raises(poseio.ReadError, match="plain.nc: /position has no netCDF dimension names"):
        poseio.load(path)


# -- to NWB ---------------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.slow
def test_the_corpus_file_converts_to_nwb_that_nwbinspector_finds_nothing_critical_in(tmp_path):
    from nwbinspector import inspect_nwbfile

    source = corpus_file("formats2", NAME)
    out = tmp_path / "wasp.nwb"
    (tmp_path / "subject.yaml").write_text(SUBJECT)
    done = subprocess.run(
        [POSEIO, "convert", str(source), str(out), "--subject", str(tmp_path / "subject.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        series = f["processing/behavior/PoseEstimation/head"]
        assert series["starting_time"].attrs["rate"] == 40.0  # the fps is the file's own
        assert series["data"].shape == (1085, 2)
    critical = [m for m in inspect_nwbfile(nwbfile_path=str(out)) if m is not None and m.importance.name == "CRITICAL"]
    assert not critical, critical
