"""Reading every ndx-pose PoseEstimation in an NWB file with h5py."""

from __future__ import annotations

import logging
from pathlib import Path

import attrs
import h5py
import numpy as np
from h5py import h5a, h5d, h5o
from poseio import InvalidOptionError, Labels, PoseTable, ReadError, Skeleton, Track, Video
from poseio.hdf5 import (
    attribute_text,
    check_dataset,
    child_groups,
    dangling_links,
    location,
    object_key,
    read_strings,
    read_text,
    reading,
    target_path,
    text,
    values,
)
from poseio.limits import check_allocation, over_budget
from poseio_nwb import (
    LEAF_TYPES,
    NOT_READ,
    PoseioExtras,
    linked_groups,
    neurodata_type,
    objects_not_read,
    read_skeleton,
    read_video,
    series_times,
    session_metadata,
    typed_groups,
    video_label,
)

from poseio_nwb_predictions._containers import container_record, shared_fields
from poseio_nwb_predictions._naming import match_series_to_nodes, split_individuals, track_name
from poseio_nwb_predictions._timing import (
    UNTIMED_KEY,
    FrameClock,
    choose_clock,
    first_time_only,
    frame_seconds,
    placed_frames,
)

logger = logging.getLogger("poseio")

CONTAINER_TYPES = ("PoseEstimation", "MultiCameraPoseEstimation")
SCORES_SUFFIX = "_instance_scores"
SCORES_COMMENT = "poseio:instance_scores"


@attrs.define
class Series:
    """One PoseEstimationSeries: its timing is read at once, its data when scattered.

    Holding only the timing keeps one series' data in memory at a time.
    """

    name: str
    group: h5py.Group
    times: np.ndarray
    rate: tuple[float, float] | None  # (starting_time, rate) when timed by rate
    timing_key: object  # equal for series that share their timing
    n: int
    ndim: int
    data: h5py.Dataset
    confidence: h5py.Dataset | None
    # Rate 0.0 over several samples: ``times`` holds the first sample's time, then NaN (see `first_time_only`).
    first_time_only: bool = False

    def read_into(self, points: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Read data and confidence straight into same-length destinations; returns the points.

        HDF5 converts the type (float32 to float64) on the way, so no
        temporary array is made. ``points`` must be ``(n, D)`` and C-contiguous.
        """
        self.data.read_direct(points)
        if self.confidence is not None:
            self.confidence.read_direct(scores)
        return points

    def read(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The ``(n, D)`` points (D = 2 or 3) and the confidences, or None without any."""
        points = values(self.data, np.float64).reshape(self.n, -1 if self.n else self.ndim)
        confidence = None if self.confidence is None else values(self.confidence, np.float64).reshape(-1)
        return points, confidence


@attrs.define
class Slot:
    """One animal's poses in one container: the unit that becomes a track slot."""

    container: h5py.Group
    label: str  # the container's name, or ``track=<individual>`` for a split container
    skeleton: Skeleton
    series: list[tuple[int, Series]]  # (node index, series)
    instance_scores: np.ndarray | None = None  # (n, 3): time, score, tracking score
    split: bool = False  # one of several individuals sharing the container


def _visible(points: np.ndarray) -> np.ndarray:
    # Two column tests beat isfinite(...).all(axis=1), whose reduction over an axis of 2 is slow.
    return np.isfinite(points[:, 0]) & np.isfinite(points[:, 1])


def _member(gid: h5py.h5g.GroupID, name: bytes) -> h5o.ObjectID | None:
    """The object a group's member ``name`` names (soft links followed), or ``None`` when there is none.

    Low-level: the reader looks up a few members of every series, and h5py's
    ``name in group`` and ``group[name]`` cost several times these two calls.
    """
    if not gid.links.exists(name):
        return None
    try:
        return h5o.open(gid, name)
    except (KeyError, OSError):  # a dangling soft link
        return None


def _timing_key(group: h5py.Group, n: int) -> object:
    timestamps = _member(group.id, b"timestamps")
    if timestamps is not None:
        info = h5o.get_info(timestamps)  # `object_key`: the file's number and the object's address
        return info.fileno, info.addr
    starting_time = group.get("starting_time")
    if starting_time is not None:
        return ("rate", float(np.asarray(values(starting_time)).reshape(-1)[0]), starting_time.attrs.get("rate"), n)
    return group.name


def read_series(group: h5py.Group, times_cache: dict[object, tuple] | None = None, name: str | None = None) -> Series:
    """Check one PoseEstimationSeries and read its timing (not its data).

    ``name``: the series' name, when the caller knows it (else taken from its path).
    """
    gid = group.id
    found = _member(gid, b"data")
    if not isinstance(found, h5d.DatasetID):
        raise ReadError(f"{location(group)}: PoseEstimationSeries has no 'data'")
    data = h5py.Dataset(found)
    if data.dtype.kind not in "fiu":
        raise ReadError(f"{location(group)}/data: expected numbers, found {data.dtype}; the file is malformed")
    shape = found.shape
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] not in (1, 2, 3)):
        raise ReadError(f"{location(group)}/data: expected (n, 2) or (n, 3) coordinates, found shape {shape}")
    n = shape[0]
    ndim = max(2, shape[1] if len(shape) == 2 else 1)
    # Checked here, before the grid is sized from them: both are read straight into it later.
    check_dataset(data)
    found = _member(gid, b"confidence")
    confidence = h5py.Dataset(found) if isinstance(found, h5d.DatasetID) else group.get("confidence")
    if confidence is not None:
        check_dataset(confidence)
        if confidence.shape[0] != n:
            raise ReadError(f"{location(group)}: confidence has {confidence.shape[0]} values for {n} data rows")
    key = _timing_key(group, n)
    if name is None:
        name = group.name.rsplit("/", 1)[-1]
    if first_time_only(key, n):
        times = np.full(n, np.nan)
        times[0] = key[1]
        return Series(name, group, times, None, key, n, ndim, data, confidence, True)
    cache = times_cache if times_cache is not None else {}
    if key not in cache:
        cache[key] = series_times(group, n)
    times, rate = cache[key]
    if len(times) != n:
        message = f"data has {n} rows but timestamps has {len(times)}; the file is inconsistent"
        raise ReadError(f"{location(group)}: {message}")
    return Series(name, group, times, rate, key, n, ndim, data, confidence)


def _description(group: h5py.Group) -> str:
    """A series' description: a dataset of that name, else the attribute (NWB's), else ""."""
    gid = group.id
    if gid.links.exists(b"description"):
        found = read_text(group, "description")
        if found:
            return found
    found = attribute_text(gid, b"description")
    if found is None and h5a.exists(gid, b"description"):
        found = text(group.attrs.get("description"))  # empty, or too large to be read as text
    return found or ""


class PredictionsReader:
    """Reads one NWB file's PoseEstimation containers into one Labels."""

    def __init__(self, f: h5py.File, path: Path | None) -> None:
        # A PoseEstimation holds only series (a MultiCameraPoseEstimation holds PoseEstimations):
        # the walk does not go into it, which saves reading the type of each series twice.
        self.f = f
        self.path = path
        # Keyed by the object (`object_key`) when read from one, else by a text of poseio's own.
        self.skeletons: dict[object, Skeleton] = {}
        self.videos: dict[object, Video] = {}
        self.notes: list[str] = []
        # One walk of the file finds the pose containers and poseio's own tables.
        found = typed_groups(f, *CONTAINER_TYPES, "DynamicTable", leaves=LEAF_TYPES | {"PoseEstimation"})
        self.containers, tables = [], []
        for group in found:
            (tables if neurodata_type(group) == "DynamicTable" else self.containers).append(group)
        self.extras = PoseioExtras.read(f, tables=tables)
        self.times_cache: dict[object, tuple] = {}
        self.series_cache: dict[str, list[tuple[str, h5py.Group]]] = {}
        self.links_cache: dict[tuple[str, tuple[str, ...]], list[tuple[str, h5py.Group]]] = {}

    def named_series(self, container: h5py.Group) -> list[tuple[str, h5py.Group]]:
        """The container's PoseEstimationSeries and their names, found once per container."""
        if container.name not in self.series_cache:
            # Low-level: this runs once per series, and h5py's Group objects cost more than the test.
            self.series_cache[container.name] = [
                (raw.decode("utf-8", "surrogateescape"), h5py.Group(gid))
                for raw, gid in child_groups(container.id)
                if attribute_text(gid, b"neurodata_type") == "PoseEstimationSeries"
            ]
        return self.series_cache[container.name]

    def series_groups(self, container: h5py.Group) -> list[h5py.Group]:
        """The container's PoseEstimationSeries, found once per container."""
        return [group for _, group in self.named_series(container)]

    def links(self, container: h5py.Group, *types: str) -> list[tuple[str, h5py.Group]]:
        """The container's links to groups of these types (its series are not looked at again), found once."""
        key = (container.name, types)
        if key not in self.links_cache:
            series_names = {name for name, _ in self.named_series(container)}
            self.links_cache[key] = linked_groups(container, *types, skip=series_names)
        return self.links_cache[key]

    def skeleton_for(self, container: h5py.Group, series_names: list[str]) -> tuple[Skeleton, bool]:
        """The container's skeleton, and whether it came from a Skeleton object."""
        linked = self.links(container, "Skeleton")
        if linked:
            target = linked[0][1]
            key = object_key(target)
            if key not in self.skeletons:
                self.skeletons[key] = read_skeleton(target)
                self.extras.apply(self.skeletons[key])
            return self.skeletons[key], True
        for name in dangling_links(container):
            raise ReadError(f"{location(container)}: link {name!r} points to a missing object; the file is damaged")
        if "nodes" in container:
            # ndx-pose 0.1: nodes and edges on the container itself.
            key = container.name + "/nodes"
            if key not in self.skeletons:
                self.skeletons[key] = read_skeleton(container)
                self.skeletons[key].name = container.name.rsplit("/", 1)[-1]
            return self.skeletons[key], False
        # Loose files (hand-written DANDI-style ones) keep the Skeleton beside the container
        # without linking it: take the one named after the container, when its nodes fit.
        name = container.name.rsplit("/", 1)[-1]
        skeletons = container.parent.get("Skeletons")
        for candidate in (f"Skeleton_{name}", name):
            group = skeletons.get(candidate) if isinstance(skeletons, h5py.Group) else None
            if isinstance(group, h5py.Group) and "nodes" in group:
                key = object_key(group)
                if key not in self.skeletons:
                    self.skeletons[key] = read_skeleton(group)
                    self.extras.apply(self.skeletons[key])
                if set(self.skeletons[key].node_names) >= set(series_names):
                    self.notes.append(f"{container.name}: skeleton {group.name} found by its name, not linked")
                    return self.skeletons[key], True
        self.notes.append(f"{container.name}: no skeleton; nodes named after the series")
        return Skeleton(sorted(series_names), name=container.name.rsplit("/", 1)[-1]), False

    def video_for(self, container: h5py.Group) -> Video:
        """The container's video: a linked ImageSeries, else the original_videos path."""
        for link_name in ("source_video", "original_videos_series"):
            if link_name not in container:
                continue
            target = container.get(link_name)
            if not isinstance(target, h5py.Group):
                found = "points to an object that does not exist" if target is None else "is a dataset"
                raise ReadError(
                    f"{location(container)}: its {link_name!r} {found}, where an ImageSeries belongs; "
                    "the file is damaged"
                )
            if neurodata_type(target) == "ImageSeries":
                series_path, series = target_path(container, link_name), target
            else:
                series_path, series = next(iter(linked_groups(target, "ImageSeries")), (None, None))
            if series is not None:
                key = object_key(series)
                if key not in self.videos:
                    self.videos[key] = read_video(series, self.path, self.extras, series_path=series_path)
                return self.videos[key]
        filename = None
        if "original_videos" in container:
            names = read_strings(container["original_videos"])
            filename = names[0] if names else None
        if filename is None:
            # No video named: a world-coordinate container is its own view; a camera's poses are
            # keyed by the camera (Device) they link; others share their processing module's.
            devices = self.links(container, "Device", "CalibratedCamera")
            if neurodata_type(container) == "MultiCameraPoseEstimation":
                filename, metadata = container.name, {"world_coordinates": True}
            elif devices:
                filename, metadata = devices[0][0], {"device": devices[0][0]}
            else:
                filename, metadata = container.parent.name, {}
            metadata.update(nwb_path=filename, filename_unknown=True)
        else:
            metadata = {"nwb_path": container.name}
        if filename not in self.videos:
            # A video poseio wrote without an ImageSeries (its file was not found) has its shape and clock here.
            kept = self.extras.unlinked_videos.get(filename)
            if kept is not None:
                self.videos[filename] = attrs.evolve(kept, metadata={**kept.metadata, **metadata})
            else:
                self.videos[filename] = Video(filename, metadata=metadata)
        return self.videos[filename]

    @staticmethod
    def container_label(container: h5py.Group) -> str:
        """The container's name, less the video label poseio adds when a file has several videos.

        poseio names such containers ``PoseEstimation_<video>_<track>`` and their
        ImageSeries ``video_<video>`` (a video left unlinked, its file not
        found, is named by ``original_videos``, whose stem is the label); the
        track is what remains.
        """
        name = container.name.rsplit("/", 1)[-1]
        label = None
        if "source_video" in container:
            series = target_path(container, "source_video").rsplit("/", 1)[-1]
            label = series.removeprefix("video_") if series.startswith("video_") else None
        elif "original_videos" in container:
            names = read_strings(container["original_videos"])
            label = video_label(names[0], 0) if len(names) == 1 else None
        prefix = f"PoseEstimation_{label}_"
        if label and name.startswith(prefix) and len(name) > len(prefix):
            return "PoseEstimation_" + name[len(prefix) :]
        return name

    @staticmethod
    def instance_scores(container: h5py.Group) -> np.ndarray | None:
        """``(n, 3)`` time, score, tracking score from poseio's TimeSeries beside the container."""
        name = container.name.rsplit("/", 1)[-1] + SCORES_SUFFIX
        series = container.parent.get(name)
        if not isinstance(series, h5py.Group) or text(series.attrs.get("comments")) != SCORES_COMMENT:
            return None
        data = values(series["data"], np.float64).reshape(-1, 2)
        key = _timing_key(series, len(data))
        if first_time_only(key, len(data)):  # written so by poseio for a container read that way
            times = np.full(len(data), np.nan)
            times[0] = key[1]
        else:
            times, _ = series_times(series, len(data))
        return np.column_stack([times, data])

    def slots_for(self, container: h5py.Group) -> list[Slot]:
        """The container's series, mapped to nodes, split by individual when named so."""
        named = self.named_series(container)
        series_groups = [g for _, g in named]
        series = [read_series(g, self.times_cache, name) for name, g in named]
        names = [s.name for s in series]
        skeleton, from_object = self.skeleton_for(container, names)
        # Bare node names may hide individuals (dlc2nwb's ind1_snout); a Skeleton object's nodes do
        # only when every series says so (dlc2nwb's container, written again with its names).
        software = read_text(container, "source_software")
        descriptions = [_description(g) for g in series_groups]
        individuals = split_individuals(
            skeleton.node_names, software=software, descriptions=descriptions, described_only=from_object
        )
        scores = self.instance_scores(container)
        if individuals is None:
            mapping = match_series_to_nodes(names, skeleton.node_names)
            unmatched = [n for n, i in mapping.items() if i is None]
            if unmatched:
                raise ReadError(
                    f"{location(container)}: series {unmatched} match no node of skeleton "
                    f"{skeleton.name!r} {skeleton.node_names}"
                )
            return [
                Slot(
                    container, self.container_label(container), skeleton, [(mapping[s.name], s) for s in series], scores
                )
            ]
        bodyparts = next(iter(individuals.values()))
        key = f"{container.name}/individuals"
        if key not in self.skeletons:
            self.skeletons[key] = Skeleton(
                bodyparts,
                # Each individual repeats the body parts' edges: one of each.
                edges=list(
                    dict.fromkeys(
                        (skeleton.node_names[a].split("_", 1)[1], skeleton.node_names[b].split("_", 1)[1])
                        for a, b in skeleton.edge_inds
                        if skeleton.node_names[a].split("_", 1)[0] == skeleton.node_names[b].split("_", 1)[0]
                    )
                ),
                name=skeleton.name,
            )
        mapping = match_series_to_nodes(names, skeleton.node_names)
        slots = []
        for individual in individuals:
            members = [
                (bodyparts.index(skeleton.node_names[i].split("_", 1)[1]), s)
                for s in series
                if (i := mapping[s.name]) is not None and skeleton.node_names[i].startswith(individual + "_")
            ]
            slots.append(Slot(container, f"track={individual}", self.skeletons[key], members, split=True))
        return slots

    def shared_record(self, slots: list[Slot], video: Video, skeleton: Skeleton) -> dict:
        """The record of a container several individuals share (dlc2nwb's): ``members`` name their series.

        ``members`` is ``{track: {node: series name}}``; ``series`` is keyed by series name.
        """
        container = slots[0].container
        members = {
            self.track_of(slot, siblings=len(slots)): {skeleton.node_names[node]: s.name for node, s in slot.series}
            for slot in slots
        }
        with reading("the pose container's fields", container):
            record = container_record(
                container,
                {s.name: s for slot in slots for _, s in slot.series},
                video=video.filename,
                skeleton=skeleton.name,
                track=None,
                devices=self.links(container, "Device", "CalibratedCamera"),
            )
        record["members"] = members
        record["path"] = container.name
        return record

    def track_of(self, slot: Slot, *, siblings: int) -> str | None:
        """The track of a slot: as poseio's tracks table records it, else by the naming rules.

        A camera's view nested in a MultiCameraPoseEstimation is named after its
        camera (ndx-pose's own example: ``PoseEstimation_camera1``), not its
        animal: it is the MultiCamera's animal, named by the MultiCamera's name.
        """
        if not slot.split:
            recorded = self.extras.tracks.get(slot.container.name.removeprefix("/processing/"))
            if recorded is not None:
                return recorded
        parent = slot.container.parent
        if text(parent.attrs.get("neurodata_type")) == "MultiCameraPoseEstimation":
            recorded = self.extras.tracks.get(parent.name.removeprefix("/processing/"))
            return recorded if recorded is not None else track_name(self.container_label(parent), siblings=1)
        return track_name(slot.label, siblings=siblings)

    def read(self, views: list[str] | None = None) -> Labels:
        """The Labels of every container, or of those of the ``views`` named (see `view_names`)."""
        slots_by_video: dict[int, list[tuple[Video, Slot]]] = {}
        wanted = set(views) if views is not None else None
        found: set[str] = set()
        for container in self.containers:
            with reading("the pose container", container):
                video = self.video_for(container)
                if wanted is not None:
                    names = view_names(video)
                    found |= names
                    if not names & wanted:
                        continue
                for slot in self.slots_for(container):
                    for _, s in slot.series:
                        if s.first_time_only:  # placed among its own animal's poses: keyed by the animal
                            s.timing_key = ("first time only", container.name, slot.label, s.timing_key)
                    slots_by_video.setdefault(id(video), []).append((video, slot))
        if wanted is not None and wanted - found:
            raise InvalidOptionError(
                f"{self.path}: no view named {sorted(wanted - found)}; its views are {sorted(found)}",
                format="nwb-predictions",
            )

        videos: list[Video] = []
        skeletons: list[Skeleton] = []
        tracks: dict[str, Track] = {}
        tables: list[PoseTable] = []
        timing: dict[str, str] = {}
        records: list[dict] = []
        untimed: list[dict] = []
        for group in slots_by_video.values():
            video = group[0][0]
            videos.append(video)
            all_series = [s for _, slot in group for _, s in slot.series]
            # A series with rate 0.0 has one known time, its first sample's: only that one counts.
            known = {s.timing_key: (1 if s.first_time_only else s.n) for s in all_series}
            distinct_times = {s.timing_key: s.times[: known[s.timing_key]] for s in all_series}
            clock = choose_clock(video, [s.rate for s in all_series if s.rate], list(distinct_times.values()))
            timing[video.filename] = clock.source
            series_by_key = {s.timing_key: s for s in all_series}
            indices = {key: frame_indices(clock, s) for key, s in series_by_key.items() if not s.first_time_only}
            for _, slot in group:  # series with rate 0.0 go around their animal's timed poses
                timed = [indices[s.timing_key] for _, s in slot.series if not s.first_time_only]
                for _, s in slot.series:
                    if s.first_time_only:
                        indices[s.timing_key] = frame_indices(clock, s, timed=np.concatenate(timed) if timed else None)
            self.keep_seconds(video, clock, [(indices[k], s.times) for k, s in series_by_key.items()])
            video.metadata["ndim"] = max((s.ndim for s in all_series), default=2)
            # Slots whose skeletons have the same nodes share one grid (one Skeleton per animal, as
            # most multi-animal files have it), each row keeping its own skeleton.
            by_nodes: dict[tuple[str, ...], list[Slot]] = {}
            for _, slot in group:
                by_nodes.setdefault(tuple(slot.skeleton.node_names), []).append(slot)
            for slots in by_nodes.values():
                for slot in slots:
                    if not any(slot.skeleton is s for s in skeletons):
                        skeletons.append(slot.skeleton)
                track_ids = []
                for slot in slots:
                    skeleton = slot.skeleton
                    name = self.track_of(slot, siblings=len(group))
                    if name is None:
                        track_ids.append(-1)
                    else:
                        tracks.setdefault(name, Track(name))
                        track_ids.append(list(tracks).index(name))
                    untimed += [
                        {
                            "video": video.filename,
                            "skeleton": skeleton.name,
                            "track": name,
                            "node": skeleton.node_names[node],
                            "series": s.group.name,
                            "starting_time": float(s.times[0]),
                            "samples": s.n,
                            "frames": indices[s.timing_key].tolist(),
                        }
                        for node, s in slot.series
                        if s.first_time_only
                    ]
                    if slot.split and not any(r.get("members") and r["path"] == slot.container.name for r in records):
                        # One record for the container the individuals share, naming each one's series.
                        sharing = [s for s in slots if s.container is slot.container]
                        records.append(self.shared_record(sharing, video, skeleton))
                    if not slot.split:
                        series = {skeleton.node_names[node]: s for node, s in slot.series}
                        with reading("the pose container's fields", slot.container):
                            records.append(
                                container_record(
                                    slot.container,
                                    series,
                                    video=video.filename,
                                    skeleton=skeleton.name,
                                    track=name,
                                    devices=self.links(slot.container, "Device", "CalibratedCamera"),
                                )
                            )
                tables.append(
                    self.dense_table(
                        slots,
                        slots[0].skeleton,
                        clock,
                        indices,
                        track_ids,
                        video_id=len(videos) - 1,
                        skeleton_ids=[next(i for i, s in enumerate(skeletons) if s is slot.skeleton) for slot in slots],
                    )
                )
        provenance = {
            "frame_timing": timing,
            "session": session_metadata(self.f),
            "nwb_containers": records,
            NOT_READ: objects_not_read(self.f),
            **shared_fields(list(self.containers)),
        }
        if untimed:
            provenance[UNTIMED_KEY] = untimed
            self.report_untimed(untimed)
        if self.notes:
            provenance["notes"] = self.notes
        table = PoseTable.concat(tables) if tables else PoseTable.empty()
        return Labels.from_table(
            table, videos=videos, skeletons=skeletons, tracks=list(tracks.values()), provenance=provenance
        )

    def report_untimed(self, untimed: list[dict]) -> None:
        """Warn, and note in the provenance, which series know the time of their first sample only."""
        for e in untimed:
            self.notes.append(
                f"{e['series']}: rate 0.0 over {e['samples']} samples, so only the first has a time "
                f"({e['starting_time']} s); they are placed on frames {_frames(e['frames'])} of {e['video']}, "
                "which are not their times"
            )
        names = ", ".join(e["series"] for e in untimed[:10]) + (
            f" and {len(untimed) - 10} more" if len(untimed) > 10 else ""
        )
        example = untimed[0]
        logger.warning(
            "%s: %d series have a rate of 0.0 over several samples (sleap-io 0.9.5 writes that rate for samples "
            "evenly spaced more than one second apart), so only their first sample has a time and the others' "
            "times are unknown: %s. Every sample is kept, in order: the first on its frame, the others on the next "
            "frames that hold no pose of the same animal with a known time (%s on frames %s), which are not their "
            "times: numpy() and other formats show them there. "
            "Saving to NWB writes their clock back as it was. labels.provenance[%r] lists them; see "
            "'Clock rules' in docs/formats/nwb-predictions.md",
            self.path if self.path is not None else "the NWB file",
            len(untimed),
            names,
            example["series"],
            _frames(example["frames"]),
            UNTIMED_KEY,
        )

    def keep_seconds(self, video: Video, clock: FrameClock, rows: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Record on the video the seconds of its frames as the file has them (see `frame_seconds`).

        A regular clock taken from the series themselves also gives the video
        its rate and start, so that frames a user adds later are timed by it;
        an irregular one does not.
        """
        n_frames = 1 + max((int(frames.max()) for frames, _ in rows if len(frames)), default=-1)
        if over_budget(n_frames * 8):
            self.notes.append(f"{video.filename}: frames up to {n_frames - 1}; their seconds are not kept")
            return
        seconds, disagree = frame_seconds(clock, video, rows)
        video.timestamps = seconds
        if clock.declared:
            video.fps = clock.rate
            video.metadata["starting_time"] = float(seconds[0]) if len(seconds) else clock.start
        if disagree:
            self.notes.append(
                f"{video.filename}: {disagree} rows are timed apart from other rows of their frame "
                "(nodes sampled at different times); they keep their frame's first time"
            )

    @staticmethod
    def dense_table(
        slots: list[Slot],
        skeleton: Skeleton,
        clock,
        indices: dict[object, np.ndarray],
        track_ids: list[int],
        *,
        video_id: int,
        skeleton_ids: list[int],
    ) -> PoseTable:
        """Scatter every slot's series into one (frames, slots, nodes, D) grid and make rows of it.

        ``indices`` holds the frame index of every row of each timing (series
        that share their timing share one computation); each series' data is
        read straight into the grid, one at a time. The slots' skeletons have
        the same nodes (``skeleton``'s); ``skeleton_ids`` gives each slot's own.
        """
        indices = {s.timing_key: indices[s.timing_key] for slot in slots for _, s in slot.series}
        distinct = list(indices.values())
        first = distinct[0] if distinct else None
        if first is not None and np.all(np.diff(first) > 0) and all(np.array_equal(first, d) for d in distinct[1:]):
            # Sorted, unique, and the same for every timing (animals timed alike): the common case.
            frames = first
            indices = dict.fromkeys(indices, first)
        else:
            frames = np.unique(np.concatenate(distinct)) if distinct else np.empty(0, dtype=np.int64)
        rows_by_key = {
            key: (slice(None) if len(idx) == len(frames) and idx is frames else np.searchsorted(frames, idx))
            for key, idx in indices.items()
        }
        ndim = max((s.ndim for slot in slots for _, s in slot.series), default=2)
        # Skip filling with NaN when every (slot, node) has a series covering every frame in full.
        covered = all(
            len({node for node, _ in slot.series}) == len(skeleton)
            and all(isinstance(rows_by_key[s.timing_key], slice) and s.ndim == ndim for _, s in slot.series)
            for slot in slots
        )
        # Memory runs node by node, slot by slot, so that each series lands in one contiguous
        # block; the (frames, slots, nodes, D) arrays are transposed views of it.
        shape = (len(skeleton), len(slots), len(frames), ndim)
        # Sized by rows the file stores, but a file of few rows can still declare thousands of nodes.
        nbytes = len(skeleton) * len(slots) * len(frames) * (ndim + 1) * 8
        if over_budget(nbytes):  # the location costs h5py calls: looked up only for the error
            where = location(slots[0].container)
            grid = f"the pose grid of {len(skeleton)} nodes x {len(frames)} frames"
            check_allocation(nbytes, grid, where, path=where.split(":", 1)[0])
        by_series = np.empty(shape) if covered else np.full(shape, np.nan)
        scores_by_series = np.full(shape[:3], np.nan)
        points = by_series.transpose(2, 1, 0, 3)
        point_scores = scores_by_series.transpose(2, 1, 0)
        present = np.zeros((len(slots), len(frames)), dtype=bool)
        scores = np.full((len(frames), len(slots)), np.nan)
        tracking = np.full((len(frames), len(slots)), np.nan)
        for j, slot in enumerate(slots):
            for node, s in slot.series:
                rows = rows_by_key[s.timing_key]
                block = by_series[node, j]
                if isinstance(rows, slice) and s.ndim == ndim and block.flags.c_contiguous and s.n:
                    with reading("the PoseEstimationSeries", s.group):
                        data = s.read_into(block, scores_by_series[node, j])
                    present[j] |= _visible(data)
                    continue
                with reading("the PoseEstimationSeries", s.group):
                    data, confidence = s.read()
                if data.shape[1] == 1:
                    data = np.concatenate([data, np.full_like(data, np.nan)], axis=1)
                by_series[node, j, rows, : data.shape[1]] = data
                present[j, rows] |= _visible(data)
                if confidence is not None:
                    scores_by_series[node, j, rows] = confidence
            extra = slots[j].instance_scores
            if extra is not None and len(extra):
                # NaN after the first time: scores of a container read with rate 0.0, placed as its series.
                if len(extra) > 1 and np.isnan(extra[1:, 0]).all():
                    placed = [indices[s.timing_key] for _, s in slots[j].series if s.first_time_only]
                    at = next((p for p in placed if len(p) == len(extra)), None)
                    at = placed_frames(clock, extra[0, 0], len(extra)) if at is None else at
                else:
                    at = clock.frame_indices(extra[:, 0])
                rows = np.searchsorted(frames, at)
                ok = rows < len(frames)
                ok[ok] &= frames[rows[ok]] == at[ok]
                scores[rows[ok], j] = extra[ok, 1]
                tracking[rows[ok], j] = extra[ok, 2]
        return PoseTable.from_dense(
            points,
            frame_idx=frames,
            video=video_id,
            skeleton=np.asarray(skeleton_ids),
            track=np.asarray(track_ids),
            predicted=True,
            point_scores=point_scores,
            score=scores,
            tracking_score=tracking,
            present=present.T,
        )


def _frames(frames: list[int]) -> str:
    """Frame numbers as a message lists them: the first few, and the last."""
    shown = ", ".join(str(f) for f in frames[:4])
    return shown if len(frames) <= 5 else f"{shown}, ..., {frames[-1]}"


def frame_indices(clock: FrameClock, series: Series, *, timed: np.ndarray | None = None) -> np.ndarray:
    """The frame index of each row of a series, which must all differ.

    Two rows of one series on one frame would be two poses of one animal's
    node at once: one would overwrite the other. That happens when timestamps
    repeat or lie closer together than the clock's frames, and is refused
    rather than merged. A series read with rate 0.0 (only its first sample
    timed) is placed by `placed_frames`, around ``timed``: the frames of its
    animal's series that have times.
    """
    try:
        frames = (
            placed_frames(clock, series.times[0], series.n, timed)
            if series.first_time_only
            else clock.frame_indices(series.times)
        )
    except ValueError as exc:
        raise ReadError(f"{location(series.group)}: {exc} (clock from {clock.source}); the file is damaged") from exc
    if len(frames) > 1:
        ordered = np.sort(frames)
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        if len(repeated):
            raise ReadError(
                f"{location(series.group)}: {len(repeated)} of its {series.n} rows fall on a frame another row "
                f"already has (first: frame {int(repeated[0])}) with the clock from {clock.source}; the "
                "timestamps repeat or are closer together than one frame. poseio does not merge or drop poses; "
                "fix the timestamps with the tool that wrote the file"
            )
    if len(frames) and frames.min() < 0:
        first = int(np.argmin(frames))
        raise ReadError(
            f"{location(series.group)}: row {first} at {float(series.times[first])} s comes before frame 0 of "
            f"its video (clock from {clock.source}); the series and the video's timing disagree"
        )
    return frames


def view_names(video: Video) -> set[str]:
    """The names a ``views=`` read option may give a view (a video): its file name, its camera, ``world``."""
    names = {video.filename, video.filename.rsplit("/", 1)[-1]}
    if video.metadata.get("world_coordinates"):
        names.add("world")
    return names


def read_predictions(f: h5py.File, path: Path | None, *, views: list[str] | None = None) -> Labels:
    """Every PoseEstimation in an open NWB file, as predicted instances.

    Args:
        f: The open file.
        path: Its path, to resolve relative video paths.
        views: Read only these views (videos): each a video's file name or
            path, a camera's (Device's) name, or ``"world"`` for the
            world-coordinate series of a MultiCameraPoseEstimation.
    """
    if views is not None and (isinstance(views, str) or not all(isinstance(v, str) for v in views)):
        raise InvalidOptionError(f"views must be a list of view names, not {views!r}", format="nwb-predictions")
    return PredictionsReader(f, path).read(views)
