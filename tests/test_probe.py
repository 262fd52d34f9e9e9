"""The probe's index of typed groups: what it finds, what it skips, and its bound on large groups."""

import h5py
import numpy as np
from poseio._plugins._probe import INDEX_MAX_CHILDREN, INDEX_SAMPLE_CHILDREN, Probe


def _typed(group, name, neurodata_type, namespace="ndx-pose"):
    child = group.create_group(name)
    child.attrs["neurodata_type"] = neurodata_type
    child.attrs["namespace"] = namespace
    return child


def test_index_finds_nested_typed_groups_once_and_skips_specifications(tmp_path):
    path = tmp_path / "f.nwb"
    with h5py.File(path, "w") as f:
        f.attrs["neurodata_type"] = "NWBFile"
        module = _typed(f.create_group("processing"), "behavior", "ProcessingModule", "core")
        pose = _typed(module, "PoseEstimation_m1", "PoseEstimation")
        _typed(pose, "nose", "PoseEstimationSeries")
        pose["alias"] = h5py.SoftLink(pose.name)  # a second way to reach it must not count
        _typed(f.create_group("specifications"), "cached", "PoseEstimation")
    with Probe(path) as probe:
        found = {(g.path, g.neurodata_type, g.namespace) for g in probe.typed_groups}
        assert found == {
            ("/processing/behavior", "ProcessingModule", "core"),
            ("/processing/behavior/PoseEstimation_m1", "PoseEstimation", "ndx-pose"),
            ("/processing/behavior/PoseEstimation_m1/nose", "PoseEstimationSeries", "ndx-pose"),
        }
        assert [g.path for g in probe.find("PoseEstimation")] == ["/processing/behavior/PoseEstimation_m1"]


def test_only_the_first_children_of_a_large_group_are_looked_at(tmp_path):
    path = tmp_path / "f.nwb"
    with h5py.File(path, "w") as f:
        frames = f.create_group("frames")
        for i in range(INDEX_MAX_CHILDREN + 1):
            _typed(frames, f"frame_{i:05d}", "TrainingFrame")
        images = f.create_group("images")
        for i in range(INDEX_MAX_CHILDREN + 1):
            images.create_dataset(f"image_{i:05d}", data=np.zeros(1))
        _typed(images, "zz_after_the_images", "Images")  # beyond the sample: not seen
    with Probe(path) as probe:
        paths = [g.path for g in probe.typed_groups]
    assert paths == [f"/frames/frame_{i:05d}" for i in range(INDEX_SAMPLE_CHILDREN)]


def test_attributes_declaring_more_than_the_limit_are_not_read(tmp_path, monkeypatch):
    # A damaged type size can declare gigabytes for a few stored bytes: reading would allocate them.
    # Here the limit is lowered to below a real 4 kB attribute instead.
    from poseio._storage import _hdf5

    path = tmp_path / "f.nwb"
    with h5py.File(path, "w") as f:
        f.attrs["nwb_version"] = "2.8.0"
        f.attrs["large"] = np.bytes_(b"x" * 4096)
        _typed(f, "pose", "PoseEstimation").attrs["description"] = np.bytes_(b"y" * 4096)
    monkeypatch.setattr(_hdf5, "MAX_ATTRIBUTE_BYTES", 1024)
    with Probe(path) as probe:
        assert probe.root_attrs == {"nwb_version": "2.8.0"}
        assert _hdf5.attribute_text(probe.h5["pose"].id, b"description") is None
        assert _hdf5.attribute_text(probe.h5["pose"].id, b"neurodata_type") == "PoseEstimation"
