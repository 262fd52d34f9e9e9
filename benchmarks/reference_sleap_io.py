"""Time sleap-io 0.9.5 on the annotations benchmark's case, for a same-machine reference.

sleap-io is not a poseio dependency: run this in a scratch environment.

    python -m venv /tmp/sio && /tmp/sio/bin/pip install "sleap-io==0.9.5"
    /tmp/sio/bin/python benchmarks/reference_sleap_io.py --frames 10000

It builds the same data as ``bench_annotations.py`` (frames x 2 tracked
user instances x 15 nodes, 5% of points hidden), on a real clip because
sleap-io's writer needs one, and times sleap-io's NWB annotations save and
load once each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import sleap_io as sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=15)
    parser.add_argument(
        "--video",
        default="../shared/corpus/video/centered_pair_low_quality.mp4",
        help="a real clip: sleap-io's NWB writer needs a video it can open",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    points = rng.random((args.frames, args.instances, args.nodes, 2)) * 500
    points[rng.random(points.shape[:3]) < 0.05] = np.nan
    skeleton = sio.Skeleton([f"node_{i}" for i in range(args.nodes)], name="animal")
    video = sio.Video.from_filename(args.video)
    tracks = [sio.Track(f"animal_{i}") for i in range(args.instances)]
    frames = [
        sio.LabeledFrame(
            video=video,
            frame_idx=int(3 * f),
            instances=[
                sio.Instance.from_numpy(points[f, k], skeleton=skeleton, track=tracks[k]) for k in range(args.instances)
            ],
        )
        for f in range(args.frames)
    ]
    labels = sio.Labels(frames, videos=[video], skeletons=[skeleton], tracks=tracks)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "sleap_io.nwb")
        start = time.perf_counter()
        sio.save_nwb(labels, path, nwb_format="annotations")
        saved = time.perf_counter() - start
        start = time.perf_counter()
        loaded = sio.load_nwb(str(path))
        load_time = time.perf_counter() - start
    print(
        f"sleap-io {sio.__version__}: {args.frames} frames x {args.instances} x {args.nodes}: "
        f"save {saved:.1f} s, load {load_time:.1f} s ({len(loaded)} frames back)"
    )


if __name__ == "__main__":
    main()
