"""Damage real pose files at random and load them; report every outcome as JSON lines.

Run by ``test_fuzz.py`` in a fresh process with a deadline and a memory limit,
so that a hang or a runaway allocation fails the test instead of the machine:

    python tests/fuzz_worker.py --seconds 50 --seed 1 FILE.nwb ...

Each case copies one file, applies one mutation (byte damage, or one change
to one HDF5 object), loads it and records what happened. A load may give
Labels or raise a ``PoseioError`` whose message names the file; anything else
is a failure. Mutations whose effect is known are also checked against it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import poseio

POSE_DATASETS = {("PoseEstimationSeries", "data"), ("SkeletonInstance", "node_locations")}


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _objects(path: Path) -> list[tuple[str, str | None, bool]]:
    """``(path, parent's neurodata_type, is dataset)`` of every object, read with h5py."""
    found = []
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            parent_type = _text(obj.parent.attrs.get("neurodata_type"))
            found.append(("/" + name, parent_type, isinstance(obj, h5py.Dataset)))

        f.visititems(visit)
    return found


# -- byte damage ------------------------------------------------------------------------------


def global_heaps(data: bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of each HDF5 global heap collection (signature ``GCOL``, then its size at byte 8).

    Damage inside one can make the HDF5 library itself loop forever (see
    ``test_fuzz.test_hdf5_global_heap_loop``), which poseio cannot interrupt:
    byte damage avoids them and that test documents the limitation.
    """
    spans, start = [], data.find(b"GCOL")
    while start >= 0:
        size = int.from_bytes(data[start + 8 : start + 16], "little")
        spans.append((start, start + max(size, 16)))
        start = data.find(b"GCOL", start + 4)
    return spans


def _damage_range(data: bytes, rng: random.Random, sizes: list[int], first: int) -> tuple[int, int]:
    heaps = global_heaps(data)
    while True:
        offset, size = rng.randrange(first, len(data)), rng.choice(sizes)
        if not any(offset < end and start < offset + size for start, end in heaps):
            return offset, size


def overwrite_bytes(path: Path, rng: random.Random) -> str:
    data = bytearray(path.read_bytes())
    offset, size = _damage_range(data, rng, [1, 4, 16, 256, 4096], 8)
    for i in range(offset, min(len(data), offset + size)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"overwrite {size} bytes at {offset}"


def zero_block(path: Path, rng: random.Random) -> str:
    data = bytearray(path.read_bytes())
    offset, size = _damage_range(data, rng, [64, 1024, 65536], 0)
    data[offset : offset + size] = bytes(len(data[offset : offset + size]))
    path.write_bytes(bytes(data))
    return f"zero {size} bytes at {offset}"


def truncate(path: Path, rng: random.Random) -> str:
    size = path.stat().st_size
    keep = rng.randrange(0, size)
    with open(path, "r+b") as f:
        f.truncate(keep)
    return f"truncate to {keep} of {size} bytes"


# -- one-object structural mutations (each returns a description, or None when it does not apply) --


def _replace(f: h5py.File, name: str, value) -> None:
    parent, _, leaf = name.rpartition("/")
    del f[parent or "/"][leaf]
    f[parent or "/"][leaf] = value


def delete_object(f, name, rng):
    parent, _, leaf = name.rpartition("/")
    del f[parent or "/"][leaf]
    return f"delete {name}"


def text_instead(f, name, rng):
    _replace(f, name, np.array([b"x", b"y"]))
    return f"text in {name}"


def dangling_link(f, name, rng):
    _replace(f, name, h5py.SoftLink("/nowhere"))
    return f"dangling link at {name}"


def cycle_link(f, name, rng):
    group = f[name] if isinstance(f[name], h5py.Group) else f[name].parent
    group["poseio_fuzz_cycle"] = f[rng.choice(["/", group.parent.name, group.name])]
    return f"hard-link cycle in {group.name}"


def external_link(f, name, rng):
    group = f[name] if isinstance(f[name], h5py.Group) else f[name].parent
    group["poseio_fuzz_external"] = h5py.ExternalLink("/etc/passwd", "/")
    return f"external link in {group.name}"


def external_storage(f, name, rng):
    if not isinstance(f[name], h5py.Dataset) or f[name].dtype.kind != "f" or f[name].size == 0:
        return None
    dataset = f[name]
    shape, dtype = dataset.shape, dataset.dtype
    parent, _, leaf = name.rpartition("/")
    del f[parent][leaf]
    f[parent].create_dataset(leaf, shape=shape, dtype=dtype, external=[("/etc/passwd", 0, h5py.h5f.UNLIMITED)])
    return f"external storage for {name}"


def hollow_rows(f, name, rng):
    if not isinstance(f[name], h5py.Dataset) or f[name].ndim == 0 or f[name].dtype.kind not in "fiu":
        return None
    dataset = f[name]
    shape = (10**7, *dataset.shape[1:])
    parent, _, leaf = name.rpartition("/")
    dtype = dataset.dtype
    del f[parent][leaf]
    f[parent].create_dataset(leaf, shape=shape, dtype=dtype, chunks=(1000, *shape[1:]))
    return f"{name} declares 10^7 unwritten rows"


def non_finite_value(f, name, rng):
    dataset = f[name]
    if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind != "f" or dataset.size == 0:
        return None
    values = dataset[()]
    flat = values.reshape(-1)
    flat[rng.randrange(flat.size)] = rng.choice([np.nan, np.inf, -np.inf, 1e300])
    dataset[...] = values
    return f"a non-finite or huge value in {name}"


def repeat_value(f, name, rng):
    dataset = f[name]
    if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 1 or dataset.size < 2 or dataset.dtype.kind != "f":
        return None
    values = dataset[()]
    i = rng.randrange(1, values.size)
    values[i] = values[i - 1]
    dataset[...] = values
    return f"a repeated value in {name}"


MUTATIONS = [
    delete_object,
    text_instead,
    dangling_link,
    cycle_link,
    external_link,
    external_storage,
    hollow_rows,
    non_finite_value,
    repeat_value,
]
BYTE_DAMAGE = [overwrite_bytes, zero_block, truncate]


def move_a_pose(f, name, rng):
    """Move one finite point of a pose dataset to a new place: the load must return the new place."""
    dataset = f[name]
    values = dataset[()]
    if values.ndim != 2:
        return None
    shown = np.isfinite(values).all(axis=1)
    if "node_visibility" in dataset.parent:  # an annotation: only visible nodes are points
        visibility = np.asarray(dataset.parent["node_visibility"][()]).reshape(-1)
        shown &= visibility.astype(bool) if len(visibility) == len(shown) else False
    rows = np.flatnonzero(shown)
    if not len(rows):
        return None
    row = int(rng.choice(list(rows)))
    values[row, :2] = [123456.25, 654321.5]
    dataset[...] = values
    return f"moved row {row} of {name}"


def _visible_points(labels: poseio.Labels) -> np.ndarray:
    table = labels.to_table()
    points = table.points.reshape(-1, table.points.shape[-1])[:, :2]
    return points[np.isfinite(points).all(axis=1)]


def run_case(source: Path, work: Path, rng: random.Random, objects) -> dict:
    path = work / source.name
    shutil.copyfile(source, path)
    check = None
    roll = rng.random()
    if roll < 0.35:
        what = rng.choice(BYTE_DAMAGE)(path, rng)
    else:
        poses = [n for n, parent, is_data in objects if is_data and (parent, n.rsplit("/", 1)[1]) in POSE_DATASETS]
        mutation = move_a_pose if (roll < 0.5 and poses) else rng.choice(MUTATIONS)
        candidates = poses if mutation is move_a_pose else [name for name, _, _ in objects]
        with h5py.File(path, "a") as f:
            name = rng.choice(candidates)
            try:
                what = mutation(f, name, rng) if name in f else None
            except (ValueError, TypeError, KeyError, OSError):
                what = None  # h5py refuses this mutation of this object (a zero-size chunk, say)
        if what is None:
            return {"file": source.name, "what": "skipped", "outcome": "skipped"}
        check = mutation.__name__
    # Said before loading, so that a case that hangs is named by the last line.
    print(json.dumps({"file": source.name, "what": what, "outcome": "started"}), flush=True)
    started = time.perf_counter()
    try:
        labels = poseio.load(path)
        outcome, detail = "labels", len(labels.labeled_frames)
        if check == "move_a_pose":
            points = _visible_points(labels)
            moved = np.all(points == [123456.25, 654321.5], axis=1).any()
            if not moved:
                outcome, detail = "failure", "the moved point is not in the loaded labels"
        elif check in ("external_link", "external_storage", "hollow_rows") and "skipped" not in what:
            outcome, detail = "failure", f"{what} loaded instead of being refused"
    except poseio.PoseioError as exc:
        outcome, detail = type(exc).__name__, str(exc).splitlines()[0]
        if str(path) not in str(exc) and path.name not in str(exc):
            outcome, detail = "failure", f"the error does not name the file: {exc}"
    except Exception as exc:  # noqa: BLE001 - the point of the fuzz test
        outcome, detail = "failure", f"{type(exc).__name__}: {exc}"
    return {
        "file": source.name,
        "what": what,
        "outcome": outcome,
        "detail": str(detail)[:300],
        "seconds": round(time.perf_counter() - started, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seconds", type=float, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    objects = {f: _objects(f) for f in args.files}
    deadline = time.monotonic() + args.seconds
    with tempfile.TemporaryDirectory() as folder:
        while time.monotonic() < deadline:
            source = rng.choice(args.files)
            print(json.dumps(run_case(source, Path(folder), rng, objects[source])), flush=True)


if __name__ == "__main__":
    sys.exit(main())
