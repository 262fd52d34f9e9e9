"""Degenerate clocks that real producers write keep every pose and invent no time.

sleap-io 0.9.5's NWB writer computes a series' rate as ``float(int(1 / period))``:
a track whose samples are evenly spaced more than one frame apart (frame indices
stored as seconds) gets ``starting_time`` with rate 0.0. Only the first sample's
time is then known. The files here are written by sleap-io itself, in its own
process, and every value poseio returns is compared with h5py's reading of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from fresh_process import run_fresh

pytest.importorskip("sleap_io", reason="sleap-io 0.9.5 is in requirements-dev.txt; install it to run these checks")

NODES = ("head", "thorax", "tail")
#: Each track's frames, and the frames where its tail is hidden.
TRACKS = {
    "sparse": (range(2, 14, 3), ()),  # every third frame: rate 0.0 for every node
    "gappy": (range(0, 20, 4), (8,)),  # every fourth frame, tail hidden once: its tail series is not even
    "pair": ((3, 9), ()),  # two samples six frames apart: rate 0.0
    "steady": (range(0, 16), ()),  # every frame: rate 1.0
}
MODULE = "/processing/SLEAP_VIDEO_000_cam"

SLEAP_IO_WRITER = f"""
import sys
import numpy as np
import sleap_io as sio

rng = np.random.default_rng(3)
skeleton = sio.Skeleton({list(NODES)!r}, name="fly")
video = sio.Video(filename="/data/session/cam.mp4")
tracks = {{name: sio.Track(name) for name in {list(TRACKS)!r}}}
frames = {{}}
for name, (where, hidden) in { ({k: (list(v[0]), list(v[1])) for k, v in TRACKS.items()})!r}.items():
    for f in where:
        points = rng.random((3, 2)) * 100
        if f in hidden:
            points[2] = np.nan
        instance = sio.PredictedInstance.from_numpy(
            points, skeleton=skeleton, track=tracks[name], point_scores=rng.random(3), score=0.5
        )
        frames.setdefault(f, []).append(instance)
labels = sio.Labels(
    [sio.LabeledFrame(video=video, frame_idx=f, instances=i) for f, i in sorted(frames.items())],
    skeletons=[skeleton], videos=[video], tracks=list(tracks.values()),
)
sio.save_nwb(labels, sys.argv[1])
"""


def _series(path: Path) -> dict[str, dict]:
    """Every PoseEstimationSeries of a file, read with h5py: data, confidence and clock."""
    found = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and obj.attrs.get("neurodata_type") == "PoseEstimationSeries":
                clock = (
                    {"timestamps": obj["timestamps"][()]}
                    if "timestamps" in obj
                    else {"starting_time": obj["starting_time"][()], "rate": obj["starting_time"].attrs["rate"]}
                )
                found["/" + name] = {"data": obj["data"][()], "confidence": obj["confidence"][()], **clock}

        f.visititems(visit)
    return found


@pytest.fixture(scope="module")
def sleap_io_file(tmp_path_factory) -> Path:
    """A file written by sleap-io 0.9.5's own NWB writer, with series of rate 0.0 over several samples."""
    path = tmp_path_factory.mktemp("sleap_io") / "flies.nwb"
    done = subprocess.run(
        [sys.executable, "-c", SLEAP_IO_WRITER, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    series = _series(path)
    # What sleap-io wrote, checked here so that the tests below test what they say.
    zero = {name for name, s in series.items() if "rate" in s and s["rate"] == 0.0 and len(s["data"]) >= 2}
    expected = {f"{MODULE}/track={t}/{n}" for t in ("sparse", "pair") for n in NODES}
    expected |= {f"{MODULE}/track=gappy/{n}" for n in ("head", "thorax")}
    assert zero == expected
    assert "timestamps" in series[f"{MODULE}/track=gappy/tail"]
    assert series[f"{MODULE}/track=steady/head"]["rate"] == 1.0
    return path


POSEIO_READER = """
import io, json, logging, sys
import numpy as np
import poseio

log = io.StringIO()
logging.getLogger("poseio").addHandler(logging.StreamHandler(log))
labels = poseio.load(sys.argv[1])
points, scores = labels.numpy(return_scores=True)
rows = {}
for t, track in enumerate(labels.tracks):
    for n, node in enumerate(labels.skeletons[0].node_names):
        seen = np.flatnonzero(np.isfinite(points[:, t, n, 0]))
        rows[f"{track.name}/{node}"] = {
            "frames": seen.tolist(), "points": points[seen, t, n].tolist(), "scores": scores[seen, t, n].tolist()
        }
print(json.dumps({
    "rows": rows,
    "warnings": log.getvalue(),
    "untimed": labels.provenance.get("untimed_series"),
    "notes": labels.provenance.get("notes"),
}))
"""


def _load_fresh(path: Path) -> dict:
    code = f"import sys\nsys.argv[1:] = [{str(path)!r}]\n" + POSEIO_READER
    return json.loads(run_fresh(code).stdout.strip().splitlines()[-1])


def _placement(start: float, n: int, timed: set[int]) -> list[int]:
    """The documented placement: the first sample at its time, the others on the next frames the animal's
    timed series leave free."""
    frames, f = [int(start)], int(start)
    while len(frames) < n:
        f += 1
        if f not in timed:
            frames.append(f)
    return frames


def test_a_sleap_io_series_of_rate_zero_keeps_every_sample_in_order(sleap_io_file):
    found = _load_fresh(sleap_io_file)
    series = _series(sleap_io_file)
    for name, s in series.items():
        track, node = name.removeprefix(f"{MODULE}/track=").split("/")
        got = found["rows"][f"{track}/{node}"]
        # Every sample of the file, in the file's order, with its confidence: none merged, none dropped.
        np.testing.assert_array_equal(np.array(got["points"]), s["data"])
        np.testing.assert_array_equal(np.array(got["scores"]), s["confidence"])
        if "timestamps" in s:
            assert got["frames"] == s["timestamps"].astype(int).tolist()  # frame indices stored as seconds
        elif s["rate"] == 1.0:
            assert got["frames"] == (s["starting_time"] + np.arange(len(s["data"]))).astype(int).tolist()
        else:
            timed = {
                int(t)
                for other, o in series.items()
                if other.startswith(f"{MODULE}/track={track}/") and "timestamps" in o
                for t in o["timestamps"]
            }
            assert got["frames"] == _placement(s["starting_time"], len(s["data"]), timed), name
    # The warning names every such series and says their times are unknown beyond the first.
    zero = [name for name, s in series.items() if s.get("rate") == 0.0]
    for name in zero:
        assert name in found["warnings"]
    assert "only their first sample has a time" in found["warnings"]
    assert sorted(e["series"] for e in found["untimed"]) == sorted(zero)
    assert all(any(note.startswith(name + ": rate 0.0") for note in found["notes"]) for name in zero)


def test_no_pose_joins_a_sample_of_unknown_time_to_points_of_known_time(sleap_io_file):
    # gappy's head and thorax have rate 0.0; its tail has timestamps. A placed head sample must not
    # share a frame with a tail point (one pose made of two times), except at the first sample's frame.
    found = _load_fresh(sleap_io_file)
    head = set(found["rows"]["gappy/head"]["frames"])
    tail = set(found["rows"]["gappy/tail"]["frames"])
    first = int(_series(sleap_io_file)[f"{MODULE}/track=gappy/head"]["starting_time"])
    assert head & tail == {first}


def test_nwb_to_nwb_writes_the_rate_zero_clock_back(sleap_io_file, tmp_path):
    out = tmp_path / "copy.nwb"
    run_fresh(f"poseio.save(poseio.load({str(sleap_io_file)!r}), {str(out)!r})")
    before, after = _series(sleap_io_file), _series(out)
    for name, s in before.items():
        copy = after[name]  # the container and series keep their names
        if s.get("rate") == 0.0:
            assert copy["rate"] == 0.0 and copy["starting_time"] == s["starting_time"], name
            np.testing.assert_array_equal(copy["data"], s["data"])
            np.testing.assert_array_equal(copy["confidence"], s["confidence"])
            continue
        # Timed series: the same points at the same times (rows without a point may be added).
        times = s["timestamps"] if "timestamps" in s else s["starting_time"] + np.arange(len(s["data"])) / s["rate"]
        copied = (
            copy["timestamps"]
            if "timestamps" in copy
            else copy["starting_time"] + np.arange(len(copy["data"])) / copy["rate"]
        )
        visible = np.isfinite(copy["data"][:, 0])
        np.testing.assert_array_equal(copied[visible], times)
        np.testing.assert_array_equal(copy["data"][visible], s["data"])
    # And loading the copy gives what loading the original gave.
    assert _load_fresh(out)["rows"] == _load_fresh(sleap_io_file)["rows"]


def test_a_pose_added_outside_the_placed_frames_is_refused_naming_the_series(sleap_io_file, tmp_path):
    out = tmp_path / "more.nwb"
    code = f"""
    import numpy as np
    labels = poseio.load({str(sleap_io_file)!r})
    skeleton, track = labels.skeletons[0], next(t for t in labels.tracks if t.name == "sparse")
    points = np.full((len(skeleton), 2), 7.0)
    labels.labeled_frames.append(
        poseio.LabeledFrame(labels.videos[0], 40, [poseio.PredictedInstance(points, skeleton, track)])
    )
    try:
        poseio.save(labels, {str(out)!r})
    except poseio.InvalidLabelsError as exc:
        print(exc)
    else:
        raise AssertionError("saved")
    """
    message = run_fresh(code).stdout
    assert f"{MODULE}/track=sparse/" in message and "rate of 0.0" in message and "frames 40" in message
    assert not out.exists()


def test_instance_scores_of_a_rate_zero_container_keep_its_clock(sleap_io_file, tmp_path):
    # sleap-io keeps no instance scores in NWB; a user who adds them to the poses of a track read
    # with rate 0.0 gets them stored on that track's clock, and read back on the same poses.
    out = tmp_path / "scored.nwb"
    code = f"""
    import json
    labels = poseio.load({str(sleap_io_file)!r})
    scores = {{}}
    for lf in labels.labeled_frames:
        for instance in lf.instances:
            if instance.track.name == "sparse":
                instance.score = 0.25 + lf.frame_idx / 100
                scores[lf.frame_idx] = instance.score
    poseio.save(labels, {str(out)!r})
    back = poseio.load({str(out)!r})
    found = {{
        lf.frame_idx: i.score for lf in back.labeled_frames for i in lf.instances if i.track.name == "sparse"
    }}
    print(json.dumps({{"given": scores, "read": found}}))
    """
    result = json.loads(run_fresh(code).stdout.strip().splitlines()[-1])
    assert result["read"] == result["given"]
    with h5py.File(out, "r") as f:
        series = f[f"{MODULE}/track=sparse_instance_scores"]
        assert series["starting_time"].attrs["rate"] == 0.0
        assert series["starting_time"][()] == f[f"{MODULE}/track=sparse/head/starting_time"][()]
        np.testing.assert_array_equal(series["data"][:, 0], [result["given"][k] for k in sorted(result["given"])])


def test_a_score_on_a_placed_pose_beside_timed_series_is_refused(sleap_io_file, tmp_path):
    # gappy's tail is timed, its head and thorax are not: a score of a pose on a frame where only
    # untimed samples were placed has no time NWB could store it at.
    out = tmp_path / "scored.nwb"
    code = f"""
    labels = poseio.load({str(sleap_io_file)!r})
    first = min(lf.frame_idx for lf in labels.labeled_frames for i in lf.instances if i.track.name == "gappy")
    for lf in labels.labeled_frames:
        for instance in lf.instances:
            if instance.track.name == "gappy" and lf.frame_idx == first + 1:
                instance.score = 0.5
    try:
        poseio.save(labels, {str(out)!r})
    except poseio.InvalidLabelsError as exc:
        print(exc)
    else:
        raise AssertionError("saved")
    """
    message = run_fresh(code).stdout
    assert "rate 0.0" in message and "set those scores to NaN" in message
    assert not out.exists()
