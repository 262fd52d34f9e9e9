"""SLEAP speed: poseio's load + numpy() against sleap-io's, on files sleap-io wrote.

    python benchmarks/bench_sleap.py                        # 100,000 frames x 2 tracks x 15 nodes
    python benchmarks/bench_sleap.py --frames 10000 --repeats 3

Builds predictions (every instance, point, instance and tracking score; 5% of
points hidden), writes them with poseio as ``.slp``, has sleap-io read that
file (the numbers must match poseio's exactly) and write it again with its own
``save_slp`` and ``save_analysis_h5``. Those two producer-written files are
then timed, each measure alternating with the others, and the medians printed
with their ratio to sleap-io's reader (target <= 1.0). Raw h5py reading the
analysis file's five arrays, and sleap-io's lazy ``.slp`` loader, are shown
for reference.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import h5py
import numpy as np
import poseio
import sleap_io as sio
from _common import median_times, report

ANALYSIS_DATASETS = ("tracks", "track_occupancy", "point_scores", "instance_scores", "tracking_scores")


def make_labels(n_frames: int, n_tracks: int, n_nodes: int) -> poseio.Labels:
    rng = np.random.default_rng(0)
    points = rng.random((n_frames, n_tracks, n_nodes, 2)) * 500
    points[rng.random(points.shape[:3]) < 0.05] = np.nan
    skeleton = poseio.Skeleton(
        [f"node_{i}" for i in range(n_nodes)], edges=[(i, i + 1) for i in range(n_nodes - 1)], name="animal"
    )
    # float32 scores: SLEAP stores instance and tracking scores as float32.
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/video.mp4", fps=30.0, shape=(n_frames, 480, 640, 1)),
        skeleton=skeleton,
        tracks=[poseio.Track(f"track_{i}") for i in range(n_tracks)],
        point_scores=rng.random(points.shape[:3]),
        scores=rng.random(points.shape[:2]).astype(np.float32),
        tracking_scores=rng.random(points.shape[:2]).astype(np.float32),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    labels = make_labels(args.frames, args.tracks, args.nodes)
    expected = labels.numpy()
    with tempfile.TemporaryDirectory() as folder:
        ours, slp, analysis = (
            Path(folder, "poseio.slp"),
            Path(folder, "sleap_io.slp"),
            Path(folder, "sleap_io.analysis.h5"),
        )
        poseio.save(labels, ours)
        read_back = sio.load_slp(str(ours), open_videos=False)
        # sleap-io's numpy() is float32; its instances hold the float64 values, checked on 1,000 frames.
        assert np.array_equal(read_back.numpy(), expected.astype(np.float32), equal_nan=True), "sleap-io misreads"
        for frame in read_back.labeled_frames[:1000]:
            for instance in frame.instances:
                wanted = expected[frame.frame_idx, read_back.tracks.index(instance.track)]
                assert np.array_equal(instance.numpy(), wanted, equal_nan=True), "sleap-io misreads"
        sio.save_slp(read_back, str(slp))
        sio.save_analysis_h5(read_back, str(analysis))
        del read_back
        for path in (slp, analysis):
            assert np.array_equal(poseio.load(path).numpy(), expected, equal_nan=True), f"poseio misreads {path}"
        assert np.array_equal(poseio.load(ours).numpy(), expected, equal_nan=True)

        def raw_analysis() -> dict[str, np.ndarray]:
            with h5py.File(analysis, "r") as f:
                return {name: f[name][()] for name in ANALYSIS_DATASETS}

        times = median_times(
            {
                "poseio slp": lambda: poseio.load(slp).numpy(),
                "sleap-io slp": lambda: sio.load_slp(str(slp), open_videos=False).numpy(),
                "sleap-io slp lazy": lambda: sio.load_slp(str(slp), open_videos=False, lazy=True).numpy(),
                "poseio analysis": lambda: poseio.load(analysis).numpy(),
                "sleap-io analysis": lambda: sio.load_analysis_h5(str(analysis)).numpy(),
                "h5py analysis": raw_analysis,
            },
            args.repeats,
        )
    print(
        f"{args.frames} frames x {args.tracks} tracks x {args.nodes} nodes, median of {args.repeats}; "
        f"sleap-io {sio.__version__}"
    )
    report(
        [
            (".slp load + numpy vs sleap-io load_slp", times["poseio slp"], times["sleap-io slp"], 1.0),
            (".slp load + numpy vs sleap-io lazy", times["poseio slp"], times["sleap-io slp lazy"], None),
            (".analysis.h5 load + numpy vs sleap-io", times["poseio analysis"], times["sleap-io analysis"], 1.0),
            (".analysis.h5 load + numpy vs raw h5py", times["poseio analysis"], times["h5py analysis"], None),
        ]
    )


if __name__ == "__main__":
    main()
