"""poseio.save: choosing a writer, and never damaging the destination."""

import numpy as np
import poseio
import pytest
from fake_plugins import make_plugin
from poseio.testing import registry_with, using_registry


@pytest.fixture
def labels():
    return poseio.Labels.from_numpy(np.ones((2, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"]))


@pytest.fixture
def writer_registry():
    with using_registry(registry_with(extra={"w": make_plugin("w", writes=True)})) as registry:
        yield registry


def test_writer_chosen_by_extension(tmp_path, labels, writer_registry):
    poseio.save(labels, tmp_path / "out.fake")
    assert (tmp_path / "out.fake").read_bytes() == b"ok w"


def test_no_writer_for_extension(tmp_path, labels, writer_registry):
    with pytest.raises(poseio.UnknownFormatError, match="no installed format can write a file named 'out.xyz'"):
        poseio.save(labels, tmp_path / "out.xyz")


@pytest.mark.parametrize("option", ["fail", "interrupt"])
def test_failed_or_interrupted_write_keeps_the_old_file(tmp_path, labels, writer_registry, option):
    path = tmp_path / "out.fake"
    path.write_bytes(b"old contents")
    expected = poseio.WriteError if option == "fail" else KeyboardInterrupt
    with pytest.raises(expected):
        poseio.save(labels, path, **{option: True})
    assert path.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["out.fake"]


def test_failed_write_to_new_path_leaves_nothing(tmp_path, labels, writer_registry):
    with pytest.raises(poseio.WriteError, match="disk on fire") as caught:
        poseio.save(labels, tmp_path / "new.fake", fail=True)
    assert caught.value.format == "w" and isinstance(caught.value.__cause__, RuntimeError)
    assert list(tmp_path.iterdir()) == []


def test_missing_destination_folder(tmp_path, labels, writer_registry):
    with pytest.raises(poseio.WriteError, match="does not exist"):
        poseio.save(labels, tmp_path / "nope" / "out.fake")


def test_unwritable_destination_folder(tmp_path, labels, writer_registry, monkeypatch):
    import os

    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK)
    with pytest.raises(poseio.WriteError, match="not writable"):
        poseio.save(labels, tmp_path / "out.fake")


def test_replacing_leaves_only_the_destination_with_its_permissions(tmp_path, labels, writer_registry):
    path = tmp_path / "out.fake"
    path.write_bytes(b"old contents")
    path.chmod(0o600)
    old_inode = path.stat().st_ino
    poseio.save(labels, path)
    assert path.read_bytes() == b"ok w"
    assert path.stat().st_ino != old_inode  # a new file renamed into place, not the old one rewritten
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["out.fake"]  # no temporary or lock file left


def test_a_writer_that_creates_nothing_is_a_write_error(tmp_path, labels):
    import types

    @poseio.hookimpl
    def poseio_formats():
        return [poseio.FormatInfo("lazy", extensions=(".lazy",), can_read=False, can_write=True)]

    @poseio.hookimpl
    def poseio_write(format, labels, path, options):
        pass  # forgets to write

    plugin = types.SimpleNamespace(poseio_formats=poseio_formats, poseio_write=poseio_write)
    with using_registry(registry_with(extra={"lazy": plugin})):
        with pytest.raises(poseio.WriteError, match="the writer did not create the file"):
            poseio.save(labels, tmp_path / "out.lazy")
    assert list(tmp_path.iterdir()) == []


def test_a_multi_dot_extension_finds_its_writer(tmp_path):
    # ".analysis.h5" is more than Path.suffix (".h5"): the longest declared ending wins.
    registry = registry_with(
        extra={
            "analysis": make_plugin("analysis", extension=".analysis.h5", writes=True),
            "plain": make_plugin("plain-h5", extension=".h5", writes=True),
        }
    )
    labels = poseio.Labels.from_numpy(
        np.ones((1, 1, 1, 2)), video=poseio.Video("v.mp4"), skeleton=poseio.Skeleton(["a"])
    )
    with using_registry(registry):
        poseio.save(labels, tmp_path / "x.analysis.h5")
        poseio.save(labels, tmp_path / "y.h5")
        poseio.save(labels, tmp_path / "Z.ANALYSIS.H5")
    assert (tmp_path / "x.analysis.h5").read_bytes() == b"ok analysis"
    assert (tmp_path / "y.h5").read_bytes() == b"ok plain-h5"
    assert (tmp_path / "Z.ANALYSIS.H5").read_bytes() == b"ok analysis"


@pytest.mark.corpus
def test_a_named_format_that_would_write_none_of_the_labels_is_refused(tmp_path):
    from conftest import corpus_file

    # User labels only: nwb-predictions once wrote an NWB file without a pose in it, and reported success.
    labels = poseio.load(corpus_file("formats", "sio095_user_labels.slp"))
    assert labels.n_predicted_instances == 0 and labels.n_user_instances > 0
    existing = tmp_path / "out.nwb"
    existing.write_bytes(b"an earlier file")
    with pytest.raises(poseio.UnknownFormatError, match="would write none of these labels.*0 predicted instances"):
        poseio.save(labels, existing, format="nwb-predictions")
    assert existing.read_bytes() == b"an earlier file"
    # Naming a format that holds them too, or none, writes them.
    poseio.save(labels, tmp_path / "both.nwb", format=["nwb-predictions", "nwb-annotations"])
    poseio.save(labels, tmp_path / "chosen.nwb")
    for name in ("both.nwb", "chosen.nwb"):
        assert poseio.load(tmp_path / name).n_user_instances == labels.n_user_instances


@pytest.mark.corpus
def test_converting_user_labels_to_nwb_predictions_is_refused_as_users_run_it(tmp_path):
    # The CLI in a new process (which imports only poseio); the file written otherwise is read with plain h5py.
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from conftest import corpus_file
    from test_convert_to_nwb import _nwb_points, _sorted_rows

    poseio_cli = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"
    source = corpus_file("formats", "sio095_user_labels.slp")
    out = tmp_path / "out.nwb"
    out.write_bytes(b"an earlier file")

    def convert(*extra):
        return subprocess.run([poseio_cli, "convert", source, out, *extra], capture_output=True, text=True, timeout=300)

    refused = convert("--to", "nwb-predictions")
    assert refused.returncode == 1 and "would write none of these labels" in refused.stderr, refused.stderr
    assert out.read_bytes() == b"an earlier file"
    written = convert()
    assert written.returncode == 0, written.stderr
    truth = np.load(corpus_file("formats", "truth.npz"))["sio095_user_labels.slp"]
    np.testing.assert_array_equal(_sorted_rows(_nwb_points(out)), _sorted_rows(truth))
