"""ndx-pose 0.4 MultiCameraPoseEstimation: every view loaded, as views, and written back nested.

The file is written with pynwb + ndx-pose as their documentation shows: 3D
world-coordinate series plus one PoseEstimation per camera, each linking its
CalibratedCamera. Values are compared with h5py, not through poseio.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from fresh_process import run_fresh
from h5_snapshot import timed_pose_rows
from nwb_helpers import validation_errors

POSEIO = str(Path(sys.executable).with_name("poseio"))
MULTI = "/processing/behavior/MultiCameraPoseEstimation"


@pytest.fixture(scope="module")
def multicamera(tmp_path_factory) -> Path:
    from ndx_pose import (
        CalibratedCamera,
        MultiCameraPoseEstimation,
        PoseEstimation,
        PoseEstimationSeries,
        Skeleton,
        Skeletons,
    )
    from pynwb import NWBHDF5IO, NWBFile

    rng = np.random.default_rng(3)
    nwbfile = NWBFile(
        session_description="three cameras",
        identifier="mc-1",
        session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )
    module = nwbfile.create_processing_module("behavior", "behavior")
    skeleton = Skeleton(name="mouse", nodes=["nose", "tail"], edges=np.array([[0, 1]], dtype=np.uint8))
    module.add(Skeletons(skeletons=[skeleton]))
    stamps = 12.5 + np.arange(20) / 30.0

    def node_series(ndim: int, unit: str, reference_frame: str) -> list:
        return [
            PoseEstimationSeries(
                name=node,
                data=rng.random((20, ndim)) * 100,
                confidence=rng.random(20),
                unit=unit,
                reference_frame=reference_frame,
                timestamps=stamps,
            )
            for node in ("nose", "tail")
        ]

    views = []
    for c in range(2):
        camera = CalibratedCamera(
            name=f"camera{c}",
            description=f"camera {c}",
            intrinsic_matrix=np.diag([800.0, 800.0, 1.0]).astype(np.float32) + c,
            rotation_matrix=np.eye(3, dtype=np.float32),
            translation_vector=np.array([c, 0.0, 1.0], dtype=np.float32),
        )
        nwbfile.add_device(camera)
        series = node_series(2, "pixels", "top left of the camera's image")
        views.append(
            PoseEstimation(name=f"view_camera{c}", pose_estimation_series=series, skeleton=skeleton, device=camera)
        )
    world = node_series(3, "millimeters", "the arena's centre")
    module.add(
        MultiCameraPoseEstimation(
            name="MultiCameraPoseEstimation",
            pose_estimation_series=world,
            pose_estimations=views,
            skeleton=skeleton,
            source_software="anipose",
            description="triangulated from two cameras",
        )
    )
    path = tmp_path_factory.mktemp("multicamera") / "mc.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def test_every_view_loads_as_a_view_not_an_animal(multicamera):
    labels = poseio.load(multicamera)
    names = sorted(v.filename.rsplit("/", 1)[-1] for v in labels.videos)
    assert names == ["MultiCameraPoseEstimation", "camera0", "camera1"]
    assert labels.tracks == []  # cameras are not animals
    with h5py.File(multicamera, "r") as f:
        for i, video in enumerate(labels.videos):
            points = labels.numpy(video=i)[:, 0]
            if video.metadata.get("world_coordinates"):
                expected = np.stack([f[f"{MULTI}/{n}/data"][()] for n in ("nose", "tail")], axis=1)
            else:
                camera = video.filename.rsplit("/", 1)[-1]
                expected = np.stack([f[f"{MULTI}/view_{camera}/{n}/data"][()] for n in ("nose", "tail")], axis=1)
            # A camera view is 2D (no NaN z column), the world view 3D.
            np.testing.assert_array_equal(points, expected)


def test_the_views_option_selects_views(multicamera):
    world = poseio.load(multicamera, views=["world"])
    assert [v.metadata.get("world_coordinates") for v in world.videos] == [True]
    camera = poseio.load(multicamera, views=["camera1"])
    assert [v.filename.rsplit("/", 1)[-1] for v in camera.videos] == ["camera1"]
    with pytest.raises(poseio.InvalidOptionError, match="no view named \\['camera7'\\]"):
        poseio.load(multicamera, views=["camera7"])


def test_convert_keeps_the_multicamera_container_its_views_and_cameras(multicamera, tmp_path):
    output = tmp_path / "copy.nwb"
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    done = subprocess.run([POSEIO, "convert", str(multicamera), str(output)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(timed_pose_rows(output)) == sorted(timed_pose_rows(multicamera))
    with h5py.File(multicamera, "r") as before, h5py.File(output, "r") as after:
        container = after[MULTI]
        assert container.attrs["neurodata_type"] == "MultiCameraPoseEstimation"
        assert container["source_software"][()] == before[MULTI]["source_software"][()]
        for c in range(2):
            view = container[f"view_camera{c}"]
            assert view.attrs["neurodata_type"] == "PoseEstimation"
            assert view.get("device", getlink=True).path == f"/general/devices/camera{c}"
            camera = view["device"]
            assert camera.attrs["neurodata_type"] == "CalibratedCamera"
            for name in ("intrinsic_matrix", "rotation_matrix", "translation_vector"):
                np.testing.assert_array_equal(camera[name][()], before[f"/general/devices/camera{c}/{name}"][()])
        assert container["nose/data"].attrs["unit"] == "millimeters"
        assert "acquisition" not in after or not list(after["acquisition"])  # no made-up video files
    assert validation_errors(output) == []


def test_a_multicamera_of_camera_views_only_converts(multicamera, tmp_path):
    source = tmp_path / "views_only.nwb"
    source.write_bytes(multicamera.read_bytes())
    with h5py.File(source, "a") as f:
        for node in ("nose", "tail"):
            del f[f"{MULTI}/{node}"]
    output = tmp_path / "copy.nwb"
    poseio.save(poseio.load(source), output)
    assert sorted(timed_pose_rows(output)) == sorted(timed_pose_rows(source))
    with h5py.File(output, "r") as f:
        assert f[MULTI].attrs["neurodata_type"] == "MultiCameraPoseEstimation"
        assert sorted(n for n in f[MULTI] if n.startswith("view_")) == ["view_camera0", "view_camera1"]
        assert f[MULTI]["description"][()] == b"triangulated from two cameras"


def test_ndx_pose_own_example_cameras_are_views_of_one_animal(tmp_path):
    # ndx-pose 0.4's own example (its mock_MultiCameraPoseEstimation): the camera views are named
    # PoseEstimation_camera1/2, which poseio's naming rules would take for animals.
    from ndx_pose.testing.mock.pose import mock_MultiCameraPoseEstimation
    from pynwb import NWBHDF5IO
    from pynwb.testing.mock.file import mock_NWBFile

    nwbfile = mock_NWBFile()
    mock_MultiCameraPoseEstimation(nwbfile=nwbfile)
    path, output = tmp_path / "example.nwb", tmp_path / "copy.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    done = run_fresh(
        f"""
        import json
        labels = poseio.load({str(path)!r})
        names = [v.filename.rsplit("/", 1)[-1] for v in labels.videos]
        shapes = {{name: list(labels.numpy(video=i).shape) for i, name in enumerate(names)}}
        print(json.dumps([[t.name for t in labels.tracks], shapes]))
        poseio.save(labels, {str(output)!r})
        """
    )
    tracks, shapes = json.loads(done.stdout.splitlines()[-1])
    assert tracks == []  # one animal, no camera a track
    # Each camera a 2D view, the world 3D; one animal column each.
    assert shapes == {"MultiCameraPoseEstimation": [10, 1, 3, 3], "camera1": [10, 1, 3, 2], "camera2": [10, 1, 3, 2]}
    labels = poseio.load(path, views=["camera2"])
    with h5py.File(path, "r") as f:
        view = f[f"{MULTI}/PoseEstimation_camera2"]
        expected = np.stack([view[f"node{n}/data"][()] for n in (1, 2, 3)], axis=1)
    np.testing.assert_array_equal(labels.numpy()[:, 0], expected)
    # Written back nested, under the example's names.
    assert sorted(timed_pose_rows(output)) == sorted(timed_pose_rows(path))
    with h5py.File(output, "r") as f:
        assert sorted(k for k in f[MULTI] if k.startswith("PoseEstimation")) == [
            "PoseEstimation_camera1", "PoseEstimation_camera2"
        ]  # fmt: skip
