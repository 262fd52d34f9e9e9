"""Every bad input gets its own poseio error with a message a user can act on."""

import os
import shutil

import h5py
import numpy as np
import poseio
import pytest
from conftest import corpus_file
from fresh_process import run_fresh


def test_missing_file():
    with pytest.raises(poseio.SourceNotFoundError, match="no such file") as caught:
        poseio.load("/no/such/file.nwb")
    assert isinstance(caught.value, FileNotFoundError)


def test_directory(tmp_path):
    with pytest.raises(poseio.ReadError, match="is a folder"):
        poseio.load(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    # Opening a pipe for reading blocks until something writes: in a fresh process with a time limit,
    # so that a regression fails the test rather than hanging the suite.
    pipe = tmp_path / "poses.csv"
    os.mkfifo(pipe)
    result = run_fresh(
        f"""
        for call in (poseio.load, poseio.sniff, poseio.explain):
            try:
                call({str(pipe)!r})
            except poseio.ReadError as error:
                print(error)
        """,
        timeout=60,
    )
    assert result.stdout.count("is not a regular file") == 3, result.stdout


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.nwb"
    path.write_bytes(b"x")
    # Tests run as root in CI, where chmod cannot lock a file; simulate the refusal.
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(poseio.ReadError, match="permission denied"):
        poseio.load(path)


def test_not_hdf5(tmp_path):
    path = tmp_path / "text.nwb"
    path.write_text("hello")
    with pytest.raises(poseio.UnknownFormatError, match="not an HDF5 file"):
        poseio.load(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.nwb"
    path.touch()
    with pytest.raises(poseio.UnknownFormatError, match="the file is empty"):
        poseio.load(path)


def test_truncated_hdf5(tmp_path):
    source = corpus_file("nwb", "sio_predictions.nwb")
    path = tmp_path / "truncated.nwb"
    path.write_bytes(source.read_bytes()[:5000])
    with pytest.raises(poseio.ReadError, match="truncated"):
        poseio.load(path)


def test_hdf5_that_is_not_nwb(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(poseio.UnknownFormatError, match="HDF5 but not NWB"):
        poseio.load(path)


@pytest.mark.parametrize("name", ["e_nwb_without_pose.nwb", "f_plain_hdf5.h5", "f2_hdf5_spoofed_neurodata_type.nwb"])
def test_corpus_files_without_pose_are_refused(name):
    with pytest.raises(poseio.UnknownFormatError) as caught:
        poseio.load(corpus_file("nwb", name))
    assert "no installed format recognises" in str(caught.value)
    assert not isinstance(caught.value, (KeyError, IndexError, AttributeError))


def test_nwb_file_without_pose_explains_why(tmp_path):
    report = poseio.explain(corpus_file("nwb", "e_nwb_without_pose.nwb"))
    assert "NWB file without ndx-pose PoseEstimation objects" in str(report)
    assert not report.chosen


def test_copied_corpus_is_not_modified_by_reading(tmp_path):
    path = tmp_path / "copy.nwb"
    shutil.copy(corpus_file("nwb", "a_pose_estimation_two_animals.nwb"), path)
    before = path.read_bytes()
    poseio.load(path)
    assert path.read_bytes() == before


def test_an_open_binary_file_is_a_source_too():
    path = corpus_file("nwb", "sio_predictions.nwb")
    with open(path, "rb") as f:
        labels = poseio.load(f)
        assert poseio.sniff(f)[0].format == "nwb-predictions"
    assert labels.n_predicted_instances == poseio.load(path).n_predicted_instances


def test_a_source_of_the_wrong_type_is_refused():
    with pytest.raises(poseio.InvalidSourceError, match="a source is a path or a binary file object") as caught:
        poseio.load(42)
    assert isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda p: poseio.load(p, allow_external="no"), poseio.InvalidArgumentError),
        (lambda p: poseio.load(p, memory_budget="inf"), poseio.InvalidOptionError),
        (lambda p: poseio.load(p, memory_budget=True), poseio.InvalidOptionError),
        (lambda p: poseio.load(open(p)), poseio.InvalidSourceError),  # text mode
        (lambda p: poseio.load(p.parent / ("a" * 300 + ".nwb")), poseio.ReadError),
    ],
)
def test_reading_arguments_give_poseio_errors(tmp_path, call, error):
    path = tmp_path / "p.nwb"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(error) as caught:
        call(path)
    assert isinstance(caught.value, poseio.PoseioError)


def test_closed_file_object_and_long_destination(tmp_path):
    handle = open(tmp_path / "x.bin", "wb+")
    handle.close()
    with pytest.raises(poseio.InvalidSourceError, match="closed"):
        poseio.sniff(handle)
    labels = poseio.Labels.from_numpy(
        np.ones((1, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"])
    )
    with pytest.raises(poseio.WriteError, match="check the path"):
        poseio.save(labels, tmp_path / ("a" * 300 + ".csv"))


def _edit_rows(text: str, edit) -> str:
    lines = text.splitlines(keepends=True)
    edit(lines)
    return "".join(lines)


def _every_x(value: str):
    def edit(lines):
        for i in range(3, len(lines)):
            fields = lines[i].split(",")
            fields[1] = value
            lines[i] = ",".join(fields)

    return edit


@pytest.mark.corpus
@pytest.mark.parametrize(
    "edit, message",
    [
        # pandas makes each extra field of a first row an index level: minutes and gigabytes before any error.
        (lambda lines: lines.__setitem__(3, lines[3].rstrip("\n") + "," * 200_000 + "\n"), "its first row has 200007"),
        # pandas passes over blank lines, so the check looks past them too.
        (lambda lines: lines.__setitem__(3, "\n\n" + lines[3].rstrip("\n") + "," * 200_000 + "\n"), "has 200007"),
        # Lines that end in a lone carriage return (classic Mac OS).
        (lambda lines: lines.__setitem__(slice(None), [line.replace("\n", "\r") for line in lines]), "line ends"),
        # Whole numbers past float64 in every row: pandas keeps them as Python ints.
        (_every_x("9" * 400), "is too large for a coordinate"),
        (_every_x("True"), "is not a number"),
        # Past 2**53, int64 would wrap a frame number into a negative one.
        (lambda lines: lines.__setitem__(3, "10000000000000000000" + lines[3][1:]), "from 0 to 2\\*\\*53"),
    ],
)
def test_a_damaged_csv_is_a_read_error_that_says_what_is_wrong(tmp_path, edit, message):
    path = tmp_path / "DLC_sample_poses.csv"
    path.write_text(_edit_rows(corpus_file("formats", "DLC_sample_poses.csv").read_text(), edit))
    with pytest.raises(poseio.ReadError, match=message) as caught:
        poseio.load(path, format="dlc")
    assert str(caught.value).startswith(str(path)) or str(caught.value).startswith(path.name)
    assert "reader failed" not in str(caught.value)
