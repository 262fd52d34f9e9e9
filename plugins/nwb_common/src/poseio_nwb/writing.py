"""Writing helpers shared by the NWB plugins. Imports pynwb and ndx-pose when called.

Values that ndx-pose has no field for are kept in poseio's own small tables,
stored together in one DynamicTable, ``poseio_metadata``, in the processing
module that holds the Skeletons (see `poseio_nwb._tables` for the layout):

- ``poseio_skeleton_symmetries`` (fields ``skeleton``, ``node_a``, ``node_b``).
- ``poseio_videos`` (``image_series``, ``filename``, ``n_frames``,
  ``height``, ``width``, ``channels``, ``fps`` when known): each video's
  shape and its filename as the user gave it (empty when the video is stored
  relative to the NWB file). A video whose file was not found has no
  ImageSeries: an empty ``image_series`` (`UNLINKED_TRAINING_FRAMES` for the
  annotations' such videos), its filename, and for predictions its clock
  (``starting_time`` when not 0, ``timestamps`` as JSON when irregular).
- ``poseio_skeleton_names`` (``skeleton``, ``original_name``): the original
  name of a Skeleton renamed because NWB names must be unique.
- ``poseio_frame_map`` (``exported_frame``, ``original_video``,
  ``original_frame_idx``), written by the annotations export.
- ``poseio_frame_videos`` (``training_frame``, ``video``): the video of each
  TrainingFrame that links no ImageSeries, its video's file not found.
- ``poseio_tracks`` (``container``, ``track``): the track of each
  PoseEstimation whose name does not say it (the lone ``PoseEstimation``).
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from poseio import InvalidOptionError, Skeleton, Video
from poseio.options import check_choice, check_fps, refuse_unknown, say_option

from poseio_nwb._fields import NWBFILE_OPTION_NAMES, NWBFILE_OPTIONS
from poseio_nwb._names import unique_name
from poseio_nwb._objects import UNLINKED_TRAINING_FRAMES
from poseio_nwb._paths import linkable_files as linkable_files  # re-exported for the NWB writers
from poseio_nwb._paths import paths_to_store
from poseio_nwb._paths import starting_frames as starting_frames  # re-exported for the NWB writers
from poseio_nwb._paths import video_label as video_label  # re-exported for the NWB writers
from poseio_nwb._session import NOT_READ, objects_rewritten
from poseio_nwb._tables import append_rows as append_rows  # re-exported for the NWB writers
from poseio_nwb._tables import rows_in_module as rows_in_module  # re-exported for the NWB writers

logger = logging.getLogger("poseio")

#: The Subject fields pynwb takes.
SUBJECT_FIELDS = frozenset(
    {
        "age",
        "age__reference",
        "description",
        "genotype",
        "sex",
        "species",
        "subject_id",
        "weight",
        "date_of_birth",
        "strain",
    }
)
#: Names a PoseEstimation or SkeletonInstance uses for its own fields, links and
#: attributes (hdmf refuses a link named like an attribute, such as ``id``). A
#: Skeleton is linked under its own name, so it never takes one of these.
RESERVED_NAMES = frozenset(
    {
        "id",
        "name",
        "namespace",
        "neurodata_type",
        "object_id",
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
        "node_locations",
        "node_visibility",
    }
)
SYMMETRIES_TABLE = "poseio_skeleton_symmetries"
FRAME_MAP_TABLE = "poseio_frame_map"
FRAME_VIDEOS_TABLE = "poseio_frame_videos"
SKELETON_NAMES_TABLE = "poseio_skeleton_names"
VIDEOS_TABLE = "poseio_videos"
TRACKS_TABLE = "poseio_tracks"


def per_video(value: Any, video: Video, index: int) -> Any:
    """A writer option's value for one video: the value, or a mapping's entry by filename, index or file name."""
    if isinstance(value, Mapping):
        for key in (video.filename, index, Path(video.filename).name):
            if key in value:
                return value[key]
        return None
    return value


#: Values of the ``compression`` option of both NWB writers.
COMPRESSIONS = (None, "gzip", "lzf")


def check_writer_options(
    options: Mapping[str, Any],
    accepted: tuple[str, ...],
    format: str,
    *,
    own: str,
    other: str,
    other_only: Mapping[str, str],
) -> None:
    """Refuse the options an NWB writer does not take, saying why for those of the other NWB writer.

    Args:
        options: The write options.
        accepted: The options this writer takes.
        format: This writer's format, for messages.
        own: What the labels hold and are written as ("only predictions, written as PoseEstimation").
        other: What the other writer writes and holds ("ndx-pose PoseTraining, which holds labelled frames").
        other_only: The other writer's own options, each with what to use here instead ("" for nothing).

    Raises:
        InvalidOptionError: An option of the other writer (named with its fix), another unknown
            option (naming those accepted), a ``compression`` not in `COMPRESSIONS`, or an ``fps``
            (or one of a ``{video: fps}`` mapping) that is not a positive number.
    """
    elsewhere = sorted(name for name in options if name not in accepted and name in other_only)
    if elsewhere:
        given = ", ".join(say_option(name, options[name]) for name in elsewhere)
        fixes = "; ".join(other_only[name] for name in elsewhere if other_only[name])
        raise InvalidOptionError(
            f"{given}: {'this is' if len(elsewhere) == 1 else 'these are'} for {other}; these labels hold {own}, "
            f"which has no such field. Drop {'it' if len(elsewhere) == 1 else 'them'}"
            + (f" ({fixes})" if fixes else ""),
            format=format,
        )
    refuse_unknown(dict(options), accepted, format, doing="write")
    check_choice(options.get("compression"), COMPRESSIONS, format, option="compression")
    fps = options.get("fps")
    for value in fps.values() if isinstance(fps, Mapping) else (fps,):
        check_fps(value, format)  # a value, or one per video: before any video is looked at


def pop_nwbfile_options(options: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the NWBFile metadata options (and ``subject``) from ``options``."""
    return {k: options.pop(k) for k in NWBFILE_OPTION_NAMES if k in options}


def nwbfile_metadata(labels, options: dict[str, Any]) -> dict[str, Any]:
    """The metadata of a new NWB file: the session the labels were read from, then the options over it.

    A file read from NWB keeps its session fields and Subject when written
    again (``identifier`` and ``session_start_time`` included); an option
    replaces a field, and a ``subject`` option replaces the whole Subject.
    Removes the metadata options from ``options``.
    """
    session = labels.provenance.get("session") or {}
    metadata = {k: v for k, v in session.items() if k in NWBFILE_OPTIONS and v is not None}
    subject = {k: v for k, v in (session.get("subject") or {}).items() if k in SUBJECT_FIELDS and v is not None}
    if subject:
        metadata["subject"] = subject
    metadata.update(pop_nwbfile_options(options))
    return metadata


def _as_datetime(value: Any) -> Any:
    try:
        return _dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        raise InvalidOptionError(f"{value!r} is not a date and time; give an ISO 8601 text or a datetime") from None


def new_nwbfile(**metadata: Any):
    """A new ``pynwb.NWBFile`` with sensible defaults for what the user did not give.

    ``subject`` may be a ``pynwb.file.Subject`` or a dict of its fields.
    """
    from pynwb import NWBFile
    from pynwb.file import Subject

    unknown = set(metadata) - set(NWBFILE_OPTIONS) - {"subject"}
    if unknown:
        raise InvalidOptionError(
            f"unknown NWB metadata options {sorted(unknown)}; accepted: {sorted(NWBFILE_OPTIONS) + ['subject']}"
        )
    metadata.setdefault("session_description", "Pose data written by poseio")
    metadata.setdefault("identifier", str(uuid.uuid4()))
    metadata.setdefault("session_start_time", _dt.datetime.now(_dt.UTC))
    for name in ("session_start_time", "timestamps_reference_time"):
        if name in metadata:
            metadata[name] = _as_datetime(metadata[name])
    for name in ("experimenter", "keywords", "related_publications"):
        if isinstance(metadata.get(name), str):
            metadata[name] = [metadata[name]]
    subject = metadata.get("subject")
    if isinstance(subject, Mapping):
        unknown = set(subject) - SUBJECT_FIELDS
        if unknown:
            raise InvalidOptionError(f"unknown Subject fields {sorted(unknown)}; accepted: {sorted(SUBJECT_FIELDS)}")
        fields = dict(subject)
        if "date_of_birth" in fields:
            fields["date_of_birth"] = _as_datetime(fields["date_of_birth"])
        metadata["subject"] = fields
    try:
        if isinstance(metadata.get("subject"), Mapping):
            metadata["subject"] = Subject(**metadata["subject"])
        return NWBFile(**metadata)
    except (TypeError, ValueError) as exc:  # pynwb's own checks of each field's type
        raise InvalidOptionError(f"NWB session metadata: {exc}") from exc


def processing_module(nwbfile, name: str = "behavior", description: str = "processed behavioral data"):
    """The named processing module, created when missing."""
    if name in nwbfile.processing:
        return nwbfile.processing[name]
    return nwbfile.create_processing_module(name=name, description=description)


def add_skeletons(module, skeletons: list[Skeleton], existing: Mapping[str, Any] | None = None) -> dict[int, Any]:
    """ndx-pose Skeleton objects for poseio skeletons, in the module's ``Skeletons``.

    Args:
        module: The processing module.
        skeletons: The poseio skeletons to store.
        existing: Skeleton name -> an ndx-pose Skeleton already in the file to
            reuse instead of writing a new one.

    Returns:
        ``id(poseio skeleton)`` -> ndx-pose Skeleton.
    """
    import numpy as np
    from ndx_pose import Skeleton as NwbSkeleton
    from ndx_pose import Skeletons

    if "Skeletons" in module.data_interfaces:
        container = module.data_interfaces["Skeletons"]
    else:
        container = Skeletons(name="Skeletons")
        module.add(container)
    result: dict[int, Any] = {}
    created = []
    # A Skeleton renamed on an earlier write (the second "mouse" stored as "mouse_2")
    # is matched by its original name, so writing the same Labels again reuses it.
    original_names = _column_pairs(module, SKELETON_NAMES_TABLE, "skeleton", "original_name")
    for skeleton in skeletons:
        if existing and skeleton.name in existing:
            result[id(skeleton)] = existing[skeleton.name]
            continue
        match = next(
            (
                s
                for s in container.skeletons.values()
                if list(s.nodes[:]) == skeleton.node_names
                and [tuple(e) for e in (s.edges[:] if s.edges is not None else [])] == skeleton.edge_inds
                and original_names.get(s.name, s.name) == (skeleton.name or s.name)
            ),
            None,
        )
        if match is not None:
            result[id(skeleton)] = match
            continue
        base = skeleton.name or "skeleton"
        name = unique_name(
            set(container.skeletons) | RESERVED_NAMES, base if base not in RESERVED_NAMES else f"{base}_skeleton"
        )
        edges = np.asarray(skeleton.edge_inds, dtype=np.uint8 if len(skeleton) < 256 else np.uint32).reshape(-1, 2)
        nwb_skeleton = NwbSkeleton(name=name, nodes=skeleton.node_names, edges=edges)
        container.add_skeletons(nwb_skeleton)
        result[id(skeleton)] = nwb_skeleton
        created.append(skeleton)
    rows = [(result[id(s)].name, s.nodes[a].name, s.nodes[b].name) for s in created for a, b in s.symmetry_inds]
    if rows:
        append_rows(module, SYMMETRIES_TABLE, ("skeleton", "node_a", "node_b"), rows)
    renamed = [(result[id(s)].name, s.name) for s in created if s.name and s.name != result[id(s)].name]
    if renamed:
        append_rows(module, SKELETON_NAMES_TABLE, ("skeleton", "original_name"), renamed)
    return result


def _column_pairs(module, table_name: str, key: str, value: str) -> dict[str, str]:
    """``{key: value}`` from two fields of a poseio table in ``module``, empty when it has no rows."""
    return {row[key]: row[value] for row in rows_in_module(module, table_name) if key in row and value in row}


def record_videos(module, entries: list[tuple[str, Video]], nwb_path: Path | None) -> None:
    """Record each video's shape, fps and filename in the ``poseio_videos`` table.

    ``entries`` are (ImageSeries name, video); an empty name (or
    `UNLINKED_TRAINING_FRAMES`, for the annotations) for a video written
    without an ImageSeries because its file was not found (see
    `poseio_nwb._paths.linkable_files`), whose filename and clock (a late
    ``metadata["starting_time"]``, irregular ``timestamps``) the table then keeps.
    The filename is left empty for a video stored relative to the NWB file, so
    that it resolves against wherever the file is read from. An unknown rate is
    not written.
    """
    rows = []
    unknown = float("nan")  # not written
    for series_name, video in entries:
        shape = tuple(video.shape or ()) + (0, 0, 0, 0)
        fps = float(video.fps) if video.fps else unknown
        unlinked = series_name in ("", UNLINKED_TRAINING_FRAMES)
        kept = unlinked or paths_to_store(video, nwb_path)[0] == video.filename
        # The clock of a video without an ImageSeries: a late start, or irregular times (JSON keeps every float).
        start = float(video.metadata.get("starting_time") or 0.0) if unlinked else 0.0
        stamps = (
            json.dumps(np.asarray(video.timestamps).tolist()) if unlinked and video.timestamps is not None else unknown
        )
        rows.append(
            (series_name, video.filename if kept else "", *[int(v) for v in shape[:4]], fps, start or unknown, stamps)
        )
    columns = (
        "image_series",
        "filename",
        "n_frames",
        "height",
        "width",
        "channels",
        "fps",
        "starting_time",
        "timestamps",
    )
    if rows:
        append_rows(module, VIDEOS_TABLE, columns, rows)


def record_tracks(module, rows: list[tuple[str, str]]) -> None:
    """Record ``(container path in the file's processing modules, track name)`` rows in ``poseio_tracks``."""
    if rows:
        append_rows(module, TRACKS_TABLE, ("container", "track"), rows)


def _nwb_io(path: Path, mode: str):
    """A ``pynwb.NWBHDF5IO`` that knows the ndx-pose classes poseio writes.

    ndx-pose is imported first, on purpose: an IO object copies the type map
    when it is made. Made before the import, it maps the ndx-pose types of a
    file with a cached ndx-pose spec to classes generated from that cache (so
    the classes poseio adds are "the wrong Skeleton"), and it writes objects of
    a file without that spec as untyped groups, losing the poses.
    """
    import ndx_pose  # noqa: F401 - registers the ndx-pose classes, see above
    from pynwb import NWBHDF5IO

    return NWBHDF5IO(str(path), mode)


#: The write option that keeps the source NWB session's other objects (default ``True``).
KEEP_SESSION = "keep_session"


def session_to_keep(labels, options: dict[str, Any]) -> Path | None:
    """The NWB file the labels were read from, when its session has objects besides the poses to keep.

    Pops the ``keep_session`` option. ``None`` when it is false, when the labels
    hold everything of their source (a pose file alone), or when the source is
    not a local file (a URL; its objects are then a loss, see `session_losses`).
    """
    keep = options.pop(KEEP_SESSION, True)
    if not isinstance(keep, bool):
        raise InvalidOptionError(f"keep_session must be true or false, not {keep!r}")
    source = labels.provenance.get("source")
    if not keep or not labels.provenance.get(NOT_READ) or not isinstance(source, str):
        return None
    path = Path(source)
    return path if "://" not in source and path.is_file() else None


def session_losses(labels, options: dict[str, Any]) -> list[str]:
    """What a new file of the labels would lose of their NWB session (for the write claims)."""
    not_read = sorted(set(labels.provenance.get(NOT_READ) or ()))
    if not not_read or session_to_keep(labels, dict(options)) is not None:
        return []
    shown = ", ".join(not_read[:3]) + (f" and {len(not_read) - 3} more" if len(not_read) > 3 else "")
    return [f"{len(not_read)} objects of the NWB session besides the poses ({shown})"]


def start_from_session(source: Path, path: Path, labels, options: dict[str, Any]) -> None:
    """Make ``path`` a copy of the session ``source`` without its poses, ready for the poses to be appended.

    The session's own metadata stays. A subject given is written where the
    session has none (DANDI needs one), and replaces the session's where it
    differs, with a warning: the caller asked for it by name. Other NWBFile
    options that would change the session are refused: it is the source's
    session, not a new one.

    Raises:
        InvalidOptionError: An option would change the session's metadata.
    """
    import shutil

    import h5py

    given = pop_nwbfile_options(options)
    subject = {k: v for k, v in (given.pop("subject", None) or {}).items() if k in SUBJECT_FIELDS}
    had = labels.provenance.get("session") or {}
    changed = sorted(k for k, v in given.items() if str(v) != str(had.get(k)))
    if changed:
        shown = ", ".join(say_option(k, given[k]) for k in changed)
        raise InvalidOptionError(
            f"{shown} would change the metadata of the NWB session this file keeps ({source}). Drop them, or write "
            f"a new session of the poses alone with {say_option(KEEP_SESSION, False)}"
        )
    old_subject = {k: v for k, v in (had.get("subject") or {}).items() if v is not None}
    replace = bool(subject) and any(str(old_subject.get(k)) != str(v) for k, v in subject.items())
    shutil.copyfile(source, path)
    with h5py.File(path, "r+") as f:
        for name in objects_rewritten(f):
            del f[name]
        if replace and "general/subject" in f:
            del f["general/subject"]
    if replace:
        from pynwb.file import Subject

        if old_subject:
            logger.warning(
                "%s: the subject given (%s) replaces the session's (%s) in the output",
                source,
                ", ".join(f"{k}={v}" for k, v in subject.items()),
                ", ".join(f"{k}={v}" for k, v in old_subject.items()),
            )
        append_to_nwbfile(path, lambda nwbfile: setattr(nwbfile, "subject", Subject(**subject)))


def write_nwbfile(nwbfile, path: Path) -> None:
    """Write an NWBFile to a new file at ``path``."""
    with _nwb_io(path, "w") as io:
        io.write(nwbfile)


def append_to_nwbfile(path: Path, add) -> None:
    """Open ``path`` for appending, call ``add(nwbfile)``, and write the additions."""
    with _nwb_io(path, "a") as io:
        nwbfile = io.read()
        add(nwbfile)
        io.write(nwbfile)
