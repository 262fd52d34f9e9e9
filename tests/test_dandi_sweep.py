"""Every pose file of the corpus converts to NWB that DANDI accepts, with a subject and no other option.

Issue 19's done-when: ``poseio convert FILE OUT.nwb --subject S.yaml`` in a new
process, for every pose file in ``../shared/corpus/formats/`` and ``nwb/`` (and
issue 23's: every pose file and folder of ``formats2/``);
nwbinspector then finds nothing CRITICAL (but what the NWB source itself was
found, word for word), and no best-practice finding that the source did not
have. "What the source had" is, for an NWB source, what nwbinspector says of
it; for every source, what it says of an NWB file holding nothing but the same
subject (the session metadata no pose file records: experimenter,
institution, keywords, experiment description); and a processing module named
as the source named it. Where no frame rate exists anywhere (no video or
DeepLabCut meta pickle beside a file that records none), the conversion must
refuse, naming ``--fps``.

Slow (nwbinspector takes seconds to half a minute per file): ``pytest -m slow``, which CI runs.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import pytest
from conftest import CORPUS

POSEIO = str(Path(sys.executable).with_name("poseio"))
SUBJECT = "subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\ndescription: test mouse\n"
#: The user's environment: the test-only plugins are not there.
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken,csv-points"}
VIDEO_ENDINGS = (".mp4", ".avi", ".mov", ".mkv", ".webm")
NOT_POSE = {"e_nwb_without_pose.nwb", "f_plain_hdf5.h5", "f2_hdf5_spoofed_neurodata_type.nwb"}


def _pose_files() -> list[str]:
    truth_file = CORPUS / "formats" / "truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    found = [f"formats/{name}" for name, info in sorted(truth.items()) if info["format"] != "negative"]
    # The formats of issue 23 (COCO, YOLO, Label Studio, JABS, DeepLabCut projects, DANNCE, TRex, ...).
    truth_file = CORPUS / "formats2" / "truth.json"
    truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
    found += [f"formats2/{name}" for name, info in sorted(truth.items()) if info["format"] != "negative"]
    nwb = CORPUS / "nwb"
    found += [f"nwb/{p.name}" for p in sorted(nwb.glob("*.nwb")) if p.name not in NOT_POSE] if nwb.exists() else []
    return found or ["(corpus absent)"]


def _findings(path: Path) -> set[tuple[str, str, str]]:
    """(importance, check, message) of every nwbinspector finding on a file, found in a process of its own.

    One process per file: pynwb keeps the namespaces of the files it has read, and a file whose cached
    ndx-pose spec differs from one read before in the same process can fail to load, so that nwbinspector
    would report nothing of it (a source read after its output once lost all its findings that way).
    """
    code = (
        "import json, sys, warnings\n"
        "warnings.filterwarnings('ignore')\n"
        "from nwbinspector import inspect_nwbfile\n"
        "found = [(m.importance.name, m.check_function_name, m.message or '')"
        " for m in inspect_nwbfile(nwbfile_path=sys.argv[1]) if m is not None]\n"
        "print(json.dumps(found))\n"
    )
    # Up to half an hour: pynwb's validator takes minutes on a PoseTraining of thousands of instances.
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    return {tuple(f) for f in json.loads(done.stdout.strip().splitlines()[-1])}


@functools.cache
def _blank_file_checks(folder: str) -> frozenset[str]:
    """The checks nwbinspector fails on an NWB file of nothing but a subject (metadata no pose file has)."""
    import datetime

    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.file import Subject

    path = Path(folder) / "blank.nwb"
    nwbfile = NWBFile(
        session_description="blank",
        identifier="blank",
        session_start_time=datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC),
        subject=Subject(subject_id="m7", species="Mus musculus", sex="F", age="P60D", description="test mouse"),
    )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return frozenset(check for _, check, _ in _findings(path))


def _source_modules(path: Path) -> set[str]:
    with h5py.File(path, "r") as f:
        return set(f["processing"]) if "processing" in f else set()


def _rate_exists_beside(source: Path) -> bool:
    """Whether anything beside the file could give a frame rate: a video, or a DeepLabCut meta pickle."""
    return any(p.suffix.lower() in VIDEO_ENDINGS or p.name.endswith("_meta.pickle") for p in source.parent.iterdir())


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("name", _pose_files())
def test_the_one_liner_makes_nwb_that_dandi_accepts(name, tmp_path, tmp_path_factory):
    source = CORPUS / name
    if not source.exists():
        pytest.skip(f"the corpus is absent ({CORPUS})")
    (tmp_path / "subject.yaml").write_text(SUBJECT)
    out = tmp_path / "out.nwb"
    done = subprocess.run(
        [POSEIO, "convert", str(source), str(out), "--subject", str(tmp_path / "subject.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )
    if done.returncode != 0:
        # Refused: only for want of a rate, when none exists anywhere, and then in the CLI's words.
        assert "has no frame rate or timestamps" in done.stderr, done.stderr
        assert "--fps 30" in done.stderr and "fps=" not in done.stderr.replace("-o frames_as_seconds", "")
        assert not _rate_exists_beside(source)
        assert not out.exists()
        return
    found = _findings(out)
    source_findings = _findings(source) if source.suffix == ".nwb" else set()
    # One CRITICAL finding is a source's own: a series of one time point is "(1, 2), wrong orientation" to
    # nwbinspector (sio095_typical holds one pose), which no writer can change without changing the data.
    critical = {f for f in found if f[0] == "CRITICAL"} - source_findings
    assert not critical, critical
    had = _blank_file_checks(str(tmp_path_factory.getbasetemp())) | {check for _, check, _ in source_findings}
    new = {f for f in found if f[1] not in had}
    # A module name the source chose (sleap-io's SLEAP_VIDEO_000_<video>) is the source's, kept on purpose.
    new = {
        f
        for f in new
        if not (f[1] == "check_processing_module_name" and any(f"named {m}." in f[2] for m in _source_modules(source)))
    }
    assert not new, f"best-practice findings the source did not have: {sorted(new)}"


@pytest.mark.corpus
def test_labelled_images_of_a_deeplabcut_project_are_linked_as_a_relative_image_list(tmp_path):
    import csv
    import re
    import shutil

    project = CORPUS / "formats2" / "dlcproj_multi_mouse-dlc_team-2022-04-12"
    if not project.exists():
        pytest.skip(f"the corpus is absent ({CORPUS})")
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    source = copy / "labeled-data" / "m3v1mp4short" / "CollectedData_dlc_team.csv"
    out = tmp_path / "nwb" / "labels.nwb"
    out.parent.mkdir()
    (tmp_path / "subject.yaml").write_text(SUBJECT)
    done = subprocess.run(
        [POSEIO, "convert", str(source), str(out), "--subject", str(tmp_path / "subject.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr
    # The images the table names (its index columns, read with the csv module), in frame order.
    with source.open(newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and r[0] == "labeled-data"]
    images = sorted((int(re.search(r"(\d+)", r[2]).group(1)), r[2]) for r in rows)
    with h5py.File(out, "r") as f:
        (series,) = f["processing/behavior/PoseTraining/source_videos"].values()
        stored = series["external_file"].asstr()[()].tolist()
        first_frames = series["external_file"].attrs["starting_frame"].tolist()
    assert stored == [f"../project/labeled-data/m3v1mp4short/{name}" for _, name in images]
    assert first_frames == [number for number, _ in images]
    assert all((out.parent / p).is_file() for p in stored)
    assert not [f for f in _findings(out) if f[0] == "CRITICAL"]
