"""Issue 19, item 7: small faults of the command line and the writers, each run as a user runs it.

Every test runs the ``poseio`` console script or a fresh interpreter that
imports only poseio, and each failed on the code before its fix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import corpus_file
from fresh_process import run_fresh

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "two_mice.nwb"
POSEIO = shutil.which("poseio", path=str(Path(sys.executable).parent)) or "poseio"


def run(*args, env: dict[str, str] | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = {**os.environ, "POSEIO_DISABLE_PLUGINS": "broken", **(env or {})}
    return subprocess.run(
        [POSEIO, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=300
    )


# -- a. plot says why the video was not drawn ---------------------------------------------------


def test_plot_says_a_video_outside_the_pose_files_folder_was_refused_and_how_to_allow_it(tmp_path):
    # A SLEAP file in tmp/sub/ naming the example's video, which exists but lies outside tmp/sub/.
    pose = tmp_path / "sub" / "x.slp"
    pose.parent.mkdir()
    run_fresh(f"poseio.save(poseio.load({str(EXAMPLE)!r}), {str(pose)!r})")
    assert poseio_video_of(pose) == str(EXAMPLE.with_suffix(".mp4"))

    refused = run("plot", pose, "-o", tmp_path / "p.png")
    assert refused.returncode == 0, refused.stderr
    assert "not found" not in refused.stdout, refused.stdout  # it used to say "video not found"
    assert "trajectories" in refused.stdout
    assert f"video {EXAMPLE.with_suffix('.mp4')} not opened: it lies outside the folder of x.slp" in refused.stdout
    assert "--allow-external opens it" in refused.stdout

    allowed = run("plot", pose, "-o", tmp_path / "p.png", "--allow-external")
    assert allowed.returncode == 0 and "skeletons over frame 0" in allowed.stdout, allowed.stdout + allowed.stderr

    # A video that is really absent is still called so.
    absent = run("plot", corpus_file("nwb", "sio_predictions.nwb"), "-o", tmp_path / "t.png")
    assert "video not found: /data/lab/session1/sleapvideo.mp4" in absent.stdout, absent.stdout


def poseio_video_of(path: Path) -> str:
    result = run_fresh(f"print(poseio.load({str(path)!r}).videos[0].filename)")
    return result.stdout.strip().splitlines()[-1]


# -- b. -o compression=gzip never makes the NWB file bigger ---------------------------------------


@pytest.mark.slow
def test_gzip_does_not_make_the_example_bigger_and_shrinks_long_recordings(tmp_path):
    sizes = {}
    for name, options in (("plain", ()), ("gzip", ("-o", "compression=gzip"))):
        result = run("convert", EXAMPLE, tmp_path / f"{name}.nwb", *options, "--quiet")
        assert result.returncode == 0, result.stderr
        sizes[name] = (tmp_path / f"{name}.nwb").stat().st_size
    # It was 388 kB against 347 kB: every 150-frame series chunked, each chunk index costing more than gzip saved.
    assert sizes["gzip"] <= sizes["plain"], sizes

    # A long recording: gzip must shrink it, and keep every point.
    run_fresh(
        f"""
        import numpy as np
        rng = np.random.default_rng(0)
        walk = 300 + np.cumsum(rng.normal(size=(20000, 2, 3, 2)), axis=0)  # frames, animals, nodes, xy
        labels = poseio.Labels.from_numpy(
            walk,
            video=poseio.Video("v.mp4", fps=30.0),
            skeleton=poseio.Skeleton(["nose", "ear", "tail"]),
            tracks=[poseio.Track("m1"), poseio.Track("m2")],
            point_scores=rng.random((20000, 2, 3)),
        )
        poseio.save(labels, {str(tmp_path / "long_plain.nwb")!r})
        poseio.save(labels, {str(tmp_path / "long_gzip.nwb")!r}, compression="gzip")
        back = poseio.load({str(tmp_path / "long_gzip.nwb")!r})
        assert np.array_equal(back.numpy(), labels.numpy(), equal_nan=True)
        """
    )
    plain, gzip = ((tmp_path / f"long_{n}.nwb").stat().st_size for n in ("plain", "gzip"))
    assert gzip < 0.9 * plain, (gzip, plain)  # float64 random walks and scores: 18% smaller


@pytest.mark.slow
def test_gzip_does_not_double_a_file_of_many_short_series(tmp_path):
    # sleap-io's 8-video file: 507 points over many series; gzip made it 2.07 MB against 1.07 MB.
    source = corpus_file("nwb", "sio095_multiview.predictions.nwb")
    for name, options in (("plain", ()), ("gzip", ("-o", "compression=gzip"))):
        assert run("convert", source, tmp_path / f"{name}.nwb", *options, "-q").returncode == 0
    assert (tmp_path / "gzip.nwb").stat().st_size <= (tmp_path / "plain.nwb").stat().st_size


# -- c. a closed stdout ends every command quietly ----------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["info", "--help"],
        ["plugins"],
        ["plugins", "--json"],
        ["sniff", str(EXAMPLE)],
        ["info", str(EXAMPLE)],
        ["info", "--json", str(EXAMPLE)],
        pytest.param(["validate", str(EXAMPLE)], marks=pytest.mark.slow),  # pynwb's validator: seconds
        ["convert", str(EXAMPLE), "{tmp}/out.slp"],
        ["plot", str(EXAMPLE), "-o", "{tmp}/p.png"],
    ],
    ids=lambda args: " ".join(Path(a).name if "/" in a else a for a in args),
)
def test_a_closed_stdout_stops_every_command_quietly(tmp_path, args):
    # The reader has gone before poseio writes (as `head` does once it has its lines): every write fails.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run(*[a.format(tmp=tmp_path) for a in args], stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert "Broken pipe" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "error" not in result.stderr, result.stderr


@pytest.mark.slow
def test_validate_piped_into_head_ends_without_an_error():
    command = f"set -o pipefail; {POSEIO} validate {EXAMPLE} | head -c 1"
    result = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "POSEIO_DISABLE_PLUGINS": "broken"},
    )
    assert result.stdout == str(EXAMPLE)[0]
    assert result.returncode in (0, 141), result.stderr  # 141: poseio stopped by the closed pipe, as `yes | head`
    assert "Broken pipe" not in result.stderr and "error" not in result.stderr, result.stderr


# -- d. two distributions publishing one plugin name ---------------------------------------------


def _fake_distribution(site: Path, dist: str, module: str, entry_point: str, format_name: str) -> None:
    """A distribution installed only on ``site`` (put on PYTHONPATH): its metadata and its plugin module."""
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[poseio]\n{entry_point} = {module}\n")
    (site / f"{module}.py").write_text(
        textwrap.dedent(
            f"""
            import poseio

            @poseio.hookimpl
            def poseio_formats():
                return [poseio.FormatInfo({format_name!r}, extensions=(".{format_name}",), can_read=True)]

            @poseio.hookimpl
            def poseio_sniff(probe):
                return None

            @poseio.hookimpl
            def poseio_read(format, probe, part, options):
                raise poseio.ReadError("not really")
            """
        )
    )


def test_two_distributions_of_one_plugin_name_are_shown_as_a_conflict(tmp_path):
    site = tmp_path / "site"
    _fake_distribution(site, "dupe-a", "dupe_a", "dupe", "dupe-a-format")
    _fake_distribution(site, "dupe-b", "dupe_b", "dupe", "dupe-b-format")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}

    listing = run("plugins", env=env)
    # It used to exit 0 with pluggy's "Plugin name already registered: dupe=<module ...>" and a dict of modules.
    assert listing.returncode == 1, listing.stdout + listing.stderr
    assert "<module" not in listing.stdout + listing.stderr and "{'" not in listing.stdout + listing.stderr
    lines = listing.stdout.splitlines()
    assert (
        "dupe  (dupe-a 1.0)  CONFLICT: not loaded: distribution dupe-b 1.0 publishes a plugin of the same name" in lines
    )
    assert (
        "dupe  (dupe-b 1.0)  CONFLICT: not loaded: distribution dupe-a 1.0 publishes a plugin of the same name" in lines
    )
    assert "poseio: error: 1 conflict(s) between installed plugins:" in listing.stderr
    assert "the plugin name 'dupe' is used by 2 distributions, dupe-a 1.0 and dupe-b 1.0" in listing.stderr
    assert "POSEIO_DISABLE_PLUGINS=dupe-a" in listing.stderr
    assert "nwb-predictions" in listing.stdout  # the other plugins are listed and served as before

    as_json = run("plugins", "--json", env=env)
    assert as_json.returncode == 1
    dupes = [p for p in json.loads(as_json.stdout) if p["name"] == "dupe"]
    assert sorted(p["distribution"] for p in dupes) == ["dupe-a", "dupe-b"]
    assert all(p["conflict"] and p["error"] and not p["formats"] for p in dupes)

    # Switching one off by its distribution's name resolves it: the other is loaded and serves its format.
    resolved = run("plugins", env={**env, "POSEIO_DISABLE_PLUGINS": "broken,dupe-a"})
    assert resolved.returncode == 0, resolved.stderr
    assert "dupe  (dupe-b 1.0)  loaded" in resolved.stdout and "dupe-b-format" in resolved.stdout
    assert "dupe  (dupe-a 1.0)  disabled" in resolved.stdout


# -- e. sniff exits non-zero on a file no format claims -------------------------------------------


def test_sniff_exits_2_when_no_format_claims_a_file(tmp_path):
    unknown = tmp_path / "notes.txt"
    unknown.write_text("not pose data\n")
    for options in ((), ("--json",), ("--explain",)):
        result = run("sniff", *options, unknown)
        assert result.returncode == 2, (options, result.stdout, result.stderr)
        both = run("sniff", *options, EXAMPLE, unknown)  # one unclaimed file among others
        assert both.returncode == 2, (options, both.stdout, both.stderr)
        assert run("sniff", *options, EXAMPLE).returncode == 0
    assert "no format claims this file" in run("sniff", unknown).stdout


# -- f. info shows what is known of a video's shape -----------------------------------------------


def test_info_shows_the_frame_count_alone_when_the_frame_size_is_unknown(tmp_path):
    csv = tmp_path / "sessionDLC_resnet50.csv"
    run_fresh(
        f"""
        import numpy as np
        labels = poseio.Labels.from_numpy(
            np.ones((60, 1, 2, 2)), video=poseio.Video("session.mp4"), skeleton=poseio.Skeleton(["a", "b"]),
            point_scores=np.full((60, 1, 2), 0.9),
        )
        poseio.save(labels, {str(csv)!r}, format="dlc")
        """
    )
    text = run("info", csv)
    assert text.returncode == 0, text.stderr
    assert "[60 frames, fps unknown;" in text.stdout, text.stdout  # it was [60x0x0x0, fps unknown; ...]
    assert "x0" not in text.stdout
    summary = json.loads(run("info", "--json", csv).stdout)
    assert summary["videos"][0]["shape"] == [60, None, None, None] and summary["videos"][0]["n_frames"] == 60
    full = json.loads(run("info", "--json", EXAMPLE).stdout)["videos"][0]["shape"]
    assert full == [150, 120, 160, 3] and "[150x120x160x3, 30 fps;" in run("info", EXAMPLE).stdout


# -- g. one error class per cause, whichever plugin writes ----------------------------------------

#: The shipped formats that refuse each kind of labels (the others write them).
REFUSE_3D = {"slp", "sleap-analysis", "lightning-pose", "coco", "dlc-project", "jabs", "labelstudio", "sleap-csv",
             "ultralytics"}  # fmt: skip
REFUSE_TWO_VIDEOS = {"sleap-analysis", "lightning-pose", "movement-netcdf", "jabs"}


def test_every_shipped_writer_refuses_labels_it_cannot_hold_with_invalid_labels_error(tmp_path):
    result = run_fresh(
        f"""
        import json
        from pathlib import Path
        import numpy as np

        folder = Path({str(tmp_path)!r})
        ENDINGS = {{"slp": ".slp", "sleap-analysis": ".analysis.h5", "nwb-predictions": ".nwb",
                    "nwb-annotations": ".nwb", "coco": ".json", "labelstudio": ".json", "jabs": "_pose_est_v5.h5",
                    "movement-netcdf": ".nc", "ultralytics": "", "dlc-project": ""}}
        IMAGES = {{"ultralytics": {{"frames": "blank"}}, "dlc-project": {{"images": False}}}}

        def labels(ndim, n_videos, predicted):
            skeleton = poseio.Skeleton(["a", "b"])
            frames = []
            for v in range(n_videos):
                # A frame size: Label Studio stores points in percent of it.
                video = poseio.Video(f"/data/v{{v}}.mp4", fps=30.0, shape=(3, 48, 64, 1))
                for f in range(3):
                    points = np.full((2, ndim), 10.0 + f)
                    instance = (
                        poseio.PredictedInstance(points, skeleton, point_scores=[0.9, 0.8], score=0.9)
                        if predicted else poseio.Instance(points, skeleton)
                    )
                    frames.append(poseio.LabeledFrame(video, f, [instance]))
            return poseio.Labels(frames)

        shipped = [
            f for f in poseio.formats()
            if f.can_write and f.distribution not in ("poseio-csv-points", "poseio-broken-plugin", "poseio-dense-grid")
        ]
        outcomes = {{}}
        for info in shipped:
            for case, ndim, n_videos, options in (
                ("3d", 3, 1, {{}}),
                ("two videos", 2, 2, {{}}),
                ("two videos, layout=video", 2, 2, {{"layout": "video"}}),
            ):
                if "layout" in options and info.name not in ("dlc", "lightning-pose"):
                    continue
                # Formats that hold images write blank ones, or none, where the video is not there.
                options = {{**options, **IMAGES.get(info.name, {{}})}}
                # Each format's own kind of instances: training sets take user labels, the rest predictions.
                predicted = info.name not in ("nwb-annotations", "dlc-project", "ultralytics")
                path = folder / f"{{info.name}}-{{len(outcomes)}}{{ENDINGS.get(info.name, '.csv')}}"
                try:
                    poseio.save(labels(ndim, n_videos, predicted), path, format=info.name, **options)
                    outcome = "written"
                except poseio.PoseioError as exc:
                    outcome = type(exc).__name__ + ": " + str(exc).splitlines()[0][:150]
                    assert not path.exists()
                outcomes[f"{{info.name}}: {{case}}"] = outcome
        print("OUTCOMES", json.dumps(outcomes))
        """
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("OUTCOMES "))
    outcomes = json.loads(line.removeprefix("OUTCOMES "))
    formats = {key.split(": ")[0] for key in outcomes}
    assert formats >= {"dlc", "lightning-pose", "slp", "sleap-analysis", "nwb-predictions", "nwb-annotations"}
    wrong = {}
    for key, outcome in outcomes.items():
        name, case = key.split(": ", 1)
        refused = (
            (case == "3d" and name in REFUSE_3D)
            or (case == "two videos" and name in REFUSE_TWO_VIDEOS)
            or case == "two videos, layout=video"
        )
        if outcome.split(":")[0] != ("InvalidLabelsError" if refused else "written"):
            wrong[key] = outcome
    assert wrong == {}, "\n".join(f"{k} -> {v}" for k, v in wrong.items())


def test_the_command_line_names_the_fix_for_labels_a_format_cannot_hold(tmp_path):
    # Two videos into a SLEAP analysis file: the fix is an option, said as the command line spells it.
    source = tmp_path / "two.slp"
    run_fresh(
        f"""
        import numpy as np
        skeleton = poseio.Skeleton(["a"])
        frames = [
            poseio.LabeledFrame(poseio.Video(f"/v{{i}}.mp4"), 0, [poseio.PredictedInstance(np.ones((1, 2)), skeleton)])
            for i in range(2)
        ]
        poseio.save(poseio.Labels(frames), {str(source)!r})
        """
    )
    refused = run("convert", source, tmp_path / "one.analysis.h5")
    assert refused.returncode == 1
    assert "choose one with -o video=0" in refused.stderr and "(InvalidLabelsError)" in refused.stderr, refused.stderr
    assert run("convert", source, tmp_path / "one.analysis.h5", "-o", "video=1").returncode == 0


# -- h. validate says what it is waiting for ------------------------------------------------------


@pytest.mark.slow
def test_validate_says_on_stderr_which_validators_run_and_keeps_json_clean():
    result = run("validate", "--json", EXAMPLE)
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)  # stdout is the JSON alone
    assert {r["validator"] for r in reports} == {"pynwb", "nwbinspector"}
    lines = result.stderr.splitlines()
    assert "poseio: checking two_mice.nwb with the nwb-predictions validators (large files take minutes)..." in [
        line.replace(str(EXAMPLE), "two_mice.nwb") for line in lines
    ], result.stderr
    quiet = run("validate", "--json", "-q", EXAMPLE)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert json.loads(quiet.stdout) == reports
