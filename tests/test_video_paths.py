"""Video paths survive NWB -> NWB: kept as stored, rebased when the copy is in another folder.

An ImageSeries links a video only when its file exists (an ImageSeries naming a
missing file is CRITICAL for nwbinspector, and DANDI refuses it); a missing
video is kept by name instead. Every check reads the output with h5py, not through poseio.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from nwb_helpers import annotations, predictions
from poseio_nwb import UNLINKED_TRAINING_FRAMES

POSEIO = str(Path(sys.executable).with_name("poseio"))


def _external_files(path: Path) -> dict[str, list[str]]:
    """``{ImageSeries path: external_file entries}`` of every ImageSeries in a file."""
    found = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and "external_file" in obj:
                found[name] = [v.decode() if isinstance(v, bytes) else v for v in obj["external_file"][()]]

        f.visititems(visit)
    return found


def _set_external_file(path: Path, stored: list[str]) -> None:
    """Make every ImageSeries of a file name ``stored``, as another tool might have written it."""
    with h5py.File(path, "a") as f:
        del f["/processing/behavior/poseio_metadata"]  # poseio's record of the filename as a user gave it
        for name in _external_files(path):
            del f[name]["external_file"]
            f[name].create_dataset("external_file", data=stored, dtype=h5py.string_dtype())
            f[name]["external_file"].attrs["starting_frame"] = np.arange(len(stored))


def _convert(source: Path, output: Path) -> None:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    done = subprocess.run([POSEIO, "convert", str(source), str(output)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


@pytest.fixture(params=["predictions", "annotations"])
def session(request, tmp_path) -> Path:
    """A session folder holding a pose file whose video path is relative: ``videos/cam.mp4``."""
    folder = tmp_path / "session1"
    (folder / "videos").mkdir(parents=True)
    (folder / "videos" / "cam.mp4").write_bytes(b"")
    path = folder / "poses.nwb"
    labels = predictions() if request.param == "predictions" else annotations()
    labels.videos[0].filename = str(folder / "videos" / "cam.mp4")
    poseio.save(labels, path)
    _set_external_file(path, ["videos/cam.mp4"])
    return path


def test_a_relative_path_is_kept_as_stored_next_to_the_source(session):
    output = session.with_name("copy.nwb")
    _convert(session, output)
    assert set(map(tuple, _external_files(output).values())) == {("videos/cam.mp4",)}


def test_a_relative_path_is_rebased_for_a_copy_in_another_folder(session, tmp_path):
    output = tmp_path / "elsewhere" / "deeper" / "copy.nwb"
    output.parent.mkdir(parents=True)
    _convert(session, output)
    for (stored,) in _external_files(output).values():
        assert stored == "../../session1/videos/cam.mp4"
        # From the copy's folder, it names the very file the source named (as nwbinspector checks).
        assert (output.parent / stored).resolve() == (session.parent / "videos" / "cam.mp4").resolve()


def _names_kept(path: Path) -> set[str]:
    """The filenames of the videos a file names without linking them (poseio's table, read with h5py)."""
    with h5py.File(path, "r") as f:
        table = f["/processing/behavior/poseio_metadata"]
        records, fields, values = (table[c].asstr()[()] for c in ("record", "field", "value"))
    rows: dict[str, dict[str, str]] = {}
    for record, field, value in zip(records, fields, values):
        if record.startswith("poseio_videos/"):
            rows.setdefault(record, {})[field] = value
    return {r["filename"] for r in rows.values() if r.get("image_series", "") in ("", UNLINKED_TRAINING_FRAMES)}


@pytest.mark.parametrize(
    "stored", ["C:/sleap/videos/cam.mp4", "C:\\sleap\\cam.mp4", "\\\\server\\share\\cam.mp4", "/data/cam.mp4"]
)
def test_absolute_paths_of_missing_files_are_kept_by_name_not_linked(tmp_path, stored):
    path = tmp_path / "poses.nwb"
    labels = predictions()
    labels.videos[0].filename = str(tmp_path / "cam.mp4")
    (tmp_path / "cam.mp4").write_bytes(b"")
    poseio.save(labels, path)
    _set_external_file(path, [stored])  # as another tool wrote it, on another machine
    labels = poseio.load(path)
    assert labels.videos[0].filename == stored  # not glued to this machine's folder
    output = tmp_path / "out" / "copy.nwb"
    output.parent.mkdir()
    _convert(path, output)
    assert _external_files(output) == {}
    with h5py.File(output, "r") as f:
        assert f["/processing/behavior/PoseEstimation_m1/original_videos"].asstr()[()].tolist() == [stored]
    assert _names_kept(output) == {stored}


def test_an_absolute_path_of_an_existing_file_is_stored_relative_to_the_output(tmp_path):
    video = tmp_path / "raw" / "cam.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    labels = predictions()
    labels.videos[0].filename = str(video)
    output = tmp_path / "nwb" / "poses.nwb"
    output.parent.mkdir()
    poseio.save(labels, output)
    assert set(map(tuple, _external_files(output).values())) == {("../raw/cam.mp4",)}
    assert poseio.load(output).videos[0].filename == str(video)


def test_every_image_of_an_image_list_is_kept(tmp_path):
    path = tmp_path / "poses.nwb"
    labels = annotations()
    labels.videos[0].filename = str(tmp_path / "cam.mp4")
    (tmp_path / "cam.mp4").write_bytes(b"")
    poseio.save(labels, path)
    images = [f"img/frame_{i:03d}.png" for i in range(600)]
    (tmp_path / "img").mkdir()
    for image in images:
        (tmp_path / image).write_bytes(b"")
    _set_external_file(path, images)
    output = tmp_path / "copy.nwb"
    _convert(path, output)
    found = _external_files(output)
    assert found
    for name, stored in found.items():
        assert stored == images
        with h5py.File(output, "r") as f:
            assert f[name]["external_file"].attrs["starting_frame"].tolist() == list(range(600))


def test_corpus_relative_paths_of_missing_videos_are_kept_by_name(tmp_path):
    source = corpus_file("nwb/sio095_labels.v002.rel_paths.annotations.nwb")
    before = sorted(map(tuple, _external_files(source).values()))
    assert any(not Path(p).is_absolute() for entries in before for p in entries), "the file has relative paths"
    assert not any((source.parent / p).exists() for entries in before for p in entries), "the videos are not there"
    output = tmp_path / "copy.nwb"
    _convert(source, output)
    assert _external_files(output) == {}
    # Named where they point from the source's folder, which is what the relative path meant.
    assert _names_kept(output) == {str(source.parent.resolve() / p) for entries in before for p in entries}
