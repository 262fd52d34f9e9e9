"""nwb-predictions speed: poseio against raw h5py (read) and direct pynwb (write).

    python benchmarks/bench_predictions.py                    # 100,000 frames x 2 tracks x 15 nodes
    python benchmarks/bench_predictions.py --frames 10000 --tracks 10 --nodes 30

Prints medians of --repeats runs and their ratios to the reference measured in
the same run, with the targets of the predictions issue: load + numpy within
2x raw h5py, peak memory within 2x the returned arrays, save within 1.5x pynwb.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import h5py
import numpy as np
import poseio
from _common import median_time, peak_memory, report

FPS = 30.0


def make_labels(n_frames: int, n_tracks: int, n_nodes: int) -> poseio.Labels:
    rng = np.random.default_rng(0)
    skeleton = poseio.Skeleton(
        [f"node_{i}" for i in range(n_nodes)], edges=[(i, i + 1) for i in range(n_nodes - 1)], name="animal"
    )
    return poseio.Labels.from_numpy(
        rng.random((n_frames, n_tracks, n_nodes, 2)) * 500,
        video=poseio.Video("/data/video.mp4", fps=FPS, shape=(n_frames, 480, 640, 1)),
        skeleton=skeleton,
        tracks=[poseio.Track(f"track_{i}") for i in range(n_tracks)],
        point_scores=rng.random((n_frames, n_tracks, n_nodes)),
    )


def write_with_pynwb(labels: poseio.Labels, path: Path) -> None:
    """The same PoseEstimation objects, written directly with pynwb + ndx-pose."""
    import datetime

    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.device import Device
    from pynwb.image import ImageSeries

    points, scores = labels.numpy(return_scores=True)
    skeleton = labels.skeletons[0]
    nwbfile = NWBFile(
        session_description="reference", identifier="reference", session_start_time=datetime.datetime.now(datetime.UTC)
    )
    module = nwbfile.create_processing_module(name="behavior", description="behavior")
    nwb_skeleton = Skeleton(
        name="animal", nodes=skeleton.node_names, edges=np.array(skeleton.edge_inds, dtype=np.uint8)
    )
    module.add(Skeletons(skeletons=[nwb_skeleton]))
    device = nwbfile.create_device(name="camera")
    video = ImageSeries(
        name="video",
        description="video",
        unit="n.a.",
        external_file=["/data/video.mp4"],
        format="external",
        starting_frame=[0],
        rate=FPS,
        num_samples=len(points),
        device=device,
    )
    nwbfile.add_acquisition(video)
    for k, track in enumerate(labels.tracks):
        series = [
            PoseEstimationSeries(
                name=node,
                description=node,
                data=np.ascontiguousarray(points[:, k, j]),
                unit="pixels",
                reference_frame="top left",
                starting_time=0.0,
                rate=FPS,
                confidence=scores[:, k, j],
                confidence_definition="score",
            )
            for j, node in enumerate(skeleton.node_names)
        ]
        module.add(
            PoseEstimation(
                name=f"PoseEstimation_{track.name}",
                pose_estimation_series=series,
                description="reference",
                skeleton=nwb_skeleton,
                device=device,
                source_video=video,
            )
        )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    assert isinstance(Device, type)


def read_with_h5py(path: Path) -> list[np.ndarray]:
    """Raw h5py: every series' data, confidence and timing, nothing else."""
    arrays = []
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and obj.attrs.get("neurodata_type") == "PoseEstimationSeries":
                arrays.append(obj["data"][()])
                arrays.append(obj["confidence"][()])
                arrays.append(obj["timestamps"][()] if "timestamps" in obj else obj["starting_time"][()])

        f.visititems(visit)
    return arrays


def load_with_poseio(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return poseio.load(path).numpy(return_scores=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    labels = make_labels(args.frames, args.tracks, args.nodes)
    print(f"{args.frames} frames x {args.tracks} tracks x {args.nodes} nodes, median of {args.repeats} runs")
    import pynwb  # noqa: F401 - import once outside the timings, for both writers

    with tempfile.TemporaryDirectory() as folder:
        ours, reference = Path(folder, "poseio.nwb"), Path(folder, "pynwb.nwb")
        save_time, _ = median_time(lambda: poseio.save(labels, ours), args.repeats)
        pynwb_time, _ = median_time(lambda: write_with_pynwb(labels, reference), args.repeats)
        rows = [("save (poseio) vs write (pynwb)", save_time, pynwb_time, 1.5)]
        for name, path in (("poseio's file", ours), ("pynwb's file", reference)):
            load_time, (points, scores) = median_time(lambda p=path: load_with_poseio(p), args.repeats)
            h5_time, _ = median_time(lambda p=path: read_with_h5py(p), args.repeats)
            rows.append((f"load + numpy vs raw h5py, {name}", load_time, h5_time, 2.0))
            assert np.array_equal(points, labels.numpy(), equal_nan=True)
        report(rows)
        peak, (points, scores) = peak_memory(lambda: load_with_poseio(ours))
        returned = points.nbytes + scores.nbytes
        print(
            f"peak memory of load + numpy: {peak / 1e6:.1f} MB for {returned / 1e6:.1f} MB returned "
            f"= {peak / returned:.2f}x (target <= 2x)"
        )
        print(f"file sizes: poseio {ours.stat().st_size / 1e6:.1f} MB, pynwb {reference.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
