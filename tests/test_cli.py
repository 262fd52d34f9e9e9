"""The poseio console script, run in a subprocess as a user would."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_file

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "two_mice.nwb"
POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"}
    return subprocess.run([POSEIO, *map(str, args)], capture_output=True, text=True, env=env, timeout=300, cwd=cwd)


def test_version_and_help():
    assert run("--version").stdout.startswith("poseio, version")
    for command in ("plugins", "sniff", "info", "convert", "validate", "plot"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Usage: poseio " + command in result.stdout


def test_plugins_lists_formats_as_text_and_json():
    text = run("plugins")
    assert "nwb-predictions" in text.stdout and "read/write/append" in text.stdout
    listing = json.loads(run("plugins", "--json").stdout)
    names = {p["name"]: p for p in listing}
    assert names["broken"]["disabled"] is True
    assert names["nwb-annotations"]["formats"][0]["can_append"] is True


def test_sniff_ranks_claims_and_explains():
    path = corpus_file("nwb", "b_pose_training.nwb")
    claims = json.loads(run("sniff", "--json", path).stdout)
    assert claims[0]["claims"][0]["format"] == "nwb-annotations"
    explained = run("sniff", "--explain", corpus_file("nwb", "e_nwb_without_pose.nwb"))
    assert "NWB file without ndx-pose PoseEstimation objects" in explained.stdout


def test_info_on_the_example():
    result = run("info", EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert "nwb-annotations+nwb-predictions" in result.stdout
    summary = json.loads(run("info", "--json", EXAMPLE).stdout)
    assert summary["user_instances"] == 10 and summary["predicted_instances"] == 300
    assert summary["tracks"] == ["mouse_1", "mouse_2"]
    assert summary["videos"][0]["fps"] == 30.0
    assert summary["session"]["subject"]["species"] == "Mus musculus"


@pytest.mark.parametrize("name", ["sio_predictions.nwb", "sio_annotations.nwb", "ref_dlc2nwb_example_m3v1mp4.nwb"])
def test_info_on_corpus_files(name):
    result = run("info", "--json", corpus_file("nwb", name))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["labeled_frames"] > 0


def test_convert_one_and_several(tmp_path):
    result = run("convert", EXAMPLE, tmp_path / "copy.nwb", "-o", "compression=gzip", "--quiet")
    assert result.returncode == 0, result.stderr
    info = json.loads(run("info", "--json", tmp_path / "copy.nwb").stdout)
    assert info["predicted_instances"] == 300 and info["user_instances"] == 10
    out = tmp_path / "out"
    out.mkdir()
    sources = [corpus_file("nwb", "sio_predictions.nwb"), corpus_file("nwb", "nc_sleap_two_tracks.nwb")]
    result = run("convert", *sources, out, "--to", "csv-points")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["nc_sleap_two_tracks.csv", "sio_predictions.csv"]


@pytest.mark.slow
def test_validate_and_plot(tmp_path):
    result = run("validate", EXAMPLE)
    assert "pynwb: passed, 0 finding(s)" in result.stdout, result.stdout + result.stderr
    assert "nwbinspector: passed" in result.stdout
    assert result.returncode == 0, result.stdout
    plot = run("plot", EXAMPLE, "-o", tmp_path / "p.png")
    assert plot.returncode == 0 and "skeletons over frame 0" in plot.stdout
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fallback = run("plot", corpus_file("nwb", "sio_predictions.nwb"), "-o", tmp_path / "t.png")
    assert "trajectories" in fallback.stdout and (tmp_path / "t.png").stat().st_size > 1000


@pytest.mark.parametrize(
    "args, message",
    [
        (("info", "/no/such/file.nwb"), "no such file"),
        (("info", "{e}"), "no installed format recognises"),
        (("convert", str(EXAMPLE), "{tmp}/x.nwb", "--to", "nope"), "no installed format is called 'nope'"),
        (("convert", str(EXAMPLE), "/no/such/folder/x.nwb"), "does not exist"),
        (("convert", str(EXAMPLE), "/sys/x.nwb"), "cannot create a file in /sys"),
    ],
)
def test_bad_input_gives_an_error_message_and_nonzero_status(tmp_path, args, message):
    e = corpus_file("nwb", "e_nwb_without_pose.nwb")
    result = run(*[a.format(e=e, tmp=tmp_path) for a in args])
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("poseio: error:") and message in lines[0], result.stderr
    assert all(line.startswith("  ") for line in lines[1:]), result.stderr  # details, indented
    assert "Traceback" not in result.stderr


def test_an_error_keeps_each_formats_reason():
    # It used to print only the first line: "... Installed formats: (UnknownFormatError)".
    e = corpus_file("nwb", "e_nwb_without_pose.nwb")
    result = run("info", str(e))
    assert "nwb-predictions" in result.stderr and "nwb-annotations" in result.stderr, result.stderr
    assert "NWB file without ndx-pose" in result.stderr


def test_info_and_sniff_start_without_pynwb():
    code = (
        "import sys; from poseio.cli import cli\n"
        f"cli(['info', {str(corpus_file('nwb', 'sio_predictions.nwb'))!r}], standalone_mode=False)\n"
        "print('HEAVY', [m for m in ('pynwb', 'hdmf', 'ndx_pose', 'matplotlib') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr
