"""Formats whose data is a folder (``FormatInfo(folders=True)``), as a third-party plugin uses them.

The plugin below reads a "points folder": ``manifest.yaml`` naming a points
file, kept inside the folder, of ``x y`` lines. It opens every file through
``probe.member``, as a folder plugin must.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import poseio
import pytest
import yaml
from fake_plugins import make_plugin
from poseio.testing import registry_with, using_registry

FORMAT = "points-folder"


def _points_folder_plugin() -> SimpleNamespace:
    @poseio.hookimpl
    def poseio_formats():
        return [
            poseio.FormatInfo(
                FORMAT, "x y lines named by manifest.yaml", extensions=(".yaml",), can_write=True, folders=True
            )
        ]

    @poseio.hookimpl
    def poseio_sniff(probe):
        if probe.is_folder:
            if "manifest.yaml" in probe.entries:
                return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "a folder with manifest.yaml")
            return poseio.Claim(FORMAT, poseio.NOT_MINE, "no manifest.yaml in the folder")
        if probe.path is not None and probe.path.name == "manifest.yaml":
            return poseio.Claim(FORMAT, poseio.TYPED_MATCH, "a points folder's manifest")
        return None

    @poseio.hookimpl
    def poseio_read(format, probe, part, options):
        manifest = yaml.safe_load(probe.member("manifest.yaml").read_text())
        points_file = probe.member(manifest["points"])
        if points_file is None:
            raise poseio.ReadError(f"{probe.name}: the manifest names {manifest['points']!r}, which is not there")
        points = np.loadtxt(points_file, ndmin=2).reshape(-1, 1, 1, 2)
        return poseio.Labels.from_numpy(points, video=poseio.Video("frames"), skeleton=poseio.Skeleton(["a"]))

    @poseio.hookimpl
    def poseio_write(format, labels, path, options):
        if options.get("fail"):
            path.mkdir()
            (path / "manifest.yaml").write_text("points: half.txt\n")
            raise RuntimeError("disk on fire")
        path.mkdir()
        (path / "manifest.yaml").write_text("points: points.txt\n")
        np.savetxt(path / "points.txt", labels.numpy()[:, 0, 0, :])

    return SimpleNamespace(
        poseio_formats=poseio_formats, poseio_sniff=poseio_sniff, poseio_read=poseio_read, poseio_write=poseio_write
    )


@pytest.fixture
def registry():
    plugins = {"points-folder": _points_folder_plugin(), "fakeout": make_plugin("fakeout", writes=True)}
    with using_registry(registry_with(extra=plugins)) as active:
        yield active


def _dataset(folder: Path, points: str = "1 2\n3 4\n", name: str = "points.txt") -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.yaml").write_text(f"points: {name}\n")
    (folder / "points.txt").write_text(points)
    return folder


def test_a_folder_and_its_entry_file_load(registry, tmp_path):
    folder = _dataset(tmp_path / "set")
    for source in (folder, folder / "manifest.yaml"):
        labels = poseio.load(source)
        assert labels.provenance["format"] == FORMAT
        np.testing.assert_array_equal(labels.numpy()[:, 0, 0, :], [[1, 2], [3, 4]])


def test_only_folder_formats_are_asked_about_a_folder(registry, tmp_path):
    report = poseio.explain(_dataset(tmp_path / "set"))
    skipped = {v.plugin: v.skipped for v in report.verdicts if v.skipped}
    assert skipped["fakeout"] == "not asked: a folder, and this plugin reads files"
    assert [c.format for c in report.chosen] == [FORMAT]


def test_a_folder_no_format_claims_says_what_to_do(registry, tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(poseio.ReadError, match="is a folder, not a pose file") as caught:
        poseio.load(tmp_path / "photos")
    message = str(caught.value)
    assert "points-folder: no manifest.yaml in the folder" in message
    assert "poseio.convert_many(" in message


@pytest.mark.parametrize("named", ["../outside.txt", "/etc/hostname", "link.txt"])
def test_member_never_leaves_the_folder(registry, tmp_path, named):
    (tmp_path / "outside.txt").write_text("9 9\n")
    folder = _dataset(tmp_path / "set", name=named)
    os.symlink(tmp_path / "outside.txt", folder / "link.txt")
    with pytest.raises(poseio.UnsafeFileError, match="outside"):
        poseio.load(folder)
    if named != "/etc/hostname":
        # The user's word lets it out.
        assert poseio.load(folder, allow_external=True).numpy()[0, 0, 0, 0] == 9


def test_save_writes_a_folder_and_replaces_only_its_own_kind(registry, tmp_path):
    labels = poseio.load(_dataset(tmp_path / "set", "5 6\n"))
    out = tmp_path / "out"
    poseio.save(labels, out, format=FORMAT)
    assert (out / "points.txt").read_text().split() == ["5.000000000000000000e+00", "6.000000000000000000e+00"]
    # An existing dataset of the format is replaced whole: a file the writer no longer writes goes.
    (out / "stale.txt").write_text("old")
    poseio.save(labels, out, format=FORMAT)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.yaml", "points.txt"]
    # A folder of other files is never replaced.
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "cat.jpg").write_bytes(b"meow")
    with pytest.raises(poseio.WriteError, match="is a folder of other files"):
        poseio.save(labels, photos, format=FORMAT)
    assert [p.name for p in photos.iterdir()] == ["cat.jpg"]


def test_a_failed_folder_write_leaves_the_old_dataset(registry, tmp_path):
    folder = _dataset(tmp_path / "set")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(poseio.WriteError, match="disk on fire"):
        poseio.save(poseio.load(folder), folder, format=FORMAT, fail=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and "tmp" in p.name] == []


def test_a_batch_converts_a_dataset_folder_as_one_input(registry, tmp_path):
    _dataset(tmp_path / "in" / "session1" / "set")
    (tmp_path / "in" / "session1" / "notes.txt").write_text("not poses")
    result = poseio.convert_many(tmp_path / "in", tmp_path / "out", to="fakeout")
    assert [Path(o.source).name for o in result.converted] == ["set"]
    assert (tmp_path / "out" / "session1" / "set.fake").read_bytes() == b"ok fakeout"
