"""Reading ndx-pose PoseTraining (human-labelled frames) with h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from h5py import h5g
from poseio import Labels, PoseTable, ReadError, Skeleton, Track, UnsafeFileError, Video
from poseio.hdf5 import attribute_text, dangling_links, reading, target_path, values
from poseio.limits import check_allocation
from poseio_nwb import (
    NOT_READ,
    PoseioExtras,
    linked_groups,
    objects_not_read,
    read_skeleton,
    read_video,
    session_metadata,
    track_of,
    typed_groups,
)

from poseio_nwb_annotations._h5read import (
    child_names,
    limit_metadata_cache,
    open_dataset,
    open_group,
    read_dataset,
    read_index,
    soft_target,
    soft_targets,
)
from poseio_nwb_annotations._images import stored_images_metadata
from poseio_nwb_annotations._records import RECORDS_KEY, TrainingFrameRecords

TRACK_PREFIX = "track="
_MAX_FRAME = int(np.iinfo(np.int64).max)
_FLOAT = np.dtype(np.float64)
# Visibility is read as bytes: HDF5 converts booleans (an enum) and integers of any width to it.
_BYTE = np.dtype(np.uint8)


def instance_track(name: str) -> str | None:
    """The track a SkeletonInstance's name records (``track=<name>``, ``track=<name>#2``), or ``None``."""
    if not name.startswith(TRACK_PREFIX):
        return None
    return track_of(name[len(TRACK_PREFIX) :])


def _attr_or_dataset(group: h5py.Group, name: str):
    if name in group.attrs:
        return group.attrs[name]
    if name in group and isinstance(group[name], h5py.Dataset):
        return values(group[name])
    return None


def _children(f: h5py.File, parent_path: str, parent: h5g.GroupID, container: str, neurodata_type: str):
    """``(path, location, prefix)`` of the groups in ``parent``'s container of the name the spec fixes.

    A child's members are reached as ``prefix + member`` below ``location``, so
    that the many small instance groups need not be opened one by one.

    ndx-pose names a PoseTraining's frames group ``training_frames`` and a
    frame's instances group ``skeleton_instances``, and they hold nothing else,
    so their groups are taken without reading each one's type attribute: with
    10,000 frames that lookup is most of the reading time. Without that
    container, the groups of ``neurodata_type`` are searched for.
    """
    group = open_group(parent, container)
    if group is None:
        for found in typed_groups(f[parent_path], neurodata_type, inside_matches=False, leaves=frozenset()):
            yield found.name, found.id, ""
        return
    for name in child_names(group):
        yield f"{parent_path}/{container}/{name}", group, name + "/"


def _frame_index(frame: h5py.Group, where: str) -> int:
    """A TrainingFrame's ``source_video_frame_index``, checked."""
    index = _attr_or_dataset(frame, "source_video_frame_index")
    if index is None:
        raise ReadError(f"{where}: names a source video but has no source_video_frame_index")
    values = np.asarray(index).reshape(-1)
    if values.size != 1 or values.dtype.kind not in "iu" or not 0 <= int(values[0]) <= _MAX_FRAME:
        raise ReadError(
            f"{where}: source_video_frame_index should be one whole number from 0 to {_MAX_FRAME}, found {index!r}"
        )
    return int(values[0])


def _frames(f: h5py.File, training: h5py.Group):
    """``(path, group id)`` of every TrainingFrame of a PoseTraining."""
    for path, location, prefix in _children(f, training.name, training.id, "training_frames", "TrainingFrame"):
        frame = open_group(location, prefix) if prefix else location
        if frame is not None:
            yield path, frame


class AnnotationsReader:
    """Reads every PoseTraining of one NWB file into one Labels of user instances."""

    def __init__(self, f: h5py.File, path: Path | None) -> None:
        self.f = f
        limit_metadata_cache(f.id)
        self.path = path
        self.extras = PoseioExtras.read(f)
        self.skeletons: dict[str, Skeleton] = {}
        self.videos: dict[str, Video] = {}
        self.tracks: dict[str, Track] = {}
        self.image_indices: dict[str, dict[str, int]] = {}
        self.video_ids: dict[str, int] = {}
        self.skeleton_ids: dict[str, int] = {}
        self.track_ids: dict[str, int] = {}
        # The name of the last link that led to a known Skeleton: in most files every
        # instance uses the same one, and asking for it directly is cheaper than listing links.
        self.skeleton_link = ""
        self.records = TrainingFrameRecords()

    def skeleton(self, path: str, location: h5g.GroupID, prefix: str) -> tuple[int, Skeleton]:
        """The instance's skeleton, found through the link whose target is a Skeleton."""
        target = soft_target(location, prefix + self.skeleton_link) if self.skeleton_link else None
        if target in self.skeleton_ids:
            return self.skeleton_ids[target], self.skeletons[target]
        instance = self.f[path]
        if not isinstance(instance, h5py.Group):
            raise ReadError(f"{self.path}:{path}: expected a SkeletonInstance group, found a dataset")
        for name, target in soft_targets(instance.id).items():
            if target in self.skeleton_ids:
                self.skeleton_link = name
                return self.skeleton_ids[target], self.skeletons[target]
        linked = linked_groups(instance, "Skeleton")
        if not linked:
            missing = dangling_links(instance)
            detail = f"its link {missing[0]!r} points to a missing object" if missing else "it links no Skeleton"
            raise ReadError(f"{self.path}:{instance.name}: SkeletonInstance has no skeleton: {detail}")
        path, group = linked[0]
        if path not in self.skeletons:
            self.skeleton_ids[path] = len(self.skeletons)
            self.skeletons[path] = read_skeleton(group)
            self.extras.apply(self.skeletons[path])
        return self.skeleton_ids[path], self.skeletons[path]

    def video_and_index(self, path: str, frame_id: h5g.GroupID) -> tuple[int, int]:
        """The frame's video (as an index into the videos read so far) and frame index."""
        target = soft_target(frame_id, "source_video")
        if target in self.video_ids:
            # Fast path: the video of most frames is already known.
            index = read_index(frame_id, "source_video_frame_index")
            if index is not None and index >= 0:
                return self.video_ids[target], index
        frame = self.f[path]
        link = frame.get("source_video", getlink=True)
        where = f"{self.path}:{frame.name}"
        for name in dangling_links(frame):
            raise ReadError(f"{where}: its {name!r} link points to a missing object; the file is damaged")
        if link is not None:
            key = target_path(frame, "source_video")
            if key not in self.videos:
                self.video_ids[key] = len(self.videos)
                self.videos[key] = read_video(frame["source_video"], self.path, self.extras, series_path=key)
            return self.video_ids[key], _frame_index(frame, where)
        if "source_frame" in frame:
            # An image stored in the file: its Images container is the "video", its position the frame.
            image_path = target_path(frame, "source_frame")
            container, _, image = image_path.rpartition("/")
            if container not in self.videos:
                self.video_ids[container] = len(self.videos)
                names = sorted(self.f[container]) if container in self.f else []
                self.image_indices[container] = {n: i for i, n in enumerate(names)}
                shape = self.f[image_path].shape
                self.videos[container] = Video(
                    container,
                    shape=(len(names), shape[0], shape[1], shape[2] if len(shape) > 2 else 1),
                    metadata=stored_images_metadata(container, names, self.path),
                )
            return self.video_ids[container], self.image_indices[container][image]
        # A frame of a video poseio did not find: its table names the video (see poseio_nwb.writing).
        filename = self.extras.frame_videos.get(frame.name.rsplit("/", 1)[-1])
        if filename is None and len(self.extras.training_frames_videos) == 1:
            (filename,) = self.extras.training_frames_videos
        kept = self.extras.training_frames_videos.get(filename)
        if kept is not None:
            if filename not in self.video_ids:
                self.video_ids[filename] = len(self.videos)
                self.videos[filename] = kept
            return self.video_ids[filename], _frame_index(frame, where)
        raise ReadError(f"{where}: TrainingFrame has neither a source_video nor a source_frame")

    def track_index(self, instance_name: str) -> int:
        """The index of the track an instance's name records, or -1 when it records none."""
        track = instance_track(instance_name)
        if track is None:
            return -1
        if track not in self.track_ids:
            self.track_ids[track] = len(self.tracks)
            self.tracks[track] = Track(track)
        return self.track_ids[track]

    def read(self) -> Labels:
        rows_points: list[np.ndarray] = []
        rows: list[tuple[int, int, int, int]] = []  # video, frame_idx, skeleton, track of each point row
        annotators: list[list] = []
        for training in typed_groups(self.f, "PoseTraining", inside_matches=False):
            for frame_path, frame_id in _frames(self.f, training):
                with reading("the TrainingFrame", f"{self.path}:{frame_path}"):
                    video_id, frame_idx = self.video_and_index(frame_path, frame_id)
                    annotator = attribute_text(frame_id, b"annotator")
                    if annotator is not None:
                        annotators.append([video_id, frame_idx, annotator])
                    self.read_instances(frame_path, frame_id, video_id, frame_idx, rows_points, rows)
        columns = dict(
            zip(("video", "frame_idx", "skeleton", "track"), np.array(rows, dtype=np.int64).reshape(-1, 4).T)
        )
        n_nodes = max((len(s) for s in self.skeletons.values()), default=0)
        ndim = max((p.shape[1] for p in rows_points), default=2)
        nbytes = len(rows_points) * n_nodes * (ndim + 1) * 8  # points and their scores
        check_allocation(
            nbytes, f"{len(rows_points)} instances of up to {n_nodes} nodes", str(self.path), path=self.path
        )
        points = np.full((len(rows_points), n_nodes, ndim), np.nan)
        for row, p in enumerate(rows_points):
            points[row, : p.shape[0], : p.shape[1]] = p
        table = PoseTable.build(points, predicted=False, **columns) if rows_points else PoseTable.empty(n_nodes, ndim)
        videos = list(self.videos.values())
        provenance = {"session": session_metadata(self.f), NOT_READ: objects_not_read(self.f)}
        if annotators:
            provenance["annotators"] = [[videos[v].filename, i, a] for v, i, a in annotators]
        if self.extras.frame_map:
            provenance["frame_map"] = [list(row) for row in self.extras.frame_map]
        records = self.records.finish(videos, list(self.tracks))
        if records:
            provenance[RECORDS_KEY] = records
        return Labels.from_table(
            table,
            videos=videos,
            skeletons=list(self.skeletons.values()),
            tracks=list(self.tracks.values()),
            provenance=provenance,
        )

    def read_instances(
        self,
        frame_path: str,
        frame_id: h5g.GroupID,
        video_id: int,
        frame_idx: int,
        rows_points: list[np.ndarray],
        rows: list[tuple[int, int, int, int]],
    ) -> None:
        """Append a frame's instances to ``rows_points`` and ``rows``, and record their NWB names."""
        kept = []
        for instance_path, location, prefix in _children(
            self.f, frame_path, frame_id, "skeleton_instances", "SkeletonInstance"
        ):
            skeleton_id, skeleton = self.skeleton(instance_path, location, prefix)
            points, hidden = self.instance_points(instance_path, location, prefix, skeleton)
            rows_points.append(points)
            name = instance_path.rpartition("/")[2]
            rows.append((video_id, frame_idx, skeleton_id, self.track_index(name)))
            instance_id = read_index(location, "id", prefix)
            kept.append((name, instance_id if instance_id is None or instance_id >= 0 else None, hidden))
        self.records.add(frame_path.rpartition("/")[2], video_id, frame_idx, rows[len(rows) - len(kept) :], kept)

    def instance_points(
        self, path: str, location: h5g.GroupID, prefix: str, skeleton: Skeleton
    ) -> tuple[np.ndarray, dict[str, list[float]] | None]:
        """The instance's ``(n_nodes, D)`` points, NaN where not visible, and the hidden coordinates.

        The hidden coordinates are those the file stores for nodes it marks
        not visible (``{node name: coordinates}``, ``None`` when there are none):
        they are not poses, but writing the instance back keeps them.
        """
        locations = open_dataset(location, prefix + "node_locations")
        if locations is None:
            raise ReadError(f"{self.path}:{path}: SkeletonInstance has no node_locations")
        try:
            points = read_dataset(locations, _FLOAT)
        except UnsafeFileError:
            raise
        except (TypeError, OSError):  # HDF5 has no conversion from the stored type (text, compound) to numbers
            raise ReadError(f"{self.path}:{path}/node_locations: expected numbers, found {locations.dtype}") from None
        if points.ndim != 2 or points.shape[1] not in (2, 3):
            raise ReadError(f"{self.path}:{path}/node_locations: expected (n, 2) or (n, 3), found shape {points.shape}")
        if len(points) != len(skeleton):
            raise ReadError(
                f"{self.path}:{path}: {len(points)} node locations but skeleton {skeleton.name!r} "
                f"has {len(skeleton)} nodes"
            )
        visibility = open_dataset(location, prefix + "node_visibility")
        if visibility is not None:
            try:
                visible = read_dataset(visibility, _BYTE).reshape(-1) != 0
            except UnsafeFileError:
                raise
            except (TypeError, OSError):
                raise ReadError(
                    f"{self.path}:{path}/node_visibility: expected booleans, found {visibility.dtype}"
                ) from None
            if len(visible) != len(points):
                raise ReadError(
                    f"{self.path}:{path}: node_visibility has {len(visible)} values for {len(points)} nodes"
                )
            hidden_rows = np.flatnonzero(~visible & np.isfinite(points).all(axis=1))
            hidden = {skeleton.node_names[i]: points[i].tolist() for i in hidden_rows} or None
            points[~visible] = np.nan
            return points, hidden
        return points, None


def read_annotations(f: h5py.File, path: Path | None) -> Labels:
    """Every PoseTraining in an open NWB file, as user instances."""
    return AnnotationsReader(f, path).read()
