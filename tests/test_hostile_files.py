"""Crafted HDF5 files: poseio never reads outside the file, never loops, never allocates what a file claims.

Each file starts as a small predictions file poseio wrote and is altered with
plain h5py the way an attacker (or a broken tool) would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from fresh_process import run_fresh
from nwb_helpers import predictions

SERIES = "/processing/behavior/PoseEstimation_m1/nose"


@pytest.fixture
def nwb(tmp_path):
    path = tmp_path / "poses.nwb"
    poseio.save(predictions(), path)
    return path


def _replace_data(path, **create) -> None:
    with h5py.File(path, "a") as f:
        group = f[SERIES]
        shape = group["data"].shape
        del group["data"]
        group.create_dataset("data", shape=create.pop("shape", shape), dtype="f8", **create)


def test_external_storage_is_refused_and_read_only_on_request(nwb, tmp_path):
    secret = np.arange(40, dtype="<f8") + 0.5
    (tmp_path / "secret.bin").write_bytes(secret.tobytes())
    _replace_data(nwb, external=[(str(tmp_path / "secret.bin"), 0, secret.nbytes)])

    with pytest.raises(poseio.UnsafeFileError, match="stores its data in files") as caught:
        poseio.load(nwb)
    assert caught.value.objects == [f"{SERIES}/data"]
    assert "allow_external=True" in str(caught.value)

    labels = poseio.load(nwb, allow_external=True)
    nose = labels.skeletons[0].node_names.index("nose")
    np.testing.assert_array_equal(labels.numpy()[:20, 0, nose], secret.reshape(20, 2))


def test_convert_refuses_external_storage(nwb, tmp_path):
    # The CLI goes through load: no bytes of another file may end up in the output.
    (tmp_path / "secret.bin").write_bytes(b"x" * 320)
    _replace_data(nwb, external=[(str(tmp_path / "secret.bin"), 0, 320)])
    for command in (["convert", nwb, tmp_path / "out.nwb"], ["info", nwb], ["validate", nwb]):
        result = _cli(*command)
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("poseio: error: ") and len(result.stderr.strip().splitlines()) == 1
        assert "stores its data in files" in result.stderr
    assert not (tmp_path / "out.nwb").exists()
    assert _cli("convert", nwb, tmp_path / "out.nwb", "--allow-external").returncode == 0


def _cli(*args) -> subprocess.CompletedProcess:
    poseio_cli = str(Path(sys.executable).with_name("poseio"))
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    return subprocess.run([poseio_cli, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def test_external_link_is_refused(nwb, tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.zeros((20, 2))
    with h5py.File(nwb, "a") as f:
        f["/processing/behavior/PoseEstimation_m1/stolen"] = h5py.ExternalLink(str(other), "/")
    with pytest.raises(poseio.UnsafeFileError, match="links to objects in other files") as caught:
        poseio.load(nwb)
    assert caught.value.objects == ["/processing/behavior/PoseEstimation_m1/stolen"]
    assert poseio.load(nwb, allow_external=True).n_predicted_instances == predictions().n_predicted_instances


def test_external_link_to_a_fifo_is_never_opened(nwb, tmp_path):
    # Following this link would block forever in open(); refusing must not even try.
    fifo = tmp_path / "fifo.h5"
    os.mkfifo(fifo)
    with h5py.File(nwb, "a") as f:
        f[f"{SERIES}/data_link"] = h5py.ExternalLink(str(fifo), "/data")
    run_fresh(
        f"""
        try:
            poseio.load({str(nwb)!r})
        except poseio.UnsafeFileError as exc:
            assert "data_link" in str(exc)
        else:
            raise AssertionError("loaded")
        """,
        timeout=60,
    )


def test_virtual_dataset_with_a_missing_source_is_refused(nwb, tmp_path):
    layout = h5py.VirtualLayout(shape=(20, 2), dtype="f8")
    layout[:] = h5py.VirtualSource(str(tmp_path / "missing.h5"), "data", shape=(20, 2))
    with h5py.File(nwb, "a") as f:
        del f[SERIES]["data"]
        f[SERIES].create_virtual_dataset("data", layout, fillvalue=0)
    with pytest.raises(poseio.UnsafeFileError, match="virtual dataset") as caught:
        poseio.load(nwb)
    assert caught.value.objects == [f"{SERIES}/data"]


@pytest.mark.parametrize("target", ["/processing", "/"])
def test_hard_link_cycles_end(nwb, tmp_path, target):
    with h5py.File(nwb, "a") as f:
        f["/processing/behavior"]["loop"] = f[target]
    expected = poseio.load(nwb).numpy()  # in this process: must return
    # And every command that walks the file, in a fresh process with a deadline.
    code = f"""
        labels = poseio.load({str(nwb)!r})
        assert labels.numpy().shape == {expected.shape!r}
        poseio.sniff({str(nwb)!r}); str(poseio.explain({str(nwb)!r}))
    """
    run_fresh(textwrap.dedent(code), timeout=120)
    for command in (["info", nwb], ["convert", nwb, tmp_path / "out.nwb"], ["plot", nwb, "-o", tmp_path / "o.png"]):
        assert _cli(*command).returncode == 0
    np.testing.assert_array_equal(poseio.load(tmp_path / "out.nwb").numpy(), expected)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from Linux /proc")
def test_hollow_dataset_is_refused_without_allocating(nwb):
    # 10^8 declared rows that were never written: reading them would allocate 1.6 GB of zeros.
    rows = 10**8
    with h5py.File(nwb, "a") as f:
        group = f[SERIES]
        for name in ("data", "confidence", "timestamps"):
            if name in group:
                del group[name]
        group.create_dataset("data", shape=(rows, 2), dtype="f8", chunks=(10000, 2))
        group.create_dataset("timestamps", shape=(rows,), dtype="f8", chunks=(10000,))
        for name in ("starting_time",):
            if name in group:
                del group[name]
    assert nwb.stat().st_size < 1_000_000
    # The peak is read from /proc (VmHWM, this process image's own high-water mark), not from
    # getrusage's ru_maxrss, which a child inherits from the parent that started it: in a long
    # pytest run it reported the test process's 400 MB, not the load's.
    result = run_fresh(
        f"""
        def peak_kb():
            with open("/proc/self/status") as status:
                return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])
        try:
            poseio.load({str(nwb)!r})
        except poseio.UnsafeFileError as exc:
            print(type(exc).__name__, exc)
        print("peak", peak_kb())
        """,
        timeout=120,
    )
    assert "UnsafeFileError" in result.stdout and "stores only 0 of its" in result.stdout
    peak_kb = int(result.stdout.split("peak")[-1])
    assert peak_kb < 400_000, f"peak memory {peak_kb} kB: something allocated what the file declared"


def test_memory_budget_bounds_genuine_large_datasets(tmp_path):
    path = tmp_path / "big.nwb"
    poseio.save(predictions(n_frames=5000, tracks=("m1",)), path)
    with pytest.raises(poseio.UnsafeFileError, match="memory budget of 10.0 kB") as caught:
        poseio.load(path, memory_budget="10kB")
    assert "memory_budget=" in str(caught.value) and "POSEIO_MEMORY_BUDGET" in str(caught.value)
    assert poseio.load(path).n_predicted_instances == predictions(n_frames=5000, tracks=("m1",)).n_predicted_instances
    with pytest.raises(poseio.InvalidOptionError, match="not a size"):
        poseio.load(path, memory_budget="lots")


def test_memory_budget_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "big.nwb"
    poseio.save(predictions(n_frames=5000, tracks=("m1",)), path)
    monkeypatch.setenv("POSEIO_MEMORY_BUDGET", "20kB")
    with pytest.raises(poseio.UnsafeFileError, match="memory budget of 20.0 kB"):
        poseio.load(path)


def test_numpy_refuses_a_frame_range_beyond_the_budget(nwb):
    # A series whose one pose sits at frame 10^12 (a timestamp far into the session): load keeps
    # it, and numpy() refuses to allocate 10^12 frames instead of dying with MemoryError.
    with h5py.File(nwb, "a") as f:
        starting_time = f[SERIES]["starting_time"]
        starting_time[()] = 1e12 / starting_time.attrs["rate"]
    labels = poseio.load(nwb)
    assert max(frame.frame_idx for frame in labels.labeled_frames) >= 10**12
    with pytest.raises(poseio.InvalidLabelsError, match="labels.numpy\\(\\): a grid of .* frames x .* memory budget"):
        labels.numpy()


def test_a_large_user_block_does_not_hide_the_file_from_the_checks(nwb, tmp_path):
    # HDF5 finds its signature after a user block of any power-of-two size; poseio must look as far.
    with h5py.File(nwb, "a") as f:
        f["/acquisition/elsewhere"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/")
    padded = tmp_path / "padded.nwb"
    with open(padded, "wb") as out:
        out.write(b"\0" * 8192 + nwb.read_bytes())
    with h5py.File(padded, "r") as f:  # HDF5 itself opens it
        assert "acquisition" in f
    with pytest.raises(poseio.UnsafeFileError, match="links to objects in other files"):
        poseio.load(padded)
    result = _cli("validate", padded)
    assert result.returncode == 1 and "links to objects in other files" in result.stderr


@pytest.mark.slow
def test_the_pose_grid_is_held_to_the_memory_budget(tmp_path):
    # Few stored rows, many declared nodes: each dataset is tiny, the grid they make is not.
    skeleton = poseio.Skeleton([f"n{i}" for i in range(2000)])
    labels = poseio.Labels.from_numpy(
        np.ones((50, 1, 2000, 2)), video=poseio.Video("v.mp4", fps=10.0), skeleton=skeleton
    )
    path = tmp_path / "wide.nwb"
    poseio.save(labels, path)
    # One budget per load: the series' data and the grid draw from the same 1 MB, whichever is refused.
    with pytest.raises(poseio.UnsafeFileError, match="would need .* memory budget of 1.0 MB for one load"):
        poseio.load(path, memory_budget="1MB")
    assert poseio.load(path).n_predicted_instances == 50


def test_annotation_datasets_outside_the_file_are_refused_as_such(tmp_path):
    from nwb_helpers import annotations

    path = tmp_path / "labels.nwb"
    poseio.save(annotations(), path)
    (tmp_path / "secret.bin").write_bytes(b"\1" * 48)
    with h5py.File(path, "a") as f:
        frames = f["/processing/behavior/PoseTraining/training_frames"]
        instances = frames[sorted(frames)[0]]["skeleton_instances"]
        instance = instances[sorted(instances)[0]]
        shape = instance["node_locations"].shape
        del instance["node_locations"]
        instance.create_dataset(
            "node_locations", shape=shape, dtype="f8", external=[(str(tmp_path / "secret.bin"), 0, 48)]
        )
        name = instance.name
    with pytest.raises(poseio.UnsafeFileError, match="stores its data in files") as caught:
        poseio.load(path)
    assert caught.value.objects == [f"{name}/node_locations"]


def test_plot_opens_only_a_video_beside_the_pose_file(tmp_path):
    video = Path(__file__).resolve().parents[1] / "examples" / "two_mice.mp4"
    labels = predictions(n_frames=5, tracks=("m1",))
    labels.videos[0].filename = str(video)  # an absolute path outside the pose file's folder
    path = tmp_path / "poses.nwb"
    poseio.save(labels, path)
    refused = _cli("plot", path, "-o", tmp_path / "a.png")
    assert refused.returncode == 0 and "skeletons over frame" not in refused.stdout
    allowed = _cli("plot", path, "-o", tmp_path / "b.png", "--allow-external")
    assert allowed.returncode == 0 and "skeletons over frame" in allowed.stdout
