"""An example third-party plugin, written as one outside poseio would: the ``dense-grid`` format.

A ``.npz`` file of one array per value, indexed by frame and animal, as many
trackers save their results: ``points`` ``(frames, animals, nodes, 2)``,
``point_scores``, ``instance_scores``, ``tracking_scores``, ``predicted`` and
``occupied`` ``(frames, animals)``, ``frames`` (the frame number of each row),
``nodes``, ``animals`` and ``video`` (its name relative to the file's folder).
The first member, ``poseio_dense_grid.npy``, is the format's signature.

It uses the plugin API as a third party does (``tests/test_plugin_api.py``):
the writer sees the real ``destination`` (video names are stored relative to
its folder, not to poseio's temporary file), takes its arrays from
`poseio.Labels.grid`, and calls `poseio.limits.check_allocation` before
making a copy, so a save over its memory budget is a ``WriteError``; the
reader derives a column with `poseio.PoseTable.replace`; the sniffer declines
files without the signature, and a named ``format="dense-grid"`` still
reaches the reader, which says what is wrong.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation
from poseio.options import check_fps, refuse_unknown

FORMAT = "dense-grid"
SIGNATURE = "poseio_dense_grid"
#: A zip member's local header is 30 bytes, then its name.
_NAME_AT = 30


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            FORMAT,
            "arrays indexed by frame and animal in a .npz file",
            extensions=(".npz",),
            can_read=True,
            can_write=True,
            read_options=("fps",),
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    name = f"{SIGNATURE}.npy".encode()
    if probe.head[:4] == b"PK\x03\x04" and probe.head[_NAME_AT : _NAME_AT + len(name)] == name:
        return poseio.Claim(FORMAT, poseio.TYPED_MATCH, f"a .npz file whose first array is {SIGNATURE}")
    return poseio.Claim(FORMAT, poseio.NOT_MINE, f"not a .npz file that starts with {SIGNATURE}")


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    refuse_unknown(options, ("fps",), FORMAT)
    fps = check_fps(options.get("fps"), FORMAT)
    arrays = _arrays(probe)
    frames, occupied = arrays["frames"], arrays["occupied"].astype(bool)
    animals = [poseio.Track(str(name)) for name in arrays["animals"]]
    table = poseio.PoseTable.from_dense(
        arrays["points"],
        frame_idx=frames,
        track=np.arange(len(animals)),
        point_scores=arrays["point_scores"],
        score=arrays["instance_scores"],
        tracking_score=arrays["tracking_scores"],
        present=occupied,
    )
    # from_dense takes one kind for the whole grid; the file says it place by place.
    rows = np.searchsorted(frames, table.frame_idx)
    table = table.replace(predicted=arrays["predicted"].astype(bool)[rows, table.track])
    video = poseio.Video(os.path.join(probe.path.parent, str(arrays["video"])), fps=fps)
    skeleton = poseio.Skeleton([str(node) for node in arrays["nodes"]])
    return poseio.Labels.from_table(table, videos=[video], skeletons=[skeleton], tracks=animals)


def _arrays(probe: poseio.Probe) -> dict[str, np.ndarray]:
    try:
        with zipfile.ZipFile(probe.path) as archive:
            names = {info.filename: info.file_size for info in archive.infolist()}
            if f"{SIGNATURE}.npy" not in names:
                raise poseio.ReadError(
                    f"{probe.name}: a .npz file, but not a {FORMAT} one: it has no {SIGNATURE} array "
                    f"(it holds {sorted(names)})",
                    path=probe.path,
                )
            # The sizes are what the archive declares: a crafted file can declare anything.
            check_allocation(sum(names.values()), "its arrays", probe.name, path=probe.path)
            with np.load(probe.path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
    except poseio.PoseioError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise poseio.ReadError(f"{probe.name}: not a readable {FORMAT} file ({exc})", path=probe.path) from exc


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "one video's 2D poses")


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, destination: Path, options: dict[str, Any]) -> None:
    refuse_unknown(options, (), FORMAT, doing="write")
    # Labels the format cannot hold are refused as every writer refuses them, before anything is written.
    if len(labels.videos) != 1:
        raise poseio.InvalidLabelsError(
            f"a {FORMAT} file holds one video's poses and these labels have {len(labels.videos)}; "
            "save each video's labels to a file of its own"
        )
    points = labels.to_table().points
    if points.shape[2] == 3 and np.isfinite(points[..., 2]).any():
        raise poseio.InvalidLabelsError(f"a {FORMAT} file holds x and y, and these labels have z coordinates")
    grid = labels.grid(0)
    frames = np.flatnonzero(grid.occupied.any(axis=1))
    # Only the frames with poses are stored: that copy is made here, so it is checked against the save's budget.
    check_allocation(len(frames) * grid.points[0].size * 8, f"{len(frames)} frames of points", str(destination))
    video = labels.videos[0].filename
    # Relative to where the file will be, which `path` (poseio's temporary file) does not say.
    relative = os.path.relpath(video, destination.parent) if os.path.isabs(video) else video
    n_untracked = grid.points.shape[1] - grid.n_tracks
    animals = [t.name for t in labels.tracks]
    for _ in range(n_untracked):  # untracked slots get names no track has
        animals.append(next(n for k in range(len(animals) + 1) if (n := f"unnamed{k}") not in animals))
    with open(path, "wb") as file:  # np.savez would add ".npz" to a name without it
        np.savez(
            file,
            **{SIGNATURE: np.array(1)},
            points=grid.points[frames, :, :, :2],
            point_scores=grid.point_scores[frames],
            instance_scores=grid.score[frames],
            tracking_scores=grid.tracking_score[frames],
            predicted=grid.predicted[frames],
            occupied=grid.occupied[frames],
            frames=frames,
            nodes=np.array(labels.skeletons[0].node_names),
            animals=np.array(animals, dtype=str),
            video=np.array(relative),
        )
