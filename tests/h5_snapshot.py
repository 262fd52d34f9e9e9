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
