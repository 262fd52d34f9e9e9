"""poseio.json and poseio.mat as a plugin author uses them: public names only, files made by json and scipy."""

from __future__ import annotations

import io
import json
from pathlib import Path

import h5py
import numpy as np
import poseio
import pytest
from poseio.json import PARSE_BYTES_PER_BYTE, parse_json, read_json, source_size, unreadable
from poseio.limits import reading_policy
from poseio.mat import MatError, Variable, is_numeric, opened, variables, version

scipy_io = pytest.importorskip("scipy.io")

# -- poseio.json ---------------------------------------------------------------------------------


def test_a_file_and_a_file_object_parse_alike(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text('{"points": [[1, 2], [3, 4]]}')
    stream = io.BytesIO(path.read_bytes())
    stream.seek(5)
    assert source_size(poseio.Probe(stream)) == path.stat().st_size
    assert stream.tell() == 5  # measuring leaves a caller's file object where it was
    for source in (path, stream):
        assert read_json(poseio.Probe(source), "Mine file") == {"points": [[1, 2], [3, 4]]}


def test_a_hostile_file_over_the_budget_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "empty_objects.json"
    path.write_text("[" + ",".join(["{}"] * 1000) + "]")  # about 24 bytes of objects per byte of text
    size = path.stat().st_size
    parsed = []
    monkeypatch.setattr(json, "loads", lambda raw: parsed.append(raw))
    with reading_policy(memory_budget=size * PARSE_BYTES_PER_BYTE - 1):
        with pytest.raises(poseio.UnsafeFileError, match=f"parsing {size} bytes of JSON"):
            read_json(poseio.Probe(path), "Mine file")
    assert parsed == []
    with reading_policy(memory_budget=size * PARSE_BYTES_PER_BYTE):
        read_json(poseio.Probe(path), "Mine file")
    assert len(parsed) == 1


def test_broken_json_says_where_it_breaks(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"points": [[1, 2],\n [3, ')
    with pytest.raises(poseio.ReadError) as caught:
        read_json(poseio.Probe(path), "Mine file")
    message = str(caught.value)
    assert message.startswith(f"{path}: not a readable Mine file: broken JSON at line 2 column 6 (")
    assert message.endswith("; the file may be cut short")
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("raw", "problem"),
    [(b'{"a": "\xff"}', r"not UTF-8 text \(invalid start byte\)"), (b"[" * 100_000, "JSON nested too deeply")],
)
def test_text_that_is_not_json_is_a_read_error_naming_the_source(raw, problem):
    with pytest.raises(poseio.ReadError, match=f"^frame_0.json: not a readable Mine frame file: {problem}$"):
        parse_json(raw, "frame_0.json", "Mine frame file", path=Path("/data/frame_0.json"))
    assert parse_json(b'{"a": 1}', "frame_0.json", "Mine frame file") == {"a": 1}


def test_unreadable_says_it_one_way():
    error = unreadable("x.json", "Mine export", "no tasks", path="/d/x.json")
    assert isinstance(error, poseio.ReadError)
    assert str(error) == "x.json: not a readable Mine export: no tasks" and str(error.path) == "/d/x.json"


# -- poseio.mat ----------------------------------------------------------------------------------

VARIABLES = {
    "pred": np.zeros((7, 3, 5)),
    "p_max": np.ones((7, 5), np.float32),
    "sampleID": np.arange(7, dtype=np.int32)[None],
    "names": np.array(["nose", "tail"], dtype=object),  # a cell
    "label": "a mouse",  # char (whosmat counts its characters with chars_as_strings=False, as the header does)
    "flags": np.array([1, 0], np.uint8),
    "box": {"path": "box.h5", "size": 3.0},  # a struct
}


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "compressed"])
def test_a_v5_file_is_walked_as_scipy_lists_its_variables(tmp_path, compressed):
    path = tmp_path / "saved.mat"
    scipy_io.savemat(path, VARIABLES, do_compression=compressed)
    probe = poseio.Probe(path)
    assert version(probe.head) == "5"
    with opened(probe) as stream:
        found = variables(stream, probe.head)
    listed = scipy_io.whosmat(path, chars_as_strings=False)
    assert [(v.name, v.shape, v.mclass) for v in found] == [(n, tuple(s), c) for n, s, c in listed]
    by_name = {v.name: v for v in found}
    # At least the elements at their class's size; at least the bytes stored (headers included).
    assert by_name["pred"].nbytes >= 7 * 3 * 5 * 8 and by_name["p_max"].nbytes >= 7 * 5 * 4
    assert all(v.nbytes >= v.stored for v in found)
    assert by_name["names"].stored > 0 and by_name["names"].nbytes >= by_name["names"].stored
    assert is_numeric("single") and is_numeric("float64") and not is_numeric("cell")


def test_a_file_object_is_walked_and_put_back_where_it_was(tmp_path):
    scipy_io.savemat(tmp_path / "saved.mat", {"pred": np.zeros((2, 3, 4))})
    stream = io.BytesIO((tmp_path / "saved.mat").read_bytes())
    stream.seek(3)
    probe = poseio.Probe(stream)
    with opened(probe) as opened_stream:
        assert variables(opened_stream, probe.head) == [Variable("pred", (2, 3, 4), "double", 8 + 2 * 3 * 4 * 8 + 48)]
    assert stream.tell() == 3


def test_a_v73_file_is_recognised_by_its_header(tmp_path):
    path = tmp_path / "v73.mat"
    with h5py.File(path, "w", userblock_size=512) as f:
        f["pred"] = np.zeros((4, 3, 7))
    with open(path, "r+b") as f:
        f.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(116) + b"\0" * 8 + b"\x00\x02IM")
    probe = poseio.Probe(path)
    assert version(probe.head) == "7.3" and probe.is_hdf5
    assert version(b"MATLAB 5.0 MAT-file, cut") is None and version(b"\x89HDF\r\n\x1a\n") is None


def test_headers_that_are_no_v5_file_are_mat_errors(tmp_path):
    path = tmp_path / "saved.mat"
    scipy_io.savemat(path, {"pred": np.zeros((2, 3, 4))})
    head = path.read_bytes()[:128]
    cut = io.BytesIO(path.read_bytes()[:140])  # the first variable's tag, then too little of its header
    with pytest.raises(MatError, match="cut short|longer than MATLAB writes"):
        variables(cut, head)
    other = io.BytesIO(head + (9).to_bytes(4, "little") + (8).to_bytes(4, "little") + bytes(8))
    with pytest.raises(MatError, match="the element at byte 128 is of type 9, not a variable"):
        variables(other, head)
