"""Batch conversion on a Dask cluster (issue 11): a LocalCluster of two worker processes stands in for SLURM.

The outputs are checked as in test_batch_convert.py: points read with h5py
against the producers' truth.
"""

import os
import time

import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from test_batch_convert import ENV, assert_all_converted, lay_out, report_lines, run

distributed = pytest.importorskip("distributed", reason="the Dask engine needs poseio[dask]")

LAYOUT = {
    "data/m1/session.h5": ("DLC_sample_poses.h5", "m1/session.nwb"),
    "data/m2/session.h5": ("movement015_single_mouse1_dlc.h5", "m2/session.nwb"),
    "data/m2/labels.slp": ("sio095_user_labels.slp", "m2/labels.nwb"),
}


@pytest.fixture(scope="module")
def cluster():
    # The workers inherit the environment: the test plugin that fails to load stays quiet there too.
    saved = os.environ.get("POSEIO_DISABLE_PLUGINS")
    os.environ["POSEIO_DISABLE_PLUGINS"] = ENV["POSEIO_DISABLE_PLUGINS"]
    try:
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local:
            yield local
    finally:
        if saved is None:
            os.environ.pop("POSEIO_DISABLE_PLUGINS", None)
        else:
            os.environ["POSEIO_DISABLE_PLUGINS"] = saved


@pytest.mark.corpus
def test_a_client_converts_every_file_on_the_cluster_workers(tmp_path, cluster, monkeypatch):
    lay_out(tmp_path, {where: name for where, (name, _) in LAYOUT.items()})
    # Relative paths, as a user gives them: the workers, started elsewhere, must still find the files.
    monkeypatch.chdir(tmp_path)
    with distributed.Client(cluster) as client:
        result = poseio.convert_many("data", "out", to=".nwb", fps=30, client=client, report="report.jsonl")
        worker_pids = set(client.run(os.getpid).values())
    assert result.ok and [o.status for o in result.outcomes] == ["converted"] * 3, result
    assert [o.source for o in result.outcomes] == ["data/m1/session.h5", "data/m2/labels.slp", "data/m2/session.h5"]
    assert {o.output for o in result.outcomes} == {os.path.join("out", o) for _, o in LAYOUT.values()}
    assert_all_converted(tmp_path / "out", LAYOUT)
    pids = {int(o.worker.rsplit(":", 1)[1]) for o in result.outcomes}
    assert pids <= worker_pids and os.getpid() not in pids
    assert set(report_lines(tmp_path / "report.jsonl")) == {o.source for o in result.outcomes}


@pytest.mark.corpus
def test_the_command_sends_the_files_to_a_scheduler_and_a_rerun_skips_them(tmp_path, cluster):
    lay_out(tmp_path, {where: name for where, (name, _) in LAYOUT.items()})
    args = ["convert", "data", "--out-dir", "out", "--to", ".nwb", "--fps", "30", "--scheduler"]
    first = run(*args, cluster.scheduler_address, "--report", "first.jsonl", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "3 converted, 0 skipped, 0 failed" in first.stderr
    assert_all_converted(tmp_path / "out", LAYOUT)
    workers = {line["worker"] for line in report_lines(tmp_path / "first.jsonl").values()}
    assert not {w for w in workers if w.endswith(f":{first.pid}")}, "converted by the command, not the cluster"
    again = run(*args, cluster.scheduler_address, "--report", "again.jsonl", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert {line["status"] for line in report_lines(tmp_path / "again.jsonl").values()} == {"skipped-existing"}


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    source = corpus_file("formats", "typical.slp")
    # Dask's own setting of how long to wait for a scheduler applies (30 s by default).
    monkeypatch.setitem(ENV, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")
    result = run(
        "convert", source, "--out-dir", "out", "--to", ".nwb", "--scheduler", "tcp://127.0.0.1:1", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.startswith("poseio: error: cannot reach a Dask scheduler at tcp://127.0.0.1:1"), result.stderr


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("garbage", "'garbage' is not a scheduler address"),
        ("nosuch.json", "nosuch.json: no such scheduler file"),
        ("NOSUCH.JSON", "NOSUCH.JSON: no such scheduler file"),
    ],
)
def test_a_malformed_scheduler_address_is_refused_at_once(tmp_path, address, message):
    source = corpus_file("formats", "typical.slp")
    started = time.monotonic()
    result = run("convert", source, "--out-dir", "out", "--to", ".nwb", "--scheduler", address, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"poseio: error: {message}"), result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    # Dask waits out its connect timeout (30 s) twice for an address it cannot parse; poseio does not ask it.
    assert time.monotonic() - started < 25
    assert not (tmp_path / "out").exists()


@pytest.mark.corpus
def test_a_failure_on_the_cluster_names_the_file_as_given(tmp_path, cluster):
    (tmp_path / "data").mkdir()
    whole = corpus_file("formats", "DLC_sample_poses.h5").read_bytes()
    (tmp_path / "data" / "truncated.h5").write_bytes(whole[: len(whole) // 2])
    args = ["convert", "data/truncated.h5", "--out-dir", "out", "--to", ".nwb", "--fps", "30"]
    result = run(*args, "--scheduler", cluster.scheduler_address, "--report", "r.jsonl", cwd=tmp_path)
    assert result.returncode == 1
    line = report_lines(tmp_path / "r.jsonl")["data/truncated.h5"]
    assert line["status"] == "failed" and line["error"] == "ReadError"
    # The workers were sent absolute paths; the user reads the path they gave, once.
    assert line["message"].startswith("data/truncated.h5: ") and str(tmp_path) not in line["message"]
    assert f"failed: {line['message']}" in result.stderr


@pytest.mark.corpus
def test_an_in_process_clusters_address_is_taken(tmp_path, monkeypatch):
    lay_out(tmp_path, {"data/s.slp": "typical.slp"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSEIO_DISABLE_PLUGINS", ENV["POSEIO_DISABLE_PLUGINS"])
    with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address=None) as local:
        assert local.scheduler_address.startswith("inproc://")
        result = poseio.convert_many("data", "out", to=".nwb", fps=30, client=local.scheduler_address)
    assert result.ok and [o.status for o in result.outcomes] == ["converted"], result


def test_without_dask_the_error_says_what_to_install(tmp_path):
    source = str(corpus_file("formats", "typical.slp"))
    run_fresh(
        f"""
        sys.modules["distributed"] = None  # as if dask.distributed were not installed
        from pathlib import Path
        out = Path({str(tmp_path)!r}) / "out"
        try:
            poseio.convert_many([{source!r}], out, to=".nwb", client="tcp://127.0.0.1:8786")
        except poseio.MissingDependencyError as error:
            assert isinstance(error, ImportError)
            assert "pip install 'poseio[dask]'" in str(error), error
        else:
            raise AssertionError("no error without dask")
        assert not out.exists()  # refused before anything was written
        """
    )


def test_importing_poseio_leaves_dask_and_the_process_pool_unimported():
    result = run_fresh(
        "print(sorted(m for m in ('dask', 'distributed', 'tqdm', 'concurrent.futures') if m in sys.modules))"
    )
    assert result.stdout.strip() == "[]"
