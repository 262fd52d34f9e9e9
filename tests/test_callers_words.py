"""Every error that has a fix names it in the caller's words: a flag at the command line, a keyword in Python.

Each case runs as users run it: the ``poseio`` command, or a fresh interpreter that imports only poseio.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import poseio
from conftest import corpus_file
from fresh_process import run_fresh
from nwb_helpers import predictions

POSEIO = str(Path(sys.executable).with_name("poseio"))
ENV = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken,csv-points"}


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([POSEIO, *map(str, args)], capture_output=True, text=True, env=ENV, timeout=300)


def _python_error(code: str) -> str:
    """The message of the poseio error ``code`` raises, in a fresh interpreter."""
    result = run_fresh(
        f"""
        try:
            {code}
        except poseio.PoseioError as exc:
            print(exc)
        else:
            raise SystemExit("no error")
        """
    )
    return result.stdout


def test_an_output_no_format_writes_names_the_output_format_option(tmp_path):
    source = tmp_path / "p.slp"
    poseio.save(predictions(), source)
    done = _cli("convert", source, tmp_path / "out.xyz")
    assert done.returncode == 1
    assert "--to NAME" in done.stderr and "format=" not in done.stderr
    message = _python_error(f"poseio.save(poseio.load({str(source)!r}), {str(tmp_path / 'out.xyz')!r})")
    assert "format=NAME" in message and "--to" not in message


def test_a_file_linking_outside_itself_names_the_opt_in(tmp_path):
    path = tmp_path / "p.nwb"
    poseio.save(predictions(), path)
    (tmp_path / "other.h5").write_bytes(b"")
    with h5py.File(path, "a") as f:
        f["/processing/behavior/PoseEstimation_m1/stolen"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/")
    done = _cli("info", path)
    assert done.returncode == 1
    assert "--allow-external" in done.stderr and "allow_external=True" not in done.stderr
    message = _python_error(f"poseio.load({str(path)!r})")
    assert "allow_external=True" in message and "--allow-external" not in message


def test_a_multi_animal_table_read_as_lightning_pose_names_the_format_that_reads_it(tmp_path):
    source = tmp_path / "multi.csv"
    shutil.copyfile(corpus_file("formats", "movement015_multi_two_animals_dlc.csv"), source)
    done = _cli("info", source, "--format", "lightning-pose")
    assert done.returncode == 1
    assert "It reads as dlc" in done.stderr and "--format dlc" in done.stderr
    message = _python_error(f"poseio.load({str(source)!r}, format='lightning-pose')")
    assert "format='dlc'" in message and "--format" not in message


def test_a_file_no_format_reads_names_the_explain_command(tmp_path):
    source = tmp_path / "notes.csv"
    source.write_text("a,b\n1,2\n")
    done = _cli("info", source, "--format", "dlc")
    assert done.returncode == 1
    assert f"poseio explain {source}" in done.stderr
    message = _python_error(f"poseio.load({str(source)!r}, format='dlc')")
    assert f"poseio.explain({str(source)!r})" in message


def test_the_memory_budget_is_named_as_the_caller_sets_it(tmp_path):
    path = tmp_path / "p.nwb"
    poseio.save(predictions(n_frames=2000), path)
    done = _cli("info", path, "--memory-budget", "10kB")
    assert done.returncode == 1
    assert "--memory-budget 2GB" in done.stderr
    message = _python_error(f"poseio.load({str(path)!r}, memory_budget='10kB')")
    assert "memory_budget='2GB'" in message
