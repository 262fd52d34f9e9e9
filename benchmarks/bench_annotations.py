"""nwb-annotations speed: poseio against raw h5py writing and reading the same groups.

    python benchmarks/bench_annotations.py              # 10,000 frames x 2 instances x 15 nodes

The reference creates (and reads) the same TrainingFrame / SkeletonInstance
groups, attributes, datasets and soft links with h5py alone. Targets from the
annotations issue: save and load within 3x of it, peak memory on load within
3x the size of the point arrays. sleap-io 0.9.5 took 169 s to save and 207 s
to load this case on this machine (figures from the issue; rerun them with
reference_sleap_io.py).
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

import h5py
import numpy as np
import poseio
from _common import median_time, peak_memory, report


def make_labels(n_frames: int, n_instances: int, n_nodes: int) -> poseio.Labels:
    rng = np.random.default_rng(0)
    skeleton = poseio.Skeleton([f"node_{i}" for i in range(n_nodes)], name="animal")
    points = rng.random((n_frames, n_instances, n_nodes, 2)) * 500
    points[rng.random(points.shape[:3]) < 0.05] = np.nan
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/video.mp4", fps=30.0, shape=(n_frames * 3, 480, 640, 1)),
        skeleton=skeleton,
        tracks=[poseio.Track(f"animal_{i}") for i in range(n_instances)],
        frame_inds=np.arange(n_frames) * 3,
        predicted=False,
    )


def write_with_h5py(labels: poseio.Labels, path: Path) -> None:
    """The same frames as poseio writes them, made with h5py alone (no NWB file around them)."""
    points = labels.numpy()
    frames = np.flatnonzero(np.isfinite(points[..., 0]).any(axis=(1, 2)))
    with h5py.File(path, "w") as f:
        skeleton = f.create_group("Skeletons/animal")
        skeleton["nodes"] = np.array(labels.skeletons[0].node_names, dtype=object)
        video = f.create_group("video")
        training = f.create_group("training_frames")
        for frame_idx in frames:
            frame = training.create_group(f"frame_{frame_idx}")
            frame.attrs.update(
                namespace="ndx-pose",
                neurodata_type="TrainingFrame",
                object_id=str(uuid.uuid4()),
                source_video_frame_index=np.uint32(frame_idx),
            )
            frame["source_video"] = h5py.SoftLink(video.name)
            instances = frame.create_group("skeleton_instances")
            instances.attrs.update(
                namespace="ndx-pose", neurodata_type="SkeletonInstances", object_id=str(uuid.uuid4())
            )
            for k, track in enumerate(labels.tracks):
                instance = instances.create_group(f"track={track.name}")
                instance.attrs.update(
                    namespace="ndx-pose", neurodata_type="SkeletonInstance", object_id=str(uuid.uuid4()), id=np.uint8(k)
                )
                instance.create_dataset("node_locations", data=points[frame_idx, k])
                instance.create_dataset("node_visibility", data=np.isfinite(points[frame_idx, k, :, 0]))
                instance["animal"] = h5py.SoftLink(skeleton.name)


def read_with_h5py(path: Path) -> int:
    """Every frame's index and every instance's locations and visibility."""
    count = 0
    with h5py.File(path, "r") as f:
        training = next(
            g
            for g in (f.get("processing/behavior/PoseTraining/training_frames"), f.get("training_frames"))
            if g is not None
        )
        for frame in training.values():
            int(frame.attrs["source_video_frame_index"])
            for instance in frame["skeleton_instances"].values():
                instance["node_locations"][()]
                instance["node_visibility"][()]
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["save", "load"],
        help="time only poseio's save (or save once, then load), without the reference: for profilers",
    )
    args = parser.parse_args()
    labels = make_labels(args.frames, args.instances, args.nodes)
    print(f"{args.frames} frames x {args.instances} instances x {args.nodes} nodes, median of {args.repeats} runs")
    import ndx_pose  # noqa: F401 - imported once (with pynwb), outside the timings

    with tempfile.TemporaryDirectory() as folder:
        ours, reference = Path(folder, "poseio.nwb"), Path(folder, "h5py.h5")
        if args.only:
            if args.only == "load":
                poseio.save(labels, ours)
            action = (lambda: poseio.save(labels, ours)) if args.only == "save" else (lambda: poseio.load(ours).numpy())
            print(f"poseio {args.only}: {median_time(action, args.repeats)[0]:.3f} s")
            return
        save_time, _ = median_time(lambda: poseio.save(labels, ours), args.repeats)
        h5_write, _ = median_time(lambda: write_with_h5py(labels, reference), args.repeats)
        load_time, loaded = median_time(lambda: poseio.load(ours).numpy(), args.repeats)
        h5_read, count = median_time(lambda: read_with_h5py(ours), args.repeats)
        assert count == labels.n_user_instances
        assert np.array_equal(loaded, labels.numpy(), equal_nan=True)
        report(
            [
                ("save vs h5py creating the same groups", save_time, h5_write, 3.0),
                ("load + numpy vs h5py reading them", load_time, h5_read, 3.0),
            ]
        )
        peak, points = peak_memory(lambda: poseio.load(ours).numpy())
        print(
            f"peak memory of load + numpy: {peak / 1e6:.1f} MB for {points.nbytes / 1e6:.1f} MB of points "
            f"= {peak / points.nbytes:.2f}x (target <= 3x)"
        )
        print(
            f"speed-up against sleap-io 0.9.5 (169 s save, 207 s load): save {169 / save_time:.0f}x, "
            f"load {207 / load_time:.0f}x (target >= 50x)"
        )


if __name__ == "__main__":
    main()
