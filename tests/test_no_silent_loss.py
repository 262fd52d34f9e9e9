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
import numpy as np
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


# -- who made the poses ------------------------------------------------------------------------


def _who_made_them(path) -> list[tuple[str, str | None, str | None]]:
    """(container, scorer, source_software) of every PoseEstimation, read with h5py."""
    found = []
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if obj.attrs.get("neurodata_type") in ("PoseEstimation", b"PoseEstimation"):
                text = [obj[k][()].decode() if k in obj else None for k in ("scorer", "source_software")]
                found.append((name.rsplit("/", 1)[-1], *text))

        f.visititems(visit)
    return found


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["DLC_sample_poses.h5", "briefDeepCut_resnet50_TESTAug16shuffle1_10.csv"])
def test_the_deeplabcut_scorer_becomes_the_nwb_scorer(tmp_path, name):
    source = corpus_file("formats", name)
    scorer = (
        pd.read_hdf(source).columns.get_level_values(0)[0]
        if name.endswith(".h5")
        else pd.read_csv(source, header=[0, 1, 2], nrows=1).columns[1][0]
    )
    result = _cli("convert", source, tmp_path / "out.nwb", "--fps", "30")
    assert result.returncode == 0, result.stderr
    assert {(s, sw) for _, s, sw in _who_made_them(tmp_path / "out.nwb")} == {(scorer, "DeepLabCut")}


@pytest.mark.corpus
def test_nwb_to_nwb_and_to_deeplabcut_keep_the_scorer_and_software(tmp_path):
    source = corpus_file("nwb", "dlc2nwb_m1videoDLC_resnet50_openfieldOct30shuffle1_1600_ind1.nwb")
    ((_, scorer, software),) = _who_made_them(source)
    assert scorer and software == "DeepLabCut"

    assert _cli("convert", source, tmp_path / "out.nwb").returncode == 0
    assert [(s, sw) for _, s, sw in _who_made_them(tmp_path / "out.nwb")] == [(scorer, software)]

    assert _cli("convert", tmp_path / "out.nwb", tmp_path / "out.csv", "--to", "dlc").returncode == 0
    header = pd.read_csv(tmp_path / "out.csv", header=[0, 1, 2, 3], nrows=1).columns
    assert set(header.get_level_values(0)[1:]) == {scorer}


# -- the rest of an NWB session ---------------------------------------------------------------


def _session_with_poses_and_more(path) -> None:
    """An NWB session written by pynwb: poses (written by poseio), frames stored in the file, an LFP and trials."""
    run_fresh(f"import nwb_helpers\nposeio.save(nwb_helpers.predictions(), {str(path)!r})")
    run_fresh(
        f"""
        import numpy as np
        import ndx_pose  # noqa: F401
        from pynwb import NWBHDF5IO, TimeSeries
        from pynwb.image import ImageSeries
        with NWBHDF5IO({str(path)!r}, "a") as io:
            nwbfile = io.read()
            frames = np.arange(5 * 8 * 6, dtype=np.uint8).reshape(5, 8, 6)
            nwbfile.add_acquisition(ImageSeries(name="raw_camera", data=frames, unit="n.a.", rate=30.0))
            nwbfile.add_acquisition(TimeSeries(name="lfp", data=np.arange(10.0), unit="V", rate=1000.0))
            nwbfile.add_trial(start_time=0.0, stop_time=1.0)
            io.write(nwbfile)
        """
    )


def _dataset(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def test_nwb_to_nwb_keeps_the_rest_of_the_session(tmp_path):
    source = tmp_path / "session.nwb"
    _session_with_poses_and_more(source)
    target = tmp_path / "out.nwb"

    result = _cli("convert", source, target, "-o", "compression=gzip")

    assert result.returncode == 0, result.stderr
    for name in ("acquisition/raw_camera/data", "acquisition/lfp/data", "intervals/trials/start_time"):
        assert (_dataset(target, name) == _dataset(source, name)).all(), name
    assert sorted(pose_rows(target)) == sorted(pose_rows(source))
    # One set of poses, not the old ones beside the new.
    assert _kinds_in_nwb(target)[1] == _kinds_in_nwb(source)[1]
    # And the file is NWB that pynwb reads, with its poses.
    run_fresh(
        f"""
        import ndx_pose  # noqa: F401
        from pynwb import NWBHDF5IO
        with NWBHDF5IO({str(target)!r}, "r") as io:
            nwbfile = io.read()
            assert "raw_camera" in nwbfile.acquisition and "lfp" in nwbfile.acquisition
            assert len(nwbfile.trials) == 1
        """
    )


def test_a_pose_only_copy_of_a_session_is_refused_unless_the_loss_is_accepted(tmp_path):
    source = tmp_path / "session.nwb"
    _session_with_poses_and_more(source)
    target = tmp_path / "out.nwb"

    refused = _cli("convert", source, target, "-o", "keep_session=false")
    assert refused.returncode == 1
    assert "acquisition/lfp" in refused.stderr and "acquisition/raw_camera" in refused.stderr
    assert "--allow-loss" in refused.stderr
    assert not target.exists()

    written = _cli("convert", source, target, "-o", "keep_session=false", "--allow-loss")
    assert written.returncode == 0, written.stderr
    with h5py.File(target, "r") as f:
        assert "lfp" not in f["acquisition"] and "raw_camera" not in f["acquisition"]
    assert sorted(pose_rows(target)) == sorted(pose_rows(source))


def test_a_subject_is_added_to_a_kept_session_without_one(tmp_path):
    source = tmp_path / "session.nwb"
    _session_with_poses_and_more(source)
    (tmp_path / "subject.yaml").write_text("subject_id: m7\nspecies: Mus musculus\nsex: F\nage: P60D\n")

    result = _cli("convert", source, tmp_path / "out.nwb", "--subject", tmp_path / "subject.yaml")

    assert result.returncode == 0, result.stderr
    assert _dataset(tmp_path / "out.nwb", "general/subject/subject_id") == b"m7"
    assert (_dataset(tmp_path / "out.nwb", "acquisition/lfp/data") == np.arange(10.0)).all()
