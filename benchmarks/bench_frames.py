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

Then the frames a pose file embeds (``--embedded``, or after the video cases): every image of the
corpus's ``sio095_user_labels_embedded.pkg.slp`` (10 PNG frames, 384 x 384 grey), read

- ``h5py + Pillow``: the reference, each row read with h5py and decoded with Pillow (the file open once);
- ``poseio video[f]``: ``video[f]`` for each frame, on a video of labels loaded beforehand (a fresh
  Video's reader each run: the file is opened on the first frame);
- ``poseio video[frames]``: the same frames in one call;
- ``sleap-io video[f]``: ``sleap_io.load_slp(path).videos[0][f]``, loaded beforehand, when installed.

``--remote``: the same 100 frames in one call (``video[picks]``), of the clip served by a loopback
server with Range requests (``poseio.testing.RangeServer``), against the local file; each run opens
the video afresh (the remote one reads every packet once to number the frames). Prints the bytes
fetched per run too.

``--package``: writing a ``.pkg.slp`` of labels on 100 frames of the clip (one instance each), the
frames read from the video and embedded as PNG: ``poseio.save(labels, "x.pkg.slp")`` against
sleap-io's ``save_slp(labels, path, embed="user")`` on the same labels and video (its imageio plugin).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import median_times

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_VIDEO = CORPUS / "video" / "centered_pair_low_quality.mp4"
CORPUS_PACKAGE = CORPUS / "formats" / "sio095_user_labels_embedded.pkg.slp"


def embedded(path: Path = CORPUS_PACKAGE) -> None:
    """Every image a SLEAP package embeds: poseio's ``video[f]`` against h5py + Pillow."""
    import io

    import h5py
    import PIL.Image
    import poseio

    if not path.exists():
        print(f"{path} is absent: the embedded-frames cases are left out")
        return
    with h5py.File(path, "r") as f:
        numbers = f["video0/frame_numbers"][()].tolist()

    def h5py_pillow():
        with h5py.File(path, "r") as f:
            rows = f["video0/video"]
            return [np.asarray(PIL.Image.open(io.BytesIO(rows[i].tobytes()))) for i in range(len(numbers))]

    labels = poseio.load(path)

    def poseio_each():
        video = labels.videos[0]
        frames = [video[n] for n in numbers]
        video.close()
        return frames

    def poseio_batch():
        video = labels.videos[0]
        frames = video[numbers]
        video.close()
        return frames

    cases = {"h5py + Pillow": h5py_pillow, "poseio video[f]": poseio_each, "poseio video[frames]": poseio_batch}
    try:
        import sleap_io

        theirs = sleap_io.load_slp(str(path)).videos[0]
        cases["sleap-io video[f]"] = lambda: [theirs[n] for n in numbers]
    except ImportError:
        print("sleap-io is not installed: its column is left out")
    times = median_times(cases, repeats=20)
    reference = times["h5py + Pillow"]
    print(f"{path.name}: {len(numbers)} embedded PNG frames, each read once")
    for name, seconds in times.items():
        print(f"  {name:<22} {seconds * 1000:7.2f} ms  {seconds / reference:5.2f}x h5py + Pillow")


def _picks(path: Path, count: int = 100) -> list[int]:
    import av

    with av.open(str(path)) as container:
        n = container.streams.video[0].frames or sum(1 for _ in container.decode(video=0))
    return sorted(np.random.default_rng(0).choice(n, count, replace=False).tolist())


def remote(path: Path = CORPUS_VIDEO) -> None:
    """100 frames of a video at a URL (loopback HTTP) against the same frames of the local file."""
    import poseio
    from poseio.testing import RangeServer

    picks = _picks(path)

    def read(name: str):
        video = poseio.Video(name)
        frames = video[picks]
        video.close()
        return frames

    with RangeServer() as server:
        url = server.serve(path)
        assert np.array_equal(read(url), read(str(path)))
        before = server.bytes_sent
        read(url)
        fetched = server.bytes_sent - before
        times = median_times(
            {"local video[picks]": lambda: read(str(path)), "remote video[picks]": lambda: read(url)}, 5
        )
    reference = times["local video[picks]"]
    print(f"{path.name} ({path.stat().st_size / 1e6:.1f} MB) over loopback HTTP: 100 frames in one call")
    for name, seconds in times.items():
        print(f"  {name:<20} {seconds:7.3f} s  {seconds / reference:5.2f}x the local file")
    print(f"  fetched per remote run: {fetched / 1e6:.1f} MB")


def package(path: Path = CORPUS_VIDEO) -> None:
    """Writing a .pkg.slp whose 100 labelled frames are read from the video: poseio against sleap-io."""
    import tempfile

    import poseio
    import sleap_io

    picks = _picks(path)
    points = np.random.default_rng(1).uniform(10, 300, (len(picks), 1, 2, 2))
    labels = poseio.Labels.from_numpy(
        points, video=poseio.Video(str(path)), skeleton=poseio.Skeleton(["a", "b"]), frame_inds=picks
    )
    theirs = labels.to_sleap_io()
    for frame in theirs.labeled_frames:  # user instances: what embed="user" embeds
        frame.instances = [sleap_io.Instance.from_numpy(i.numpy(), skeleton=i.skeleton) for i in frame.instances]
    with tempfile.TemporaryDirectory() as folder:
        ours_path, theirs_path = Path(folder) / "ours.pkg.slp", Path(folder) / "theirs.pkg.slp"
        cases = {
            "sleap-io save_slp": lambda: sleap_io.save_slp(
                theirs, str(theirs_path), embed="user", verbose=False, plugin="imageio"
            ),
            "poseio save": lambda: poseio.save(labels, ours_path),
        }
        times = median_times(cases, 3)
        sizes = {"sleap-io save_slp": theirs_path.stat().st_size, "poseio save": ours_path.stat().st_size}
    reference = times["sleap-io save_slp"]
    print(f"{path.name}: a .pkg.slp of {len(picks)} labelled frames, read from the video and embedded as PNG")
    for name, seconds in times.items():
        print(f"  {name:<18} {seconds:7.3f} s  {seconds / reference:5.2f}x sleap-io  {sizes[name] / 1e6:6.2f} MB")


def main() -> None:
    import av
    import poseio

    if sys.argv[1:] == ["--embedded"]:
        embedded()
        return
    if sys.argv[1:] == ["--remote"]:
        remote()
        return
    if sys.argv[1:] == ["--package"]:
        package()
        return
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
    embedded()


if __name__ == "__main__":
    main()
