"""What an HDF5 file holds, read with plain h5py, to compare files independently of poseio."""

from __future__ import annotations

import hashlib

import h5py
import numpy as np


def _digest(value) -> str:
    value = value.tolist() if hasattr(value, "tolist") else value
    return hashlib.sha1(repr(value).encode()).hexdigest()


def snapshot(path) -> dict[str, tuple[str, tuple]]:
    """``{hdf5 path: (value digest or "group", sorted attributes)}`` of every object reachable by hard links."""
    found = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            attrs = tuple(sorted((k, _digest(v)) for k, v in obj.attrs.items()))
            found[name] = (_digest(obj[()]) if isinstance(obj, h5py.Dataset) else "group", attrs)

        f.visititems(visit)
    return found


def changed_objects(before_path, after_path, before: dict, *, growing: str = "/poseio_") -> list[str]:
    """Objects of ``before`` (a `snapshot` of ``before_path``) that differ in ``after_path``.

    A dataset whose path contains ``growing`` (poseio's own tables, to which an
    append adds rows) counts as unchanged when its old rows are the first rows
    of its new value.
    """
    after = snapshot(after_path)
    changed = [name for name in before if after.get(name) != before[name]]
    if not changed:
        return []
    with h5py.File(before_path, "r") as old, h5py.File(after_path, "r") as new:
        return [name for name in changed if not (growing in name and _extends(old.get(name), new.get(name)))]


def _extends(old, new) -> bool:
    if not isinstance(old, h5py.Dataset) or not isinstance(new, h5py.Dataset) or old.ndim != 1:
        return False
    return dict(old.attrs) == dict(new.attrs) and new[: len(old)].tolist() == old[()].tolist()


def pose_rows(path) -> list[tuple]:
    """Every finite coordinate row of every pose dataset, sorted.

    Pose datasets are the ``data`` of PoseEstimationSeries and the
    ``node_locations`` of SkeletonInstances.
    """
    rows = []
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            kind = obj.parent.attrs.get("neurodata_type")
            kind = kind.decode() if isinstance(kind, bytes) else kind
            leaf = name.rsplit("/", 1)[-1]
            if (kind, leaf) in (("PoseEstimationSeries", "data"), ("SkeletonInstance", "node_locations")):
                data = np.asarray(obj[()], dtype=np.float64).reshape(len(obj), -1)
                rows.extend(tuple(r) for r in data[np.isfinite(data).all(axis=1)])

        f.visititems(visit)
    return sorted(rows)


def _series_seconds(series: h5py.Group, n: int) -> np.ndarray:
    """The seconds of a TimeSeries' ``n`` samples, computed as NWB defines them."""
    if "timestamps" in series:
        return np.asarray(series["timestamps"][()], dtype=np.float64).reshape(-1)
    start = float(np.asarray(series["starting_time"][()]).reshape(-1)[0])
    rate = series["starting_time"].attrs.get("rate")
    if rate is None:
        return start + np.arange(n, dtype=np.float64)
    rate = float(rate)
    return np.full(n, start) if rate == 0 and n <= 1 else start + np.arange(n) / rate


def timed_pose_rows(path) -> list[tuple]:
    """``(seconds, coordinates..., confidence)`` of every finite row of every PoseEstimationSeries, sorted.

    The confidence is ``None`` where the series has none (or it is NaN).
    """
    rows = []
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            kind = obj.attrs.get("neurodata_type")
            if not isinstance(obj, h5py.Group) or (kind.decode() if isinstance(kind, bytes) else kind) != (
                "PoseEstimationSeries"
            ):
                return
            data = np.asarray(obj["data"][()], dtype=np.float64)
            data = data.reshape(len(data), -1) if data.size else np.empty((0, 2))
            seconds = _series_seconds(obj, len(data))
            confidence = (
                np.asarray(obj["confidence"][()], dtype=np.float64)
                if "confidence" in obj
                else np.full(len(data), np.nan)
            )
            for t, row, c in zip(seconds, data, confidence):
                if np.isfinite(row[:2]).all():
                    rows.append((float(t), *map(float, row), None if np.isnan(c) else float(c)))

        f.visititems(visit)
    return sorted(rows, key=repr)


def training_frames(path) -> dict[str, dict]:
    """Every TrainingFrame of a file, read with h5py alone.

    ``{frame name: {"index": source_video_frame_index or None, "instances":
    {instance name: (id, node_locations as stored, node_visibility)}, "image":
    the pixels of its source_frame or None}}``.
    """
    found: dict[str, dict] = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            kind = obj.attrs.get("neurodata_type") if isinstance(obj, h5py.Group) else None
            if (kind.decode() if isinstance(kind, bytes) else kind) != "TrainingFrame":
                return
            index = obj.attrs.get("source_video_frame_index")
            if index is None and "source_video_frame_index" in obj:
                index = obj["source_video_frame_index"][()]
            instances = {}
            for instance_name, instance in obj.get("skeleton_instances", {}).items():
                visibility = instance["node_visibility"][()] if "node_visibility" in instance else None
                instances[instance_name] = (
                    None if instance.attrs.get("id") is None else int(instance.attrs["id"]),
                    instance["node_locations"][()],
                    None if visibility is None else visibility.astype(bool),
                )
            image = obj.get("source_frame")  # an image stored in the file, when the frame labels one
            found[name.rsplit("/", 1)[-1]] = {
                "index": None if index is None else int(index),
                "instances": instances,
                "image": None if image is None else image[()],
            }

        f.visititems(visit)
    return found
