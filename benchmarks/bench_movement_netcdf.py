"""movement-netcdf speed: poseio's load against movement's own way of opening its netCDF files.

    python benchmarks/bench_movement_netcdf.py            # the corpus file and a 50,000-frame file, 41 rounds

movement 0.15 has no netCDF loader function: its napari widget opens a saved
dataset with ``xarray.open_dataset`` and checks it with
``ValidPosesInputs.validate``. The reference does that and loads the arrays
(``.values``), with xarray's default engine (netCDF4) and with h5netcdf. The
three are run in turn in every round, in one process, so that a busy machine
slows them alike; medians and minima are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import poseio
import xarray as xr
from movement.io import load_poses
from movement.validators.datasets import ValidPosesInputs

CORPUS_FILE = Path(__file__).resolve().parents[2] / "shared/corpus/formats2/movement015_wasp_dlc.nc"


def by_poseio(path: Path) -> object:
    return poseio.load(path).numpy(return_scores=True)


def by_xarray(path: Path, engine: str | None) -> object:
    with xr.open_dataset(path, engine=engine) as ds:
        ValidPosesInputs.validate(ds)
        return ds.position.values, ds.confidence.values


def big_file(folder: Path, n_frames: int) -> Path:
    """A dataset movement built (from_numpy) and xarray saved: 4 animals of 20 keypoints, 5% missing."""
    rng = np.random.default_rng(0)
    position = rng.uniform(0, 1000, (n_frames, 2, 20, 4))
    position[rng.random(position.shape) < 0.05] = np.nan
    ds = load_poses.from_numpy(position, rng.uniform(0, 1, (n_frames, 20, 4)), fps=30.0, source_software="bench")
    path = folder / "big.nc"
    ds.to_netcdf(path)
    return path


def compare(path: Path, rounds: int) -> None:
    readers = {
        "poseio.load().numpy()": lambda: by_poseio(path),
        "xarray (netCDF4) + validate": lambda: by_xarray(path, None),
        "xarray (h5netcdf) + validate": lambda: by_xarray(path, "h5netcdf"),
    }
    for read in readers.values():
        read()  # imports and first opens are not timed
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(rounds):
        for name, read in readers.items():
            start = time.perf_counter()
            read()
            times[name].append(time.perf_counter() - start)
    print(f"{path.name} ({path.stat().st_size / 1e6:.1f} MB), {rounds} rounds")
    for name, found in times.items():
        print(f"  {name:30s} median {statistics.median(found) * 1e3:8.2f} ms   min {min(found) * 1e3:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--frames", type=int, default=50_000)
    args = parser.parse_args()
    if CORPUS_FILE.exists():
        compare(CORPUS_FILE, args.rounds)
    with tempfile.TemporaryDirectory() as folder:
        compare(big_file(Path(folder), args.frames), max(5, args.rounds // 4))


if __name__ == "__main__":
    main()
