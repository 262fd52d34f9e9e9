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
    with pytest.raises(poseio.UnknownFormatError, match="no installed format can write files ending in '.xyz'"):
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
