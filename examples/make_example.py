"""Generate the example shipped with poseio: two mice on a synthetic clip.

Writes, next to this script:

- ``two_mice.mp4``: a 150-frame 160x120 clip of two moving blobs;
- ``two_mice.nwb``: tracked predictions of both mice on every frame, plus
  hand labels on five frames (PoseTraining), with session metadata.

Run ``python examples/make_example.py`` to rebuild them (needs poseio with
both NWB plugins, which bring PyAV).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import poseio

HERE = Path(__file__).resolve().parent
N_FRAMES, FPS, WIDTH, HEIGHT = 150, 30.0, 160, 120
NODES = ["nose", "left_ear", "right_ear", "tail_base"]


def trajectories(rng: np.random.Generator) -> np.ndarray:
    """(frames, 2 mice, 4 nodes, 2) positions of two mice circling."""
    t = np.arange(N_FRAMES) / FPS
    points = np.empty((N_FRAMES, 2, len(NODES), 2))
    for mouse, (cx, cy, r, speed) in enumerate([(55, 60, 30, 1.3), (105, 60, 25, -1.0)]):
        angle = speed * t + mouse
        heading = angle + np.pi / 2 * np.sign(speed)
        body = np.stack([cx + r * np.cos(angle), cy + r * np.sin(angle)], axis=1)
        forward = np.stack([np.cos(heading), np.sin(heading)], axis=1)
        side = np.stack([-forward[:, 1], forward[:, 0]], axis=1)
        points[:, mouse, 0] = body + 8 * forward
        points[:, mouse, 1] = body + 4 * forward + 3 * side
        points[:, mouse, 2] = body + 4 * forward - 3 * side
        points[:, mouse, 3] = body - 8 * forward
    return points + rng.normal(0, 0.3, points.shape)


def write_clip(path: Path, points: np.ndarray) -> None:
    """Draw each mouse as a bright disc on a dark background, frame by frame."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=int(FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for frame_points in points:
            image = np.full((HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
            for mouse in frame_points:
                cx, cy = mouse[[0, 3]].mean(axis=0)
                blob = (xx - cx) ** 2 + (yy - cy) ** 2 < 10**2
                image[blob] = (200, 190, 170)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    """Write the clip and the NWB file beside this script."""
    rng = np.random.default_rng(2024)
    points = trajectories(rng)
    clip = HERE / "two_mice.mp4"
    write_clip(clip, points)
    skeleton = poseio.Skeleton(
        NODES, edges=[(0, 1), (0, 2), (1, 3), (2, 3)], symmetries=[("left_ear", "right_ear")], name="mouse"
    )
    video = poseio.Video(str(clip), fps=FPS, shape=(N_FRAMES, HEIGHT, WIDTH, 3))
    tracks = [poseio.Track("mouse_1"), poseio.Track("mouse_2")]
    predicted = points + rng.normal(0, 1.0, points.shape)
    predicted[40:46, 1, 3] = np.nan  # the tail is lost for a moment
    labels = poseio.Labels.from_numpy(
        predicted,
        video=video,
        skeleton=skeleton,
        tracks=tracks,
        point_scores=rng.uniform(0.6, 1.0, points.shape[:3]),
        scores=rng.uniform(0.7, 1.0, points.shape[:2]),
        tracking_scores=rng.uniform(0.8, 1.0, points.shape[:2]),
    )
    for frame_idx in (0, 30, 60, 90, 120):
        labels.labeled_frames[frame_idx].instances[:0] = [
            poseio.Instance(points[frame_idx, k], skeleton, tracks[k]) for k in range(2)
        ]
    poseio.save(
        labels,
        HERE / "two_mice.nwb",
        session_description="Two mice circling (synthetic example made by poseio)",
        identifier="poseio-example-two-mice",
        session_start_time="2024-01-01T09:00:00+00:00",
        experimenter="poseio",
        lab="poseio",
        institution="poseio",
        annotator="poseio example",
        subject={
            "subject_id": "pair_1",
            "species": "Mus musculus",
            "sex": "U",
            "age": "P60D",
            "description": "two synthetic mice",
        },
        scorer="synthetic",
        source_software="poseio example generator",
    )


if __name__ == "__main__":
    main()
