"""Converting one file: read it, give its videos a frame rate, write it in another format.

`poseio.convert`, ``poseio convert IN OUT`` and every task of a batch
(`poseio.convert_many`) run the same `convert_one`, so that one file converts
alike whichever way it is asked for. A batch sends its workers the plain dict
`settings` builds (picklable, also by a Dask cluster), not these functions' arguments.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from typing import Any

from poseio._errors import InvalidArgumentError, InvalidOptionError
from poseio._io._arguments import check_flag, check_path
from poseio._io._loading import FormatChoice, load
from poseio._io._saving import save
from poseio._model._labels import Labels
from poseio._storage._option_files import parse_file
from poseio._storage._remote import is_url
from poseio._words import audience, say_option, speaking_to
from poseio.options import FPS_SOURCES, check_fps

logger = logging.getLogger("poseio")

#: What a subject or metadata argument may be: the fields, or a YAML or JSON file of them.
MappingSource = Mapping[str, Any] | str | os.PathLike[str] | None


def mapping_from(value: MappingSource, what: str) -> dict[str, Any]:
    """The fields ``value`` gives: itself when a mapping, else what the YAML (or JSON) file it names holds.

    Args:
        value: A mapping, a path to a YAML or JSON file of a mapping, or ``None`` (no fields).
        what: The argument's name, for messages (``"--subject"``, ``"metadata"``).

    Raises:
        InvalidOptionError: The file cannot be read as YAML or JSON, or does not hold a mapping.
        InvalidArgumentError: ``value`` is neither a mapping nor a path.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidArgumentError(
            f"{what} must be a mapping of field names to values or the path of a YAML or JSON file of one, "
            f"not {type(value).__name__}"
        )
    import yaml

    path = Path(value)
    try:
        loaded = parse_file(path, f"the {what} file (YAML or JSON)", yaml.safe_load, (yaml.YAMLError,))
    except FileNotFoundError as exc:
        raise InvalidOptionError(f"{what} {path}: no such file") from exc
    if not isinstance(loaded, dict):
        raise InvalidOptionError(f"{what} {path}: must hold a mapping of field names to values")
    return loaded


def writer_options(
    subject: MappingSource = None, metadata: MappingSource = None, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The writer options of a conversion: the session metadata, then ``options``, then the subject.

    The metadata's fields come first, so that an explicit option of the same name wins.
    """
    if options is not None and not isinstance(options, Mapping):
        raise InvalidArgumentError(f"options must be a mapping of writer option names to values, not {options!r}")
    merged = {**mapping_from(metadata, "metadata"), **dict(options or {})}
    if subject is not None:
        merged["subject"] = mapping_from(subject, "subject")
    return merged


def writer_format(to: object) -> str | list[str] | None:
    """The format(s) ``to`` names for `poseio.save`: ``None`` for none, or for an extension such as ``".nwb"``.

    An extension leaves the choice of writer to `poseio.save`, which picks the
    format(s) by the output's extension and the labels' content (for NWB,
    predictions and annotations). Several formats, as a list or comma-separated
    (``"nwb-predictions,nwb-annotations"``), write one file together.
    """
    if to is None:
        return None
    if isinstance(to, (list, tuple)) and to and all(isinstance(name, str) and name for name in to):
        return list(to) if len(to) > 1 else to[0]
    if not isinstance(to, str) or not to:
        raise InvalidArgumentError(f"to must be a format name or an extension such as '.nwb', not {to!r}")
    if to.startswith("."):
        return None
    names = [name.strip() for name in to.split(",") if name.strip()]
    return names if len(names) > 1 else names[0]


def settings(
    *,
    to: str | None = None,
    fps: float | None = None,
    subject: MappingSource = None,
    metadata: MappingSource = None,
    format: FormatChoice = None,
    allow_external: bool = False,
    memory_budget: int | str | None = None,
    partial: bool = False,
    allow_loss: bool = False,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plain dict `convert_one` takes, from `poseio.convert`'s keyword arguments.

    The subject and metadata files are read here, once, so that a batch's
    workers get their fields and a bad file is reported before anything is
    converted. The plan also carries who asked (`poseio._words.audience`), so
    that a worker process words its errors for the command line or for Python.
    """
    return {
        "to": writer_format(to),
        "fps": check_fps(fps),
        "allow_loss": check_flag(allow_loss, "allow_loss"),
        "audience": audience(),
        "writer_options": writer_options(subject, metadata, options),
        "reading": {
            "format": list(format) if isinstance(format, (list, tuple)) else format,
            "allow_external": allow_external,
            "memory_budget": memory_budget,
            "partial": partial,
        },
    }


def convert_one(source: str | os.PathLike[str], target: str | os.PathLike[str], plan: Mapping[str, Any]) -> list[str]:
    """Read ``source``, time its videos, write ``target`` (atomically); returns a note per video timed.

    Args:
        source: A path, or a URL kept as text (``poseio.load`` reads it remotely).
        target: The file to write.
        plan: What `settings` returns.
    """
    with speaking_to(plan.get("audience", "python")):
        return _convert_one(source, target, plan)


def _convert_one(source: str | os.PathLike[str], target: str | os.PathLike[str], plan: Mapping[str, Any]) -> list[str]:
    labels = load(source, **plan["reading"])
    notes: list[str] = []
    if plan["fps"] is not None:
        # The videos' rate, not a writer option: every writer that stores time (or a rate) uses it,
        # and one that stores neither (labelled frames only) is not refused an option it lacks.
        for video in labels.videos:
            video.fps = plan["fps"]
    else:
        found = labels.provenance.get(FPS_SOURCES) or {}
        override = f"{say_option('fps', example='N')} overrides it"
        notes = [
            f"{source}: {v.filename} runs at {v.fps:g} fps (read from {found[v.filename]}); {override}"
            for v in labels.videos
            if v.fps and v.filename in found
        ]
        if not is_url(source):
            # A remote file has no folder here: no video beside it can be opened.
            notes += rates_from_videos(labels, Path(source), plan["reading"]["allow_external"])
    if _writes_nwb(target, plan["to"]):
        for warning in dandi_warnings(labels, plan["writer_options"]):
            logger.warning("%s: %s", target, warning)
    save(labels, target, format=plan["to"], allow_loss=plan.get("allow_loss", False), **plan["writer_options"])
    return notes


def _writes_nwb(target: str | os.PathLike[str], to: str | list[str] | None) -> bool:
    names = [to] if isinstance(to, str) else list(to or [])
    return any(name.startswith("nwb") for name in names) if names else Path(target).suffix.lower() == ".nwb"


def dandi_warnings(labels: Labels, writer_options: Mapping[str, Any]) -> list[str]:
    """What DANDI will refuse or doubt in an NWB file of these labels, said before it is written.

    No subject (nwbinspector's CRITICAL ``check_subject_exists``), and no real
    session start: without one the file says it began when it was converted.
    """
    session = labels.provenance.get("session") or {}
    warnings = []
    if not writer_options.get("subject") and not session.get("subject"):
        warnings.append(
            "no subject: DANDI refuses NWB files without one; give it with "
            f"{say_option('subject', example='subject.yaml')} (subject_id, species, sex, age)"
        )
    if not writer_options.get("session_start_time") and not session.get("session_start_time"):
        warnings.append(
            "the input records no session start time, so the file will say the session began now; give the real "
            f"one with {say_option('session_start_time', example='2024-01-02T03:04:05+00:00')}"
        )
    return warnings


def rates_from_videos(labels: Labels, source: Path, allow_external: bool) -> list[str]:
    """Give each video the input did not time the rate its file declares; returns a note per video timed.

    Only video files beside the input (or below its folder) are opened, unless ``allow_external``.
    """
    from poseio._frames._opening import VIDEO_ENDINGS, openable_video, video_fps

    notes = []
    for video in labels.videos:
        if video.fps or video.timestamps is not None:
            continue
        # DeepLabCut names a video by its stem: its file is the stem with a video ending. A path
        # recorded on another machine (SLEAP's, NWB's) may name a video now copied beside the input.
        names = [video.filename] + (
            [video.filename + e for e in VIDEO_ENDINGS] if not Path(video.filename).suffix else []
        )
        moved = PureWindowsPath(video.filename).name  # the last part, whether / or \ separates them
        if moved and moved != video.filename:
            names.append(moved)
        found = (openable_video(name, beside=source, allow_external=allow_external) for name in names)
        path = next((p for p in found if p is not None), None)
        rate = video_fps(path) if path is not None else None
        if rate:
            notes.append(
                f"{source}: {video.filename} runs at {rate:g} fps (read from {path}); "
                f"{say_option('fps', example='N')} overrides it"
            )
            # The file found is the video: the output names it, so that readers of the output find it too.
            video.fps, video.filename = rate, str(path)
    return notes


def convert(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    to: str | None = None,
    fps: float | None = None,
    subject: MappingSource = None,
    metadata: MappingSource = None,
    format: FormatChoice = None,
    allow_external: bool = False,
    memory_budget: int | str | None = None,
    partial: bool = False,
    allow_loss: bool = False,
    options: Mapping[str, Any] | None = None,
) -> Path:
    """Convert one pose file to another format, as ``poseio convert IN OUT`` does.

    The output is written atomically (see `poseio.save`): a failed conversion
    leaves ``target`` as it was.

    Args:
        source: The file to read: a path, or a URL (``https://``, ``s3://``, ``dandi://``).
        target: The file to write.
        to: The output format's name; ``None`` (or an extension such as
            ``".nwb"``) chooses it by ``target``'s extension and the labels' content.
        fps: The videos' frame rate, for formats that store seconds (NWB). By
            default, the rate the input records, else the rate each video file
            declares when it lies beside the input (or below its folder), which
            then also names the video in the output. Logged on the ``poseio`` logger.
        subject: The NWB Subject's fields (``subject_id``, ``species``, ``sex``,
            ``age``, ...), as a mapping or a YAML or JSON file of one.
        metadata: Session fields (``session_description``, ``experimenter``,
            ``lab``, ...), as a mapping or a YAML or JSON file; ``options`` of the same name win.
        format: The input's format, or a preference list (default: detected); see `poseio.load`.
        allow_external: Follow external links and storage in the input, and open
            videos outside its folder; see `poseio.load`.
        memory_budget: The largest array the reader may allocate; see `poseio.load`.
        partial: Read only the parts of the input that ``format`` covers; see `poseio.load`.
        allow_loss: Write even when the output format cannot carry part of the
            input (see `poseio.save`); by default such a conversion is refused.
        options: Writer options, passed to `poseio.save`.

    Returns:
        The path written.

    Raises:
        InvalidArgumentError: An argument of the wrong type.
        InvalidOptionError: A bad ``fps``, subject or metadata file, or a writer option no writer takes.
        ReadError: The input cannot be read (see `poseio.load` for its subclasses).
        FormatError: No installed format, or more than one, reads the input.
        DataLossError: The output format cannot carry part of the input; nothing was written.
        WriteError: The output cannot be written; nothing was changed at ``target``.
    """
    destination = check_path(target)
    with speaking_to("convert" if audience() == "python" else audience()):
        plan = settings(
            to=to,
            fps=fps,
            subject=subject,
            metadata=metadata,
            format=format,
            allow_external=allow_external,
            memory_budget=memory_budget,
            partial=partial,
            allow_loss=allow_loss,
            options=options,
        )
        for note in convert_one(source, destination, plan):
            logger.info("%s", note)
    return destination
