"""Batch conversion speed: the corpus's pose files to NWB with one worker process and with two.

    python benchmarks/bench_batch.py                     # 2 copies of the corpus's pose files, median of 5
    python benchmarks/bench_batch.py --copies 4 --repeats 3 --jobs 1 2 4

Takes every file of ../shared/corpus/formats that poseio loads, links
--copies copies of them into a temporary folder (one subfolder per copy and per
file ending: DeepLabCut's x.csv and x.h5 would both become x.nwb), and times
what a user runs: ``poseio convert IN --out-dir OUT --to .nwb --fps 30
--overwrite -q --jobs J`` in a new process, for each J in turn (alternating, so
that a busy spell of the shared machine falls on every measure alike). Each
time includes starting Python and each worker's first import of pynwb. The
outputs of every J are first checked to hold the same points as those of
--jobs 1. Prints the medians and the speed-up of each J over one job.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np
import poseio
from _common import median_times

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "formats"
POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": os.environ.get("POSEIO_DISABLE_PLUGINS", "broken")}


def pose_files() -> list[Path]:
    """The corpus files that poseio loads (the negatives, and the manifests, do not)."""
    found = []
    for path in sorted(CORPUS.iterdir()):
        try:
            poseio.load(path)
        except poseio.PoseioError:
            continue
        found.append(path)
    return found


def lay_out(files: list[Path], folder: Path, copies: int) -> None:
    for copy in range(copies):
        for path in files:
            ending = path.suffix.lstrip(".")
            (folder / f"copy{copy}" / ending).mkdir(parents=True, exist_ok=True)
            os.symlink(path, folder / f"copy{copy}" / ending / path.name)


def convert(source: Path, out: Path, jobs: int) -> None:
    args = [POSEIO, "convert", source, "--out-dir", out, "--to", ".nwb", "--fps", "30", "--overwrite", "-q"]
    subprocess.run([*map(str, args), "--jobs", str(jobs)], check=True, env=ENV, capture_output=True)


def points(path: Path) -> dict[str, np.ndarray]:
    """Every pose dataset of an NWB file, by its HDF5 path (h5py, not poseio)."""
    found = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and name.rsplit("/", 1)[-1] in ("data", "node_locations"):
            found[name] = obj[()]

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return found


def same_outputs(first: Path, other: Path) -> None:
    names = sorted(p.relative_to(first) for p in first.rglob("*.nwb"))
    assert names == sorted(p.relative_to(other) for p in other.rglob("*.nwb")), "different outputs"
    for name in names:
        a, b = points(first / name), points(other / name)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a), name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    jobs = sorted(set(args.jobs) | {1})
    files = pose_files()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in")
        lay_out(files, source, args.copies)
        outs = {j: Path(folder, f"out{j}") for j in jobs}
        for j in jobs:
            convert(source, outs[j], j)
            same_outputs(outs[1], outs[j])
        count = len(list(outs[1].rglob("*.nwb")))
        assert count == len(files) * args.copies, f"{count} outputs for {len(files) * args.copies} inputs"
        times = median_times({j: lambda j=j: convert(source, outs[j], j) for j in jobs}, args.repeats)
    print(
        f"{count} files ({len(files)} corpus pose files x {args.copies}) to NWB, poseio convert --jobs J, "
        f"median of {args.repeats}; {os.cpu_count()} CPUs"
    )
    print(f"{'jobs':>5} {'seconds':>9} {'files/s':>8} {'speed-up':>9}")
    for j in jobs:
        print(f"{j:>5} {times[j]:>8.2f}s {count / times[j]:>8.1f} {times[1] / times[j]:>8.2f}x")


if __name__ == "__main__":
    main()
