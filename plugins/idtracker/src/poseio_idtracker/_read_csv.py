"""Reading idtracker.ai's CSV export (``trajectories_csv/``).

The folder holds ``trajectories.csv`` (a header ``time,x1,y1,x2,y2,...``, ``seconds,...`` in 6.0.0a0,
then one row per frame from frame 0: the time ``frame / fps`` and each
animal's position, ``nan`` where it was not seen; values with 3 decimals),
``id_probabilities.csv`` (``time,id_probabilities1,...``, or ``seconds,...``) and
``attributes.json`` (the dictionary's other entries: ``frames_per_second``,
``body_length``, ``video_paths``, ...). poseio loads ``trajectories.csv`` and
reads the two others when they are beside it. idtracker.ai 6.0.14's tidy export
(``trajectories_tidy/trajectories_tidy.csv`` beside ``attributes_tidy.json``)
is laid back into the same arrays by `_read_tidy` and read the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.csv import head_lines, read_block, source_of
from poseio.json import PARSE_BYTES_PER_BYTE, parse_json, unreadable
from poseio.limits import check_allocation
from poseio.options import check_fps, check_video, refuse_unknown

from poseio_idtracker._labels import build, fail, frame_rate, track_names
from poseio_idtracker._read_tidy import parse_tidy
from poseio_idtracker._sniff import CSV_HEADER, CSV_TABLES, FORMAT, TIDY_ATTRIBUTES, TIDY_HEADER, TIME_COLUMN

READ_OPTIONS = ("fps", "video")
#: What ``attributes.json`` should be, as the messages name it.
WHAT = "idtracker.ai attributes.json"
#: The header of ``id_probabilities.csv``.
_PROBABILITIES = re.compile(rf"^({TIME_COLUMN})?id_probabilities1(,id_probabilities\d+)*$")
_TIME = re.compile(TIME_COLUMN)


def _header(lines: list[str]) -> str:
    return lines[0].strip().replace(" ", "") if lines else ""


def _attributes(path: Path) -> dict[str, Any]:
    """``attributes.json`` beside the CSV, or ``{}`` when there is none."""
    if not path.is_file():
        return {}
    check_allocation(path.stat().st_size * PARSE_BYTES_PER_BYTE, f"parsing {path.name}", str(path), path=path)
    data = parse_json(path.read_bytes(), str(path), WHAT, path=path)
    if not isinstance(data, dict):
        raise unreadable(str(path), WHAT, "not a JSON object", path=path)
    return data


def _probabilities(path: Path, n_frames: int, n_animals: int) -> np.ndarray | None:
    """``id_probabilities.csv`` beside the CSV as (frames, animals), or ``None`` when there is none."""
    if not path.is_file():
        return None
    with poseio.Probe(path) as probe:
        header = _header(list(head_lines(probe).complete))
    if not _PROBABILITIES.match(header):
        raise poseio.ReadError(f"{path}: not idtracker.ai's id_probabilities.csv (its header is {header[:80]!r})")
    width = header.count(",") + 1
    index = 1 if _TIME.match(header) else 0
    block, _ = read_block(path, skip=1, width=width, name=str(path), index_columns=index)
    if block.shape != (n_frames, n_animals):
        raise poseio.ReadError(
            f"{path}: {block.shape[0]} rows of {block.shape[1]} identities, but trajectories.csv has "
            f"{n_frames} of {n_animals}; the two files are not of one session",
            path=path,
        )
    return block


def _rate_of_times(times: np.ndarray) -> float | None:
    """The frame rate of a time column ``frame / fps`` (3 decimals), when it is regular."""
    if len(times) < 2 or not np.isfinite(times).all() or times[-1] <= times[0]:
        return None
    rate = (len(times) - 1) / (times[-1] - times[0])
    # Each time is rounded to a millisecond: a step may be off by one.
    if not (np.abs(times - times[0] - np.arange(len(times)) / rate) <= 1e-3).all():
        return None
    return round(float(rate), 3)


def read_csv(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read idtracker.ai's ``trajectories.csv`` (see the module docstring and ``docs/formats/idtracker.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    lines = head_lines(probe)
    header = _header(list(lines.complete))
    folder = probe.path.parent if probe.path is not None else None
    if header == TIDY_HEADER:
        trajectories, probabilities, times = parse_tidy(probe)
        attributes = _attributes(folder / TIDY_ATTRIBUTES) if folder is not None else {}
        layout = "csv_tidy"
    elif CSV_HEADER.match(header):
        width = header.count(",") + 1
        index = 1 if _TIME.match(header) else 0
        block, frame = read_block(source_of(probe), skip=1, width=width, name=probe.name, index_columns=index)
        n_frames, n_animals = len(block), block.shape[1] // 2
        trajectories = block.reshape(n_frames, n_animals, 2)
        times = frame[0].to_numpy(dtype=np.float64) if index else None
        attributes = _attributes(folder / "attributes.json") if folder is not None else {}
        probabilities = _probabilities(folder / "id_probabilities.csv", n_frames, n_animals) if folder else None
        layout = "csv"
    else:
        raise fail(probe, f"its header is not time,x1,y1,x2,y2,... nor {TIDY_HEADER} (it is {header[:80]!r})")
    n_animals = trajectories.shape[1]
    rate = frame_rate(attributes.get("frames_per_second"))
    if rate is None and times is not None:
        rate = _rate_of_times(times)
    paths = attributes.get("video_paths")
    if video is None and isinstance(paths, list) and paths and isinstance(paths[0], str):
        video = paths[0]
    elif video is None and isinstance(attributes.get("video_path"), str):
        video = attributes["video_path"]
    details = {"layout": layout, "attributes": attributes, "length_unit": attributes.get("length_unit")}
    if times is not None:
        details["time"] = times
    return build(
        probe,
        trajectories,
        id_probabilities=probabilities,
        fps=fps if fps is not None else rate,
        video=video or str(Path(probe.name).with_suffix("")),
        tracks=track_names(n_animals, attributes.get("identities_labels")),
        details=details,
    )


def read_csv_folder(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read a CSV export's folder (``trajectories_csv/``, ``trajectories_tidy/``): its table and what is beside it."""
    name = next((n for n in CSV_TABLES if n in probe.entries), CSV_TABLES[0])
    member = probe.member(name)
    if member is None or not member.is_file():
        raise fail(probe, "the folder has no trajectories.csv (nor trajectories_tidy.csv)")
    with poseio.Probe(member) as inner:
        return read_csv(inner, options)
