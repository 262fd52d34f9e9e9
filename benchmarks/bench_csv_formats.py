"""Lightning Pose and Anipose CSV reading speed: poseio against pandas, the producers' own reader.

    python benchmarks/bench_csv_formats.py                          # 100,000 frames x 20 bodyparts
    python benchmarks/bench_csv_formats.py --frames 10000 --bodyparts 50 --repeats 9

Both tools read their tables with pandas: Lightning Pose documents
``pandas.read_csv(path, header=[0, 1, 2], index_col=0)`` for its CSVs, and
Anipose reads pose-3d files with ``pandas.read_csv(path)``. The files are
written here by hand in the producers' layouts (values printed by repr, as
pandas' ``to_csv`` prints float64), with 2 % of the points missing. Prints the
median of --repeats runs of ``poseio.load(path)`` + ``labels.numpy()`` and of
the reference, measured alternately, and their ratio (target <= 1).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import poseio
from _common import median_times, report


def _rows(index: np.ndarray, values: np.ndarray) -> str:
    lines = (f"{i}," + ",".join(map(repr, row)).replace("nan", "") for i, row in zip(index.tolist(), values.tolist()))
    return "\n".join(lines) + "\n"


def write_lightning_pose(path: Path, n_frames: int, n_parts: int, rng: np.random.Generator) -> None:
    """A ``litpose predict`` CSV: scorer heatmap_tracker, x / y / likelihood per bodypart."""
    parts = [f"bodypart_{i}" for i in range(n_parts)]
    # Model outputs are float32, printed as float64 (100.25145721435547), as in Lightning Pose's files.
    values = (rng.random((n_frames, n_parts, 3)) * [640, 480, 1]).astype(np.float32).astype(np.float64)
    values[rng.random((n_frames, n_parts)) < 0.02, :2] = np.nan
    header = [
        ",".join(["scorer", *["heatmap_tracker"] * (3 * n_parts)]),
        ",".join(["bodyparts", *[p for p in parts for _ in range(3)]]),
        ",".join(["coords", *["x", "y", "likelihood"] * n_parts]),
    ]
    path.write_text("\n".join(header) + "\n" + _rows(np.arange(n_frames), values.reshape(n_frames, -1)))


def write_anipose(path: Path, n_frames: int, n_parts: int, rng: np.random.Generator) -> None:
    """An ``anipose triangulate`` CSV: six columns per bodypart, then M_00..M_22, center_0..2, fnum."""
    names = [f"bodypart_{i}_{f}" for i in range(n_parts) for f in ("x", "y", "z", "error", "ncams", "score")]
    names += [f"M_{i}{j}" for i in range(3) for j in range(3)] + [f"center_{i}" for i in range(3)]
    values = rng.normal(size=(n_frames, n_parts, 6)) * 50
    values[..., 4] = 3.0
    values[..., 5] = rng.random((n_frames, n_parts))
    values[rng.random((n_frames, n_parts)) < 0.02, :] = np.nan
    fixed = np.tile(np.r_[np.eye(3).ravel(), np.zeros(3)], (n_frames, 1))
    block = np.concatenate([values.reshape(n_frames, -1), fixed], axis=1)
    # fnum is the last column: write it first and move it, so that the row writer stays one call.
    lines = _rows(np.arange(n_frames), block).splitlines()
    body = "\n".join(line.partition(",")[2] + "," + line.partition(",")[0] for line in lines) + "\n"
    path.write_text(",".join([*names, "fnum"]) + "\n" + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--bodyparts", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        lp, ap = Path(folder) / "video.csv", Path(folder) / "trial_pose-3d.csv"
        write_lightning_pose(lp, args.frames, args.bodyparts, rng)
        write_anipose(ap, args.frames, args.bodyparts, rng)
        for path, expected in ((lp, "lightning-pose"), (ap, "anipose")):
            labels = poseio.load(path)
            assert labels.provenance["format"] == expected, labels.provenance["format"]
            assert labels.numpy().shape[:3] == (args.frames, 1, args.bodyparts)
        # Check the two readers agree before timing them.
        ours = poseio.load(lp).numpy()[:, 0]
        theirs = pd.read_csv(lp, header=[0, 1, 2], index_col=0).to_numpy().reshape(args.frames, -1, 3)[..., :2]
        assert np.array_equal(ours, theirs, equal_nan=True)
        # Each format's pair is timed on its own, alternating poseio and pandas.
        times = median_times(
            {
                "lp poseio": lambda: poseio.load(lp).numpy(),
                "lp pandas": lambda: pd.read_csv(lp, header=[0, 1, 2], index_col=0),
            },
            args.repeats,
        )
        times |= median_times(
            {"anipose poseio": lambda: poseio.load(ap).numpy(), "anipose pandas": lambda: pd.read_csv(ap)},
            args.repeats,
        )
        size = f"{args.frames:,} frames x {args.bodyparts} bodyparts"
        print(f"{lp.stat().st_size / 1e6:.0f} MB Lightning Pose CSV, {ap.stat().st_size / 1e6:.0f} MB Anipose CSV")
        report(
            [
                (f"lightning-pose load+numpy ({size})", times["lp poseio"], times["lp pandas"], 1.0),
                (f"anipose load+numpy ({size})", times["anipose poseio"], times["anipose pandas"], 1.0),
            ]
        )


if __name__ == "__main__":
    main()
