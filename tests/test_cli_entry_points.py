"""``python -m poseio`` runs the command line, and ``poseio explain`` is ``poseio sniff --explain``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "two_mice.nwb"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # In a fresh interpreter, as a user runs it; the test environment's deliberately broken plugin is left out.
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    return subprocess.run(
        [sys.executable, "-m", "poseio", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_python_m_poseio_runs_the_command_line():
    version = run("--version")
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"poseio, version \S+\n", version.stdout)
    usage = run("--help")
    assert usage.returncode == 0 and usage.stdout.startswith("Usage: poseio "), usage.stdout + usage.stderr
    assert "explain" in usage.stdout and "convert" in usage.stdout
    info = run("info", str(EXAMPLE))
    assert info.returncode == 0, info.stderr
    assert "tracks (2): mouse_1, mouse_2" in info.stdout


def test_python_m_poseio_fails_as_the_script_does():
    missing = run("info", "no_such_file.nwb")
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith("(SourceNotFoundError)"), missing.stderr


def _without_timings(text: str) -> str:
    text = re.sub(r"\d+(\.\d+)? ms", "_ ms", text)
    return re.sub(r'("seconds": )[-+.\deE]+', r"\1_", text)


@pytest.mark.parametrize("extra", [(), ("--json",), ("--format", "nwb-predictions", "--partial")])
def test_explain_is_sniff_explain(tmp_path, extra):
    not_pose = tmp_path / "notes.csv"
    not_pose.write_text("a,b\n1,2\n")
    files = (str(EXAMPLE), str(not_pose))
    explained = run("explain", *files, *extra)
    sniffed = run("sniff", "--explain", *files, *extra)
    assert explained.returncode == sniffed.returncode, explained.stderr + sniffed.stderr
    assert _without_timings(explained.stdout) == _without_timings(sniffed.stdout)
    assert explained.stderr == sniffed.stderr
    assert "nwb-predictions" in explained.stdout and "notes.csv" in explained.stdout
