"""Reference NWB files for the conformance kit, written with pynwb + ndx-pose alone.

Each is made without poseio's writers, with points chosen so that x, y, frame
and node can never be mistaken for one another; the kit checks that poseio's
readers give back exactly these points (a bug made the same way in poseio's
reader and writer would pass every round trip).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NODES = ("nose", "tail", "paw")


def new_reference_nwbfile():
    """A bare ``pynwb.NWBFile`` (not poseio's helper, so that nothing of poseio writes the reference)."""
    import datetime

    from pynwb import NWBFile

    start = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    return NWBFile(session_description="conformance reference", identifier="reference", session_start_time=start)


def coordinate(frame: int, node: int, axis: int) -> float:
    """A value that says which frame, node and axis it belongs to (x < 1000 <= y)."""
    return 1000.0 * axis + 10.0 * frame + node + 0.25


def predictions_reference(folder: Path) -> tuple[Path, list[tuple]]:
    """One PoseEstimation ``mouse1`` of 3 series at 30 Hz, 5 frames; node ``paw`` hidden in frame 2."""
    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons
    from pynwb import NWBHDF5IO

    nwbfile = new_reference_nwbfile()
    module = nwbfile.create_processing_module(name="behavior", description="behavior")
    skeleton = Skeleton(name="mouse", nodes=list(NODES), edges=np.array([[0, 1]], dtype=np.uint8))
    module.add(Skeletons(skeletons=[skeleton]))
    rows, series = [], []
    for node, name in enumerate(NODES):
        data = np.array([[coordinate(f, node, 0), coordinate(f, node, 1)] for f in range(5)])
        if name == "paw":
            data[2] = np.nan
        # A file's lone PoseEstimation is one animal of no named track (docs/formats/nwb-predictions.md).
        rows += [(f, None, name, *data[f]) for f in range(5) if np.isfinite(data[f]).all()]
        series.append(
            PoseEstimationSeries(
                name=name,
                data=data,
                confidence=np.full(5, 0.5),
                unit="pixels",
                reference_frame="top left",
                rate=30.0,
                starting_time=0.0,
            )
        )
    module.add(PoseEstimation(name="mouse1", pose_estimation_series=series, skeleton=skeleton))
    path = folder / "reference_predictions.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path, rows


def annotations_reference(folder: Path) -> tuple[Path, list[tuple]]:
    """A PoseTraining of two frames (7 and 9); frame 7 holds two untracked instances."""
    from ndx_pose import (
        PoseTraining,
        Skeleton,
        SkeletonInstance,
        SkeletonInstances,
        Skeletons,
        SourceVideos,
        TrainingFrame,
        TrainingFrames,
    )
    from pynwb import NWBHDF5IO
    from pynwb.image import ImageSeries

    nwbfile = new_reference_nwbfile()
    module = nwbfile.create_processing_module(name="behavior", description="behavior")
    skeleton = Skeleton(name="mouse", nodes=list(NODES), edges=np.array([[0, 1]], dtype=np.uint8))
    module.add(Skeletons(skeletons=[skeleton]))
    video = ImageSeries(
        name="cam",
        external_file=["/data/cam.mp4"],
        starting_frame=[0],
        format="external",
        rate=30.0,
        num_samples=20,
        unit="n/a",
    )
    rows, frames = [], []
    for frame_idx, n_instances in ((7, 2), (9, 1)):
        instances = []
        for j in range(n_instances):
            points = np.array([[coordinate(frame_idx, n, 0) + j, coordinate(frame_idx, n, 1)] for n in range(3)])
            rows += [(frame_idx, None, name, *points[n]) for n, name in enumerate(NODES)]
            instances.append(
                SkeletonInstance(name=f"instance_{j}", id=np.uint8(j), node_locations=points, skeleton=skeleton)
            )
        frames.append(
            TrainingFrame(
                name=f"frame_{frame_idx}",
                skeleton_instances=SkeletonInstances(skeleton_instances=instances),
                source_video=video,
                source_video_frame_index=np.uint16(frame_idx),
            )
        )
    module.add(
        PoseTraining(
            training_frames=TrainingFrames(training_frames=frames), source_videos=SourceVideos(image_series=[video])
        )
    )
    path = folder / "reference_annotations.nwb"
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path, rows
