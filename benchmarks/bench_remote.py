"""Remote reads: what loading the poses of a large NWB session over HTTP fetches.

    python benchmarks/bench_remote.py                       # 300 MB of unrelated data, 20,000 frames
    python benchmarks/bench_remote.py --unrelated-mb 1000 --block-sizes 65536,262144,1048576

A DANDI session file is mostly raw data (ephys, video) around a few megabytes
of poses. This writes such a file with pynwb + ndx-pose (a large acquisition
TimeSeries, written before the poses, and PoseEstimation series for two
animals), serves it from a loopback HTTP server with Range requests
(`poseio.testing.RangeServer`), and prints, for each block size, the bytes and
requests that ``poseio.load(url)`` took, against the file's size and the bytes
the poses themselves hold, and the time against loading the local copy (both
medians of --repeats runs, measured in the same run). The loopback has no
latency: over the internet each request costs a round trip more.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import poseio
from _common import median_time
from bench_predictions import make_labels, write_with_pynwb
from poseio._storage import _remote
from poseio.testing import RangeServer


def write_session(path: Path, labels: poseio.Labels, unrelated_mb: int) -> None:
    """An NWB session: ``unrelated_mb`` of raw acquisition data, then the poses."""
    from pynwb import TimeSeries

    samples = unrelated_mb * 1024 * 1024 // (2 * 64)
    raw = np.random.default_rng(1).integers(-2000, 2000, size=(samples, 64), dtype=np.int16)

    def add_raw(nwbfile) -> None:
        nwbfile.add_acquisition(TimeSeries(name="raw_ephys", data=raw, unit="uV", rate=30000.0))

    write_with_pynwb(labels, path, add_more=add_raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unrelated-mb", type=int, default=300)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--block-sizes", default="65536,262144,1048576,4194304")
    args = parser.parse_args()
    labels = make_labels(args.frames, 2, 10)
    with tempfile.TemporaryDirectory() as folder, RangeServer() as server:
        path = Path(folder, "session.nwb")
        write_session(path, labels, args.unrelated_mb)
        size = path.stat().st_size
        points, scores = labels.numpy(return_scores=True)
        pose_bytes = points.nbytes + scores.nbytes
        url = server.serve(path)
        local_time, local = median_time(lambda: poseio.load(path), args.repeats)
        print(f"file: {size / 1e6:.1f} MB, of which the poses (points and scores, float64) {pose_bytes / 1e6:.1f} MB")
        print(f"local load: {local_time:.3f} s (median of {args.repeats})")
        print(
            f"{'block':>9} {'requests':>9} {'fetched':>10} {'of file':>8} {'of poses':>9} {'time':>8} {'vs local':>9}"
        )
        default = _remote.BLOCK_SIZE
        try:
            for block in (int(b) for b in args.block_sizes.split(",")):
                _remote.BLOCK_SIZE = block
                times, counts = [], []
                for _ in range(args.repeats):
                    server.reset_counts()
                    start = time.perf_counter()
                    remote = poseio.load(url)
                    times.append(time.perf_counter() - start)
                    counts.append((server.requests, server.bytes_sent))
                assert np.array_equal(remote.numpy(), local.numpy(), equal_nan=True), "remote and local differ"
                requests, fetched = counts[-1]
                median = statistics.median(times)
                print(
                    f"{block:>9} {requests:>9} {fetched / 1e6:>8.2f}MB {fetched / size:>7.2%} "
                    f"{fetched / pose_bytes:>8.2f}x {median:>7.3f}s {median / local_time:>8.2f}x"
                    + ("   <- default" if block == default else "")
                )
        finally:
            _remote.BLOCK_SIZE = default


if __name__ == "__main__":
    main()
