"""Plugins found through entry points: a real third-party distribution and a broken one."""

import subprocess
import sys
import textwrap
from pathlib import Path

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
    # Several installed formats write .csv (dlc, lightning-pose): the third party's is named, and detected on load.
    poseio.save(labels, path, format="csv-points")
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
        import sys, poseio, poseio._plugins._registry as r
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

    def reference(self, folder):
        # Written with the csv module's rules by hand, not by the plugin.
        path = folder / "reference.csv"
        path.write_text(
            "video,frame_idx,track,instance,skeleton,node,x,y,score,predicted\n"
            "/v.mp4,4,m1,0,mouse,nose,1.5,200.25,0.5,1\n"
            "/v.mp4,4,m1,0,mouse,tail,,,,1\n"
            "/v.mp4,7,,0,mouse,nose,3.0,400.0,,0\n"
            "/v.mp4,7,,1,mouse,nose,5.0,600.0,,0\n"
        )
        return path, [(4, "m1", "nose", 1.5, 200.25), (7, None, "nose", 3.0, 400.0), (7, None, "nose", 5.0, 600.0)]


def test_the_pytest_plugin_loads_without_hypothesis(tmp_path):
    # pytest loads poseio's pytest11 plugin in every environment poseio is installed in; one
    # without Hypothesis (which only the conformance kit needs) must still run its tests.
    (tmp_path / "test_other_project.py").write_text("def test_nothing_to_do_with_poseio():\n    assert 1 + 1 == 2\n")
    # Hypothesis is made unimportable before pytest loads its plugins (Hypothesis's own, which
    # is installed here, is switched off: it is not installed where this matters).
    run_pytest = "import pytest; sys.exit(pytest.main(['-q', '-p', 'no:hypothesispytest', sys.argv[1]]))"
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_HYPOTHESIS + run_pytest, str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


BLOCK_HYPOTHESIS = """
import sys
class NoHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ModuleNotFoundError("No module named 'hypothesis'")
sys.meta_path.insert(0, NoHypothesis())
"""


def test_a_misspelled_disabled_plugin_is_reported_and_spaces_are_ignored():
    result = run_python(
        """
        import poseio
        print(sorted(p.name for p in poseio.plugins() if p.disabled))
    """,
        POSEIO_DISABLE_PLUGINS=" broken , csv-pionts ",
    )
    assert result.returncode == 0, result.stderr
    assert "['broken']" in result.stdout
    assert "POSEIO_DISABLE_PLUGINS names 'csv-pionts', which no installed poseio plugin" in result.stderr


def test_a_disabled_format_is_not_called_missing():
    example = Path(__file__).resolve().parents[1] / "examples" / "two_mice.nwb"
    result = run_python(
        f"""
        import poseio
        try:
            poseio.load({str(example)!r}, format="nwb-predictions")
        except poseio.UnknownFormatError as error:
            print(error)
    """,
        POSEIO_DISABLE_PLUGINS="broken,nwb-predictions",
    )
    assert "switched off by POSEIO_DISABLE_PLUGINS" in result.stdout, result.stdout + result.stderr
    assert "not installed" not in result.stdout
