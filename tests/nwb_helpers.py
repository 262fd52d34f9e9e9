"""Small NWB files for tests, written by poseio itself."""

from __future__ import annotations

import numpy as np
import poseio

SUBJECT = {"subject_id": "m1", "species": "Mus musculus", "sex": "M", "age": "P90D", "description": "test mouse"}


def predictions(n_frames: int = 20, start: int = 0, *, fps: float | None = 30.0, tracks=("m1", "m2")) -> poseio.Labels:
    """Tracked predictions with scores, a hidden node and a missing instance."""
    rng = np.random.default_rng(7)
    skeleton = poseio.Skeleton(
        ["nose", "left_ear", "right_ear"], edges=[(0, 1), (0, 2)], symmetries=[("left_ear", "right_ear")], name="mouse"
    )
    points = rng.random((n_frames, len(tracks), 3, 2)) * 100
    points[1, 0, 2] = np.nan
    points[3, -1] = np.nan
    return poseio.Labels.from_numpy(
        points,
        video=poseio.Video("/data/session/cam.mp4", fps=fps, shape=(start + n_frames + 5, 48, 64, 1)),
        skeleton=skeleton,
        tracks=[poseio.Track(t) for t in tracks],
        frame_inds=np.arange(start, start + n_frames),
        point_scores=rng.random((n_frames, len(tracks), 3)),
        scores=rng.random((n_frames, len(tracks))),
        tracking_scores=rng.random((n_frames, len(tracks))),
    )


def annotations(*, with_predictions: bool = False) -> poseio.Labels:
    """User instances on a few frames: tracked, untracked, a hidden node, two same-named skeletons."""
    rng = np.random.default_rng(3)
    mouse = poseio.Skeleton(["a", "b", "c"], edges=[(0, 1), (1, 2)], symmetries=[("a", "c")], name="mouse")
    other = poseio.Skeleton(["x", "y"], name="mouse")
    video = poseio.Video("/data/session/cam.mp4", fps=15.0, shape=(600, 48, 64, 1))
    t1, t2 = poseio.Track("m1"), poseio.Track("m2")
    frames = []
    for frame_idx in (3, 10, 500):
        instances = [
            poseio.Instance(rng.random((3, 2)) * 50, mouse, t1),
            poseio.Instance(np.array([[1.0, 2.0], [np.nan, np.nan], [5.0, 6.0]]), mouse),
            poseio.Instance(rng.random((2, 2)), other, t2),
        ]
        if with_predictions:
            instances.append(
                poseio.PredictedInstance(
                    rng.random((3, 2)) * 50, mouse, t2, score=0.5, point_scores=rng.random(3), tracking_score=0.25
                )
            )
        frames.append(poseio.LabeledFrame(video, frame_idx, instances))
    return poseio.Labels(frames, provenance={"annotators": [["/data/session/cam.mp4", 10, "Ann"]]})


def validation_errors(path) -> list:
    from pynwb import validate

    return list(validate(path=str(path)))


def critical_inspector_messages(path) -> list[str]:
    from nwbinspector import inspect_nwbfile

    return [
        f"{m.check_function_name}: {m.message}"
        for m in inspect_nwbfile(nwbfile_path=str(path))
        if m is not None and m.importance.name == "CRITICAL"
    ]


def damaged_file(folder, labels: poseio.Labels, group: str):
    """A function that saves ``labels``, lets a test damage ``group`` with h5py, and returns the path."""
    import h5py

    def make(damage):
        path = folder / "damaged.nwb"
        poseio.save(labels, path)
        with h5py.File(path, "a") as f:
            damage(f[group])
        return path

    return make


def nwbfile_with_skeleton(name: str, nodes: list[str]):
    """A new in-memory ``pynwb.NWBFile`` whose ``behavior`` module holds one ndx-pose Skeleton.

    Returns:
        ``(nwbfile, module, skeleton)`` for tests that build ndx-pose objects by hand.
    """
    from ndx_pose import Skeleton, Skeletons
    from poseio_nwb.writing import new_nwbfile

    nwbfile = new_nwbfile()
    module = nwbfile.create_processing_module(name="behavior", description="behavior")
    edges = np.array([[i, i + 1] for i in range(len(nodes) - 1)], dtype=np.uint8).reshape(-1, 2)
    skeleton = Skeleton(name=name, nodes=nodes, edges=edges)
    module.add(Skeletons(skeletons=[skeleton]))
    return nwbfile, module, skeleton
