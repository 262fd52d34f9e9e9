"""Writing Labels as a movement poses dataset in a netCDF-4 file.

The file is laid out as ``xarray.Dataset.to_netcdf`` lays out a dataset made
by movement 0.15's loaders, so that ``xarray.open_dataset`` gives movement a
poses dataset it accepts: ``position`` ``(time, space, keypoints,
individuals)`` and ``confidence`` ``(time, keypoints, individuals)``, float64
with NaN fill, over coordinates ``time`` (seconds when the video's frame rate
is known, else frame numbers), ``space``, ``keypoints`` and ``individuals``.
It is written with h5netcdf, which records the dimensions as netCDF-4 does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import poseio
from poseio.limits import budget_message, over_budget
from poseio.options import refuse_unknown

from poseio_movement_netcdf._layout import COMPUTED_ATTRS, FORMAT, MOVEMENT_ORDER, SPACE, UNTRACKED_ATTR, WRITE_OPTIONS

#: movement's ``source_software`` for labels read from the formats poseio ships.
SOFTWARE = {
    "dlc": "DeepLabCut",
    "slp": "SLEAP",
    "sleap-analysis": "SLEAP",
    "lightning-pose": "LightningPose",
    "anipose": "Anipose",
}


def write_claim(labels: poseio.Labels) -> poseio.Claim:
    """How well the format suits the labels, and what it would lose of them."""
    table = labels.to_table()
    n_user = int((~table.predicted).sum())
    # movement's datasets have no user/predicted flag: everything reads back as predictions.
    losses = [f"the user/predicted flag: {n_user} user instances would read back as predictions"] if n_user else []
    if labels.provenance.get("format") == FORMAT:
        return poseio.Claim(
            FORMAT, poseio.TYPED_MATCH, "the labels were read from a movement netCDF file", losses=losses
        )
    return poseio.Claim(FORMAT, poseio.STRUCTURE_MATCH, "one video's poses fit a movement poses dataset", losses=losses)


def _the_video(labels: poseio.Labels, table: poseio.PoseTable, path: Path) -> int:
    used = np.unique(table.video)
    if len(used) > 1:
        names = [labels.videos[int(v)].filename for v in used]
        raise poseio.InvalidLabelsError(
            f"{path}: the poses come from {len(used)} videos ({names}); a movement dataset holds one video's. "
            "Save each video's poses to its own file"
        )
    if len(used):
        return int(used[0])
    if not labels.videos:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no video, so there is nothing to write")
    return 0


def _the_skeleton(labels: poseio.Labels, table: poseio.PoseTable, path: Path) -> poseio.Skeleton:
    used = np.unique(table.skeleton)
    names = {tuple(labels.skeletons[int(s)].node_names) for s in used}
    if len(names) > 1:
        raise poseio.InvalidLabelsError(
            f"{path}: the poses use skeletons with different nodes ({sorted(names)}); a movement dataset has one "
            "set of keypoints. Save each skeleton's poses to its own file"
        )
    if len(used):
        return labels.skeletons[int(used[0])]
    if not labels.skeletons:
        raise poseio.InvalidLabelsError(f"{path}: the labels have no skeleton, so there are no keypoints to write")
    return labels.skeletons[0]


def _individuals(tracks: list[poseio.Track], n_slots: int) -> tuple[list[str], list[str]]:
    """Every slot's name: the tracks', then ``individual_<i>`` (unused by any track) for untracked ones."""
    names = [t.name for t in tracks]
    taken, made_up, i = set(names), [], 0
    while len(names) + len(made_up) < n_slots:
        candidate = f"individual_{i}"
        if candidate not in taken:
            made_up.append(candidate)
        i += 1
    return names + made_up, made_up


def _software(labels: poseio.Labels) -> str | None:
    kept = labels.provenance.get("movement", {}).get("attrs", {})
    if isinstance(kept, dict) and isinstance(kept.get("source_software"), str):
        return kept["source_software"]
    return SOFTWARE.get(labels.provenance.get("format"))


def _attributes(labels: poseio.Labels, video: poseio.Video, fps: float | None, made_up: list[str]) -> dict[str, Any]:
    """The attributes: movement's in its order, then those of a file read before, then poseio's own."""
    attrs: dict[str, Any] = {}
    software = _software(labels)
    if software is not None:
        attrs["source_software"] = software
    attrs["ds_type"] = "poses"
    if fps is not None:
        attrs["fps"] = fps
    attrs["time_unit"] = "seconds" if fps is not None else "frames"
    kept = labels.provenance.get("movement", {}).get("attrs", {})
    for key, value in (kept if isinstance(kept, dict) else {}).items():
        if key not in COMPUTED_ATTRS and key not in attrs and isinstance(value, (str, int, float)):
            attrs[key] = value
    source = labels.provenance.get("source")
    if "source_file" not in attrs and isinstance(source, (str, Path)):
        # movement's loaders record the pose file they read; so does poseio for labels read from one.
        attrs["source_file"] = source if isinstance(source, str) and "://" in source else Path(source).as_posix()
    if video.filename and not video.metadata.get("filename_unknown"):
        attrs["video_path"] = video.filename
    if made_up:
        attrs[UNTRACKED_ATTR] = json.dumps(made_up)
    return attrs


def write_movement_netcdf(labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    """Write one video's poses as a movement poses dataset (see the module docstring)."""
    import h5netcdf
    import h5py

    refuse_unknown(options, WRITE_OPTIONS, FORMAT, doing="write")
    table = labels.to_table()
    video_id = _the_video(labels, table, path)
    skeleton = _the_skeleton(labels, table, path)
    video = labels.videos[video_id]
    points, scores = labels.numpy(video_id, skeleton=skeleton, return_scores=True)
    n_frames, n_slots, n_nodes, ndim = points.shape
    nbytes = n_frames * n_slots * n_nodes * (ndim + 1) * 8
    if over_budget(nbytes):
        raise poseio.InvalidLabelsError(budget_message(nbytes, f"{n_frames} frames of {n_slots} animals", str(path)))
    individuals, made_up = _individuals(list(labels.tracks), n_slots)
    fps = video.fps if video.fps is not None and np.isfinite(video.fps) and video.fps > 0 else None
    time = np.arange(n_frames, dtype=np.float64) / fps if fps is not None else np.arange(n_frames, dtype=np.int64)
    # User instances have no scores: their NaN is what movement holds for a point without confidence.
    position = np.ascontiguousarray(points.transpose(0, 3, 2, 1), dtype=np.float64)
    confidence = np.ascontiguousarray(scores.transpose(0, 2, 1), dtype=np.float64)
    with h5netcdf.File(path, "w") as nc:
        nc.dimensions = {"time": n_frames, "space": ndim, "keypoints": n_nodes, "individuals": n_slots}
        nc.create_variable("time", ("time",), data=time, **({"fillvalue": np.nan} if fps is not None else {}))
        for dim, names in (("space", SPACE[:ndim]), ("keypoints", skeleton.node_names), ("individuals", individuals)):
            # Variable-length UTF-8 strings: netCDF-4's string type, which xarray decodes to str.
            nc.create_variable(dim, (dim,), dtype=h5py.string_dtype(), data=np.array(names, dtype=object))
        nc.create_variable("position", MOVEMENT_ORDER, data=position, fillvalue=np.nan)
        nc.create_variable("confidence", ("time", "keypoints", "individuals"), data=confidence, fillvalue=np.nan)
        nc.attrs.update(_attributes(labels, video, fps, made_up))
