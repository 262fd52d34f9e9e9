"""The one-liner finds the frame rate where the user's files record it, says where, or asks in their words.

Each conversion runs ``poseio convert`` in a new process without ``--fps``; the
rate written is read back from the output with h5py, and the rate a video file
declares with PyAV, not through poseio.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import types
from pathlib import Path

import h5py
import pytest
from conftest import corpus_file
from fresh_process import run_fresh

POSEIO = str(Path(sys.executable).with_name("poseio"))
SUBJECT = "subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\n"
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken,csv-points"}


def _convert(source: Path, *extra: str) -> subprocess.CompletedProcess:
    (source.parent / "subject.yaml").write_text(SUBJECT)
    out = source.parent / "out.nwb"
    args = [POSEIO, "convert", str(source), str(out), "--subject", str(source.parent / "subject.yaml"), *extra]
    return subprocess.run(args, capture_output=True, text=True, env=ENV, timeout=300)


def _rates(path: Path) -> set[float]:
    """The rate of every series of the output that is timed by one (h5py)."""
    rates = set()
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: rates.add(float(obj.attrs["rate"])) if name.endswith("starting_time") else None)
    return rates


def _meta_pickle(fps: float) -> bytes:
    """A meta pickle as deeplabcut.analyze_videos writes it: the model configuration is an easydict.EasyDict."""
    module = types.ModuleType("easydict")

    class EasyDict(dict):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.__dict__.update(self)

    EasyDict.__module__, EasyDict.__qualname__ = "easydict", "EasyDict"
    module.EasyDict = EasyDict
    sys.modules["easydict"] = module
    try:
        config = EasyDict({"net_type": "resnet_50", "all_joints_names": ["hand", "Finger1"], "batch_size": 1})
        data = {
            "start": 1572900000.0,
            "stop": 1572900010.0,
            "run_duration": 10.0,
            "Scorer": "DLC_resnet50_TESTNov4shuffle1_10",
            "DLC-model-config file": config,
            "fps": fps,
            "batch_size": 1,
            "frame_dimensions": (480, 640),
            "nframes": 12,
            "iteration (active-learning)": 0,
            "training set fraction": 0.95,
            "cropping": False,
            "cropping_parameters": [0, 640, 0, 480],
        }
        return pickle.dumps({"data": data}, protocol=4)
    finally:
        del sys.modules["easydict"]


@pytest.mark.parametrize(
    ("results", "meta"),
    [
        (
            "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.h5",
            "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10",
        ),
        (
            "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10.csv",
            "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10",
        ),
        # Multi-animal tracklets (_el) share the scorer stem's meta pickle.
        (
            "m3v1mp4shortDLC_effnet_b0_multi_mouseApr12shuffle1_5_el.h5",
            "m3v1mp4shortDLC_effnet_b0_multi_mouseApr12shuffle1_5",
        ),
    ],
)
def test_deeplabcut_predictions_take_the_rate_of_their_meta_pickle(tmp_path, results, meta):
    source = tmp_path / results
    shutil.copyfile(corpus_file("formats", results), source)
    (tmp_path / f"{meta}_meta.pickle").write_bytes(_meta_pickle(29.5))
    done = _convert(source)
    assert done.returncode == 0, done.stderr
    assert f"{meta}_meta.pickle" in done.stderr and "29.5 fps" in done.stderr and "--fps N overrides it" in done.stderr
    assert _rates(tmp_path / "out.nwb") == {29.5}


def test_a_meta_pickle_that_would_run_code_is_not_run(tmp_path):
    name = "reachingvideo1shortDLC_resnet50_TESTNov4shuffle1_10"
    source = tmp_path / f"{name}.h5"
    shutil.copyfile(corpus_file("formats", f"{name}.h5"), source)
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (tmp_path / f"{name}_meta.pickle").write_bytes(pickle.dumps({"data": {"fps": 30.0, "x": Payload()}}))
    done = _convert(source)
    assert not marker.exists()
    assert done.returncode == 1
    assert "--fps 30" in done.stderr and "fps=" not in done.stderr


def test_without_any_rate_the_message_names_the_option_in_the_callers_words(tmp_path):
    source = tmp_path / "DLC_sample_poses.h5"
    shutil.copyfile(corpus_file("formats", "DLC_sample_poses.h5"), source)
    done = _convert(source)
    assert done.returncode == 1
    assert "--fps 30" in done.stderr and "-o frames_as_seconds=true" in done.stderr
    result = run_fresh(
        f"""
        try:
            poseio.convert({str(source)!r}, {str(tmp_path / "py.nwb")!r}, subject={{"subject_id": "m"}})
        except poseio.InvalidOptionError as exc:
            print(exc)
        """
    )
    assert "fps=30" in result.stdout and "--fps" not in result.stdout


def test_a_sleap_file_takes_the_rate_of_its_video_copied_beside_it(tmp_path):
    import av

    # The file names /data/lab/session1/sleapvideo.mp4, recorded on another machine.
    source = tmp_path / "predictions.slp"
    shutil.copyfile(corpus_file("formats", "sio095_predictions_two_tracks.slp"), source)
    shutil.copyfile(corpus_file("video", "centered_pair_low_quality.mp4"), tmp_path / "sleapvideo.mp4")
    with av.open(str(tmp_path / "sleapvideo.mp4")) as container:
        declared = float(container.streams.video[0].average_rate)
    done = _convert(source)
    assert done.returncode == 0, done.stderr
    assert "sleapvideo.mp4" in done.stderr and f"{declared:g} fps" in done.stderr
    assert _rates(tmp_path / "out.nwb") == {declared}
    with h5py.File(tmp_path / "out.nwb", "r") as f:
        linked = [s["external_file"].asstr()[()].tolist() for s in f["acquisition"].values()]
    assert linked == [["sleapvideo.mp4"]]  # the real file, relative to the output


def test_convert_says_before_writing_what_dandi_will_refuse(tmp_path):
    source = tmp_path / "poses.h5"
    shutil.copyfile(corpus_file("formats", "DLC_sample_poses.h5"), source)
    out = tmp_path / "out.nwb"
    done = subprocess.run(
        [POSEIO, "convert", str(source), str(out), "--fps", "40"], capture_output=True, text=True, env=ENV
    )
    assert done.returncode == 0, done.stderr
    assert "no subject: DANDI refuses NWB files without one; give it with --subject subject.yaml" in done.stderr
    assert "no session start time" in done.stderr and "-o session_start_time=" in done.stderr
    # An NWB source has both: nothing to say.
    (tmp_path / "subject.yaml").write_text(SUBJECT)
    again = subprocess.run(
        [POSEIO, "convert", str(out), str(tmp_path / "again.nwb"), "--subject", str(tmp_path / "subject.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert again.returncode == 0, again.stderr
    assert "DANDI" not in again.stderr and "session start" not in again.stderr
