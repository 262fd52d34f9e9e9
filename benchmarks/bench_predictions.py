"""nwb-predictions speed: poseio against raw h5py (read) and direct pynwb (write).

    python benchmarks/bench_predictions.py                    # 100,000 frames x 2 tracks x 15 nodes
    python benchmarks/bench_predictions.py --frames 10000 --tracks 10 --nodes 30
    python benchmarks/bench_predictions.py --layout per-animal

Prints medians of --repeats runs and their ratios to the reference measured in
the same run, with the targets of the predictions issue: load + numpy within
2x raw h5py, peak memory within 2x the returned arrays, save within 1.5x pynwb.

Layouts (--layout):

- ``poseio`` (default): the file poseio writes, and the same objects written
  with pynwb.
- ``per-animal``: the layout of most NWB pose files in the wild, written with
  pynwb + ndx-pose directly: one Skeleton per animal (same nodes), one
  ``PoseEstimation_<animal>`` per animal, explicit timestamps on each
  container's first series and linked from the others (as neuroconv does).
  Also times pynwb's own full read, and ``labels.numpy(skeleton=s)`` per
  skeleton.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import h5py
import numpy as np
import poseio
from _common import durably, median_time, median_times, peak_memory, report

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


def write_with_pynwb(labels: poseio.Labels, path: Path, add_more=None) -> None:
    """The same PoseEstimation objects, written directly with pynwb + ndx-pose.

    ``add_more(nwbfile)``, when given, adds other data to the file before it is written.
    """
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
    if add_more is not None:
        add_more(nwbfile)
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


def run_poseio_layout(args: argparse.Namespace) -> None:
    """Times poseio's own layout: save vs pynwb, load + numpy vs raw h5py on both files, peak memory."""
    labels = make_labels(args.frames, args.tracks, args.nodes)

    with tempfile.TemporaryDirectory() as folder:
        ours, reference = Path(folder, "poseio.nwb"), Path(folder, "pynwb.nwb")
        save_time, _ = median_time(lambda: poseio.save(labels, ours), args.repeats)
        pynwb_time, _ = median_time(lambda: write_with_pynwb(labels, reference), args.repeats)
        durable_time, _ = median_time(durably(lambda: write_with_pynwb(labels, reference), reference), args.repeats)
        rows = [
            ("save (poseio) vs write (pynwb)", save_time, pynwb_time, 1.5),
            ("save (poseio) vs write + fsync (pynwb)", save_time, durable_time, 1.5),
        ]
        for name, path in (("poseio's file", ours), ("pynwb's file", reference)):
            reads = median_times(
                {"poseio": lambda p=path: load_with_poseio(p), "h5py": lambda p=path: read_with_h5py(p)},
                args.repeats,
            )
            load_time, h5_time = reads["poseio"], reads["h5py"]
            points, scores = load_with_poseio(path)
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


# -- the per-animal layout --------------------------------------------------------------


def make_arrays(n_frames: int, n_animals: int, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points ``(n_animals, n_nodes, n_frames, 2)`` and confidences ``(n_animals, n_nodes, n_frames)``.

    Animal and node lead so that each series' data is a contiguous slice, which
    pynwb writes without a copy.
    """
    rng = np.random.default_rng(0)
    return rng.random((n_animals, n_nodes, n_frames, 2)) * 500, rng.random((n_animals, n_nodes, n_frames))


def write_per_animal_with_pynwb(points: np.ndarray, confidence: np.ndarray, path: Path) -> None:
    """Writes the per-animal layout directly with pynwb + ndx-pose, as neuroconv and most users do.

    Args:
        points: ``(n_animals, n_nodes, n_frames, 2)`` coordinates.
        confidence: ``(n_animals, n_nodes, n_frames)`` confidences.
        path: The NWB file to write (overwritten).
    """
    import datetime

    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons
    from pynwb import NWBHDF5IO, NWBFile

    n_animals, n_nodes, n_frames, _ = points.shape
    node_names = [f"node_{j}" for j in range(n_nodes)]
    edges = np.array([(j, j + 1) for j in range(n_nodes - 1)], dtype=np.uint8).reshape(-1, 2)
    nwbfile = NWBFile(
        session_description="animals", identifier="animals", session_start_time=datetime.datetime.now(datetime.UTC)
    )
    module = nwbfile.create_processing_module(name="behavior", description="behavior")
    skeletons = [Skeleton(name=f"animal_{k}", nodes=node_names, edges=edges) for k in range(n_animals)]
    module.add(Skeletons(skeletons=skeletons))
    for k, skeleton in enumerate(skeletons):
        series = []
        for j, node in enumerate(node_names):
            series.append(
                PoseEstimationSeries(
                    name=node,
                    description=node,
                    data=points[k, j],
                    unit="pixels",
                    reference_frame="top left",
                    # The first series holds the timestamps; the others link to them.
                    timestamps=np.arange(n_frames) / FPS if j == 0 else series[0],
                    confidence=confidence[k, j],
                    confidence_definition="score",
                )
            )
        module.add(
            PoseEstimation(
                name=f"PoseEstimation_animal_{k}",
                pose_estimation_series=series,
                description=f"animal_{k}",
                skeleton=skeleton,
            )
        )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)


def read_per_animal_with_h5py(path: Path) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Raw h5py: ``{(container, series): (data, confidence, timestamps)}`` of every PoseEstimationSeries."""
    arrays = {}
    with h5py.File(path, "r") as f:
        for container_name, container in f["processing/behavior"].items():
            if container.attrs.get("neurodata_type") != "PoseEstimation":
                continue
            for series_name, series in container.items():
                if series.attrs.get("neurodata_type") == "PoseEstimationSeries":
                    arrays[container_name, series_name] = (
                        series["data"][()],
                        series["confidence"][()],
                        series["timestamps"][()],
                    )
    return arrays


def read_with_pynwb(path: Path) -> int:
    """pynwb's own full read: every PoseEstimationSeries' data, confidence and timestamps; the series count."""
    from ndx_pose import PoseEstimation
    from pynwb import NWBHDF5IO

    n_series = 0
    with NWBHDF5IO(str(path), "r", load_namespaces=True) as io:
        nwbfile = io.read()
        for container in nwbfile.processing["behavior"].data_interfaces.values():
            if isinstance(container, PoseEstimation):
                for series in container.pose_estimation_series.values():
                    _ = series.data[:], series.confidence[:], series.timestamps[:]
                    n_series += 1
    return n_series


def load_per_skeleton(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """What a user taking one skeleton at a time pays: load, then ``numpy(skeleton=s)`` for each."""
    labels = poseio.load(path)
    return [labels.numpy(skeleton=s, return_scores=True) for s in labels.skeletons]


def check_per_animal(path: Path, n_frames: int, n_animals: int, n_nodes: int) -> None:
    """Asserts that poseio's stacked array is, animal by animal and node by node, what h5py reads."""
    labels = poseio.load(path)
    points, scores = labels.numpy(return_scores=True)
    truth = read_per_animal_with_h5py(path)
    assert len(truth) == n_animals * n_nodes, f"h5py found {len(truth)} series"
    track_names = [track.name for track in labels.tracks]
    node_names = labels.skeletons[0].node_names
    assert points.shape == (n_frames, n_animals, n_nodes, 2), points.shape
    for (container, node), (data, confidence, timestamps) in truth.items():
        k = track_names.index(container.removeprefix("PoseEstimation_"))
        j = node_names.index(node)
        frames = np.rint(timestamps * FPS).astype(int)
        assert np.array_equal(points[frames, k, j], data, equal_nan=True), (container, node)
        assert np.array_equal(scores[frames, k, j], confidence, equal_nan=True), (container, node)
    print(f"check: poseio's array equals h5py's for all {n_animals} animals x {n_nodes} nodes (NaN-equal)")


def run_per_animal_layout(args: argparse.Namespace) -> None:
    """Times the per-animal layout: poseio and pynwb reads vs raw h5py, poseio save vs direct pynwb write."""
    points, confidence = make_arrays(args.frames, args.tracks, args.nodes)
    with tempfile.TemporaryDirectory() as folder:
        source, ours = Path(folder, "per_animal.nwb"), Path(folder, "poseio.nwb")
        write_time, _ = median_time(lambda: write_per_animal_with_pynwb(points, confidence, source), args.repeats)
        durable_time, _ = median_time(
            durably(lambda: write_per_animal_with_pynwb(points, confidence, source), source), args.repeats
        )
        check_per_animal(source, args.frames, args.tracks, args.nodes)

        assert read_with_pynwb(source) == args.tracks * args.nodes
        reads = median_times(
            {
                "h5py": lambda: read_per_animal_with_h5py(source),
                "load": lambda: poseio.load(source),
                "numpy": lambda: load_with_poseio(source),
                "per skeleton": lambda: load_per_skeleton(source),
                "pynwb": lambda: read_with_pynwb(source),
            },
            args.repeats,
        )
        h5_time, load_time, numpy_time = reads["h5py"], reads["load"], reads["numpy"]
        per_skeleton_time, pynwb_time = reads["per skeleton"], reads["pynwb"]
        labels = poseio.load(source)
        save_time, _ = median_time(lambda: poseio.save(labels, ours), args.repeats)
        report(
            [
                ("load + numpy vs raw h5py", numpy_time, h5_time, 2.0),
                ("  load alone vs raw h5py", load_time, h5_time, None),
                (f"load + numpy(skeleton=s) x{len(labels.skeletons)} vs raw h5py", per_skeleton_time, h5_time, None),
                ("pynwb read (not poseio) vs raw h5py", pynwb_time, h5_time, None),
                ("save (poseio) vs write (pynwb)", save_time, write_time, 1.5),
                ("save (poseio) vs write + fsync (pynwb)", save_time, durable_time, 1.5),
            ]
        )
        print(
            f"load + numpy vs pynwb read: {numpy_time / pynwb_time:.2f}x (target: well below 1x); "
            f"file sizes: pynwb {source.stat().st_size / 1e6:.1f} MB, poseio {ours.stat().st_size / 1e6:.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layout", choices=("poseio", "per-animal"), default="poseio", help="the file layout to time")
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=2, help="tracks (animals, for --layout per-animal)")
    parser.add_argument("--nodes", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{args.layout} layout: {args.frames} frames x {args.tracks} tracks x {args.nodes} nodes, "
        f"median of {args.repeats} runs"
    )
    import ndx_pose  # noqa: F401 - import once outside the timings, for the writers and readers
    import pynwb  # noqa: F401

    if args.layout == "poseio":
        run_poseio_layout(args)
    else:
        run_per_animal_layout(args)


if __name__ == "__main__":
    main()
