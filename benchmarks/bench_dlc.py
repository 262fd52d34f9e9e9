"""DeepLabCut speed: poseio's load + numpy() against pandas, DeepLabCut's own reader, on files pandas wrote.

    python benchmarks/bench_dlc.py                         # 100,000 frames x 1 animal x 20 bodyparts
    python benchmarks/bench_dlc.py --frames 10000 --repeats 3

Builds single-animal predictions (x, y, likelihood) as a pandas frame with
DeepLabCut's columns and writes it as DeepLabCut does: ``to_csv`` and
``to_hdf(key="df_with_missing", format="table")`` (PyTables must be
installed: ``pip install tables``). DeepLabCut's own analysis gives every
bodypart a position in every frame (an unsure one has a low likelihood), so
those files have no missing value; a second pair, with 5% of the points
missing (NaN, as after ``filterpredictions`` or in labelled data), is timed
too. poseio must read the same numbers
as pandas; then each measure is timed alternately with the others and the
medians are printed with their ratio to pandas (target <= 1.0). DeepLabCut
reads its results with ``pandas.read_csv(header=[0, 1, 2], index_col=0)`` and
``pandas.read_hdf``; poseio's time includes ``labels.numpy()``.
A ``format="fixed"`` file (what poseio writes) is timed for reference.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import poseio
from _common import median_times, report


def make_frame(n_frames: int, n_bodyparts: int, missing: float) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    columns = pd.MultiIndex.from_product(
        [
            ["DLC_resnet50_benchJan1shuffle1_100000"],
            [f"bodypart{i}" for i in range(n_bodyparts)],
            ["x", "y", "likelihood"],
        ],
        names=["scorer", "bodyparts", "coords"],
    )
    values = rng.random((n_frames, n_bodyparts, 3)) * [640.0, 480.0, 1.0]
    values[rng.random((n_frames, n_bodyparts)) < missing, :2] = np.nan
    return pd.DataFrame(values.reshape(n_frames, -1), columns=columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--bodyparts", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    measures: dict = {}
    checks = []
    with tempfile.TemporaryDirectory() as folder:
        for missing in (0.0, 0.05):
            frame = make_frame(args.frames, args.bodyparts, missing)
            expected = frame.to_numpy().reshape(args.frames, 1, args.bodyparts, 3)
            tag = "" if missing == 0 else f", {missing:.0%} missing"
            csv, table, fixed = (Path(folder, f"videoDLC_{missing}{end}") for end in (".csv", ".h5", "_fixed.h5"))
            frame.to_csv(csv)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PyTables' performance warnings
                frame.to_hdf(table, key="df_with_missing", format="table", mode="w")
                frame.to_hdf(fixed, key="df_with_missing", mode="w")
            for path in (csv, table, fixed):
                points, scores = poseio.load(path).numpy(return_scores=True)
                assert np.array_equal(points, expected[..., :2], equal_nan=True), f"poseio misreads {path.name}"
                assert np.array_equal(scores, expected[..., 2]), f"poseio misreads {path.name}'s likelihoods"
            for what, path, reference in (
                (f".csv{tag}", csv, lambda p=csv: pd.read_csv(p, header=[0, 1, 2], index_col=0)),
                (f".h5 table{tag}", table, lambda p=table: pd.read_hdf(p)),
                (f".h5 fixed{tag}", fixed, lambda p=fixed: pd.read_hdf(p)),
            ):
                measures[f"poseio {what}"] = lambda p=path: poseio.load(p).numpy()
                measures[f"pandas {what}"] = reference
                checks.append((what, "fixed" not in what))
        times = median_times(measures, args.repeats)
    print(
        f"{args.frames} frames x 1 animal x {args.bodyparts} bodyparts, median of {args.repeats}; "
        f"pandas {pd.__version__}"
    )
    report(
        [
            (f"{what} load+numpy vs pandas", times[f"poseio {what}"], times[f"pandas {what}"], 1.0 if target else None)
            for what, target in checks
        ]
    )


if __name__ == "__main__":
    main()
