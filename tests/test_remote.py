"""Reading over HTTP, S3 and DANDI URLs, against a loopback server with Range requests (no internet)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh
from poseio.testing import RangeServer
from test_convert_to_nwb import _sorted_rows
from test_corpus import finite_rows_in_file, visible_points

POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"
pytest.importorskip("fsspec", reason="remote reads need poseio[remote] (fsspec, aiohttp)")


@pytest.fixture
def server():
    with RangeServer() as running:
        yield running


def _same_points(a: poseio.Labels, b: poseio.Labels) -> bool:
    return np.array_equal(a.to_table().points, b.to_table().points, equal_nan=True)


@pytest.mark.parametrize(
    "name", ["a_pose_estimation_two_animals.nwb", "b_pose_training.nwb", "ref_dlc2nwb_example_m3v1mp4.nwb"]
)
def test_nwb_over_http_reads_every_finite_row(server, name):
    path = corpus_file("nwb", name)
    labels = poseio.load(server.serve(path))
    assert visible_points(labels) == finite_rows_in_file(path) > 0
    assert _same_points(labels, poseio.load(path))
    assert labels.provenance["source"] == server.base_url + "/files/" + name


@pytest.mark.parametrize(
    "name", ["CollectedData_Pranav.h5", "DLC_sample_poses.csv", "sio095_predictions_two_tracks.slp"]
)
def test_other_formats_over_http_match_the_producers_truth(server, name):
    """``truth.npz`` holds every finite point as the file's producer read it (corpus MANIFEST)."""
    path = corpus_file("formats", name)
    truth = np.load(corpus_file("formats", "truth.npz"))[name]
    points = poseio.load(server.serve(path)).to_table().points[..., : truth.shape[1]]
    found = points.reshape(-1, truth.shape[1])
    found = found[np.isfinite(found).all(axis=1)]
    assert found.shape == truth.shape
    np.testing.assert_array_equal(_sorted_rows(found), _sorted_rows(truth))


def test_points_match_plain_h5py(server):
    """Each PoseEstimationSeries of the file, read with h5py, is found among the remote points."""
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    labels = poseio.load(server.serve(path))
    points = labels.numpy()  # (frames, tracks, nodes, 2)
    with h5py.File(path, "r") as f:
        series = []
        f.visititems(
            lambda n, o: (
                series.append(o["data"][()])
                if o.attrs.get("neurodata_type") in (b"PoseEstimationSeries", "PoseEstimationSeries")
                else None
            )
        )

    def finite(rows):  # the series' times start at 0.5 s: frames before hold no point
        return rows[np.isfinite(rows).all(axis=1)]

    columns = [finite(points[:, t, n]) for t in range(points.shape[1]) for n in range(points.shape[2])]
    assert len(series) == len(columns) == 8
    for data in series:
        assert sum(np.array_equal(finite(data[:, :2]), c) for c in columns) == 1


def test_loading_poses_fetches_a_small_fraction_of_a_large_session(server, tmp_path):
    labels = poseio.load(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    path = tmp_path / "session.nwb"
    poseio.save(labels, path)
    with h5py.File(path, "a") as f:  # 64 MB of raw data the poses do not need
        f.create_dataset("acquisition/raw", data=np.ones((64 * 1024 * 1024 // 8,), dtype=np.float64), chunks=True)
    server.reset_counts()
    remote = poseio.load(server.serve(path))
    assert _same_points(remote, labels)
    assert server.bytes_sent < 0.05 * path.stat().st_size, (server.bytes_sent, path.stat().st_size)
    assert server.requests < 30


def test_sniff_and_explain_over_http(server):
    url = server.serve(corpus_file("nwb", "b_pose_training.nwb"))
    assert poseio.sniff(url)[0].format == "nwb-annotations"
    report = poseio.explain(url)
    assert [c.format for c in report.chosen] == ["nwb-annotations"] and report.source == url


def test_s3_urls_are_read_anonymously_through_the_endpoint(server, monkeypatch):
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    server.serve(path, at="/dandiarchive/blobs/abc/session.nwb")
    monkeypatch.setenv("POSEIO_S3_ENDPOINT", server.base_url)
    labels = poseio.load("s3://dandiarchive/blobs/abc/session.nwb")
    assert _same_points(labels, poseio.load(path))


def test_s3_urls_name_the_public_endpoint_a_certificate_covers(monkeypatch):
    from poseio._storage._remote import resolve

    monkeypatch.delenv("POSEIO_S3_ENDPOINT", raising=False)
    assert resolve("s3://dandiarchive/blobs/a b.nwb") == "https://dandiarchive.s3.amazonaws.com/blobs/a%20b.nwb"
    # *.s3.amazonaws.com does not cover my.lab.bucket.s3.amazonaws.com: a dotted bucket is addressed by path.
    assert resolve("s3://my.lab.bucket/x.nwb") == "https://s3.amazonaws.com/my.lab.bucket/x.nwb"


def test_s3_url_without_a_key_is_a_usage_error():
    with pytest.raises(poseio.InvalidSourceError, match="s3://BUCKET/KEY"):
        poseio.load("s3://only-a-bucket")


def test_dandi_urls_resolve_through_the_api(server, monkeypatch):
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    server.add_dandi_asset("000123", "sub-1/sub-1_ses-1_behavior.nwb", path)
    server.add_dandi_asset("000123", "sub-1/sub-1_ses-1_behavior.nwb", path, version="0.230101.1200")
    server.add_dandi_asset("000123", "sub-1/sub-1_ses-10_behavior.nwb", corpus_file("nwb", "b_pose_training.nwb"))
    monkeypatch.setenv("POSEIO_DANDI_API", server.dandi_api)
    expected = poseio.load(path)
    for url in (
        "dandi://000123/sub-1/sub-1_ses-1_behavior.nwb",  # the most recent published version
        "dandi://000123@draft/sub-1/sub-1_ses-1_behavior.nwb",
        "dandi://000123@0.230101.1200/sub-1/sub-1_ses-1_behavior.nwb",
    ):
        labels = poseio.load(url)
        assert _same_points(labels, expected), url
        assert labels.provenance["source"] == url
    # A path that is a prefix of another asset's is not taken for it.
    assert poseio.load("dandi://000123@draft/sub-1/sub-1_ses-10_behavior.nwb").n_user_instances > 0
    with pytest.raises(poseio.SourceNotFoundError, match="no asset at 'sub-1/missing.nwb'"):
        poseio.load("dandi://000123@draft/sub-1/missing.nwb")
    with pytest.raises(poseio.SourceNotFoundError, match="DANDI has no dandiset 000999"):
        poseio.load("dandi://000999/sub-1/x.nwb")
    with pytest.raises(poseio.InvalidSourceError, match="dandi://DANDISET"):
        poseio.load("dandi://not-a-number/x.nwb")


def test_a_missing_file_is_source_not_found_naming_the_url(server):
    url = server.base_url + "/files/nothing-here.nwb"
    with pytest.raises(poseio.SourceNotFoundError, match="nothing-here.nwb: the server has no such file"):
        poseio.load(url)


def test_an_unreachable_host_is_a_read_error_naming_the_url():
    with pytest.raises(poseio.ReadError, match=r"http://127.0.0.1:9/x.nwb: cannot reach 127.0.0.1:9"):
        poseio.load("http://127.0.0.1:9/x.nwb")


def test_a_server_without_range_support_is_a_read_error(server, monkeypatch):
    from poseio._storage import _remote

    # Blocks smaller than the file, so that reading it needs more than the first one.
    monkeypatch.setattr(_remote, "BLOCK_SIZE", 16 * 1024)
    url = server.serve(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    server.ranges = False
    with pytest.raises(poseio.ReadError, match="does not support HTTP Range requests") as caught:
        poseio.load(url)
    assert str(caught.value).startswith(url)


def test_a_response_cut_short_is_a_read_error(server):
    url = server.serve(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    server.truncate = 1000
    with pytest.raises(poseio.ReadError, match="response was cut short") as caught:
        poseio.load(url)
    assert str(caught.value).startswith(url)


def test_a_remote_file_that_links_outside_itself_is_refused(server, tmp_path):
    path = tmp_path / "linked.nwb"
    poseio.save(poseio.load(corpus_file("nwb", "a_pose_estimation_two_animals.nwb")), path)
    with h5py.File(path, "a") as f:
        f["processing/elsewhere"] = h5py.ExternalLink("/etc/passwd", "/")
    url = server.serve(path)
    with pytest.raises(poseio.UnsafeFileError) as caught:
        poseio.load(url)
    assert str(caught.value).startswith(f"{url}: it links to objects in other files: /processing/elsewhere")
    # The files a remote file names are not on this machine: opting in to follow them is refused, not misapplied.
    with pytest.raises(poseio.InvalidOptionError, match="does not apply to a URL"):
        poseio.load(url, allow_external=True)


def test_validate_over_http_fetches_the_file(server):
    pytest.importorskip("pynwb")
    url = server.serve(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    reports = poseio.validate(url)
    assert any(r.validator == "pynwb" for r in reports)


def _cli(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    return subprocess.run([POSEIO, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def test_cli_info_sniff_and_convert_over_http(server, tmp_path):
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    url = server.serve(path)
    info = _cli("info", "--json", url)
    assert info.returncode == 0, info.stderr
    summary = json.loads(info.stdout)
    assert summary["predicted_instances"] == poseio.load(path).n_predicted_instances
    sniffed = _cli("sniff", url)
    assert sniffed.returncode == 0 and "nwb-predictions" in sniffed.stdout
    out = tmp_path / "copy.nwb"
    converted = _cli("convert", url, out)
    assert converted.returncode == 0, converted.stderr
    assert visible_points(poseio.load(out)) == finite_rows_in_file(path)
    missing = _cli("info", server.base_url + "/files/absent.nwb")
    assert missing.returncode == 1 and "absent.nwb: the server has no such file" in missing.stderr


def test_a_fresh_process_reads_a_url_without_heavy_imports(server):
    path = corpus_file("nwb", "a_pose_estimation_two_animals.nwb")
    url = server.serve(path)
    result = run_fresh(
        f"""
        labels = poseio.load({url!r})
        print(labels.n_predicted_instances)
        assert "pynwb" not in sys.modules and "ndx_pose" not in sys.modules
        """
    )
    assert int(result.stdout.split()[-1]) == poseio.load(path).n_predicted_instances


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open sockets in Linux /proc")
def test_loads_in_a_loop_leave_no_connection_open(server):
    # fsspec closes a session when its file system is garbage collected; with the collector off, a loop of
    # loads must still not pile up sockets (a batch over many URLs would run out of file descriptors).
    url = server.serve(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"))
    result = run_fresh(
        f"""
        import gc, os
        gc.disable()
        def sockets():
            count = 0
            for fd in os.listdir("/proc/self/fd"):
                try:
                    count += os.readlink(f"/proc/self/fd/{{fd}}").startswith("socket:")
                except OSError:
                    pass  # the descriptor listdir itself used, closed since
            return count
        poseio.load({url!r})
        after_one = sockets()
        for _ in range(20):
            poseio.load({url!r})
        print(after_one, sockets())
        """
    )
    after_one, after_many = map(int, result.stdout.split()[-2:])
    assert after_many <= after_one + 2, f"{after_many - after_one} sockets left open by 20 loads"


def test_without_fsspec_a_url_says_what_to_install():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['fsspec'] = None\n"
            "import poseio\n"
            "try:\n    poseio.load('https://example.org/x.nwb')\n"
            "except poseio.UsageError as e:\n    print(type(e).__name__, e)\n",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "pip install 'poseio[remote]'" in result.stdout, result.stderr


def test_the_documented_example_runs():
    example = Path(__file__).resolve().parents[1] / "examples" / "remote_read.py"
    result = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "user_instances=10, predicted_instances=300" in result.stdout
    assert "nwb-predictions [part pose-estimation] confidence 0.90" in result.stdout
