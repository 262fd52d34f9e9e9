"""Writing user annotations as ndx-pose PoseTraining.

The containers (Skeletons, SourceVideos, an empty TrainingFrames) are made
with pynwb so the file is a standard NWB file. The many small TrainingFrame
groups are then written with h5py in the exact layout pynwb would produce
(same typed groups, attributes, object ids and soft links), because pynwb's
per-object cost makes 10,000 frames take minutes. For an in-memory
``pynwb.NWBFile``, `add_annotations` builds the same frames as pynwb
objects. Both follow one plan (`poseio_nwb_annotations._plan`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from poseio import InvalidOptionError, Labels, Video
from poseio.options import check_fps, say_option
from poseio_nwb import UNLINKED_TRAINING_FRAMES
from poseio_nwb.writing import (
    FRAME_MAP_TABLE,
    FRAME_VIDEOS_TABLE,
    add_skeletons,
    append_rows,
    append_to_nwbfile,
    check_writer_options,
    linkable_files,
    new_nwbfile,
    nwbfile_metadata,
    per_video,
    pop_nwbfile_options,
    processing_module,
    record_videos,
    session_to_keep,
    start_from_session,
    starting_frames,
    unique_name,
    video_label,
    write_nwbfile,
)

from poseio_nwb_annotations._h5write import FrameWriter
from poseio_nwb_annotations._images import copy_stored_images
from poseio_nwb_annotations._options import OPTIONS
from poseio_nwb_annotations._plan import FramePlan, plan_frames
from poseio_nwb_annotations._records import id_value

logger = logging.getLogger("poseio")

FORMAT = "nwb-annotations"
#: The nwb-predictions writer's options that set fields of PoseEstimation, which PoseTraining lacks.
PREDICTIONS_ONLY = ("scorer", "source_software", "source_software_version", "description", "layout")


@attrs.define
class Containers:
    """The pynwb objects the frames refer to."""

    pose_training: Any
    skeletons: dict[int, Any]  # skeleton index -> ndx-pose Skeleton
    videos: dict[int, Any]  # video index -> ImageSeries
    frames: list[FramePlan]
    images: dict[int, dict[int, Any]] = attrs.Factory(dict)  # video index -> frame index -> Image


def prepare(nwbfile, labels: Labels, nwb_path: Path | None, options: dict[str, Any]) -> Containers:
    """Add Skeletons, SourceVideos and an (empty) PoseTraining to ``nwbfile`` for these labels."""
    from ndx_pose import PoseTraining, SourceVideos, TrainingFrames
    from pynwb.image import ImageSeries

    check_options(options)
    frames = plan_frames(labels, options.get("annotator"))
    module = processing_module(nwbfile, options.get("module_name") or "behavior")
    skeleton_ids = sorted({i.skeleton for f in frames for i in f.instances})
    by_id = add_skeletons(module, [labels.skeletons[i] for i in skeleton_ids], options.get("skeleton_map"))
    skeletons = {i: by_id[id(labels.skeletons[i])] for i in skeleton_ids}

    if "PoseTraining" in module.data_interfaces:
        pose_training = module.data_interfaces["PoseTraining"]
    else:
        pose_training = PoseTraining(
            name="PoseTraining",
            training_frames=TrainingFrames(name="training_frames"),
            source_videos=SourceVideos(name="source_videos"),
        )
        module.add(pose_training)
    source_videos = pose_training.source_videos
    videos, images = {}, {}
    recorded = []
    unlinked = _videos_to_leave_unlinked(labels, frames, nwb_path)
    if unlinked:
        frames = _name_frames_of_unlinked_videos(module, pose_training, labels, frames, unlinked)
    for video_id in sorted({f.video for f in frames}):
        video = labels.videos[video_id]
        if video.metadata.get("stored_images"):
            # Images the source file stored itself: copied, and linked by each frame as before.
            images[video_id] = copy_stored_images(video, [f.frame_idx for f in frames if f.video == video_id], module)
            continue
        if video_id in unlinked:
            # No ImageSeries to hold the clock: poseio's videos table keeps it (`record_videos`).
            clock, rate = video_clock(video, video_id, [f.frame_idx for f in frames if f.video == video_id], options)
            if "timestamps" in clock:
                video = attrs.evolve(video, fps=None, timestamps=clock["timestamps"])
            else:
                metadata = dict(video.metadata)
                if "starting_time" in clock:  # regular timestamps given: their start, 0 included
                    metadata["starting_time"] = clock["starting_time"]
                # A clock given by option replaces the video's own times, as it does for a linked video.
                given = any(per_video(options.get(name), video, video_id) is not None for name in ("timestamps", "fps"))
                timestamps = None if given else video.timestamps
                video = attrs.evolve(video, fps=rate, timestamps=timestamps, metadata=metadata)
            recorded.append((UNLINKED_TRAINING_FRAMES, video))
            continue
        clock, rate = video_clock(video, video_id, [f.frame_idx for f in frames if f.video == video_id], options)
        shape = video.shape or ()
        n_frames = int(shape[0]) if shape and shape[0] else max(f.frame_idx for f in frames if f.video == video_id) + 1
        name = unique_name(source_videos.image_series, video_label(video.filename, video_id))
        unknown_rate = " Its frame rate is unknown: the rate of 1.0 is a placeholder."
        series = ImageSeries(
            name=name,
            description=f"Video {video.filename} whose frames were labelled."
            + ("" if rate or "timestamps" in clock else unknown_rate),
            unit="n.a.",
            external_file=(files := linkable_files(video, nwb_path, labels.provenance.get("source"))),
            format="external",
            starting_frame=starting_frames(video, len(files)),
            **clock,
            num_samples=n_frames,
            dimension=[shape[2], shape[1]] if len(shape) >= 3 and shape[1] and shape[2] else None,
        )
        source_videos.add_image_series(series)
        videos[video_id] = series
        recorded.append((name, attrs.evolve(video, fps=rate)))
    record_videos(module, recorded, nwb_path)
    frame_map = options.get("frame_map")
    if frame_map:
        append_rows(
            module,
            FRAME_MAP_TABLE,
            ("exported_frame", "original_video", "original_frame_idx"),
            [(i, str(video), int(index)) for i, (video, index) in enumerate(frame_map)],
        )
    return Containers(pose_training, skeletons, videos, frames, images)


def check_options(options: dict[str, Any]) -> None:
    """Refuse options this writer does not take, and values of the wrong kind, naming what is wrong.

    Raises:
        InvalidOptionError: An unknown option (one of `PREDICTIONS_ONLY` with
            the reason), a ``compression`` that is not ``"gzip"``, ``"lzf"``
            or ``None``, or an ``fps`` that is not a positive number.
    """
    check_writer_options(
        options,
        OPTIONS,
        FORMAT,
        own="only labelled frames, written as ndx-pose PoseTraining",
        other="PoseEstimation (or its layout), which holds predictions",
        other_only={name: "" for name in PREDICTIONS_ONLY}
        | {"scorer": f"who labelled the frames is {say_option('annotator', example='NAME')}"},
    )


def video_clock(video: Video, index: int, frame_idx: list[int], options: dict[str, Any]) -> tuple[dict, float | None]:
    """The ImageSeries' clock of a source video (``rate`` and ``starting_time``, or ``timestamps``), and its rate.

    As the nwb-predictions writer times a video: the ``timestamps`` option,
    else the ``fps`` option, else the video's fps, each option a value or
    ``{video filename or index: value}``, else frame numbers as seconds (rate
    1.0) when ``frames_as_seconds`` asks for them. Without any, the rate is
    1.0 too, but the rate returned is ``None``: a placeholder, which the
    ImageSeries description calls one and poseio's table does not record.
    Labelled frames are found by frame number, so their poses need no time.

    Raises:
        InvalidOptionError: An fps that is not a positive number, or timestamps
            that are not finite, increasing, or do not cover a labelled frame.
    """
    stamps = per_video(options.get("timestamps"), video, index)
    if stamps is not None:
        stamps = np.asarray(stamps, dtype=np.float64).reshape(-1)
        what = f"the timestamps option for video {video.filename!r}"
        if not np.isfinite(stamps).all() or np.any(np.diff(stamps) <= 0):
            raise InvalidOptionError(f"{what} must be finite times in seconds, increasing from frame to frame")
        beyond = sorted({f for f in frame_idx if f >= len(stamps)})
        if beyond:
            raise InvalidOptionError(
                f"{what} time {len(stamps)} frames, but frames {beyond[:5]} are labelled; give a time for every "
                f"frame up to {beyond[-1]}, or the video's rate ({say_option('fps', example='30')})",
                format=FORMAT,
            )
        steps = np.diff(stamps)
        # Regular as nwbinspector's check_regular_timestamps judges it: stored as starting_time + rate.
        if len(stamps) >= 3 and np.unique(np.round(steps, 9)).size == 1:
            rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
            rate = round(rate, 6) if abs(rate - round(rate, 6)) < 1e-9 * rate else rate
            return {"starting_time": float(stamps[0]), "rate": float(rate)}, float(rate)
        return {"timestamps": stamps}, None
    rate = check_fps(per_video(options.get("fps"), video, index), FORMAT)
    if rate is None and video.fps:
        rate = float(video.fps)
    if rate is None and options.get("frames_as_seconds"):
        rate = 1.0  # asked for: the video's rate, not a placeholder
    return {"rate": float(rate or 1.0)}, rate


def _videos_to_leave_unlinked(labels: Labels, frames: list[FramePlan], nwb_path: Path | None) -> set[int]:
    """The videos whose frames link no ImageSeries because their file is not there.

    An ImageSeries naming a missing file is what nwbinspector calls CRITICAL
    (and DANDI refuses), so the frames of such a video keep only their frame
    index, poseio's table names the video (`poseio_nwb.writing.record_videos`)
    and says which video each of those frames is of (``poseio_frame_videos``).
    """
    missing = {
        v
        for v in {f.video for f in frames}
        if not labels.videos[v].metadata.get("stored_images")
        and linkable_files(labels.videos[v], nwb_path, labels.provenance.get("source")) is None
    }
    for v in sorted(missing):
        logger.warning(
            "video %s was not found from %s: its labelled frames keep their frame numbers but link no ImageSeries, "
            "which would name a missing file; put the video there to link it",
            labels.videos[v].filename,
            "the output's folder" if nwb_path is None else nwb_path.parent,
        )
    return missing


def _name_frames_of_unlinked_videos(module, pose_training, labels: Labels, frames: list[FramePlan], unlinked: set[int]):
    """The frames with their names in the file, and the video of each frame of an unlinked video recorded.

    The names are made here, as the writers then make them (unique among the
    frames the file holds), so that the table names the frames written.
    """
    taken = set(pose_training.training_frames.training_frames)
    named = []
    for frame in frames:
        name = unique_name(taken, frame.name)
        taken.add(name)
        named.append(attrs.evolve(frame, name=name))
    rows = [(f.name, labels.videos[f.video].filename) for f in named if f.video in unlinked]
    append_rows(module, FRAME_VIDEOS_TABLE, ("training_frame", "video"), rows)
    return named


def add_annotations(nwbfile, labels: Labels, *, nwb_path: Path | None = None, **options: Any) -> Any:
    """Add the user instances of ``labels`` to an in-memory ``pynwb.NWBFile`` as pynwb objects.

    Args:
        nwbfile: The file being built.
        labels: Its user instances are written (predictions are not).
        nwb_path: Where the file will be written, to store video paths relative to it.
        **options: ``annotator`` (for frames without one), ``skeleton_map``
            (skeleton name -> existing ndx-pose Skeleton), ``module_name``,
            ``frame_map``, and as the nwb-predictions writer takes them: ``fps``
            and ``timestamps`` (each a value or a dict by video filename or
            index; the source videos' clock), ``frames_as_seconds`` and
            ``compression`` (see `OPTIONS`).

    Returns:
        The PoseTraining object.
    """
    from ndx_pose import SkeletonInstance, SkeletonInstances, TrainingFrame

    containers = prepare(nwbfile, labels, nwb_path, options)
    training_frames = containers.pose_training.training_frames
    for frame in containers.frames:
        instances = [
            SkeletonInstance(
                name=i.name,
                id=id_value(i.id),
                node_locations=i.locations,
                node_visibility=i.visibility,
                skeleton=containers.skeletons[i.skeleton],
            )
            for i in frame.instances
        ]
        image = containers.images.get(frame.video, {}).get(frame.frame_idx)
        source = (
            {"source_frame": image}
            if image is not None
            else {
                "source_video": containers.videos.get(frame.video),  # None: a video left unlinked
                "source_video_frame_index": np.uint32(frame.frame_idx),
            }
        )
        training_frames.add_training_frames(
            TrainingFrame(
                name=unique_name(training_frames.training_frames, frame.name),
                annotator=frame.annotator,
                skeleton_instances=SkeletonInstances(skeleton_instances=instances),
                **source,
            )
        )
    return containers.pose_training


def _fill_frames(path: Path, containers: Containers) -> None:
    """Write the planned TrainingFrames into the file with h5py, as pynwb would lay them out."""
    import h5py
    from poseio_nwb import typed_groups

    # New groups in the HDF5 1.8 object format keep their links in the group's own
    # header instead of a B-tree and heap each: the file is half the size and reads
    # about 20% faster. Every HDF5 since 1.8 (2008) reads it; the superblock is unchanged.
    with h5py.File(path, "a", libver=("v108", "latest")) as f:
        wanted = {
            obj.object_id
            for obj in [*containers.skeletons.values(), *containers.videos.values(), containers.pose_training]
        }
        where = {}
        for group in typed_groups(f, "Skeleton", "ImageSeries", "PoseTraining"):
            object_id = group.attrs.get("object_id")
            object_id = object_id.decode() if isinstance(object_id, bytes) else object_id
            if object_id in wanted:
                where[object_id] = group.name
        training = f[where[containers.pose_training.object_id]]
        # Two typed groups per frame (the frame, its skeleton_instances) and one per instance.
        writer = FrameWriter(n_groups=sum(2 + len(frame.instances) for frame in containers.frames))
        if "training_frames" not in training:
            writer.typed_group(training.id, "training_frames", "TrainingFrames")
        frames_group = training["training_frames"]
        skeleton_paths = {i: where[s.object_id] for i, s in containers.skeletons.items()}
        video_paths = {i: where[v.object_id] for i, v in containers.videos.items()}
        taken = set(frames_group)  # kept here: asking HDF5 for every name per frame is quadratic
        for frame in containers.frames:
            name = unique_name(taken, frame.name)
            taken.add(name)
            group = writer.typed_group(frames_group.id, name, "TrainingFrame")
            if frame.annotator is not None:
                writer.text_attr(group, "annotator", frame.annotator)
            image = containers.images.get(frame.video, {}).get(frame.frame_idx)
            if image is not None:
                module_name = image.parent.parent.name
                writer.soft_link(group, "source_frame", f"/processing/{module_name}/{image.parent.name}/{image.name}")
            else:
                writer.number_attr(group, "source_video_frame_index", np.uint32(frame.frame_idx))
                if frame.video in video_paths:  # else a video left unlinked, see _video_to_leave_unlinked
                    writer.soft_link(group, "source_video", video_paths[frame.video])
            instances = writer.typed_group(group, "skeleton_instances", "SkeletonInstances")
            for plan in frame.instances:
                instance = writer.typed_group(instances, plan.name, "SkeletonInstance")
                writer.number_attr(instance, "id", id_value(plan.id))
                writer.dataset(instance, "node_locations", np.asarray(plan.locations, dtype=np.float64))
                writer.dataset(instance, "node_visibility", np.asarray(plan.visibility, dtype=bool))
                skeleton_path = skeleton_paths[plan.skeleton]
                writer.soft_link(instance, skeleton_path.rsplit("/", 1)[-1], skeleton_path)


def write_annotations(labels: Labels, path: Path, **options: Any) -> None:
    """Write a new NWB file holding the user instances in ``labels`` (and the rest of their NWB session)."""
    session = session_to_keep(labels, options)
    if session is not None:
        start_from_session(session, path, labels, options)
        append_annotations(labels, path, **options)
        return
    nwbfile = new_nwbfile(**nwbfile_metadata(labels, options))
    containers = prepare(nwbfile, labels, path, options)
    write_nwbfile(nwbfile, path)
    _fill_frames(path, containers)


def append_annotations(labels: Labels, path: Path, **options: Any) -> None:
    """Add the user instances in ``labels`` to the existing NWB file at ``path``."""
    if pop_nwbfile_options(options):
        raise InvalidOptionError("NWB session metadata cannot be changed when appending; drop those options")
    found: list[Containers] = []
    append_to_nwbfile(path, lambda nwbfile: found.append(prepare(nwbfile, labels, path, options)))
    _fill_frames(path, found[0])
