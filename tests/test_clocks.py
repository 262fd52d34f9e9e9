"""Degenerate clocks that real producers (or damage) write: read exactly, or refuse naming the series.

No rule here may let two poses collapse onto one frame, and ``save`` never
writes a clock that would make them collapse.
"""

from __future__ import annotations

import h5py
import numpy as np
import poseio
import pytest
from nwb_helpers import predictions

CONTAINER = "/processing/behavior/PoseEstimation_m1"


@pytest.fixture
def nwb(tmp_path):
    path = tmp_path / "poses.nwb"
    # No video rate, so that each series' own timing decides the frames.
    labels = predictions(n_frames=6, tracks=("m1", "m2"))  # m1 has a pose in each of the 6 frames
    poseio.save(labels, path)
    with h5py.File(path, "a") as f:
        del f["/processing/behavior/poseio_metadata"]  # poseio's record of the video's rate
        for name in ("source_video", "original_videos"):  # original_videos when the video file was not found
            if name in f[CONTAINER]:
                del f[CONTAINER][name]
        del f[CONTAINER + "_instance_scores"]  # its timestamps link to the series' ones
        for name in ("PoseEstimation_m2", "PoseEstimation_m2_instance_scores"):
            del f["/processing/behavior"][name]
        for name in list(f["/acquisition"]):
            del f["/acquisition"][name]
    return path


def _set_timing(path, *, timestamps=None, start=None, rate=None, rows=None) -> None:
    """Give every series of the container the same new timing (and keep ``rows`` rows)."""
    with h5py.File(path, "a") as f:
        # Series share timestamps through soft links: unlink them all before any is replaced.
        names = [n for n in f[CONTAINER] if isinstance(f[CONTAINER].get(n, getlink=True), h5py.HardLink)]
        groups = [f[CONTAINER][n] for n in names if isinstance(f[CONTAINER][n], h5py.Group)]
        for series in groups:
            for name in ("timestamps", "starting_time"):
                if name in series:
                    del series[name]
        for series in groups:
            if rows is not None:
                for name in ("data", "confidence"):
                    if name in series:
                        values = series[name][:rows]
                        del series[name]
                        series[name] = values
            if timestamps is not None:
                series["timestamps"] = np.asarray(timestamps, dtype=np.float64)
            else:
                series["starting_time"] = start
                series["starting_time"].attrs["rate"] = rate
                series["starting_time"].attrs["unit"] = "seconds"


def _series_data(path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {name: g["data"][()] for name, g in f[CONTAINER].items() if isinstance(g, h5py.Group) and "data" in g}


def test_rate_zero_on_a_one_sample_series_is_read(nwb):
    # sleap-io 0.9.5 writes a track seen in one frame as one sample with rate 0.0.
    _set_timing(nwb, start=2.0, rate=0.0, rows=1)
    labels = poseio.load(nwb)
    assert labels.n_predicted_instances == 1
    points = labels.labeled_frames[0].instances[0].numpy()
    expected = _series_data(nwb)
    for i, node in enumerate(labels.skeletons[0].node_names):
        np.testing.assert_array_equal(points[i], expected[node][0])


def test_rate_zero_on_several_samples_keeps_every_sample_in_order(nwb, caplog):
    # sleap-io 0.9.5 writes rate 0.0 for samples evenly spaced more than one second apart: only the
    # first has a time. Every sample is kept, in the file's order, from the first one's frame
    # (tests/test_producer_clocks.py checks this on sleap-io's own files).
    _set_timing(nwb, start=4.0, rate=0.0)
    with caplog.at_level("WARNING", logger="poseio"):
        labels = poseio.load(nwb)
    expected = _series_data(nwb)
    rows = labels.numpy()
    for i, node in enumerate(labels.skeletons[0].node_names):
        seen = np.flatnonzero(np.isfinite(rows[:, 0, i, 0]))
        np.testing.assert_array_equal(rows[seen, 0, i], expected[node][np.isfinite(expected[node][:, 0])])
    assert [lf.frame_idx for lf in labels.labeled_frames] == [4, 5, 6, 7, 8, 9]
    assert f"{CONTAINER}/" in caplog.text and "only their first sample has a time" in caplog.text
    assert labels.videos[0].timestamps[4] == 4.0


@pytest.mark.parametrize("rate", [-30.0, float("nan"), float("inf")])
def test_meaningless_rates_on_several_samples_are_refused(nwb, rate):
    _set_timing(nwb, start=0.0, rate=rate)
    with pytest.raises(poseio.ReadError, match=f"{CONTAINER}/.*rate of {rate}"):
        poseio.load(nwb)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_timestamps_are_refused(nwb, bad):
    _set_timing(nwb, timestamps=[0.0, 0.1, bad, 0.3, 0.4, 0.5])
    with pytest.raises(poseio.ReadError, match=f"{CONTAINER}/.*NaN or infinite.*row 2"):
        poseio.load(nwb)


def test_duplicate_timestamps_are_refused_not_merged(nwb):
    _set_timing(nwb, timestamps=[0.0, 0.1, 0.1, 0.2, 0.3, 0.4])
    with pytest.raises(poseio.ReadError, match=f"{CONTAINER}/.*fall on a frame another row already has"):
        poseio.load(nwb)


def test_steps_below_one_frame_of_the_video_clock_are_refused(tmp_path):
    # The video says 30 Hz; the series puts 240 poses within 24 ms. Mapped to frames they would
    # collapse onto one frame each (240 instances -> 2), so the file is refused instead.
    path = tmp_path / "p.nwb"
    poseio.save(predictions(n_frames=240, tracks=("m1",)), path)
    with h5py.File(path, "a") as f:
        for series in f["/processing/behavior/PoseEstimation"].values():  # one animal: movement's name
            if isinstance(series, h5py.Group) and "data" in series:
                for name in ("starting_time", "timestamps"):
                    if name in series:
                        del series[name]
                series["timestamps"] = np.arange(len(series["data"])) * 1e-4
    with pytest.raises(poseio.ReadError, match="closer together than one frame"):
        poseio.load(path)


def test_irregular_but_distinct_timestamps_keep_every_pose(nwb):
    stamps = [0.0, 0.033, 0.1, 0.5, 0.51, 2.0]
    _set_timing(nwb, timestamps=stamps)
    labels = poseio.load(nwb)
    expected = _series_data(nwb)
    node = labels.skeletons[0].node_names[0]
    rows = labels.numpy()
    found = rows[~np.isnan(rows[:, 0, 0, 0]), 0, 0]
    np.testing.assert_array_equal(found, expected[node][np.isfinite(expected[node][:, 0])])


@pytest.mark.parametrize("fps", [float("inf"), float("nan"), 0.0, -25.0, "fast"])
def test_save_refuses_a_rate_that_is_not_a_rate(tmp_path, fps):
    path = tmp_path / "p.nwb"
    with pytest.raises(poseio.InvalidOptionError, match=r"fps= must be a positive number of frames per second, not"):
        poseio.save(predictions(fps=None), path, fps=fps)
    assert not path.exists()


@pytest.mark.parametrize("fps", [float("inf"), float("nan"), 0.0])
def test_save_refuses_a_video_whose_rate_is_not_a_rate(tmp_path, fps):
    labels = predictions(fps=None)
    labels.videos[0].fps = fps
    with pytest.raises(poseio.InvalidLabelsError, match="fps of video"):
        poseio.save(labels, tmp_path / "p.nwb")


@pytest.mark.parametrize("stamps", [[0.0, 0.1, 0.1], [0.0, float("nan"), 0.2], [0.2, 0.1, 0.3]])
def test_save_refuses_timestamps_that_would_collapse_frames(tmp_path, stamps):
    labels = predictions(n_frames=5, fps=None)
    # NaN means "unknown": refused when a frame with poses has no time.
    with pytest.raises(poseio.InvalidOptionError, match="timestamps option|frames 1 have no time"):
        poseio.save(labels, tmp_path / "p.nwb", timestamps=stamps + [1.0, 2.0, 3.0])


# --- Frame numbers without a video clock: never invented, never before the first pose ---


def _seconds_of_rows(path) -> list[float]:
    """The time of every row of the container's first series, read with h5py alone."""
    with h5py.File(path, "r") as f:
        series = next(g for g in f[CONTAINER].values() if isinstance(g, h5py.Group) and "data" in g)
        n = len(series["data"])
        if "timestamps" in series:
            return list(series["timestamps"][()])
        return list(series["starting_time"][()] + np.arange(n) / series["starting_time"].attrs["rate"])


def test_a_series_starting_late_in_the_session_is_numbered_from_its_first_pose(nwb):
    # 1,000 s into the session at 30 Hz: frame 0 at time 0 would put 30,000 empty frames first.
    _set_timing(nwb, start=1000.0, rate=30.0)
    labels = poseio.load(nwb)
    assert labels.numpy().shape[0] == 6
    video = labels.videos[0]
    assert video.fps == 30.0
    np.testing.assert_array_equal(video.timestamps, _seconds_of_rows(nwb))


def test_jittered_timestamps_make_no_empty_frames(nwb):
    # A camera's jitter makes the smallest step shorter than the typical one; a rate taken from
    # it would number these 6 poses over more than 6 frames, leaving all-NaN rows in numpy().
    stamps = [1000.0, 1000.031, 1000.068, 1000.1, 1000.129, 1000.167]
    _set_timing(nwb, timestamps=stamps)
    labels = poseio.load(nwb)
    points = labels.numpy()
    assert points.shape[0] == 6
    assert not np.any(np.all(np.isnan(points), axis=(1, 2, 3)))
    np.testing.assert_array_equal(labels.videos[0].timestamps, stamps)
    assert labels.videos[0].fps is None  # irregular: not a frame rate
    assert "irregular" in labels.provenance["frame_timing"][labels.videos[0].filename]


def test_frame_indices_stored_as_seconds_keep_their_numbers(nwb):
    # sleap-io and dlc2nwb store frame indices as times: frame 15 of the video stays frame 15.
    _set_timing(nwb, start=15.0, rate=1.0)
    labels = poseio.load(nwb)
    assert [lf.frame_idx for lf in labels.labeled_frames] == list(range(15, 21))
    assert labels.provenance["frame_timing"][labels.videos[0].filename] == "frame indices stored as seconds"


def test_late_series_keeps_its_seconds_through_a_save(nwb, tmp_path):
    _set_timing(nwb, start=1000.0, rate=30.0)
    out = tmp_path / "copy.nwb"
    poseio.save(poseio.load(nwb), out)
    with h5py.File(out, "r") as f:
        series = next(g for g in f[CONTAINER].values() if isinstance(g, h5py.Group) and "data" in g)
        start = series["starting_time"]
        copied = start[()] + np.arange(len(series["data"])) / start.attrs["rate"]
    np.testing.assert_array_equal(copied, _seconds_of_rows(nwb))


# --- Frames a user adds outside the clock the file had ---


def _add_frame(labels: poseio.Labels, frame_idx: int) -> np.ndarray:
    """Add a predicted pose of the first track at ``frame_idx``; its points."""
    skeleton, track = labels.skeletons[0], labels.tracks[0]
    points = np.arange(2 * len(skeleton), dtype=float).reshape(-1, 2) + 0.5
    labels.labeled_frames.append(
        poseio.LabeledFrame(labels.videos[0], frame_idx, [poseio.PredictedInstance(points, skeleton, track)])
    )
    return points


def _time_of(path, node: str, point: np.ndarray) -> float:
    """The seconds at which the series of ``node`` stores ``point``, read with h5py."""
    with h5py.File(path, "r") as f:
        container = f[CONTAINER] if CONTAINER in f else f["/processing/behavior/PoseEstimation"]
        series = container[node]
        row = int(np.flatnonzero(np.all(series["data"][()] == point, axis=1))[0])
        if "timestamps" in series:
            return float(series["timestamps"][row])
        return float(series["starting_time"][()] + row / series["starting_time"].attrs["rate"])


def test_a_frame_added_after_a_regular_clock_is_timed_by_its_rate(nwb, tmp_path):
    _set_timing(nwb, start=100.0, rate=25.0)
    labels = poseio.load(nwb)
    points = _add_frame(labels, 9)  # three frames past the last one the file timed
    out = tmp_path / "more.nwb"
    poseio.save(labels, out)
    assert _time_of(out, labels.skeletons[0].node_names[0], points[0]) == 100.0 + 9 / 25.0


def test_a_frame_added_outside_an_irregular_clock_is_an_error_naming_it(nwb, tmp_path):
    _set_timing(nwb, timestamps=[0.0, 0.033, 0.1, 0.5, 0.51, 2.0])
    labels = poseio.load(nwb)
    _add_frame(labels, 8)
    out = tmp_path / "more.nwb"
    with pytest.raises(poseio.InvalidOptionError, match=r"frames 8 have no time.*timestamps=.*fps="):
        poseio.save(labels, out)
    assert not out.exists()


def test_series_of_no_rows_timed_by_rate_load_as_nothing(nwb):
    # An animal never detected: valid NWB, zero rows, a rate.
    _set_timing(nwb, start=0.0, rate=30.0, rows=0)
    labels = poseio.load(nwb)
    assert labels.n_predicted_instances == 0
