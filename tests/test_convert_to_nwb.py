"""The one-liner of issue 12: any tracking output converts to NWB that validates, with every point kept.

Each conversion runs ``poseio convert`` as a user does (a new process), and the
output is checked independently: points with h5py against the producers' truth
(``../shared/corpus/formats/truth.npz``), the file with pynwb's validator and
nwbinspector.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import CORPUS, corpus_file
from nwb_helpers import critical_inspector_messages, validation_errors

POSEIO = str(Path(sys.executable).with_name("poseio"))
SUBJECT = "subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\ndescription: test mouse\n"

# corpus file -> extra convert arguments (the Lightning Pose file has DLC's layout: docs/formats/lightning-pose.md)
FORMATS = CORPUS / "formats"
TRUTH = json.loads((FORMATS / "truth.json").read_text()) if (FORMATS / "truth.json").exists() else {}
CASES = {
    name: ["--format", "lightning-pose"] if info["format"] == "lp-csv" else []
    for name, info in TRUTH.items()
    if info["format"] != "negative"
} or {"(corpus absent)": []}
#: nwbinspector calls a one-frame series (shape (1, 2)) "wrong orientation": true of any one-frame file.
ONE_FRAME = {"typical.slp"}


def _convert(*args) -> subprocess.CompletedProcess:
    return subprocess.run([POSEIO, "convert", *map(str, args)], capture_output=True, text=True, timeout=300)


def _sorted_rows(points: np.ndarray) -> np.ndarray:
    rounded = np.round(points, 3)
    return points[np.lexsort(rounded.T[::-1])]


def _nwb_points(path: Path) -> np.ndarray:
    """Every finite point of every PoseEstimationSeries and every visible node of every SkeletonInstance (h5py)."""
    rows = []

    def visit(name, obj):
        kind = obj.attrs.get("neurodata_type")
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "PoseEstimationSeries":
            data = obj["data"][()]
            rows.append(data[np.isfinite(data).all(axis=1)])
        elif kind == "SkeletonInstance":
            points = obj["node_locations"][()]
            visible = np.isfinite(points).all(axis=1)
            if "node_visibility" in obj:
                visible &= obj["node_visibility"][()].astype(bool)
            rows.append(points[visible])

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return np.concatenate(rows)


@pytest.fixture(scope="module")
def one_liner(tmp_path_factory):
    """``one_liner(name) -> output``: the corpus file converted by ``poseio convert ... --fps 30 --subject``.

    At the first call every file is converted, by a few batch runs of the command (one per
    input ending and set of options, so that ``x.csv`` and ``x.h5`` do not write one output):
    pynwb is imported a few times, not once per file.
    """
    if not TRUTH:
        pytest.skip(f"the corpus of other formats is absent ({FORMATS})")
    folder = tmp_path_factory.mktemp("one_liner")
    (folder / "subject.yaml").write_text(SUBJECT)
    groups: dict[tuple, list[str]] = {}
    for name, extra in CASES.items():
        groups.setdefault((Path(name).suffix, *extra), []).append(name)
    outputs: dict[str, Path] = {}

    def convert(name: str) -> Path:
        if not outputs:
            for (suffix, *extra), names in groups.items():
                out = folder / suffix.lstrip(".")
                sources = [corpus_file("formats", n) for n in names]
                arguments = ["--out-dir", out, "--to", ".nwb", "--fps", "30", "--subject", folder / "subject.yaml"]
                result = _convert(*sources, *arguments, *extra)
                assert result.returncode == 0, result.stderr
                outputs.update({n: out / f"{n[: -len(suffix)]}.nwb" for n in names})
        return outputs[name]

    return convert


@pytest.mark.corpus
@pytest.mark.parametrize("name", CASES)
def test_the_one_liner_converts_every_point_to_nwb(name, one_liner):
    out = one_liner(name)
    truth = np.load(corpus_file("formats", "truth.npz"))[name]
    found = _nwb_points(out)
    assert found.shape == truth.shape
    # movement's truth is float32 (it casts positions); the others are exact.
    np.testing.assert_allclose(_sorted_rows(found), _sorted_rows(truth), rtol=1e-6 if "movement" in name else 0)
    with h5py.File(out, "r") as f:
        assert f["general/subject/subject_id"][()] == b"m7"
        assert f["general/subject/species"][()] == b"Mus musculus"
        rates = {float(s.attrs["rate"]) for s in _starting_times(f) if "rate" in s.attrs}
        assert rates <= {30.0}


#: pynwb's validator and nwbinspector take seconds per file (a quarter of a second per labelled frame,
#: a PoseTraining object each): the default run validates two small outputs, the slow run
#: (``pytest -m slow``, which CI runs too) every one.


def _validation_cases() -> list:
    # The default run validates the smallest output of each kind (labels, predictions); the slow run all.
    names = [name for name in CASES if name in TRUTH]
    quick = {
        min(
            (n for n in names if (TRUTH[n]["kind"] in ("labels", "mixed")) == labelled),
            key=lambda n: TRUTH[n]["n_frames"],
        )
        for labelled in (True, False)
        if any((TRUTH[n]["kind"] in ("labels", "mixed")) == labelled for n in names)
    }
    return [name if name in quick else pytest.param(name, marks=pytest.mark.slow) for name in names]


@pytest.mark.corpus
@pytest.mark.parametrize("name", _validation_cases())
def test_the_one_liners_output_passes_pynwb_and_nwbinspector(name, one_liner):
    out = one_liner(name)
    assert validation_errors(out) == []
    critical = critical_inspector_messages(out)
    if name in ONE_FRAME:
        critical = [m for m in critical if not m.startswith("check_data_orientation")]
    assert critical == []


def _starting_times(f: h5py.File) -> list:
    found = []
    f.visititems(lambda n, o: found.append(o) if n.endswith("starting_time") else None)
    return found


@pytest.mark.corpus
def test_the_frame_rate_is_read_from_the_video_beside_the_input(tmp_path):
    # DeepLabCut names the video by its stem; the clip beside the file is that video.
    shutil.copy(corpus_file("formats", "DLC_sample_poses.csv"), tmp_path / "clipDLC_resnet50_x.csv")
    shutil.copy(corpus_file("video", "centered_pair_low_quality.mp4"), tmp_path / "clip.mp4")
    import av

    with av.open(str(tmp_path / "clip.mp4")) as container:
        rate = float(container.streams.video[0].average_rate)
    out = tmp_path / "out.nwb"
    result = _convert(tmp_path / "clipDLC_resnet50_x.csv", out)
    assert result.returncode == 0, result.stderr
    assert f"runs at {rate:g} fps" in result.stderr
    with h5py.File(out, "r") as f:
        series = [o for o in _starting_times(f) if "PoseEstimation" in o.name]
        assert series and {float(s.attrs["rate"]) for s in series} == {rate}
        # The video is named by its real file, so that readers of the NWB file find it.
        (stored,) = [v.decode() for v in f["acquisition/video_clip/external_file"][()]]
    assert (out.parent / stored).resolve() == (tmp_path / "clip.mp4").resolve()


@pytest.mark.corpus
def test_a_video_outside_the_inputs_folder_is_not_opened_and_fps_is_asked_for(tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(corpus_file("formats", "DLC_sample_poses.csv"), tmp_path / "in" / "DLC_sample_poses.csv")
    result = _convert(tmp_path / "in" / "DLC_sample_poses.csv", tmp_path / "out.nwb")
    assert result.returncode == 1 and "has no frame rate or timestamps" in result.stderr
    assert not (tmp_path / "out.nwb").exists()


@pytest.mark.parametrize("content, message", [("- a\n- b\n", "must hold a mapping"), ("a: [\n", "cannot be read")])
def test_a_bad_subject_file_is_a_clear_error(tmp_path, content, message):
    (tmp_path / "subject.yaml").write_text(content)
    source = tmp_path / "x.csv"
    source.write_text("video,frame_idx,track,instance,skeleton,node,x,y,score,predicted\nv.mp4,0,,0,s,a,1.0,2.0,,0\n")
    result = _convert(source, tmp_path / "out.nwb", "--fps", "30", "--subject", tmp_path / "subject.yaml")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
