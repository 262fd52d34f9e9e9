"""Reading FreiPose prediction files into Labels.

FreiPose's ``predict_bb.py`` writes a JSON list with one object per frame of a
run (``boxes``: a normalised box per camera; ``xyz``: the animal's 3D centre,
``null`` when none was found), and ``predict_pose.py`` adds to each frame with
a centre ``kp_xyz`` (1 x K x 3: K keypoints in 3D, in the calibration's world
coordinates) and ``kp_score`` (1 x K; lower is less certain). keypoint-MoSeq
loads the file as the frames' ``kp_xyz`` stacked in list order. Here frame i is
the list's i-th entry; every entry with ``kp_xyz`` is one predicted 3D instance
with ``kp_score`` as its point scores, and an entry without (no animal found)
holds none, listed in ``provenance["freipose"]["frames_without_pose"]``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import numpy as np
import poseio
from poseio.json import read_json, unreadable
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_freipose._plugin import READ_OPTIONS
from poseio_freipose._skeleton import skeleton_option
from poseio_freipose._sniff import FORMAT


def _array(value: Any, what: str, error) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(f"{what} is not an array of numbers") from exc


def _pose(frame: int, entry: dict, error) -> tuple[np.ndarray, np.ndarray] | None:
    """A frame's (K, 3) points and (K,) scores, or ``None`` for a frame without kp_xyz."""
    if entry.get("kp_xyz") is None:
        return None
    points = _array(entry["kp_xyz"], f"frame {frame}: kp_xyz", error)
    shape = points.shape
    if points.ndim == 3 and points.shape[0] == 1:
        points = points[0]  # FreiPose writes one animal: 1 x K x 3
    if points.ndim != 2 or points.shape[1] != 3 or not len(points):
        raise error(f"frame {frame}: kp_xyz has shape {shape}, not 1 x K x 3 (K keypoints in 3D)")
    scores = np.full(len(points), np.nan)
    if entry.get("kp_score") is not None:
        given = _array(entry["kp_score"], f"frame {frame}: kp_score", error)
        if given.size != len(points):
            raise error(f"frame {frame}: kp_score has {given.size} values for {len(points)} keypoints")
        scores = given.reshape(len(points))
    return points, scores


def read_freipose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a FreiPose prediction file (see ``docs/formats/freipose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)

    def error(problem: str) -> poseio.ReadError:
        return unreadable(probe.name, f"{FORMAT} file", problem, path=probe.path)

    data = read_json(probe, f"{FORMAT} file")
    if not isinstance(data, list):
        raise error("the top level is not a JSON list of frames (FreiPose writes one entry per frame)")
    poses, missing = [], []
    root = np.full((len(data), 3), np.nan)
    for frame, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise error(f"frame {frame} is not an object (FreiPose writes boxes, xyz, kp_xyz, kp_score)")
        pose = _pose(frame, entry, error)
        if pose is None:
            missing.append(frame)
        else:
            if poses and len(pose[0]) != len(poses[0][1]):
                raise error(f"frame {frame} has {len(pose[0])} keypoints, frame {poses[0][0]} {len(poses[0][1])}")
            poses.append((frame, *pose))
        if entry.get("xyz") is not None:
            centre = _array(entry["xyz"], f"frame {frame}: xyz", error).ravel()
            if centre.size == 3:  # 1 x 3: the centre of the volume the pose was predicted in
                root[frame] = centre
    if not poses:
        raise error(
            f"none of its {len(data)} frames has kp_xyz: it holds FreiPose's boxes only; run predict_pose.py on it"
        )
    n_keypoints = len(poses[0][1])
    skeleton = skeleton_option(options.get("skeleton"), n_keypoints, probe.name)
    check_allocation(len(poses) * n_keypoints * 4 * 8, f"{len(poses)} frames of {n_keypoints} keypoints", probe.name)
    table = poseio.PoseTable.build(
        np.stack([points for _, points, _ in poses]),
        video=0,
        frame_idx=[frame for frame, _, _ in poses],
        skeleton=0,
        predicted=True,
        point_scores=np.stack([scores for _, _, scores in poses]),
    )
    details = {"n_frames": len(data), "frames_without_pose": missing, "root_xyz": root}
    video = poseio.Video(video_name or PurePath(probe.name).stem, fps=fps, shape=(len(data), 0, 0, 0) if data else None)
    return poseio.Labels.from_table(table, videos=[video], skeletons=[skeleton], provenance={FORMAT: details})
