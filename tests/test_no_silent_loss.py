"""No conversion drops part of its input with exit 0, and an append never adds what a file holds already.

Run as users run them: the ``poseio`` command and a fresh interpreter that
imports only poseio. What was written is read back with plain h5py or pandas,
never only through poseio.
"""

from __future__ import annotations

import os
import subprocess
import sys

import h5py
import pandas as pd
import pytest
from conftest import corpus_file
from fresh_process import TESTS, run_fresh
from h5_snapshot import pose_rows

POSEIO = [sys.executable, "-c", "from poseio.cli import main; main()"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    return subprocess.run([*POSEIO, *map(str, args)], capture_output=True, text=True, timeout=300, env=env)


def _mixed_slp(tmp_path):
    """A SLEAP file of user instances and predictions, written by poseio from the test data."""
    path = tmp_path / "mixed.slp"
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.annotations(with_predictions=True), {str(path)!r})")
    return path


def _kinds_in_nwb(path) -> tuple[int, int]:
    """(SkeletonInstances, PoseEstimationSeries) in an NWB file, counted with h5py."""
    counts = {"SkeletonInstance": 0, "PoseEstimationSeries": 0}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            kind = obj.attrs.get("neurodata_type")
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if kind in counts:
                counts[kind] += 1

        f.visititems(visit)
    return counts["SkeletonInstance"], counts["PoseEstimationSeries"]


@pytest.mark.parametrize(
    ("to", "lost", "keep"),
    [
        ("nwb-predictions", "9 user instances", "--to nwb-predictions,nwb-annotations"),
        ("nwb-annotations", "3 predicted instances", "--to nwb-annotations,nwb-predictions"),
    ],
)
def test_cli_refuses_to_drop_one_kind_of_instance_and_keeps_the_old_output(tmp_path, to, lost, keep):
    source = _mixed_slp(tmp_path)
    target = tmp_path / "out.nwb"
    target.write_bytes(b"an earlier output")

    result = _cli("convert", source, target, "--to", to, "--fps", "30")

    assert result.returncode == 1
    assert lost in result.stderr and "DataLossError" in result.stderr
    # The fixes, in the command line's words, not Python's.
    assert keep in result.stderr and "--allow-loss" in result.stderr
    assert "allow_loss=True" not in result.stderr and "format=" not in result.stderr
    assert target.read_bytes() == b"an earlier output"
    assert not [p for p in tmp_path.iterdir() if ".poseio-tmp" in p.name]


def test_cli_writes_both_kinds_when_both_formats_are_named(tmp_path):
    source = _mixed_slp(tmp_path)
    target = tmp_path / "out.nwb"

    result = _cli("convert", source, target, "--to", "nwb-predictions,nwb-annotations", "--fps", "30")

    assert result.returncode == 0, result.stderr
    skeleton_instances, series = _kinds_in_nwb(target)
    assert skeleton_instances == 9  # 3 user instances in each of 3 frames
    assert series > 0
    assert len(pose_rows(target)) > 0


def test_allow_loss_writes_the_named_part_alone(tmp_path):
    source = _mixed_slp(tmp_path)
    target = tmp_path / "out.nwb"

    result = _cli("convert", source, target, "--to", "nwb-annotations", "--allow-loss")

    assert result.returncode == 0, result.stderr
    assert _kinds_in_nwb(target) == (9, 0)


def test_python_names_the_keywords(tmp_path):
    source = _mixed_slp(tmp_path)
    result = run_fresh(
        f"""
        labels = poseio.load({str(source)!r})
        for call in (
            lambda: poseio.save(labels, {str(tmp_path / "a.nwb")!r}, format="nwb-predictions", fps=30),
            lambda: poseio.convert({str(source)!r}, {str(tmp_path / "b.nwb")!r}, to="nwb-predictions", fps=30),
        ):
            try:
                call()
            except poseio.DataLossError as exc:
                assert isinstance(exc, ValueError) and exc.losses == ["9 user instances (which nwb-annotations writes)"]
                print(exc)
        """
    )
    save_message, convert_message = result.stdout.strip().splitlines()
    assert "allow_loss=True" in save_message and "format=['nwb-predictions', 'nwb-annotations']" in save_message
    assert "to=['nwb-predictions', 'nwb-annotations']" in convert_message
    assert not (tmp_path / "a.nwb").exists() and not (tmp_path / "b.nwb").exists()


def test_deeplabcut_table_refuses_to_turn_user_instances_into_predictions(tmp_path):
    source = _mixed_slp(tmp_path)
    target = tmp_path / "out.csv"

    refused = _cli("convert", source, target, "--to", "dlc")
    assert refused.returncode == 1
    assert "user/predicted flag" in refused.stderr and "-o kind=user" in refused.stderr
    assert not target.exists()

    written = _cli("convert", source, target, "--to", "dlc", "-o", "kind=user")
    assert written.returncode == 0, written.stderr
    table = pd.read_csv(target, header=[0, 1, 2, 3], index_col=0)
    # Only user instances: no likelihood column, and 3 frames.
    assert "likelihood" not in table.columns.get_level_values(-1)
    assert len(table) == 3


def test_corpus_file_with_both_kinds_is_refused_as_predictions_only(tmp_path):
    source = corpus_file("formats", "typical.slp")
    result = _cli("convert", source, tmp_path / "out.nwb", "--to", "nwb-predictions", "--fps", "30")
    assert result.returncode == 1
    assert "2 user instances" in result.stderr
    assert not (tmp_path / "out.nwb").exists()


# -- append ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["predictions", "annotations"])
def test_append_twice_adds_once(tmp_path, kind):
    path = tmp_path / "session.nwb"
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.{kind}(), {str(path)!r})")
    rows_once = pose_rows(path)
    before = path.read_bytes()

    run_fresh(f"import nwb_helpers\nposeio.append(nwb_helpers.{kind}(), {str(path)!r})")

    assert path.read_bytes() == before  # held already: the file is not even rewritten
    assert pose_rows(path) == rows_once
    # And the file saves again (it once failed: two predictions on one track in one frame).
    run_fresh(f"poseio.save(poseio.load({str(path)!r}), {str(tmp_path / 'again.nwb')!r})")
    assert sorted(pose_rows(tmp_path / "again.nwb")) == sorted(rows_once)


def test_append_adds_only_the_new_frames(tmp_path):
    path = tmp_path / "session.nwb"
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.predictions(n_frames=10), {str(path)!r})")
    rows_first = set(pose_rows(path))

    run_fresh(f"import nwb_helpers\nposeio.append(nwb_helpers.predictions(n_frames=20), {str(path)!r})")

    rows = pose_rows(path)
    assert len(rows) == len(set(rows))  # no row twice
    assert rows_first <= set(rows)
    result = run_fresh(f"print(poseio.load({str(path)!r}).n_predicted_instances)")
    import nwb_helpers

    assert int(result.stdout.split()[-1]) == nwb_helpers.predictions(n_frames=20).n_predicted_instances


def test_conflicting_append_is_refused_before_writing(tmp_path):
    path = tmp_path / "session.nwb"
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.predictions(), {str(path)!r})")
    before = path.read_bytes()
    result = run_fresh(
        f"""
        import nwb_helpers
        labels = nwb_helpers.predictions()
        labels.to_table().points[4, 0, 0] += 1.0  # row 4: frame 2 of track m1 (rows go frame by frame, m1 then m2)
        try:
            poseio.append(labels, {str(path)!r})
        except poseio.InvalidLabelsError as exc:
            print(exc)
        """
    )
    assert "frame 2 " in result.stdout and "'m1'" in result.stdout
    assert path.read_bytes() == before
