"""Plugins found through entry points: a real third-party distribution and a broken one."""

import subprocess
import sys
import textwrap

import numpy as np
import poseio
from poseio.testing import FormatConformance


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_third_party_plugin_is_discovered_listed_and_used(tmp_path):
    infos = {p.name: p for p in poseio.plugins()}
    assert infos["csv-points"].distribution == "poseio-csv-points" and infos["csv-points"].loaded
    skeleton = poseio.Skeleton(["a", "b"], name="s")
    labels = poseio.Labels(
        [
            poseio.LabeledFrame(
                poseio.Video("v.mp4"),
                4,
                [poseio.Instance(np.array([[1.0, 2.0], [np.nan, np.nan]]), skeleton, poseio.Track("t"))],
            )
        ]
    )
    path = tmp_path / "points.csv"
    poseio.save(labels, path)
    assert path.read_text().startswith("video,frame_idx,track")
    loaded = poseio.load(path)
    assert loaded.provenance["plugin"] == "csv-points"
    assert loaded[0].frame_idx == 4 and loaded[0].instances[0].points[0].tolist() == [1.0, 2.0]


def test_broken_plugin_is_listed_with_its_error_and_the_host_works():
    broken = next(p for p in poseio.plugins() if p.name == "broken")
    assert not broken.loaded
    assert "poseio_dependency_that_does_not_exist" in broken.error


def test_broken_plugin_warns_and_load_still_works(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("video,frame_idx,track,instance,skeleton,node,x,y,score,predicted\nv.mp4,0,,0,s,a,1.0,2.0,,0\n")
    result = run_python(f"""
        import poseio
        print(len(poseio.load({str(path)!r})))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "poseio plugin 'broken' could not be loaded" in result.stderr


def test_strict_mode_turns_load_errors_into_exceptions():
    result = run_python("import poseio; poseio.plugins()", POSEIO_STRICT_PLUGINS="1")
    assert result.returncode != 0
    assert "PluginError" in result.stderr and "broken" in result.stderr


def test_disabled_plugins_are_not_loaded():
    result = run_python(
        """
        import poseio
        print(sorted(p.name for p in poseio.plugins() if p.disabled), sorted(f.name for f in poseio.formats()))
    """,
        POSEIO_DISABLE_PLUGINS="broken,csv-points",
    )
    assert result.returncode == 0, result.stderr
    assert "['broken', 'csv-points']" in result.stdout and "csv-points'" not in result.stdout.split("]")[1]
    assert "could not be loaded" not in result.stderr


def test_entry_points_are_scanned_at_first_use_not_at_import():
    result = run_python(
        """
        import sys, poseio, poseio._registry as r
        print(r._registry is None, "poseio_csv_points" in sys.modules)
        poseio.formats()
        print(r._registry is not None, "poseio_csv_points" in sys.modules)
    """,
        POSEIO_DISABLE_PLUGINS="broken",
    )
    assert result.stdout.split() == ["True", "False", "True", "True"], result.stderr


class TestCsvPointsConformance(FormatConformance):
    format = "csv-points"
    extension = ".csv"
    keeps = frozenset({"points", "frames", "videos", "tracks", "kinds", "point_scores", "skeleton_name"})
    strategy_options = {"ndim": 2}
    max_examples = 25
