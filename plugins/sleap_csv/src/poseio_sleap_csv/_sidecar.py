"""The metadata sidecar sleap-io writes beside a CSV: ``<stem>.json``, in the CSV's folder.

``save_csv(..., save_metadata=True)`` writes a JSON object holding what the
CSV has no column for: ``videos`` (``filename`` and ``backend_metadata``),
``skeletons`` (``name``, ``nodes``, ``edges`` and ``symmetries`` as pairs of
node names), ``tracks`` (names), ``suggestions`` and ``provenance``. Only the
file of that name in the CSV's own folder is read: a link that leads out of
it is not followed.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import poseio
from poseio.json import PARSE_BYTES_PER_BYTE, PARSE_ERRORS, describe
from poseio.limits import check_allocation
from poseio.options import say_option

#: The keys by which a JSON object is taken for a sleap-io sidecar (it has at least one).
SIDECAR_KEYS = ("skeletons", "videos")


@dataclass
class Sidecar:
    """What a sidecar restores.

    Attributes:
        path: The sidecar's path.
        skeleton: Its first skeleton (a CSV holds one), or ``None`` when it lists none.
        videos: Its videos, in order.
        tracks: Its track names, in order.
        kept: What poseio has no place for (``version``, ``suggestions``, ``provenance``, further skeletons).
    """

    path: Path
    skeleton: poseio.Skeleton | None
    videos: list[poseio.Video]
    tracks: list[str]
    kept: dict[str, Any] = field(default_factory=dict)


def sidecar_path(csv_path: Path) -> Path:
    """``<stem>.json`` beside the CSV, as sleap-io names it (``with_suffix``)."""
    return csv_path.with_suffix(".json")


def _names(value: Any, nodes: list[str], what: str, fail) -> list[tuple[int, int]]:
    pairs = []
    for pair in value or []:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, str) and n in nodes for n in pair)):
            raise fail(f"{what} {pair!r} is not a pair of the skeleton's node names")
        if pair[0] != pair[1]:
            pairs.append((nodes.index(pair[0]), nodes.index(pair[1])))
    return pairs


def _skeleton(data: Any, fail) -> poseio.Skeleton:
    if not isinstance(data, dict):
        raise fail("skeletons[0] is not an object")
    nodes = data.get("nodes")
    if not isinstance(nodes, list) or not nodes or not all(isinstance(n, str) for n in nodes):
        raise fail("skeletons[0] has no list of node names")
    if len(set(nodes)) != len(nodes):
        raise fail("skeletons[0] names a node twice")
    name = data.get("name")
    edges = list(dict.fromkeys(_names(data.get("edges"), nodes, "the edge", fail)))
    symmetries = []
    for a, b in _names(data.get("symmetries"), nodes, "the symmetry", fail):
        if (a, b) not in symmetries and (b, a) not in symmetries:
            symmetries.append((a, b))
    return poseio.Skeleton(nodes, edges=edges, symmetries=symmetries, name=name if isinstance(name, str) else None)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _video(data: Any, position: int, fail) -> poseio.Video:
    if not isinstance(data, dict):
        raise fail(f"videos[{position}] is not an object")
    filename, backend = data.get("filename"), data.get("backend_metadata")
    backend = backend if isinstance(backend, dict) else {}
    metadata: dict[str, Any] = {"backend_metadata": backend}
    if isinstance(filename, list) and filename and all(isinstance(f, str) for f in filename):
        # An image sequence: one video per folder, as poseio names labelled images, each frame's image kept.
        metadata["images"] = dict(enumerate(filename))
        filename = str(PurePosixPath(filename[0].replace("\\", "/")).parent)
    if not isinstance(filename, str):
        raise fail(f"videos[{position}] has no filename")
    shape = backend.get("shape")
    shape = tuple(shape) if isinstance(shape, list) and len(shape) == 4 and all(map(_whole, shape)) else None
    fps = backend.get("fps")
    ok = isinstance(fps, (int, float)) and not isinstance(fps, bool) and math.isfinite(fps) and fps > 0
    return poseio.Video(filename, shape=shape, fps=float(fps) if ok else None, metadata=metadata)


def read_sidecar(csv_path: Path, name: str) -> tuple[Sidecar | None, str | None]:
    """The sidecar beside ``csv_path``, or ``None`` and why there is none used.

    Raises:
        UnsafeFileError: Parsing the sidecar could take more than the load's memory budget.
        ReadError: The sidecar is a sleap-io sidecar, but broken; the message names
            the fix (``metadata=False`` reads the CSV alone).
    """
    path = sidecar_path(csv_path)
    if not path.is_file():
        return None, "none beside the CSV"
    if path.resolve().parent != csv_path.parent.resolve():  # the CSV's folder, wherever a link to the CSV leads
        return None, f"{path.name} links out of the CSV's folder; poseio does not follow it"

    def fail(problem: str) -> poseio.ReadError:
        return poseio.ReadError(
            f"{name}: its metadata sidecar {path} is broken: {problem}. Fix or remove it, or read the CSV alone "
            f"with {say_option('metadata', False)}",
            path=csv_path,
        )

    size = os.path.getsize(path)
    check_allocation(size * PARSE_BYTES_PER_BYTE, f"parsing {size} bytes of sidecar JSON", name, path=csv_path)
    try:
        data = json.loads(path.read_bytes())
    except PARSE_ERRORS as exc:
        raise fail(describe(exc)) from exc
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from exc
    if not isinstance(data, dict) or not any(k in data for k in SIDECAR_KEYS):
        return None, f"{path.name} is not sleap-io metadata (no skeletons or videos)"
    skeletons, videos, tracks = data.get("skeletons") or [], data.get("videos") or [], data.get("tracks") or []
    if not isinstance(skeletons, list) or not isinstance(videos, list) or not isinstance(tracks, list):
        raise fail("skeletons, videos and tracks must be lists")
    if not all(isinstance(t, str) for t in tracks):
        raise fail("a track name is not text")
    kept = {key: data[key] for key in ("version", "suggestions", "provenance") if key in data}
    if len(skeletons) > 1:
        kept["other_skeletons"] = skeletons[1:]  # a CSV holds the instances of one skeleton
    return Sidecar(
        path,
        _skeleton(skeletons[0], fail) if skeletons else None,
        [_video(v, i, fail) for i, v in enumerate(videos)],
        list(dict.fromkeys(tracks)),
        kept,
    ), None


def sidecar_document(labels: poseio.Labels) -> dict[str, Any]:
    """The sidecar of the labels, as sleap-io writes one (and reads: ``load_csv`` applies it)."""
    videos = []
    for video in labels.videos:
        backend = dict(video.metadata.get("backend_metadata") or {})
        # sleap-io keeps a video's shape and fps in backend_metadata when it cannot open the file.
        if video.shape is not None and all(isinstance(n, int) for n in video.shape):
            backend["shape"] = [int(n) for n in video.shape]
        if video.fps is not None:
            backend["fps"] = float(video.fps)
        videos.append({"filename": video.filename, "backend_metadata": backend})
    skeletons = [
        {
            "name": s.name,
            "nodes": s.node_names,
            "edges": [[s.node_names[a], s.node_names[b]] for a, b in s.edge_inds],
            "symmetries": [[s.node_names[a], s.node_names[b]] for a, b in s.symmetry_inds],
        }
        for s in labels.skeletons
    ]
    return {
        "version": "1.0",
        "videos": videos,
        "skeletons": skeletons,
        "tracks": [t.name for t in labels.tracks],
        "suggestions": [],
        "provenance": {},
    }


def is_sidecar(path: Path) -> bool:
    """Whether the file at ``path`` looks like a sleap-io sidecar, by the keys in its first bytes."""
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    return head.startswith("{") and any(f'"{key}"' in head for key in SIDECAR_KEYS)


def write_sidecar(document: dict[str, Any], path: Path) -> None:
    """Write the sidecar at ``path`` through a temporary file beside it, so that a half-written one is never seen.

    Raises:
        WriteError: The folder cannot be written.
    """
    temp = path.with_name(f".{path.name}.poseio-sidecar-{os.getpid()}")
    try:
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, allow_nan=False)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise poseio.WriteError(f"{path}: the metadata sidecar cannot be written ({exc.strerror})", path=path) from exc
