"""Building poseio objects from NWB groups: skeletons, videos, session metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import h5py
import numpy as np
from poseio import InvalidLabelsError, ReadError, Skeleton, Symmetry, Video
from poseio.hdf5 import location, read_number, read_strings, read_text, reading, text, values

from poseio_nwb._fields import GENERAL_LISTS, GENERAL_TEXT, ROOT_TEXT
from poseio_nwb._h5 import typed_groups
from poseio_nwb._paths import STORED, resolve_stored
from poseio_nwb._tables import rows_of_file_table


def read_edges(dataset: h5py.Dataset, n_nodes: int, where: str) -> list[tuple[int, int]]:
    """An ``(n_edges, 2)`` dataset of unsigned node indices, of any integer width."""
    edges = np.asarray(values(dataset))
    if edges.size == 0:
        return []
    if edges.dtype.kind not in "iu" or edges.ndim != 2 or edges.shape[1] != 2:
        raise ReadError(f"{where}: edges must be an (n, 2) integer array, got {edges.dtype} {edges.shape}")
    if edges.min() < 0 or edges.max() >= n_nodes:
        raise ReadError(f"{where}: an edge refers to node {int(edges.max())} but there are {n_nodes} nodes")
    return [(int(a), int(b)) for a, b in edges]


def series_times(group: h5py.Group, n: int) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The time in seconds of each of a TimeSeries' ``n`` samples, and (start, rate) if timed by rate.

    The rules for the clocks real producers write (``docs/formats/nwb-predictions.md``):
    timestamps must be finite; a rate must be finite and positive, except that
    a one-sample series may have rate 0.0 (sleap-io writes one for a track seen
    in one frame), whose one sample is at ``starting_time``.

    Raises:
        ReadError: Timestamps and data disagree in length, a time is NaN or
            infinite, a rate has no meaning, or there is no timing.
    """
    where = f"{group.file.filename}:{group.name}"
    if "timestamps" in group:
        times = values(group["timestamps"], np.float64).reshape(-1)
        if len(times) != n:
            raise ReadError(f"{where}: data has {n} rows but timestamps has {len(times)}; the file is inconsistent")
        bad = np.flatnonzero(~np.isfinite(times))
        if len(bad):
            raise ReadError(
                f"{where}: timestamps of {len(bad)} of {n} rows are NaN or infinite (first: row {int(bad[0])}), "
                "so those poses have no time; the file is damaged. Fix the timestamps with the tool that wrote it"
            )
        return times, None
    if "starting_time" in group:
        start = float(np.asarray(values(group["starting_time"])).reshape(-1)[0])
        step = group["starting_time"].attrs.get("rate")
        if not np.isfinite(start):
            raise ReadError(f"{where}: starting_time is {start}; it must be a finite number of seconds")
        if step is None:
            # Loose hand-written files omit the required rate: number the samples from the start.
            return start + np.arange(n, dtype=np.float64), None
        step = float(np.asarray(step).reshape(-1)[0])
        if step == 0.0 and n <= 1:
            return np.full(n, start), None
        if not (np.isfinite(step) and step > 0):
            raise ReadError(
                f"{where}: starting_time has a rate of {step} for {n} samples; a rate must be a finite, positive "
                "number of samples per second, so these poses have no time"
            )
        return start + np.arange(n) / step, (start, step)
    raise ReadError(f"{where}: series has neither timestamps nor starting_time")


def read_skeleton(group: h5py.Group) -> Skeleton:
    """An ndx-pose Skeleton group (``nodes``, optional ``edges``) as a Skeleton.

    The node order is the ``nodes`` dataset's order, never HDF5 child order.
    Symmetries, which ndx-pose has no field for, come from `PoseioExtras`.
    """
    where = location(group)
    if "nodes" not in group:
        raise ReadError(f"{where}: skeleton has no 'nodes' dataset")
    with reading("the Skeleton", where):
        dataset = group["nodes"]
        if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 1 or dataset.dtype.kind not in "OSU":
            raise ReadError(f"{where}: 'nodes' should be a list of names; the file is damaged")
        try:
            nodes = read_strings(dataset)
        except (TypeError, ValueError, UnicodeDecodeError) as exc:
            raise ReadError(f"{where}: 'nodes' is not a list of strings") from exc
        edges = read_edges(group["edges"], len(nodes), where) if "edges" in group else []
        try:
            return Skeleton(nodes, edges=edges, name=group.name.rsplit("/", 1)[-1])
        except InvalidLabelsError as exc:  # for example two nodes with one name
            raise ReadError(f"{where}: {exc}; the file is damaged") from exc


def image_series_video(series: h5py.Group, nwb_folder: Path | None) -> Video:
    """A Video from an ImageSeries (external file or stored frames).

    Relative external paths are resolved against the NWB file's folder, as
    nwbinspector does; the paths as written are kept in ``metadata["external_file"]``
    (the first) and ``metadata[STORED]`` (all, for writing them back; see
    `poseio_nwb._paths`).
    An image list (several external files, one frame each) becomes a video whose
    filename is the first image and whose ``metadata["external_files"]`` lists
    every image, resolved.
    """
    metadata: dict[str, Any] = {"nwb_path": series.name}
    filename = series.name
    if "external_file" in series:
        files = read_strings(series["external_file"])
        resolved = [resolve_stored(name, nwb_folder) for name in files]
        if files:
            metadata["external_file"] = files[0]
            metadata[STORED] = {"stored": files, "resolved": resolved}
            filename = resolved[0]
        if len(files) > 1:
            metadata["external_files"] = resolved
        first_frames = series["external_file"].attrs.get("starting_frame")
        if first_frames is not None and np.size(first_frames) == len(files):
            metadata["starting_frame"] = np.asarray(first_frames).reshape(-1).astype(int).tolist()
    fps = timestamps = None
    if "starting_time" in series:
        fps = series["starting_time"].attrs.get("rate")
        fps = float(np.asarray(fps).reshape(-1)[0]) if fps is not None else None
        metadata["starting_time"] = read_number(series, "starting_time")
        if not np.isfinite(metadata["starting_time"]) or (fps is not None and not (np.isfinite(fps) and fps > 0)):
            raise ReadError(
                f"{location(series)}: the video's starting_time ({metadata['starting_time']}) or rate ({fps}) is not "
                "a finite time and a positive rate, so its poses have no frame numbers; the file is damaged"
            )
    if "timestamps" in series:
        timestamps = values(series["timestamps"], np.float64)
        if not np.isfinite(timestamps).all():
            raise ReadError(
                f"{location(series)}: the video's timestamps hold NaN or infinite times; the file is damaged"
            )
    shape = None
    n_frames = None
    if "num_samples" in series:
        n_frames = int(read_number(series, "num_samples"))
    elif timestamps is not None:
        n_frames = len(timestamps)
    if "data" in series and series["data"].ndim >= 3 and series["data"].shape[0] > 0:
        data_shape = series["data"].shape
        shape = (data_shape[0], data_shape[1], data_shape[2], data_shape[3] if len(data_shape) > 3 else 1)
        metadata["stored_frames"] = True
    elif "dimension" in series:
        dimension = np.asarray(values(series["dimension"])).reshape(-1)
        if len(dimension) >= 2 and dimension[:2].all():
            # NWB's ImageSeries.dimension is (width, height).
            shape = (n_frames or 0, int(dimension[1]), int(dimension[0]), 0)
    if shape is None and n_frames:
        shape = (n_frames, 0, 0, 0)
    return Video(filename, shape=shape, fps=fps, timestamps=timestamps, metadata=metadata)


def read_video(
    series: h5py.Group, nwb_path: Path | None, extras: PoseioExtras | None = None, *, series_path: str | None = None
) -> Video:
    """A Video from an ImageSeries group, resolving paths against the NWB file's folder.

    When poseio wrote the file, ``extras`` restore the filename as the user
    gave it and the full shape. ``series_path`` is the ImageSeries' real path
    when it was reached through a soft link.
    """
    series_path = series_path or series.name
    with reading("the ImageSeries", f"{series.file.filename}:{series_path}"):
        video = image_series_video(series, None if nwb_path is None else nwb_path.resolve().parent)
    video.metadata["nwb_path"] = series_path
    if extras is not None:
        name = series_path.rsplit("/", 1)[-1]
        if name in extras.videos:
            filename, shape, fps = extras.videos[name]
            video.filename = filename or video.filename
            video.shape = shape if any(shape) else None
            video.fps = fps
    return video


def _unlinked_video(entry: tuple[str, tuple[int, ...], float | None], row: dict[str, str]) -> Video:
    """The Video a ``poseio_videos`` row of a video without an ImageSeries describes, clock included."""
    filename, shape, fps = entry
    timestamps = None
    if "timestamps" in row:
        try:
            timestamps = np.asarray(json.loads(row["timestamps"]), dtype=np.float64).reshape(-1)
        except (ValueError, TypeError) as exc:
            raise ReadError(f"poseio's timestamps of video {filename} are not a list of numbers: {exc}") from exc
        if not np.isfinite(timestamps).all():
            raise ReadError(f"poseio's timestamps of video {filename} hold NaN or infinite times; the file is damaged")
    start = float(row.get("starting_time", "0"))
    if not np.isfinite(start):
        raise ReadError(f"poseio's starting_time of video {filename} is {start}; the file is damaged")
    metadata = {"starting_time": start} if start else {}
    return Video(filename, shape=shape if any(shape) else None, fps=fps, timestamps=timestamps, metadata=metadata)


#: The ``image_series`` of the row of poseio's videos table that names the video
#: whose TrainingFrames link no ImageSeries (its file was not found).
UNLINKED_TRAINING_FRAMES = "(training frames of a video not found)"


@attrs.define
class PoseioExtras:
    """Values poseio stored in its own DynamicTables (see `poseio_nwb.writing`).

    Attributes:
        symmetries: Skeleton name -> pairs of node names.
        videos: ImageSeries name -> (filename as given, shape, fps or None).
        unlinked_videos: filename -> a Video of each video written without an
            ImageSeries, its file not found (named by ``original_videos``):
            its shape and clock (fps, ``metadata["starting_time"]``, timestamps).
        training_frames_videos: filename -> a Video of each video whose
            TrainingFrames link no ImageSeries (its file not found).
        frame_videos: TrainingFrame name -> the filename of its video, for those frames.
        frame_map: (exported frame, original video, original frame index) rows.
        skeleton_names: NWB Skeleton name -> the skeleton's own name, where they differ.
        tracks: PoseEstimation path below ``/processing`` (``behavior/PoseEstimation``)
            -> the name of its track, where the container's name does not say it.
    """

    symmetries: dict[str, list[tuple[str, str]]] = attrs.Factory(dict)
    videos: dict[str, tuple[str, tuple[int, ...], float | None]] = attrs.Factory(dict)
    unlinked_videos: dict[str, Video] = attrs.Factory(dict)
    training_frames_videos: dict[str, Video] = attrs.Factory(dict)
    frame_videos: dict[str, str] = attrs.Factory(dict)
    frame_map: list[tuple[int, str, int]] = attrs.Factory(list)
    skeleton_names: dict[str, str] = attrs.Factory(dict)
    tracks: dict[str, str] = attrs.Factory(dict)

    @classmethod
    def read(cls, f: h5py.File, tables: list[h5py.Group] | None = None) -> PoseioExtras:
        """The values in poseio's tables; ``tables`` are the file's DynamicTables when a walk found them."""
        extras = cls()
        for table in typed_groups(f, "DynamicTable") if tables is None else tables:
            if table.name.rsplit("/", 1)[-1].startswith("poseio_"):
                with reading("poseio's table", table):
                    for name, rows in rows_of_file_table(table).items():
                        extras._add_rows(name, rows)
        return extras

    def _add_rows(self, name: str, rows: list[dict[str, str]]) -> None:
        """Take in the rows of one of poseio's tables (see `poseio_nwb.writing`)."""
        for row in rows:
            if name == "poseio_skeleton_symmetries":
                self.symmetries.setdefault(row["skeleton"], []).append((row["node_a"], row["node_b"]))
            elif name == "poseio_videos":
                shape = tuple(int(float(row.get(c, "0"))) for c in ("n_frames", "height", "width", "channels"))
                fps = float(row.get("fps", "nan"))
                entry = (row.get("filename", ""), shape, None if np.isnan(fps) else fps)
                series = row.get("image_series", "")
                if series == UNLINKED_TRAINING_FRAMES:
                    self.training_frames_videos[entry[0]] = _unlinked_video(entry, row)
                elif series:
                    self.videos[series] = entry
                else:
                    self.unlinked_videos[entry[0]] = _unlinked_video(entry, row)
            elif name == "poseio_skeleton_names":
                self.skeleton_names[row["skeleton"]] = row["original_name"]
            elif name == "poseio_frame_videos":
                self.frame_videos[row["training_frame"]] = row["video"]
            elif name == "poseio_tracks":
                self.tracks[row["container"]] = row["track"]
            elif name == "poseio_frame_map":
                self.frame_map.append(
                    (int(row["exported_frame"]), row["original_video"], int(row["original_frame_idx"]))
                )

    def apply(self, skeleton: Skeleton) -> None:
        """Give a skeleton read from the file the symmetries and name recorded for it."""
        pairs = self.symmetries.get(skeleton.name or "", [])
        if pairs and not skeleton.symmetries:
            skeleton.symmetries = [Symmetry(skeleton.nodes[skeleton.index(n)] for n in pair) for pair in pairs]
        skeleton.name = self.skeleton_names.get(skeleton.name or "", skeleton.name)


def session_metadata(f: h5py.File) -> dict[str, Any]:
    """The NWB session fields and Subject, as text (times in ISO 8601), so that a writer can restore them."""
    meta: dict[str, Any] = {}
    for name in ROOT_TEXT:
        value = read_text(f, name)
        if value is not None:
            meta[name] = value
    general = f.get("general")
    if isinstance(general, h5py.Group):
        for name in GENERAL_TEXT:
            value = read_text(general, name)
            if value is not None:
                meta[name] = value
        for name in GENERAL_LISTS:
            if isinstance(general.get(name), h5py.Dataset):
                meta[name] = read_strings(general[name])
        subject = general.get("subject")
        if isinstance(subject, h5py.Group):
            meta["subject"] = {k: read_text(subject, k) for k in subject if isinstance(subject[k], h5py.Dataset)}
            if "age" in subject and subject["age"].attrs.get("reference") is not None:
                meta["subject"]["age__reference"] = text(subject["age"].attrs["reference"])
    return meta
