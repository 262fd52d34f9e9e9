"""Options that mean the same thing are taken the same way by both NWB writers.

``poseio.save(labels, "x.nwb", fps=30)`` writes labelled frames (PoseTraining)
alone as it writes them beside predictions: the source videos' clock. Each
file is written in a fresh process, as a user writes it, and read back with
h5py.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
from fresh_process import run_fresh
from poseio_nwb import UNLINKED_TRAINING_FRAMES

SOURCE_VIDEOS = "/processing/behavior/PoseTraining/source_videos"


def _save(labels: str, video: Path, out: Path, options: str) -> str:
    """Save ``labels`` (a call of nwb_helpers) with their video at ``video``, in a fresh process; its stdout."""
    code = f"""
    from nwb_helpers import annotations
    labels = {labels}
    labels.videos[0].filename = {str(video)!r}
    try:
        poseio.save(labels, {str(out)!r}, {options})
    except poseio.InvalidOptionError as exc:
        print("refused:", exc)
    """
    return run_fresh(code).stdout


def _clocks(path: Path) -> dict[str, dict]:
    """The clock of every ImageSeries in a file, read with h5py."""
    found = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and obj.attrs.get("neurodata_type") == "ImageSeries":
                if "timestamps" in obj:
                    found["/" + name] = {"timestamps": obj["timestamps"][()]}
                else:
                    start = obj["starting_time"]
                    found["/" + name] = {"starting_time": start[()], "rate": start.attrs["rate"]}

        f.visititems(visit)
    return found


def _videos_table(path: Path) -> list[dict[str, str]]:
    """The rows of poseio's ``poseio_videos`` table, read with h5py."""
    with h5py.File(path, "r") as f:
        table = f["/processing/behavior/poseio_metadata"]
        records, fields, values = (table[c].asstr()[()] for c in ("record", "field", "value"))
    rows: dict[str, dict[str, str]] = {}
    for record, field, value in zip(records, fields, values):
        if record.startswith("poseio_videos/"):
            rows.setdefault(record, {})[field] = value
    return list(rows.values())


@pytest.mark.parametrize("labels", ["annotations()", "annotations(with_predictions=True)"])
def test_fps_is_the_rate_of_the_source_video_for_labelled_frames_alone_or_not(tmp_path, labels):
    video, out = tmp_path / "cam.mp4", tmp_path / "x.nwb"
    video.write_bytes(b"")  # an ImageSeries links a video only when its file is there
    assert "refused" not in _save(labels, video, out, "fps=30")  # the video's own fps is 15
    clocks = _clocks(out)
    assert [name for name in clocks if name.startswith(SOURCE_VIDEOS)], clocks
    # Every ImageSeries of the video (the labelled frames', and the predictions' when there are some).
    assert {(c["starting_time"], c["rate"]) for c in clocks.values()} == {(0.0, 30.0)}


def test_fps_of_a_video_not_found_is_kept_in_poseios_table(tmp_path):
    out = tmp_path / "x.nwb"
    assert "refused" not in _save("annotations()", tmp_path / "missing.mp4", out, "fps=30")
    assert _clocks(out) == {}  # no ImageSeries naming a missing file
    (row,) = _videos_table(out)
    assert row["image_series"] == UNLINKED_TRAINING_FRAMES and float(row["fps"]) == 30.0
    assert row["filename"] == str(tmp_path / "missing.mp4")


def test_fps_per_video_and_timestamps_take_the_predictions_writers_forms(tmp_path):
    video, out = tmp_path / "cam.mp4", tmp_path / "x.nwb"
    video.write_bytes(b"")
    assert "refused" not in _save("annotations()", video, out, f"fps={{{str(video)!r}: 25}}")
    assert {c["rate"] for c in _clocks(out).values()} == {25.0}
    stamps = np.cumsum(np.random.default_rng(1).uniform(0.03, 0.04, 600))  # a jittery camera, every frame
    assert "refused" not in _save("annotations()", video, out, f"timestamps={stamps.tolist()!r}")
    (clock,) = _clocks(out).values()
    np.testing.assert_array_equal(clock["timestamps"], stamps)
    regular = 12.5 + np.arange(600) / 50
    assert "refused" not in _save("annotations()", video, out, f"timestamps={regular.tolist()!r}")
    (clock,) = _clocks(out).values()
    assert (clock["starting_time"], clock["rate"]) == (12.5, 50.0)  # regular: as nwbinspector asks


def test_timestamps_that_miss_a_labelled_frame_are_refused_naming_them(tmp_path):
    video, out = tmp_path / "cam.mp4", tmp_path / "x.nwb"
    video.write_bytes(b"")
    said = _save("annotations()", video, out, "timestamps=[0.0, 0.1, 0.2, 0.3, 0.4]")
    assert "refused:" in said and "frames [10, 500]" in said and "fps=30" in said
    assert not out.exists()


def test_timestamps_of_a_video_not_found_are_kept_with_or_without_predictions(tmp_path):
    # Without its file, a video gets no ImageSeries: poseio's videos table keeps its clock, for labelled
    # frames alone as beside predictions, and the reader gives it back.
    stamps = np.cumsum(np.random.default_rng(2).uniform(0.03, 0.04, 600)).tolist()
    for labels in ("annotations()", "annotations(with_predictions=True)"):
        out = tmp_path / f"{len(labels)}.nwb"
        said = _save(labels, tmp_path / "missing.mp4", out, f"timestamps={stamps!r}")
        assert "refused" not in said
        rows = _videos_table(out)
        assert any(r.get("timestamps") and np.array_equal(np.array(json.loads(r["timestamps"])), stamps) for r in rows)
        code = f"""
        import json
        labels = poseio.load({str(out)!r})
        print(json.dumps([v.timestamps.tolist() for v in labels.videos if v.timestamps is not None]))
        """
        read = json.loads(run_fresh(code).stdout.strip().splitlines()[-1])
        assert read and all(np.array_equal(t, stamps) for t in read)


def test_a_late_start_of_a_video_not_found_is_kept_for_labelled_frames_alone(tmp_path):
    out = tmp_path / "x.nwb"
    regular = (7.5 + np.arange(600) / 25).tolist()
    assert "refused" not in _save("annotations()", tmp_path / "missing.mp4", out, f"timestamps={regular!r}")
    (row,) = _videos_table(out)
    assert (float(row["starting_time"]), float(row["fps"])) == (7.5, 25.0)


def test_frames_as_seconds_and_compression_are_taken_as_by_predictions(tmp_path):
    video, out = tmp_path / "cam.mp4", tmp_path / "x.nwb"
    video.write_bytes(b"")
    code = f"""
    from nwb_helpers import annotations
    labels = annotations()
    labels.videos[0].filename = {str(video)!r}
    labels.videos[0].fps = None
    poseio.save(labels, {str(out)!r}, frames_as_seconds=True, compression="gzip")
    """
    run_fresh(code)
    (clock,) = _clocks(out).values()
    assert clock["rate"] == 1.0
    with h5py.File(out, "r") as f:
        (series,) = f[SOURCE_VIDEOS].values()
        assert "placeholder" not in series.attrs["description"]  # asked for by name
    (row,) = _videos_table(out)
    assert float(row["fps"]) == 1.0


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("description='my labels'", "description='my labels': this is for PoseEstimation"),
        ("scorer='me'", "annotator=NAME"),
        ("compression='zip'", "compression= must be one of [None, 'gzip', 'lzf'], not 'zip'"),
        ("fps=0", "fps= must be a positive number"),
    ],
)
def test_options_labelled_frames_cannot_take_are_refused_saying_why(tmp_path, options, said):
    out = tmp_path / "x.nwb"
    message = _save("annotations()", tmp_path / "cam.mp4", out, options)
    assert message.startswith("refused:") and said in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("annotator='me'", "annotator='me': this is for ndx-pose PoseTraining, which holds labelled frames"),
        ("annotator='me'", "(who made the predictions is scorer=NAME)"),
        ("compression='zip'", "compression= must be one of [None, 'gzip', 'lzf'], not 'zip'"),
    ],
)
def test_options_predictions_cannot_take_are_refused_as_the_labelled_frames_writer_refuses_its_own(
    tmp_path, options, said
):
    out = tmp_path / "x.nwb"
    code = f"""
    import numpy as np
    skeleton = poseio.Skeleton(["head"])
    instance = poseio.PredictedInstance(np.ones((1, 2)), skeleton, score=0.5)
    labels = poseio.Labels([poseio.LabeledFrame(poseio.Video("v.mp4", fps=30.0), 0, [instance])])
    try:
        poseio.save(labels, {str(out)!r}, {options})
    except poseio.InvalidOptionError as exc:
        print("refused:", exc)
    """
    message = run_fresh(code).stdout
    assert message.startswith("refused:") and said in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("video_clock", "options", "expected"),
    [
        # Regular times from 0 given for a video that said it started at 5 s: the option's start, 0, is kept.
        ({"fps": 10.0, "metadata": {"starting_time": 5.0}}, "timestamps=(np.arange(600) / 25).tolist()", (25.0, None)),
        # A rate given for a video with its own irregular times replaces them, as for a linked video.
        ({"timestamps": "OWN"}, "fps=25", (25.0, None)),
        # Nothing given: the video's own times are kept.
        ({"timestamps": "OWN", "fps": None}, "", (None, "OWN")),
    ],
)
def test_the_clock_given_for_a_video_not_found_replaces_its_own(tmp_path, video_clock, options, expected):
    own = np.cumsum(0.03 + np.arange(600) * 1e-5)
    out = tmp_path / "x.nwb"
    settings = {k: ("OWN_TIMES" if v == "OWN" else v) for k, v in video_clock.items()}
    code = f"""
    import numpy as np
    from nwb_helpers import annotations
    OWN_TIMES = np.cumsum(0.03 + np.arange(600) * 1e-5)
    labels = annotations()
    video = labels.videos[0]
    video.filename = {str(tmp_path / "missing.mp4")!r}
    for name, value in {settings!r}.items():
        setattr(video, name, OWN_TIMES if value == "OWN_TIMES" else value)
    poseio.save(labels, {str(out)!r}, {options})
    """
    run_fresh(code)
    (row,) = _videos_table(out)  # read with h5py
    fps, stamps = expected
    assert "starting_time" not in row  # no start but 0: none written
    assert (float(row["fps"]) if "fps" in row else None) == fps
    if stamps is None:
        assert "timestamps" not in row
    else:
        np.testing.assert_array_equal(json.loads(row["timestamps"]), own)
