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

import functools
import logging
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from poseio import InvalidLabelsError, InvalidOptionError, Labels, PoseTable, Skeleton, Video
from poseio.limits import check_allocation
from poseio.options import check_choice, say_option
from poseio_nwb import REPEAT, escape_track
from poseio_nwb.writing import (
    RESERVED_NAMES,
    add_skeletons,
    append_to_nwbfile,
    check_writer_options,
    linkable_files,
    new_nwbfile,
    nwbfile_metadata,
    paths_to_store,
    per_video,
    pop_nwbfile_options,
    processing_module,
    record_tracks,
    record_videos,
    session_to_keep,
    start_from_session,
    starting_frames,
    unique_name,
    video_label,
    write_nwbfile,
)

from poseio_nwb_predictions._containers import WHO_MADE_THEM, find_record, find_shared
from poseio_nwb_predictions._naming import track_name
from poseio_nwb_predictions._options import POSE_OPTIONS
from poseio_nwb_predictions._sleap_io_layout import for_sleap_io as ready_for_sleap_io
from poseio_nwb_predictions._timing import UNTIMED_KEY, UntimedRows, untimed_entries, untimed_rows

logger = logging.getLogger("poseio")

SCORES_SUFFIX = "_instance_scores"
#: The PoseEstimation fields an option or a container record may set.
CONTAINER_FIELDS = ("description", "scorer", "source_software", "source_software_version")
SCORES_COMMENT = "poseio:instance_scores"
UNTRACKED = "untracked"
#: The name of the container of a file that holds one animal (movement's default key).
LONE_NAME = "PoseEstimation"
#: Values of the ``layout`` option: standard ndx-pose, or the layout sleap-io 0.9.5 reads.
LAYOUTS = ("ndx-pose", "sleap-io", "movement")
#: Arrays smaller than this are stored uncompressed even with ``compression=``. A compressed dataset
#: is chunked, and each chunked dataset carries a chunk index (a B-tree node of about 2.5 kB in the
#: HDF5 file format pynwb writes): more than gzip saves on a few kB of coordinates. Compressing every
#: series made the 150-frame example 12% bigger (388 kB against 347 kB) and a sparse 8-video file twice
#: as big. At 16 KiB gzip saves about as much as the index costs on the least compressible pose data
#: measured (uniform confidences), and more above.
MIN_COMPRESSED_BYTES = 16 * 1024


def _checked_rate(value: Any, what: str, error: type[Exception]) -> float | None:
    if value is None:
        return None
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise error(f"{what} must be a number of frames per second, not {value!r}") from None
    if not (np.isfinite(rate) and rate > 0):
        raise error(f"{what} is {rate}; a frame rate must be a finite, positive number of frames per second")
    return rate


def _checked_stamps(value: Any, what: str, error: type[Exception]) -> np.ndarray | None:
    """Timestamps as float64, NaN where a frame's time is unknown; refused when infinite or not increasing."""
    if value is None:
        return None
    stamps = np.asarray(value, dtype=np.float64).reshape(-1)
    if np.isinf(stamps).any():
        raise error(f"{what} hold infinite times; every frame needs a finite time in seconds")
    if np.any(np.diff(stamps[~np.isnan(stamps)]) <= 0):
        raise error(f"{what} must increase from frame to frame: two frames at one time would collapse into one")
    return stamps


def _timestamps_in_use(video: Video, index: int, options: Mapping[str, Any]) -> np.ndarray | None:
    """The timestamps `frame_times` times frames by: the option's, else the video's unless fps= is given."""
    option = per_video(options.get("timestamps"), video, index)
    if option is not None:
        return np.asarray(option, dtype=np.float64).reshape(-1)
    return None if per_video(options.get("fps"), video, index) is not None else video.timestamps


def _starting_time(video: Video) -> float:
    start = float(video.metadata.get("starting_time") or 0.0)
    if not np.isfinite(start):
        raise InvalidLabelsError(f"video {video.filename}: starting_time is {start}; it must be a finite time")
    return start


def frame_times(
    video: Video, index: int, frame_idx: np.ndarray, options: Mapping[str, Any]
) -> tuple[np.ndarray, float | None]:
    """Seconds of each frame index, and the video's rate when known.

    Time comes from the ``timestamps`` option, the ``fps`` option, the video's
    own timestamps (which poseio's readers fill with the seconds the file
    had, so a load -> save keeps them exactly), then the video's fps from its
    ``metadata["starting_time"]``. A frame the video's timestamps do not cover
    is timed by its rate when it has one (a regular clock extends), else it is
    an error naming the frames. Frame indices are written as seconds only when
    ``frames_as_seconds=True``. A rate must be finite and positive and
    timestamps finite and increasing, so that no two frames get one time.
    """
    option_fps = _checked_rate(per_video(options.get("fps"), video, index), "the fps option", InvalidOptionError)
    option_stamps = _checked_stamps(
        per_video(options.get("timestamps"), video, index), "the timestamps option", InvalidOptionError
    )
    _checked_stamps(video.timestamps, f"the timestamps of video {video.filename}", InvalidLabelsError)
    fps = option_fps or _checked_rate(video.fps, f"the fps of video {video.filename}", InvalidLabelsError)
    stamps = _timestamps_in_use(video, index, options)
    if stamps is None and fps:
        return _starting_time(video) + frame_idx / fps, fps
    if stamps is not None:
        times = np.full(len(frame_idx), np.nan)
        inside = frame_idx < len(stamps)
        times[inside] = stamps[frame_idx[inside]]
        unknown = np.isnan(times)
        if unknown.any() and fps and option_stamps is None:
            times[unknown] = _starting_time(video) + frame_idx[unknown] / fps
            unknown = np.isnan(times)
        if unknown.any():
            missing = np.unique(frame_idx[unknown])
            listed = ", ".join(str(int(f)) for f in missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise InvalidOptionError(
                f"{_named(video, index)}: frames {listed} have no time: the video's timestamps do not cover "
                "them and its clock is not regular. Give timestamps covering every frame "
                f"({say_option('timestamps', example='[...]')}), "
                f"or its real frame rate ({say_option('fps', example='30')})"
            )
        return times, fps
    if options.get("frames_as_seconds"):
        return frame_idx.astype(np.float64), 1.0
    raise InvalidOptionError(
        f"{_named(video, index)} has no frame rate or timestamps, and NWB stores time in seconds. Give its real "
        f"frame rate with {say_option('fps', example='30')}, or store frame numbers as seconds with "
        f"{say_option('frames_as_seconds', True)}"
    )


def _named(video: Video, index: int) -> str:
    """A video as a message names it: its file, or its place when it has no file name."""
    return f"video {video.filename!r}" if video.filename else f"video {index} (which has no file name)"


def _as_slice(rows: np.ndarray) -> slice | np.ndarray:
    """``rows`` as a slice when they step evenly (the usual dense layouts), so selection is a view."""
    if len(rows) < 2:
        return rows
    step = int(rows[1] - rows[0])
    if step > 0 and np.array_equal(np.diff(rows), np.full(len(rows) - 1, step)):
        return slice(int(rows[0]), int(rows[-1]) + 1, step)
    return rows


def _video_timing(video: Video, stamps: np.ndarray | None, fps: float | None) -> dict[str, Any]:
    """The ImageSeries' clock: the timestamps in use (an option's, else the video's), else its rate and start.

    Frames whose time is unknown (no pose, on an irregular clock) get a time
    interpolated between their neighbours' in the ImageSeries only: they hold no
    poses, and NWB wants a time for every frame of a video.
    """
    if stamps is not None and len(stamps) and not np.isnan(stamps).all():
        known = ~np.isnan(stamps)
        if known.all():
            return _regular_clock(stamps) or {"timestamps": stamps}
        if fps is None:
            frames = np.arange(len(stamps))
            return {"timestamps": np.interp(frames, frames[known], stamps[known])}
    return {"rate": float(fps), "starting_time": _starting_time(video)}


def _regular_clock(stamps: np.ndarray) -> dict[str, float] | None:
    """``starting_time`` and ``rate`` for timestamps a regular clock gives, as nwbinspector asks; else ``None``.

    Regular as nwbinspector's ``check_regular_timestamps`` judges it: every
    step the same to 9 decimals (the times are then start + i / rate to within
    a nanosecond per frame).
    """
    steps = np.diff(stamps)
    if len(stamps) < 3 or steps[0] <= 0 or np.unique(np.round(steps, 9)).size != 1:
        return None
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    # 1 / (1/30) computed from the times is 29.999999999...: the rate the clock was set to is the round one.
    rounded = round(rate, 6)
    return {"starting_time": float(stamps[0]), "rate": float(rounded if abs(rate - rounded) < 1e-9 * rate else rate)}


@attrs.frozen
class _Writer:
    """Builds the pynwb objects for one Labels; one method per NWB object kind."""

    nwbfile: Any
    module: Any
    labels: Labels
    table: PoseTable
    options: dict[str, Any]
    nwb_path: Path | None
    devices: dict[str, Any] = attrs.Factory(dict)  # device name -> the pynwb Device made from a record

    def wrap(self, array: np.ndarray) -> Any:
        """The array as pynwb should store it: compressed (chunked) when asked for and large enough to gain."""
        compression = self.options.get("compression")
        if compression is None or np.asarray(array).nbytes < MIN_COMPRESSED_BYTES:
            return array
        from hdmf.backends.hdf5 import H5DataIO

        return H5DataIO(array, compression=compression, chunks=True, shuffle=compression == "gzip")

    def add_device(self, record: dict[str, Any]) -> Any:
        """The Device (or ndx-pose CalibratedCamera) a container record names, made once per name."""
        if record["name"] not in self.devices:
            if record["type"] == "CalibratedCamera":
                from ndx_pose import CalibratedCamera as cls
            else:
                from pynwb.device import Device as cls
            arrays = {k: np.asarray(v, dtype=np.float32) for k, v in record.get("arrays", {}).items()}
            if cls.__name__ == "CalibratedCamera":
                arrays.setdefault("intrinsic_matrix", np.full((3, 3), np.nan, dtype=np.float32))
            device = cls(name=unique_name(self.nwbfile.devices, record["name"]), **record["fields"], **arrays)
            self.nwbfile.add_device(device)
            self.devices[record["name"]] = device
        return self.devices[record["name"]]

    def add_video(
        self, video_id: int, frames: np.ndarray, device_record: dict[str, Any] | None = None
    ) -> tuple[Any, Any, float | None, str]:
        """A Device and an external ImageSeries for one video; returns them, the fps and a label.

        The Device is the one the source named (``device_record``), else a new
        one. A video whose file the source never named (a camera view, a
        world-coordinate view) gets no ImageSeries (there is no file to name),
        and no new Device. Nor does a video whose file is not there (see
        `poseio_nwb.writing.linkable_files`): its container keeps its name in
        ``original_videos``, and poseio's videos table its shape and rate.
        """
        from pynwb.device import Device
        from pynwb.image import ImageSeries

        video = self.labels.videos[video_id]
        # Check the timing now, so that a missing frame rate fails before any object is made.
        _, fps = frame_times(video, video_id, np.array([frames.min(), frames.max()]), self.options)
        label = video_label(video.filename, video_id)
        if device_record is not None:
            device = self.add_device(device_record)
        elif video.metadata.get("filename_unknown"):
            device = None
        else:
            device = Device(
                name=unique_name(self.nwbfile.devices, f"camera_{label}"),
                description=f"Camera that recorded {video.filename}",
            )
            self.nwbfile.add_device(device)
        if video.metadata.get("filename_unknown"):
            return device, None, fps, label
        timing = _video_timing(video, _timestamps_in_use(video, video_id, self.options), fps)
        files = linkable_files(video, self.nwb_path, self.labels.provenance.get("source"))
        if files is None:
            # poseio's table keeps its name and clock (rate, start or timestamps), see record_videos.
            logger.warning(
                "video %s was not found from %s: the NWB file names it (original_videos) but links no "
                "ImageSeries to it, which would name a missing file; put the video there to link it",
                video.filename,
                "the output's folder" if self.nwb_path is None else self.nwb_path.parent,
            )
            return device, None, timing.get("rate"), label
        shape = video.shape or ()
        image_series = ImageSeries(
            name=unique_name(self.nwbfile.acquisition, f"video_{label}"),
            description=f"Video {video.filename} on which poses were estimated.",
            unit="n.a.",
            external_file=files,
            format="external",
            starting_frame=starting_frames(video, len(files)),
            device=device,
            dimension=[shape[2], shape[1]] if len(shape) >= 3 and shape[1] and shape[2] else None,
            num_samples=int(shape[0]) if shape and shape[0] else int(frames.max()) + 1,
            **timing,
        )
        self.nwbfile.add_acquisition(image_series)
        return device, image_series, fps, label

    def _original_video(self, video: Video, image_series: Any, for_sleap_io: bool) -> list[str] | None:
        """The ``original_videos`` a container names when it links no ImageSeries, or for sleap-io."""
        if for_sleap_io:
            return paths_to_store(video, self.nwb_path)[:1]
        if image_series is None and not video.metadata.get("filename_unknown"):
            return [video.filename]
        return None

    def fields(self, record: dict[str, Any] | None) -> dict[str, Any]:
        """A container's descriptive fields: who made the poses (as any reader says), the record's, the options'."""
        known = {k: v for k in WHO_MADE_THEM if isinstance(v := self.labels.provenance.get(k), str) and v}
        return {
            **known,
            **(record or {}).get("fields", {}),
            **{k: v for k, v in self.options.items() if k in CONTAINER_FIELDS},
        }

    def add_empty(self, record: dict[str, Any], home: Any = None) -> Any:
        """The PoseEstimation of a record whose container held no series (ndx-pose's own test files have one)."""
        from ndx_pose import PoseEstimation

        home = home if home is not None else processing_module(self.nwbfile, record["module"])
        fields = self.fields(record)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the deprecated video lists, as the source had
            estimation = PoseEstimation(
                name=unique_name(home.data_interfaces, record["name"], separator=REPEAT),
                **_described(fields, "A container of no poses.", software=None),
                **_video_fields(fields),
            )
        home.add(estimation)
        return estimation

    def _untimed(
        self, rows: np.ndarray, frames: np.ndarray, skeleton: Skeleton, record: dict | None
    ) -> UntimedRows | None:
        """The container's series read with rate 0.0 (`poseio_nwb_predictions._timing.untimed_rows`), or None."""
        track = int(self.table.track[rows[0]]) if len(rows) else -1
        if track < 0 and record is None:
            return None  # a second untracked container of a frame: not the one the file had
        entries = untimed_entries(
            self.labels.provenance,
            video=self.labels.videos[int(self.table.video[rows[0]])].filename,
            skeleton=skeleton.name,
            track=self.labels.tracks[track].name if track >= 0 else None,
        )
        if not entries:
            return None
        return untimed_rows(entries, skeleton.node_names, frames, self.table.points[rows][:, : len(skeleton)])

    def clocked_frames(self, in_video: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """The frames of a video's rows that its clock times: all but the placed samples of rate-0.0 series."""
        frames = self.table.frame_idx
        keep = in_video.copy()
        if self.labels.provenance.get(UNTIMED_KEY) and self.options.get("layout") not in ("sleap-io", "movement"):
            for skeleton_id in PoseTable.distinct(self.table.skeleton[in_video]).tolist():
                group = in_video & (self.table.skeleton == skeleton_id)
                for slot in PoseTable.distinct(slots[group]).tolist():
                    rows = np.flatnonzero(group & (slots == slot))
                    rows = rows[np.argsort(frames[rows], kind="stable")]
                    skeleton = self.labels.skeletons[skeleton_id]
                    untimed = self._untimed(rows, frames[rows], skeleton, {} if slot == -1 else None)
                    if untimed is not None:
                        keep[rows[~untimed.on_clock]] = False
        return frames[keep] if keep.any() else frames[in_video]

    @staticmethod
    def _untimed_scores(
        scores: np.ndarray, untimed: UntimedRows, timing: dict | None, shared: Any, stamps: np.ndarray
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Instance scores of a container with series read with rate 0.0, and their timing.

        When every row is a placed sample of one block, the scores take that
        block's clock (rate 0.0); otherwise they go with the rows on the clock,
        and a score of a placed row, which no time can hold, is refused.
        """
        blocks = {(start, tuple(at.tolist())) for start, at in untimed.samples.values()}
        if not untimed.on_clock.any() and len(blocks) == 1:
            start, at = next(iter(untimed.samples.values()))
            return _rows_or_nan(scores, at), {"starting_time": start, "rate": 0.0}
        placed = ~untimed.on_clock
        if np.isfinite(scores[placed]).any():
            raise InvalidLabelsError(
                f"{int(np.isfinite(scores[placed]).any(axis=1).sum())} poses placed on frames of a series read "
                "with rate 0.0 (only its first sample has a time) have an instance or tracking score, which NWB "
                "stores by time; set those scores to NaN, or remove labels.provenance['untimed_series'] to time "
                "every frame by the video's clock"
            )
        return scores[untimed.on_clock], timing or {"timestamps": stamps if shared is None else shared}

    def add_estimation(
        self,
        rows: np.ndarray,
        name: str,
        who: str,
        skeleton: Skeleton,
        nwb_skeleton: Any,
        video_id: int,
        fps: float | None,
        device: Any,
        image_series: Any,
        record: dict[str, Any] | None = None,
        home: Any = None,
        views: list[Any] | None = None,
        series_only: bool = False,
    ) -> Any:
        """One PoseEstimation holding the given rows (one track of one video), with its scores.

        ``record`` is what the container these poses were read from said about
        itself (`poseio_nwb_predictions._containers`): its series names and
        descriptive fields are written again, under the options. ``home`` is the
        processing module to put it in (default: the writer's). A camera view
        of a MultiCameraPoseEstimation (``record["within"]``) is returned
        without being added anywhere (nor its scores); with ``views``, the
        container is that MultiCameraPoseEstimation, holding the views. With
        ``series_only``, only the series are made and returned (for `add_shared`).
        """
        home = home if home is not None else self.module
        from ndx_pose import PoseEstimation, PoseEstimationSeries
        from pynwb.base import TimeSeries

        video = self.labels.videos[video_id]
        frames = self.table.frame_idx[rows]
        if np.any(np.diff(frames) <= 0):
            order = np.argsort(frames, kind="stable")
            rows, frames = rows[order], frames[order]
            if np.any(np.diff(frames) == 0):
                duplicate = int(frames[np.flatnonzero(np.diff(frames) == 0)[0]])
                raise InvalidLabelsError(
                    f"video {video.filename}: frame {duplicate} has two predicted instances on one track; "
                    "PoseEstimation stores one pose per track and time"
                )
        for_sleap_io = self.options.get("layout") == "sleap-io"
        # sleap-io's and movement's layouts: a row for every frame from 0 (see `_dense_from_frame_zero`).
        dense_layout = self.options.get("layout") in ("sleap-io", "movement")
        # Series read with rate 0.0 (only their first sample timed) are written back so; the others
        # are timed by the clock on the rows they have poses in (``on_clock``).
        untimed = self._untimed(rows, frames, skeleton, record) if not dense_layout else None
        on_clock = slice(None) if untimed is None else untimed.on_clock
        stamps, _ = frame_times(video, video_id, frames[on_clock], self.options)
        # Contiguous frames on a regular clock are stored as start + rate, as nwbinspector asks.
        # ... when that reproduces every time bit for bit, as a reader computes it (start + i / rate).
        clocked = frames[on_clock]
        regular = (
            fps is not None
            and len(clocked) > 1
            and clocked[-1] - clocked[0] == len(clocked) - 1
            and np.array_equal(stamps, stamps[0] + np.arange(len(stamps)) / fps)
        )
        timing = {"starting_time": float(stamps[0]), "rate": float(fps)} if regular else None
        select = _as_slice(rows)
        # Node-major copies, made in one pass each: a series is then a contiguous block, where
        # copying each node's strided column apart read the whole array once per node. (When the
        # table is already node-major, as the reader makes it, these are views.)
        points = np.ascontiguousarray(self.table.points[select].transpose(1, 0, 2))
        point_scores = np.ascontiguousarray(self.table.point_scores[select].T)
        if dense_layout:
            points, point_scores = _dense_from_frame_zero(points, point_scores, frames, video.filename)
            timing = {"starting_time": 0.0, "rate": 1.0} if for_sleap_io else self._movement_clock(video, fps)
        reserved = RESERVED_NAMES | ({nwb_skeleton.name} if nwb_skeleton is not None else set())
        kept = (record or {}).get("series", {})
        series = []
        shared = None  # the first series timed by timestamps: the others link its timestamps
        for index, node in enumerate(skeleton.node_names):
            scores = point_scores[index]
            data = points[index]
            own_timing = timing
            if untimed is not None and index in untimed.samples:
                start, at = untimed.samples[index]
                data, scores = _rows_or_nan(data, at), _rows_or_nan(scores, at)
                own_timing = {"starting_time": start, "rate": 0.0}
            elif untimed is not None:
                data, scores = data[on_clock], scores[on_clock]
            if data.shape[1] == 3 and np.isnan(data[:, 2]).all():
                data = data[:, :2]  # a 2D series beside 3D ones (ndx-pose 0.1 files mix them) stays 2D
            was = kept.get(node, {})
            # sleap-io needs a confidence for every series.
            known = for_sleap_io or not np.isnan(scores).all() or bool(was.get("has_confidence"))
            series_name = node if for_sleap_io else was.get("name") or node
            if series_name in reserved or any(s.name == series_name for s in series):
                series_name = f"PoseEstimationSeries{node}" if node in reserved else node
            described_series = {
                "name": series_name,
                "description": was.get("description") or f"Estimated position of {node}.",
                "data": self.wrap(np.ascontiguousarray(data)),
                "unit": was.get("unit") or "pixels",
                "reference_frame": was.get("reference_frame") or "(0,0) is the top-left corner of the video frame.",
                **(own_timing or {"timestamps": self.wrap(stamps) if shared is None else shared}),
                "confidence": self.wrap(np.ascontiguousarray(scores)) if known else None,
                # Only what the source said: an invented definition would falsify the file.
                "confidence_definition": was.get("confidence_definition") if known else None,
            }
            series.append(_rate_zero_quietly(PoseEstimationSeries, described_series))
            if own_timing is None and shared is None:
                shared = series[-1]
        if series_only:
            return series
        fields = self.fields(record)
        described = {
            "name": name,
            "pose_estimation_series": series,
            "skeleton": nwb_skeleton,
            **_described(
                fields, f"Estimated positions of {skeleton.name or 'the skeleton'} ({who}) in {video.filename}."
            ),
        }
        if views is not None:
            return add_multicamera(home, described, views)
        with warnings.catch_warnings():
            # ndx-pose deprecates original_videos and labeled_videos; the source had them, or sleap-io needs them.
            warnings.simplefilter("ignore", DeprecationWarning)
            estimation = PoseEstimation(
                **described,
                # sleap-io finds the video by this (deprecated) path list, and must not find a
                # source_video: its frames are numbered by frame index, not by the video's clock.
                **_video_fields(fields, self._original_video(video, image_series, for_sleap_io)),
                device=device,
                source_video=None if for_sleap_io else image_series,
            )
        if (record or {}).get("within"):
            return estimation  # a camera view: its MultiCameraPoseEstimation holds it
        home.add(estimation)
        instance_scores = np.stack([self.table.score[select], self.table.tracking_score[select]], axis=1)
        if dense_layout:
            instance_scores = _dense_from_frame_zero(instance_scores.T[:, :, None], None, frames, video.filename)[0]
            instance_scores = instance_scores[:, :, 0].T
        scores_timing = timing or {"timestamps": series[0]}
        if untimed is not None and np.isfinite(instance_scores).any():
            instance_scores, scores_timing = self._untimed_scores(instance_scores, untimed, timing, shared, stamps)
        # sleap-io takes everything in its modules for a pose container: no scores series there.
        if np.isfinite(instance_scores).any() and not for_sleap_io:
            home.add(
                _rate_zero_quietly(
                    TimeSeries,
                    {
                        "name": name + SCORES_SUFFIX,
                        "data": self.wrap(instance_scores),
                        "unit": "n.a.",
                        **scores_timing,
                        "description": f"Columns (score, tracking_score) of each pose in {name}.",
                        "comments": SCORES_COMMENT,
                    },
                )
            )
        return estimation

    @staticmethod
    def _movement_clock(video: Video, fps: float | None) -> dict[str, float]:
        """The clock of movement's layout: frame 0 at the video's start, at its rate (movement reads no timestamps)."""
        if not fps:
            raise InvalidOptionError(
                f"video {video.filename}: {say_option('layout', 'movement')} stores a regular clock (movement "
                "times each sample by a rate, not by timestamps), and this video has none: give its frame rate "
                f"with {say_option('fps', example='30')}",
                format="nwb-predictions",
            )
        return {"starting_time": _starting_time(video), "rate": float(fps)}

    def add_shared(
        self,
        record: dict[str, Any],
        members: list[tuple[int, np.ndarray]],
        skeleton: Skeleton,
        video_id: int,
        fps: float | None,
        device: Any,
        image_series: Any,
        home: Any,
    ) -> Any:
        """One PoseEstimation that several tracks share, as the source had it (dlc2nwb's container).

        ``members`` are ``(track, rows)``; each track's series take the names the
        source gave them (``ind1_snout``), and the container's Skeleton names
        those series, as the source's node list did. See `shared_members`.
        """
        from ndx_pose import PoseEstimation
        from ndx_pose import Skeleton as NwbSkeleton

        series, nodes, edges = [], [], []
        for track, rows in members:
            name = self.labels.tracks[track].name
            names = {node: record["members"][name].get(node, f"{name}_{node}") for node in skeleton.node_names}
            kept = {
                node: {**record["series"].get(series_name, {}), "name": series_name}
                for node, series_name in names.items()
            }
            edges += [(a + len(nodes), b + len(nodes)) for a, b in skeleton.edge_inds]
            nodes += list(names.values())
            series += self.add_estimation(
                rows, "", f"track {name}", skeleton, None, video_id, fps, device, image_series,
                {"series": kept}, home, series_only=True,
            )  # fmt: skip
        catalogue = self.module.data_interfaces["Skeletons"]  # add_skeletons made it
        nwb_skeleton = NwbSkeleton(
            name=unique_name(catalogue.skeletons, skeleton.name or record["name"]),
            nodes=nodes,
            edges=np.asarray(edges, dtype=np.uint8).reshape(-1, 2),
        )
        catalogue.add_skeletons(nwb_skeleton)
        fields = self.fields(record)
        video = self.labels.videos[video_id]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # original_videos: the source had them
            estimation = PoseEstimation(
                name=unique_name(home.data_interfaces, record["name"], separator=REPEAT),
                pose_estimation_series=series,
                skeleton=nwb_skeleton,
                **_described(fields, f"Estimated positions of the individuals of {video.filename}."),
                **_video_fields(fields, self._original_video(video, image_series, False)),
                device=device,
                source_video=image_series,
            )
        home.add(estimation)
        return estimation


def shared_members(
    labels: Labels, table: PoseTable, slots: np.ndarray, records: list[dict[str, Any]], for_sleap_io: bool
) -> dict[tuple[int, int, int], dict[str, Any]]:
    """``{(video, skeleton, track): record}`` of the tracks written back into a container they shared.

    A container several individuals shared in the source (dlc2nwb's
    ``PoseEstimation`` holding ``ind1_snout``, ``ind2_snout``, ...) is written
    again as one, with its series' names, when nothing its tracks hold needs a
    container of their own: no instance scores (a container has one series of
    them, for one animal) and no series read with rate 0.0.
    """
    shared: dict[tuple[int, int, int], dict[str, Any]] = {}
    if for_sleap_io or not records:
        return shared
    untimed = {(e["video"], e["skeleton"], e["track"]) for e in labels.provenance.get(UNTIMED_KEY) or []}
    for video, skeleton, slot in {(int(v), int(k), int(t)) for v, k, t in zip(table.video, table.skeleton, slots)}:
        if slot < 0:
            continue
        names = (labels.videos[video].filename, labels.skeletons[skeleton].name, labels.tracks[slot].name)
        record = find_shared(records, video=names[0], skeleton=names[1], track=names[2])
        rows = (table.video == video) & (table.skeleton == skeleton) & (slots == slot)
        scored = np.isfinite(table.score[rows]).any() or np.isfinite(table.tracking_score[rows]).any()
        if record is not None and not scored and names not in untimed:
            shared[(video, skeleton, slot)] = record
    return shared


def _dense_from_frame_zero(
    points: np.ndarray, scores: np.ndarray | None, frames: np.ndarray, where: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Node-major ``points`` (and ``scores``) with a row for every frame from 0 (NaN where no pose).

    sleap-io numbers frames by their rank among all times, and movement times
    each sample by its index and a rate: both need a row for each frame from 0.
    """
    rows_needed = int(frames[-1]) + 1
    check_allocation(
        points.shape[0] * rows_needed * (points.shape[2] + 1) * 8,
        f"a row for each of {rows_needed} frames (from 0 to the last pose's)",
        str(where),
    )
    dense = np.full((points.shape[0], rows_needed, points.shape[2]), np.nan)
    dense[:, frames] = points
    if scores is None:
        return dense, None
    dense_scores = np.full(dense.shape[:2], np.nan)
    dense_scores[:, frames] = scores
    return dense, dense_scores


def _rate_zero_quietly(cls: Any, fields: dict[str, Any]) -> Any:
    """``cls(**fields)``, without pynwb's warning when the rate is 0.0: written so on purpose, as the source had it."""
    if fields.get("rate") != 0.0:
        return cls(**fields)  # no catch_warnings here: it would make Python repeat warnings it showed once
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Timeseries has a rate of 0.0 Hz", UserWarning)
        return cls(**fields)


def _rows_or_nan(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]``, NaN where a row is -1 (a sample the labels no longer hold)."""
    taken = values[np.maximum(rows, 0)].astype(np.float64, copy=True)
    taken[rows < 0] = np.nan
    return taken


def _described(fields: dict[str, Any], description: str, software: str | None = "poseio") -> dict[str, Any]:
    """A container's descriptive fields: as recorded or given, else these defaults."""
    return {
        "description": fields.get("description") or description,
        "scorer": fields.get("scorer"),
        "source_software": fields.get("source_software") or software,
        "source_software_version": fields.get("source_software_version"),
    }


def _video_fields(fields: dict[str, Any], original_videos: list[str] | None = None) -> dict[str, Any]:
    """A PoseEstimation's video lists and dimensions, as recorded (``original_videos`` when none is)."""
    return {
        "original_videos": fields.get("original_videos") or original_videos,
        "labeled_videos": fields.get("labeled_videos"),
        "dimensions": np.asarray(fields["dimensions"], dtype=np.uint64) if fields.get("dimensions") else None,
    }


def add_multicamera(module, described: dict[str, Any], views: list[Any]) -> Any:
    """A MultiCameraPoseEstimation in ``module``: world-coordinate series (in ``described``) and camera views."""
    from ndx_pose import MultiCameraPoseEstimation

    container = MultiCameraPoseEstimation(**described, pose_estimations=views)
    module.add(container)
    return container


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
            ``compression`` (``"gzip"`` or ``"lzf"``; arrays under `MIN_COMPRESSED_BYTES`
            stay uncompressed, where the chunk index would cost more), ``module_name``, and
            ``layout``: ``"ndx-pose"`` (the default) or ``"sleap-io"``, the
            layout sleap-io 0.9.5 reads (see docs/formats/nwb-predictions.md).

    Returns:
        The PoseEstimation objects added.
    """
    check_writer_options(
        options,
        POSE_OPTIONS,
        "nwb-predictions",
        own="only predictions, written as ndx-pose PoseEstimation",
        other="ndx-pose PoseTraining, which holds labelled frames",
        other_only={
            "annotator": f"who made the predictions is {say_option('scorer', example='NAME')}",
            "frame_map": "",
        },
    )
    check_choice(options.get("layout", "ndx-pose"), LAYOUTS, "nwb-predictions", option="layout")
    for_sleap_io = options.get("layout") == "sleap-io"
    if for_sleap_io:
        labels = ready_for_sleap_io(labels)
        # sleap-io's layout times poses by frame index: a video needs no clock of its own.
        options = {"frames_as_seconds": True, **options}
    table = labels.to_table()
    table = table.take(table.predicted) if not table.predicted.all() else table
    records = labels.provenance.get("nwb_containers") or []
    # The processing module the source used, when all its containers were in one (for sleap-io's
    # layout, not one of its SLEAP_VIDEO_* modules: sleap-io takes all they hold for poses).
    modules = {r["module"] for r in records if not (for_sleap_io and r["module"].startswith("SLEAP_VIDEO_"))}
    module = processing_module(
        nwbfile, options.get("module_name") or (modules.pop() if len(modules) == 1 else "behavior")
    )
    writer = _Writer(nwbfile, module, labels, table, options, nwb_path)
    slots = table.slots()
    shared = shared_members(labels, table, slots, records, for_sleap_io)
    # A skeleton only shared containers use is written as theirs, naming their series (see add_shared).
    alone = {int(k) for v, k, t in zip(table.video, table.skeleton, slots) if (int(v), int(k), int(t)) not in shared}
    nwb_skeletons = add_skeletons(
        module,
        [labels.skeletons[i] for i in PoseTable.distinct(table.skeleton) if int(i) in alone],
        options.get("skeleton_map"),
    )
    video_ids = PoseTable.distinct(table.video)
    # One animal in one video: the container is named PoseEstimation, the name movement's
    # from_nwb_file looks for by default (its track is kept in poseio's tracks table).
    lone = not for_sleap_io and all(
        len(PoseTable.distinct(column)) == 1 for column in (table.video, table.skeleton, slots)
    )
    added, recorded, tracks = [], [], []
    # MultiCameraPoseEstimations to make once their views exist: (module, name) -> [views],
    # and the call that makes each one with its world-coordinate series, when it has some.
    views: dict[tuple[str, str], list[Any]] = {}
    worlds: dict[tuple[str, str], Callable[[list[Any]], Any]] = {}
    for video_id in video_ids.tolist():
        video = labels.videos[video_id]
        in_video = table.video == video_id
        devices = [d for r in records if r["video"] == video.filename for d in r.get("devices", [])]
        device, image_series, fps, label = writer.add_video(
            video_id, writer.clocked_frames(in_video, slots), devices[0] if devices else None
        )
        if image_series is not None:
            # Record the frame rate actually written, which may come from the fps option.
            written = image_series.rate or (fps if video.timestamps is None else video.fps)  # a regular clock's rate
            recorded.append((image_series.name, attrs.evolve(video, fps=written)))
        elif not video.metadata.get("filename_unknown") and not for_sleap_io:
            # Unlinked (its file not found): the table keeps the clock the ImageSeries would have had.
            timing = _video_timing(video, _timestamps_in_use(video, video_id, writer.options), fps)
            clock = {"starting_time": timing.get("starting_time", 0.0)}
            recorded.append(("", attrs.evolve(video, fps=fps, timestamps=timing.get("timestamps"), metadata=clock)))
        elif not video.metadata.get("filename_unknown"):
            # sleap-io's layout times poses by frame index, not by the video: no clock to keep.
            recorded.append(("", attrs.evolve(video, fps=None, timestamps=None)))
        if for_sleap_io:
            # sleap-io reads the modules named SLEAP_VIDEO_*, one per video, holding only the
            # containers of its tracks; their names sort in track order (track00, track01, ...).
            sleap_module = processing_module(nwbfile, f"SLEAP_VIDEO_{video_ids.tolist().index(video_id):03d}_{label}")
            width = len(str(max(len(labels.tracks) - 1, 1)))
        for skeleton_id in PoseTable.distinct(table.skeleton[in_video]).tolist():
            skeleton = labels.skeletons[skeleton_id]
            group = in_video & (table.skeleton == skeleton_id)
            together: dict[str, tuple[dict[str, Any], list[tuple[int, np.ndarray]]]] = {}
            for slot in PoseTable.distinct(slots[group]).tolist():
                record = shared.get((video_id, skeleton_id, slot))
                if record is not None:
                    together.setdefault(record["name"], (record, []))[1].append(
                        (slot, np.flatnonzero(group & (slots == slot)))
                    )
                    continue
                track = UNTRACKED if slot < 0 else escape_track(labels.tracks[slot].name)
                if slot < -1:
                    track = f"{UNTRACKED}_{-slot}"
                base = f"PoseEstimation_{label}_{track}" if len(video_ids) > 1 else f"PoseEstimation_{track}"
                base = LONE_NAME if lone else base
                record = (
                    None
                    if slot < -1
                    else find_record(
                        records,
                        video=video.filename,
                        skeleton=skeleton.name,
                        track=None if slot < 0 else labels.tracks[slot].name,
                    )
                )
                # The container goes back where it was read from, under its own name.
                home = module
                if record is not None and not options.get("module_name"):
                    home = processing_module(nwbfile, record["module"])
                if record is not None and record["name"] not in home.data_interfaces:
                    base = record["name"]
                if for_sleap_io:
                    home = sleap_module
                    base = track if slot < 0 else f"track{slot:0{width}d}"
                # A second container for one track (another skeleton) is <base>#2.
                name = unique_name(home.data_interfaces, base, separator=REPEAT)
                if slot >= 0 and track_name(name, siblings=1) != labels.tracks[slot].name:
                    tracks.append((f"{home.name}/{name}", labels.tracks[slot].name))
                make = functools.partial(
                    writer.add_estimation,
                    np.flatnonzero(group & (slots == slot)),
                    name,
                    "untracked" if slot < 0 else f"track {labels.tracks[slot].name}",
                    skeleton,
                    nwb_skeletons[id(skeleton)],
                    video_id,
                    fps,
                    device,
                    image_series,
                    record,
                    home,
                )
                within = (record or {}).get("within")
                if within and not for_sleap_io:
                    views.setdefault((home.name, within), []).append(make())
                elif (record or {}).get("type") == "MultiCameraPoseEstimation" and not for_sleap_io:
                    worlds[(home.name, name)] = lambda found, make=make: make(views=found)
                else:
                    added.append(make())
            for record, members in together.values():
                home = module if options.get("module_name") else processing_module(nwbfile, record["module"])
                added.append(writer.add_shared(record, members, skeleton, video_id, fps, device, image_series, home))
    multicameras = {r["name"]: r for r in records if r.get("type") == "MultiCameraPoseEstimation"}
    for record in records:
        # Empty camera views and MultiCameras are made below, with their views.
        nested = record.get("within") or record["name"] in multicameras
        if not record["series"] and not nested and not for_sleap_io:
            added.append(writer.add_empty(record, module if options.get("module_name") else None))
    for key, make_world in worlds.items():
        added.append(make_world(views.pop(key, [])))
    for (home_name, within), found in views.items():  # a MultiCamera with no world-coordinate poses
        fields = multicameras.get(within, {}).get("fields", {})
        described = {"name": within, **_described(fields, "Camera views of one pose estimation.", software=None)}
        added.append(add_multicamera(nwbfile.processing[home_name], described, found))
    record_videos(module, recorded, nwb_path)
    record_tracks(module, tracks)
    return added


def write_predictions(labels: Labels, path: Path, **options: Any) -> None:
    """Write a new NWB file holding the predictions in ``labels`` (and the rest of their NWB session)."""
    session = session_to_keep(labels, options)
    if session is not None:
        start_from_session(session, path, labels, options)
        append_predictions(labels, path, **options)
        return
    metadata = nwbfile_metadata(labels, options)
    # movement names the animal of a file after its identifier: a file of one track, with no
    # identifier of its own, takes the track's name.
    table = labels.to_table()
    used = PoseTable.distinct(table.track[table.predicted])
    if "identifier" not in metadata and len(used) == 1 and used[0] >= 0:
        metadata["identifier"] = labels.tracks[int(used[0])].name
    nwbfile = new_nwbfile(**metadata)
    add_predictions(nwbfile, labels, nwb_path=path, **options)
    write_nwbfile(nwbfile, path)


def append_predictions(labels: Labels, path: Path, **options: Any) -> None:
    """Add the predictions in ``labels`` to the existing NWB file at ``path``."""
    if pop_nwbfile_options(options):
        raise InvalidOptionError("NWB session metadata cannot be changed when appending; drop those options")
    append_to_nwbfile(path, lambda nwbfile: add_predictions(nwbfile, labels, nwb_path=path, **options))
