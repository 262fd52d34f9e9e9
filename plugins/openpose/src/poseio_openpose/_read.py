"""Reading OpenPose ``--write_json`` output into Labels.

Each frame file is ``{"version": 1.3, "people": [person, ...]}``; a person has
flat arrays ``pose_keypoints_2d`` (x, y, c per keypoint), ``face_keypoints_2d``,
``hand_left_keypoints_2d``, ``hand_right_keypoints_2d`` and, when OpenPose ran
with ``--3d``, the same ending ``_3d`` (x, y, z, c), each empty when that part
was not estimated. A person is one predicted instance of one skeleton: the
body's nodes, then the face's and the hands' when any file has them. ``c`` is
the point's score; ``c == 0`` is OpenPose's mark of a keypoint not found, read
as a missing point. What the model has no place for is kept in
``labels.provenance["openpose"]`` (see ``docs/formats/openpose.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.json import parse_json
from poseio.limits import check_allocation
from poseio.options import check_choice, check_fps, check_video, refuse_unknown

from poseio_openpose._files import WHAT, FrameFile, fail, frame_files, read_bytes
from poseio_openpose._models import EXTRA_PARTS, Part, body
from poseio_openpose._plugin import READ_OPTIONS
from poseio_openpose._sniff import FORMAT

#: The keys of a person poseio reads (the keypoint arrays are named by part and dimensions).
PERSON_KEYS = ("person_id",)
#: A part's array key for 2D and 3D points, and its values per keypoint.
SUFFIXES = {"2d": ("_keypoints_2d", 3), "3d": ("_keypoints_3d", 4)}
#: Keypoints per part that OpenPose always writes (a body's count tells its model).
FIXED_COUNTS = {"face": 70, "hand_left": 21, "hand_right": 21}


class _Person:
    """A person's arrays (flat float64, by part key) and identity, as read from one file."""

    __slots__ = ("arrays", "file", "track_id")

    def __init__(self, file: FrameFile, arrays: dict[str, np.ndarray], track_id: int | None) -> None:
        self.file, self.arrays, self.track_id = file, arrays, track_id


def _array(value: Any, where: str, key: str, path: Path | None) -> np.ndarray:
    if not isinstance(value, list):
        raise fail(where, f"{key} is {type(value).__name__}, not a list of numbers", path)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise fail(where, f"{key} holds something other than numbers", path) from exc
    if array.ndim != 1:
        raise fail(where, f"{key} is nested; OpenPose writes a flat list (x, y, c, x, y, c, ...)", path)
    return array


def _track_id(person: dict, where: str, path: Path | None) -> int | None:
    """The person's id: ``None`` for -1 (untracked) or none given."""
    value = person.get("person_id", -1)
    if isinstance(value, list):
        value = value[0] if value else -1
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < -1:
        raise fail(where, f"person_id is {value!r}, not -1 or an id number", path)
    return None if value == -1 else int(value)


def _people(file: FrameFile, data: Any, path: Path | None, seen: dict[str, set]) -> list[_Person]:
    where = str(path) if path is not None else file.name
    if not isinstance(data, dict):
        raise fail(where, f"the top level is a JSON {type(data).__name__}, not an object with people", path)
    people = data.get("people")
    if not isinstance(people, list):
        raise fail(where, "no 'people' list" if people is None else "'people' is not a list", path)
    seen["versions"].add(data.get("version"))
    seen["other_keys"].update(k for k in data if k not in ("version", "people"))
    found = []
    for position, person in enumerate(people):
        if not isinstance(person, dict):
            raise fail(where, f"people[{position}] is not an object", path)
        arrays = {}
        for key, value in person.items():
            if key.endswith(("_keypoints_2d", "_keypoints_3d")):
                arrays[key] = _array(value, where, f"people[{position}].{key}", path)
            elif key not in PERSON_KEYS:
                seen["other_keys"].add(key)
        found.append(_Person(file, arrays, _track_id(person, where, path)))
    return found


def _dimensions(people: list[_Person], chosen: str | None) -> str:
    """``2d`` or ``3d``: as chosen, else 2D when any person has a 2D point array, 3D when only 3D ones."""
    if chosen is not None:
        return chosen
    if any(len(a) for p in people for k, a in p.arrays.items() if k.endswith("_2d")):
        return "2d"
    return "3d" if any(len(a) for p in people for k, a in p.arrays.items() if k.endswith("_3d")) else "2d"


def _parts(people: list[_Person], suffix: str, width: int) -> tuple[str | None, list[Part]]:
    """The parts of the skeleton: the body (model by keypoint count) and the face and hands any person has.

    Raises:
        ReadError: A part's array is not whole keypoints, or the counts differ between people.
    """
    counts: dict[str, dict[int, str]] = {}
    for person in people:
        for key, array in person.arrays.items():
            if not key.endswith(suffix) or not len(array):
                continue
            part = key[: -len(suffix)]
            if len(array) % width:
                raise fail(
                    person.file.name, f"{key} has {len(array)} values, not {width} per keypoint", person.file.path
                )
            counts.setdefault(part, {}).setdefault(len(array) // width, person.file.name)
    for part, found in counts.items():
        if len(found) > 1:
            (a, file_a), (b, file_b) = list(found.items())[:2]
            raise poseio.ReadError(
                f"{part}{suffix} has {a} keypoints in {file_a} and {b} in {file_b}: one output is one model's; "
                "load the outputs of different models separately"
            )
        expected = FIXED_COUNTS.get(part)
        if expected is not None and next(iter(found)) != expected:
            raise poseio.ReadError(
                f"{part}{suffix} has {next(iter(found))} keypoints in {next(iter(found.values()))}; OpenPose's has "
                f"{expected}"
            )
    model, parts = None, []
    if "pose" in counts:
        model, body_part = body(next(iter(counts["pose"])))
        parts.append(body_part)
    parts += [p for p in EXTRA_PARTS if p.key in counts]
    return model, parts


def _skeleton(model: str | None, parts: list[Part]) -> poseio.Skeleton:
    nodes: list[str] = []
    edges: list[tuple[int, int]] = []
    for part in parts:
        edges += [(a + len(nodes), b + len(nodes)) for a, b in part.edges]
        nodes += part.nodes
    return poseio.Skeleton(nodes, edges=edges, name=model or "openpose")


def _videos(files: list[FrameFile], probe: poseio.Probe, fps: float | None, video: str | None):
    """One video per name before the frame numbers (image-named files: one video of the folder's name)."""
    keys = list(dict.fromkeys(f.video for f in files))
    if video is not None and len(keys) > 1:
        raise poseio.InvalidOptionError(
            f"video= names one video, but {probe.name} holds the frames of {len(keys)}: "
            f"{', '.join(repr(k) for k in keys if k is not None)}; load them without video=",
            format=FORMAT,
        )
    folder = Path(probe.name).name if probe.is_folder else Path(probe.name).parent.name
    videos = []
    for key in keys:
        metadata = {}
        if key is None:
            # Files named after images: each frame's image, as OpenPose named it.
            metadata["images"] = {f.frame: f.name[: -len("_keypoints.json")] for f in files if f.video is None}
        videos.append(poseio.Video(video or key or folder or "openpose", fps=fps, metadata=metadata))
    return videos, {key: i for i, key in enumerate(keys)}


def read_openpose(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read an OpenPose output folder or one of its frame files (see ``docs/formats/openpose.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps, video_name = check_fps(options.get("fps"), FORMAT), check_video(options.get("video"), FORMAT)
    chosen = check_choice(options.get("keypoints"), (None, "2d", "3d"), FORMAT, option="keypoints")
    files = frame_files(probe)
    seen: dict[str, set] = {"versions": set(), "other_keys": set()}
    people: list[_Person] = []
    empty_files = 0
    for file in files:
        found = _people(file, parse_json(read_bytes(probe, file), file.name, WHAT, path=file.path), file.path, seen)
        empty_files += not found
        people += found
    dims = _dimensions(people, chosen)
    suffix, width = SUFFIXES[dims]
    model, parts = _parts(people, suffix, width)
    skeleton = _skeleton(model, parts)
    n_nodes, ndim = len(skeleton), width - 1
    check_allocation(len(people) * max(n_nodes, 1) * width * 8 * 2, f"{len(people)} people's keypoints", probe.name)
    points = np.full((len(people), n_nodes, ndim), np.nan)
    scores = np.full((len(people), n_nodes), np.nan)
    start = 0
    for part in parts:
        stop = start + len(part.nodes)
        key = part.key + suffix
        for row, person in enumerate(people):
            array = person.arrays.get(key)
            if array is not None and len(array):
                values = array.reshape(-1, width)
                found = values[:, -1] != 0  # c == 0: OpenPose found no such keypoint (its x, y are 0 too)
                points[row, start:stop][found] = values[found, :ndim]
                scores[row, start:stop][found] = values[found, -1]
        start = stop
    kept = np.isfinite(points).all(axis=2).any(axis=1) if n_nodes else np.zeros(len(people), bool)
    videos, video_index = _videos(files, probe, fps, video_name)
    rows = np.flatnonzero(kept)
    tracks: dict[int, int] = {}  # person_id -> track index, in order of first appearance
    track_column = [
        poseio.NO_TRACK if people[r].track_id is None else tracks.setdefault(people[r].track_id, len(tracks))
        for r in rows.tolist()
    ]
    table = poseio.PoseTable.build(
        points[rows],
        video=[video_index[people[r].file.video] for r in rows.tolist()],
        frame_idx=[people[r].file.frame for r in rows.tolist()],
        skeleton=0,
        track=np.asarray(track_column, dtype=np.int64),
        predicted=True,
        point_scores=scores[rows],
    )
    details = {
        "model": model,
        "parts": [p.key for p in parts],
        "keypoints": dims,
        "versions": sorted(v for v in seen["versions"] if isinstance(v, (int, float))),
        "n_files": len(files),
        "files_without_people": empty_files,
        "people_without_points": int(len(people) - len(rows)),
        "person_ids": {f"person_{i}": i for i in tracks},
        # Keys read nowhere (part_candidates, the other dimension's arrays...), so that nothing goes unsaid.
        "not_read": sorted(
            seen["other_keys"] | {k for p in people for k, a in p.arrays.items() if len(a) and not k.endswith(suffix)}
        ),
    }
    return poseio.Labels.from_table(
        table.sorted(),
        videos=videos,
        skeletons=[skeleton],
        tracks=[poseio.Track(f"person_{i}") for i in tracks],
        provenance={FORMAT: details},
    )
