"""Loading against the producer's plain reader and the peers (movement, sleap-io, pynwb), one process per read.

    python benchmarks/bench_peers.py                         # every case of issue 21 item 6, 5 rounds
    python benchmarks/bench_peers.py --cases dlc-h5 nwb --rounds 7
    python benchmarks/bench_peers.py --cases nwb --frames 1000000 --tools poseio pynwb
    python benchmarks/bench_peers.py --warm --folder /tmp/peers   # keep (and reuse) the files

Each case writes one file as its producer does (pandas for DeepLabCut,
sleap-io for SLEAP, pynwb + ndx-pose for NWB, one PoseEstimation per
animal), then loads it with every tool that reads the format and gets every
point as an array (confidences too where the format has them). Each load
runs in a fresh interpreter (`_common.run_worker`), after that tool's imports,
so no tool profits from another's imported modules or caches; the tools take
turns in every round, each round starting with the next tool, so a busy spell
of the shared machine (or a page cache emptied by others) falls on all of
them. poseio's time includes loading its plugins, which its first call in a
process does (about 0.1 s on this machine); ``--warm`` also times
"poseio-warm", whose plugins are loaded before the clock starts. Printed:
the median time of each tool and its ratio to the plain reader's (pandas
``read_hdf``/``read_csv`` + ``to_numpy()``, or h5py reading the datasets that
hold the points), and the peak memory the load added to the process (peak
resident size after the load less the resident size before it), against the
bytes of the plain reader's arrays.

Targets (issue 21 item 6): poseio at least as fast as every peer, within 1.3x
of the plain reader, and its peak memory within 1.3x of the plain reader's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from _common import Write, run_worker, worker_main

FPS = 30.0
CASES = {
    # case: (default frames, tracks, nodes, tools)
    "dlc-h5": (100_000, 3, 20, ("pandas", "poseio", "movement")),
    "dlc-csv": (100_000, 3, 20, ("pandas", "poseio", "movement")),
    "analysis": (100_000, 4, 15, ("h5py", "poseio", "movement", "sleap-io")),
    "nwb": (100_000, 2, 15, ("h5py", "poseio", "movement", "pynwb")),
    "nwb-wide": (10_000, 10, 30, ("h5py", "poseio", "movement", "pynwb")),
    "slp": (20_000, 4, 15, ("h5py", "poseio", "movement", "sleap-io")),
    # Writes: each tool reads the case's file with its own reader (untimed), then writes it.
    "write-dlc-h5": (100_000, 3, 20, ("pandas", "poseio", "movement")),
    "write-analysis": (100_000, 4, 15, ("sleap-io", "poseio", "movement")),
}


# -- writing each case's file as its producer does -------------------------------------------


def write_dlc(path: Path, n_frames: int, n_animals: int, n_nodes: int) -> None:
    """A multi-animal DeepLabCut table (x, y, likelihood), written by pandas as DeepLabCut does."""
    import pandas as pd

    rng = np.random.default_rng(0)
    columns = pd.MultiIndex.from_product(
        [
            ["DLC_resnet50_benchJan1shuffle1_100000"],
            [f"animal{a}" for a in range(n_animals)],
            [f"bodypart{i}" for i in range(n_nodes)],
            ["x", "y", "likelihood"],
        ],
        names=["scorer", "individuals", "bodyparts", "coords"],
    )
    values = rng.random((n_frames, n_animals, n_nodes, 3)) * [640.0, 480.0, 1.0]
    frame = pd.DataFrame(values.reshape(n_frames, -1), columns=columns)
    if path.suffix == ".csv":
        frame.to_csv(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTables' performance warnings
            frame.to_hdf(path, key="df_with_missing", format="table", mode="w")


def write_sleap(path: Path, n_frames: int, n_tracks: int, n_nodes: int) -> None:
    """Predictions (5% of points hidden) that sleap-io writes as ``.slp`` or ``.analysis.h5``."""
    import poseio
    import sleap_io as sio
    from bench_sleap import make_labels

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "source.slp")
        poseio.save(make_labels(n_frames, n_tracks, n_nodes), source)
        labels = sio.load_slp(str(source), open_videos=False)
    if path.name.endswith(".analysis.h5"):
        sio.save_analysis_h5(labels, str(path))
    else:
        sio.save_slp(labels, str(path))


def write_nwb(path: Path, n_frames: int, n_animals: int, n_nodes: int) -> None:
    """One PoseEstimation per animal, written with pynwb + ndx-pose (see `bench_predictions`)."""
    from bench_predictions import make_arrays, write_per_animal_with_pynwb

    points, confidence = make_arrays(n_frames, n_animals, n_nodes)
    write_per_animal_with_pynwb(points, confidence, path)


# -- the readers, each run in a worker process -----------------------------------------------


def _poseio(path: str) -> tuple:
    import poseio

    return poseio.load(path).numpy(return_scores=True)


def _pandas_h5(path: str) -> np.ndarray:
    import pandas as pd

    return pd.read_hdf(path).to_numpy()


def _pandas_csv(path: str) -> np.ndarray:
    import pandas as pd

    return pd.read_csv(path, header=[0, 1, 2, 3], index_col=0).to_numpy()


def _movement(software: str):
    def read(path: str) -> tuple:
        from movement.io import load_poses

        ds = load_poses.from_file(path, source_software=software)
        return ds.position.values, ds.confidence.values

    return read


def _movement_nwb(path: str) -> tuple:
    """movement reads one PoseEstimation per call: every animal's, then stacked on ``individuals``."""
    import h5py
    import xarray as xr
    from movement.io import load_poses

    with h5py.File(path, "r") as f:
        names = [n for n, g in f["processing/behavior"].items() if g.attrs.get("neurodata_type") == "PoseEstimation"]
    ds = xr.concat([load_poses.from_nwb_file(path, pose_estimation_key=n) for n in names], dim="individuals")
    return ds.position.values, ds.confidence.values


def _sleap_io_analysis(path: str) -> np.ndarray:
    import sleap_io as sio

    return sio.load_analysis_h5(path).numpy()


def _sleap_io_slp(path: str) -> np.ndarray:
    import sleap_io as sio

    return sio.load_slp(path, open_videos=False).numpy()


def _h5py_analysis(path: str) -> list:
    import h5py

    with h5py.File(path, "r") as f:
        return [f[name][()] for name in ("tracks", "track_occupancy", "point_scores", "instance_scores")]


def _h5py_slp(path: str) -> list:
    import h5py

    with h5py.File(path, "r") as f:
        return [f[name][()] for name in ("frames", "instances", "pred_points")]


def _h5py_nwb(path: str) -> list:
    """Every PoseEstimationSeries' data, confidence and timestamps (`bench_predictions.read_per_animal_with_h5py`)."""
    import h5py

    arrays = []
    with h5py.File(path, "r") as f:
        for container in f["processing/behavior"].values():
            if container.attrs.get("neurodata_type") != "PoseEstimation":
                continue
            for series in container.values():
                if series.attrs.get("neurodata_type") == "PoseEstimationSeries":
                    arrays += [series["data"][()], series["confidence"][()], series["timestamps"][()]]
    return arrays


def _pynwb(path: str) -> list:
    """pynwb's own full read: every PoseEstimationSeries' data, confidence and timestamps."""
    from ndx_pose import PoseEstimation
    from pynwb import NWBHDF5IO

    arrays = []
    with NWBHDF5IO(path, "r", load_namespaces=True) as io:
        nwbfile = io.read()
        for container in nwbfile.processing["behavior"].data_interfaces.values():
            if isinstance(container, PoseEstimation):
                for series in container.pose_estimation_series.values():
                    arrays += [series.data[:], series.confidence[:], series.timestamps[:]]
    return arrays


def _output(ending: str):
    return lambda source: str(Path(source).with_name(f"written{ending}"))


def _poseio_write(ending: str) -> Write:
    import_ = lambda source: __import__("poseio").load(source)  # noqa: E731
    return Write(import_, lambda labels, out: __import__("poseio").save(labels, out), _output(ending), sync=False)


def _pandas_to_hdf(frame, out: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTables' performance warnings
        frame.to_hdf(out, key="df_with_missing", format="table", mode="w")


def _movement_load(software: str):
    def load(source: str):
        from movement.io import load_poses

        return load_poses.from_file(source, source_software=software)

    return load


def _movement_to_dlc(ds, out: str) -> None:
    from movement.io import save_poses

    save_poses.to_dlc_file(ds, out, split_individuals=False)


def _movement_to_analysis(ds, out: str) -> None:
    from movement.io import save_poses

    save_poses.to_sleap_analysis_file(ds, out)


def _sleap_io_to_analysis(labels, out: str) -> None:
    import sleap_io as sio

    sio.save_analysis_h5(labels, out)


WRITERS = {
    ("write-dlc-h5", "pandas"): Write(
        lambda p: __import__("pandas").read_hdf(p), _pandas_to_hdf, _output("_pandas.h5")
    ),
    ("write-dlc-h5", "poseio"): _poseio_write("_poseio.h5"),
    ("write-dlc-h5", "movement"): Write(_movement_load("DeepLabCut"), _movement_to_dlc, _output("_movement.h5")),
    ("write-analysis", "sleap-io"): Write(
        lambda p: __import__("sleap_io").load_analysis_h5(p), _sleap_io_to_analysis, _output("_sleap_io.analysis.h5")
    ),
    ("write-analysis", "poseio"): _poseio_write("_poseio.analysis.h5"),
    ("write-analysis", "movement"): Write(
        _movement_load("SLEAP"), _movement_to_analysis, _output("_movement.analysis.h5")
    ),
}

READERS = {
    ("dlc-h5", "pandas"): _pandas_h5,
    ("dlc-csv", "pandas"): _pandas_csv,
    ("dlc-h5", "movement"): _movement("DeepLabCut"),
    ("dlc-csv", "movement"): _movement("DeepLabCut"),
    ("analysis", "h5py"): _h5py_analysis,
    ("analysis", "movement"): _movement("SLEAP"),
    ("analysis", "sleap-io"): _sleap_io_analysis,
    ("slp", "h5py"): _h5py_slp,
    ("slp", "movement"): _movement("SLEAP"),
    ("slp", "sleap-io"): _sleap_io_slp,
    ("nwb", "h5py"): _h5py_nwb,
    ("nwb", "movement"): _movement_nwb,
    ("nwb", "pynwb"): _pynwb,
}
IMPORTS = {
    "pandas": "pandas",
    # poseio imports h5py (HDF5 files) and pandas (CSV) when a read first needs them, as the other
    # tools import them before their clocks start: so they are imported here too. poseio's own
    # plugin discovery, which its first load runs, stays inside the timing.
    "poseio": "poseio, h5py, pandas",
    "poseio-warm": "poseio, h5py, pandas",
    "movement": "movement.io.load_poses",
    "sleap-io": "sleap_io",
    "h5py": "h5py",
    "pynwb": "pynwb, ndx_pose",
}


def _discover_plugins() -> None:
    """poseio's first call loads its plugins (about 0.05 s): "poseio-warm" has that done before the clock."""
    import poseio

    poseio.formats()


def reader(case: str, tool: str):
    if case.startswith("write-"):
        return WRITERS[(case, tool)]
    if tool in ("poseio", "poseio-warm"):
        return _poseio
    return READERS[("nwb" if case.startswith("nwb") else case, tool)]


# -- the driver ------------------------------------------------------------------------------


def make_file(case: str, folder: Path, n_frames: int, n_tracks: int, n_nodes: int) -> Path:
    case = case.removeprefix("write-")
    name = {
        "dlc-h5": "videoDLC_resnet50.h5",
        "dlc-csv": "videoDLC_resnet50.csv",
        "analysis": "predictions.analysis.h5",
        "slp": "predictions.slp",
    }.get(case, "per_animal.nwb")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return path
    write = write_dlc if case.startswith("dlc") else write_nwb if case.startswith("nwb") else write_sleap
    write(path, n_frames, n_tracks, n_nodes)
    return path


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(lambda case, tool: reader(case, tool), IMPORTS, {"poseio-warm": _discover_plugins})
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--frames", type=int, help="frames (default: the case's)")
    parser.add_argument("--tracks", type=int, help="animals (default: the case's)")
    parser.add_argument("--nodes", type=int, help="nodes (default: the case's)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; every tool reads once per round")
    parser.add_argument("--tools", nargs="+", help="only these tools (the plain reader is always run)")
    parser.add_argument(
        "--warm", action="store_true", help='also time poseio with its plugins loaded before the clock ("poseio-warm")'
    )
    parser.add_argument(
        "--folder", type=Path, help="keep the files here, and read those already there (default: a temporary folder)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for case in args.cases:
            frames, tracks, nodes, tools = CASES[case]
            frames, tracks, nodes = args.frames or frames, args.tracks or tracks, args.nodes or nodes
            if args.warm and not case.startswith("write-"):
                tools = (*tools[:2], "poseio-warm", *tools[2:])
            if args.tools:
                tools = tuple(t for t in tools if t == tools[0] or t in args.tools)
            stored = case.removeprefix("write-")  # a write case writes what its read case reads
            path = make_file(case, folder / f"{stored}_{frames}_{tracks}_{nodes}", frames, tracks, nodes)
            runs = {tool: [] for tool in tools}
            for round_ in range(args.rounds):
                # Each round starts with another tool, so that none always reads a file another
                # process's reads have just pushed out of the page cache.
                for tool in tools[round_ % len(tools) :] + tools[: round_ % len(tools)]:
                    runs[tool].append(run_worker(Path(__file__), case, tool, path))
            size = path.stat().st_size / 1e6
            print(f"\n{case}: {frames:,} frames x {tracks} x {nodes}, {size:.0f} MB, {args.rounds} rounds")
            reference = tools[0]
            base = np.median([r["seconds"] for r in runs[reference]])
            base_bytes = runs[reference][0]["nbytes"]
            if case.startswith("write-"):
                # poseio.save syncs its file to disk before its clock stops; the others' files are synced
                # after theirs, and "+ sync" adds that time: the same work as poseio's.
                synced = np.median([r["seconds"] + r["sync"] for r in runs[reference]])
                print(f"{'tool':<10} {'median s':>9} {'ratio':>7} {'+ sync s':>9} {'ratio':>7}")
                for tool in tools:
                    seconds = float(np.median([r["seconds"] for r in runs[tool]]))
                    durable = float(np.median([r["seconds"] + r["sync"] for r in runs[tool]]))
                    ratios = f"{seconds / base:>6.2f}x {durable:>9.3f} {durable / synced:>6.2f}x"
                    print(f"{tool:<10} {seconds:>9.3f} {ratios}")
                continue
            print(f"{'tool':<10} {'median s':>9} {'ratio':>7} {'peak MB':>8} {'/ arrays':>9}")
            for tool in tools:
                seconds = float(np.median([r["seconds"] for r in runs[tool]]))
                peak = float(np.median([r["peak"] for r in runs[tool]]))
                ratios = f"{seconds / base:>6.2f}x {peak / 1e6:>8.0f} {peak / base_bytes:>8.2f}x"
                print(f"{tool:<10} {seconds:>9.3f} {ratios}")
            print(f"({reference}'s arrays: {base_bytes / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
