"""Writing predictions as standard ndx-pose PoseEstimation objects with pynwb.

Layout (one file): ``processing/<module>`` (default ``behavior``) holds a
``Skeletons`` container and one PoseEstimation per (video, track), named
``PoseEstimation_<track>`` (``PoseEstimation_<video>_<track>`` when there are
several videos). Every PoseEstimation links its Skeleton, a Device per camera
and the video's ImageSeries (``source_video``), which lives in ``acquisition``.
The container name carries the track (``PoseEstimation_untracked`` for
untracked instances; ``_2``, ``_3``... for further untracked slots). Instance
and tracking scores go to a TimeSeries ``<container>_instance_scores`` beside
the container, with columns (score, tracking_score).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from poseio import Labels, PoseTable, Skeleton, Video, WriteError
from poseio.nwb.writing import (
    add_skeletons,
    append_to_nwbfile,
    new_nwbfile,
    pop_nwbfile_options,
    processing_module,
    record_videos,
    unique_name,
    video_path_for,
    write_nwbfile,
)

# Names a PoseEstimation already uses for its own fields and links: a node with
# one of these names gets a series named PoseEstimationSeries<node> instead.
RESERVED_NAMES = frozenset(
    {
        "description",
        "scorer",
        "source_software",
        "dimensions",
        "original_videos",
        "labeled_videos",
        "device",
        "devices",
        "source_video",
        "labeled_video",
        "skeleton",
    }
)
SCORES_SUFFIX = "_instance_scores"
SCORES_COMMENT = "poseio:instance_scores"
UNTRACKED = "untracked"
POSE_OPTIONS = (
    "fps",
    "timestamps",
    "frames_as_seconds",
    "scorer",
    "source_software",
    "source_software_version",
    "description",
    "skeleton_map",
    "compression",
    "module_name",
)


def _per_video(value: Any, video: Video, index: int) -> Any:
    if isinstance(value, Mapping):
        for key in (video.filename, index, Path(video.filename).name):
            if key in value:
                return value[key]
        return None
    return value


def frame_times(
    video: Video, index: int, frame_idx: np.ndarray, options: Mapping[str, Any]
) -> tuple[np.ndarray, float | None]:
    """Seconds of each frame index, and the video's rate when known.

    Time comes from the ``timestamps`` option, the ``fps`` option, the
    video's own timestamps or fps, in that order. Frame indices are written as
    seconds only when ``frames_as_seconds=True``.
    """
    stamps = _per_video(options.get("timestamps"), video, index)
    if stamps is None:
        stamps = video.timestamps
    fps = _per_video(options.get("fps"), video, index) or video.fps
    if stamps is not None and _per_video(options.get("fps"), video, index) is None:
        stamps = np.asarray(stamps, dtype=np.float64)
        if len(frame_idx) and frame_idx.max() >= len(stamps):
            raise WriteError(
                f"video {video.filename}: frame {int(frame_idx.max())} has no timestamp "
                f"(only {len(stamps)} given); pass timestamps= covering every frame, or fps="
            )
        return stamps[frame_idx], fps
    if fps:
        return frame_idx / float(fps), float(fps)
    if options.get("frames_as_seconds"):
        return frame_idx.astype(np.float64), 1.0
    raise WriteError(
        f"video {video.filename!r} has no frame rate or timestamps, and NWB stores time in seconds. "
        f"Pass fps=30.0 (or fps={{{video.filename!r}: 30.0}}), timestamps=..., or "
        "frames_as_seconds=True to store frame indices as seconds"
    )


def _slots(table: PoseTable) -> np.ndarray:
    """A track slot per row: the track index, or -(k+1) for the k-th untracked instance of a frame."""
    slot = table.track.copy()
    untracked = np.flatnonzero(slot < 0)
    if len(untracked):
        key = table.video[untracked] * (int(table.frame_idx.max()) + 1) + table.frame_idx[untracked]
        order = np.argsort(key, kind="stable")
        starts = np.searchsorted(key[order], key[order], side="left")
        rank = np.empty(len(untracked), dtype=np.int64)
        rank[order] = np.arange(len(untracked)) - starts
        slot[untracked] = -(rank + 1)
    return slot


def add_predictions(nwbfile, labels: Labels, *, nwb_path: Path | None = None, **options: Any) -> list[Any]:
    """Add the predicted instances of ``labels`` to an in-memory ``pynwb.NWBFile``.

    Args:
        nwbfile: The file being built.
        labels: Its predicted instances are written (user instances are not).
        nwb_path: Where the file will be written, to store video paths relative to it.
        **options: ``fps``, ``timestamps`` (each a value or a dict by video
            filename or index), ``frames_as_seconds``, ``scorer``,
            ``source_software``, ``source_software_version``, ``description``,
            ``skeleton_map`` (skeleton name -> existing ndx-pose Skeleton),
            ``compression`` (``"gzip"`` or ``"lzf"``), ``module_name``.

    Returns:
        The PoseEstimation objects added.
    """
    from ndx_pose import PoseEstimation, PoseEstimationSeries
    from pynwb.base import TimeSeries
    from pynwb.device import Device
    from pynwb.image import ImageSeries

    unknown = set(options) - set(POSE_OPTIONS)
    if unknown:
        raise WriteError(f"unknown nwb-predictions options {sorted(unknown)}; accepted: {sorted(POSE_OPTIONS)}")
    compression = options.get("compression")
    if compression not in (None, "gzip", "lzf"):
        raise WriteError(f"compression must be 'gzip', 'lzf' or None, not {compression!r}")

    def wrap(array: np.ndarray):
        if compression is None:
            return array
        from hdmf.backends.hdf5 import H5DataIO

        return H5DataIO(array, compression=compression, chunks=True, shuffle=compression == "gzip")

    table = labels.to_table()
    table = table.take(table.predicted) if not table.predicted.all() else table
    module = processing_module(nwbfile, options.get("module_name") or "behavior")
    used_skeletons = [labels.skeletons[i] for i in np.unique(table.skeleton)] if len(table) else []
    nwb_skeletons = add_skeletons(module, used_skeletons, options.get("skeleton_map"))
    slots = _slots(table) if len(table) else table.track
    video_ids = np.unique(table.video) if len(table) else []
    added = []
    recorded = []
    for video_id in video_ids:
        video = labels.videos[video_id]
        in_video = table.video == video_id
        first_frames = table.frame_idx[in_video]
        times, fps = frame_times(video, int(video_id), np.unique(first_frames), options)
        del times  # computed to fail early, before any object is created
        label = Path(video.filename).stem or f"video_{video_id}"
        device_name = unique_name(nwbfile.devices, f"camera_{label}")
        device = Device(name=device_name, description=f"Camera that recorded {video.filename}")
        nwbfile.add_device(device)
        series_name = unique_name(nwbfile.acquisition, f"video_{label}")
        shape = video.shape or ()
        image_series = ImageSeries(
            name=series_name,
            description=f"Video {video.filename} on which poses were estimated.",
            unit="n.a.",
            external_file=[video_path_for(video, nwb_path)],
            format="external",
            starting_frame=[0],
            device=device,
            dimension=[shape[2], shape[1]] if len(shape) >= 3 and shape[1] and shape[2] else None,
            num_samples=int(shape[0]) if shape and shape[0] else int(table.frame_idx[in_video].max()) + 1,
            **({"timestamps": video.timestamps} if video.timestamps is not None else {"rate": float(fps)}),
        )
        nwbfile.add_acquisition(image_series)
        # Record the frame rate actually written, which may come from the fps option.
        recorded.append((series_name, attrs.evolve(video, fps=fps if video.timestamps is None else video.fps)))
        several_videos = len(video_ids) > 1
        for skeleton_id in np.unique(table.skeleton[in_video]):
            skeleton: Skeleton = labels.skeletons[skeleton_id]
            group_mask = in_video & (table.skeleton == skeleton_id)
            for slot in np.unique(slots[group_mask]):
                rows = np.flatnonzero(group_mask & (slots == slot))
                frames = table.frame_idx[rows]
                if len(np.unique(frames)) != len(frames):
                    dup = int(frames[np.flatnonzero(np.diff(np.sort(frames)) == 0)[0]])
                    raise WriteError(
                        f"video {video.filename}: frame {dup} has two predicted instances on one track; "
                        "PoseEstimation stores one pose per track and time"
                    )
                order = np.argsort(frames, kind="stable")
                rows, frames = rows[order], frames[order]
                stamps, _ = frame_times(video, int(video_id), frames, options)
                track = UNTRACKED if slot < 0 else labels.tracks[slot].name.replace("/", "_")
                if slot < -1:
                    track = f"{UNTRACKED}_{-slot}"
                base = f"PoseEstimation_{label}_{track}" if several_videos else f"PoseEstimation_{track}"
                name = unique_name(module.data_interfaces, base)
                # Contiguous frames on a regular clock are stored as start + rate, as nwbinspector asks.
                regular = (
                    fps is not None
                    and video.timestamps is None
                    and len(frames) > 1
                    and bool(np.all(np.diff(frames) == 1))
                )
                timing = {"starting_time": float(stamps[0]), "rate": float(fps)} if regular else None
                pose_series = []
                reserved = RESERVED_NAMES | {nwb_skeletons[id(skeleton)].name}
                for node_index, node in enumerate(skeleton.node_names):
                    scores = table.point_scores[rows, node_index]
                    pose_series.append(
                        PoseEstimationSeries(
                            name=f"PoseEstimationSeries{node}" if node in reserved else node,
                            description=f"Estimated position of {node}.",
                            data=wrap(np.ascontiguousarray(table.points[rows, node_index])),
                            unit="pixels",
                            reference_frame="(0,0) is the top-left corner of the video frame.",
                            **(timing or {"timestamps": wrap(stamps) if not pose_series else pose_series[0]}),
                            confidence=None if np.isnan(scores).all() else wrap(scores),
                            confidence_definition="Confidence of the point, as given by the source."
                            if not np.isnan(scores).all()
                            else None,
                        )
                    )
                who = "untracked" if slot < 0 else f"track {track}"
                estimation = PoseEstimation(
                    name=name,
                    pose_estimation_series=pose_series,
                    description=options.get("description")
                    or f"Estimated positions of {skeleton.name or 'the skeleton'} ({who}) in {video.filename}.",
                    scorer=options.get("scorer"),
                    source_software=options.get("source_software") or "poseio",
                    source_software_version=options.get("source_software_version"),
                    skeleton=nwb_skeletons[id(skeleton)],
                    device=device,
                    source_video=image_series,
                )
                module.add(estimation)
                added.append(estimation)
                instance_scores = np.stack([table.score[rows], table.tracking_score[rows]], axis=1)
                if np.isfinite(instance_scores).any():
                    module.add(
                        TimeSeries(
                            name=name + SCORES_SUFFIX,
                            data=wrap(instance_scores),
                            unit="n.a.",
                            **(timing or {"timestamps": pose_series[0]}),
                            description=f"Columns (score, tracking_score) of each pose in {name}.",
                            comments=SCORES_COMMENT,
                        )
                    )
    record_videos(module, recorded, nwb_path)
    return added


def write_predictions(labels: Labels, path: Path, **options: Any) -> None:
    """Write a new NWB file holding the predictions in ``labels``."""
    metadata = pop_nwbfile_options(options)
    nwbfile = new_nwbfile(**metadata)
    add_predictions(nwbfile, labels, nwb_path=path, **options)
    write_nwbfile(nwbfile, path)


def append_predictions(labels: Labels, path: Path, **options: Any) -> None:
    """Add the predictions in ``labels`` to the existing NWB file at ``path``."""
    if pop_nwbfile_options(options):
        raise WriteError("NWB session metadata cannot be changed when appending; drop those options")
    append_to_nwbfile(path, lambda nwbfile: add_predictions(nwbfile, labels, nwb_path=path, **options))
