"""Frame access: 100 random frames of a 1,100-frame clip, against a full PyAV decode and sleap-io's Video.

Cases, alternating in one run on the same file (../shared/corpus/video/centered_pair_low_quality.mp4,
or a path given as the first argument):

- ``poseio random``: ``video[i]`` for 100 random frame numbers, one call each (a fresh Video each run);
- ``poseio video[picks]``: the same 100 frames in one call (served in file order, one pass);
- ``pyav full decode``: the reference, a plain PyAV loop over every frame (what any frame-accurate
  reader without seeking must do to reach the last frame);
- ``sleap-io random``: ``sleap_io.Video(path)[i]`` for the same frames, when sleap-io is installed;
- ``poseio sequential``: every frame in order through ``video[i]``, against the same full decode.

Prints each median and its ratio to the full decode. Run: ``python benchmarks/bench_frames.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import median_times

CORPUS_VIDEO = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "video" / "centered_pair_low_quality.mp4"


def main() -> None:
    import av
    import poseio

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS_VIDEO
    if not path.exists():
        raise SystemExit(f"{path} is absent: give a video file as the first argument")
    with av.open(str(path)) as container:
        n = container.streams.video[0].frames or sum(1 for _ in container.decode(video=0))
    picks = np.random.default_rng(0).choice(n, 100, replace=False).tolist()

    def poseio_random():
        video = poseio.Video(str(path))
        frames = [video[i] for i in picks]
        video.close()
        return frames

    def poseio_batch():
        video = poseio.Video(str(path))
        frames = video[picks]
        video.close()
        return frames

    def poseio_sequential():
        video = poseio.Video(str(path))
        frames = [video[i].sum() for i in range(len(video))]
        video.close()
        return frames

    def pyav_full():
        with av.open(str(path)) as container:
            return [f.to_ndarray(format="rgb24").sum() for f in container.decode(video=0)]

    cases = {
        "pyav full decode": pyav_full,
        "poseio random": poseio_random,
        "poseio video[picks]": poseio_batch,
        "poseio sequential": poseio_sequential,
    }
    try:
        import sleap_io

        def sleap_io_random():
            video = sleap_io.Video(str(path))
            frames = [video[i] for i in picks]
            video.close()
            return frames

        cases["sleap-io random"] = sleap_io_random
    except ImportError:
        print("sleap-io is not installed: its column is left out")
    times = median_times(cases, repeats=5)
    reference = times["pyav full decode"]
    print(f"{path.name}: {n} frames; 100 random frames vs every frame decoded in order")
    for name, seconds in times.items():
        print(f"  {name:<20} {seconds:7.3f} s  {seconds / reference:5.2f}x the full decode")


if __name__ == "__main__":
    main()
