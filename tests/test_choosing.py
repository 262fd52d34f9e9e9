"""Choosing who reads a file: format lists never read less than the file holds, lasting preferences, the CLI."""

import json

import h5py
import numpy as np
import poseio
import pytest
from fake_plugins import make_plugin
from fresh_process import run_fresh
from nwb_helpers import annotations
from poseio.testing import registry_with, using_registry


@pytest.fixture
def mixed_nwb(tmp_path):
    """An NWB file holding both a PoseEstimation (3 predictions) and a PoseTraining (9 user instances)."""
    path = tmp_path / "mixed.nwb"
    poseio.save(annotations(with_predictions=True), path)
    return path


def _h5_counts(path) -> tuple[int, int]:
    """(PoseEstimationSeries rows with a finite point, SkeletonInstances) counted with h5py alone."""
    series_rows, instances = 0, 0

    def visit(name, obj):
        nonlocal series_rows, instances
        kind = obj.attrs.get("neurodata_type")
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "SkeletonInstance":
            instances += 1
        elif kind == "PoseEstimationSeries":
            series_rows = max(series_rows, int(np.isfinite(obj["data"][()]).all(axis=1).sum()))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return series_rows, instances


def test_one_format_that_reads_part_of_a_file_is_refused_unless_partial(mixed_nwb):
    predictions, training = _h5_counts(mixed_nwb)
    assert (predictions, training) == (3, 9)
    with pytest.raises(poseio.PartialFormatError) as caught:
        poseio.load(mixed_nwb, format="nwb-predictions")
    assert caught.value.missing == {"pose-training": ["nwb-annotations"]}
    assert "format=['nwb-predictions', 'nwb-annotations']" in str(caught.value)
    assert isinstance(caught.value, ValueError)  # a usage mistake, not an I/O failure
    only = poseio.load(mixed_nwb, format="nwb-predictions", partial=True)
    assert (only.n_predicted_instances, only.n_user_instances) == (predictions, 0)
    # The advice, followed, reads everything.
    both = poseio.load(mixed_nwb, format=["nwb-predictions", "nwb-annotations"])
    assert (both.n_predicted_instances, both.n_user_instances) == (predictions, training)


def test_a_preference_list_whose_first_choice_declines_still_reads_every_part(mixed_nwb, tmp_path):
    # The case: a whole-file format first that does not claim the file, then one part's format.
    whole = make_plugin("some-whole-file-format", extension=".other")
    installed = registry_with("nwb-predictions", "nwb-annotations", extra={"whole": whole})
    with using_registry(installed):
        with pytest.raises(poseio.PartialFormatError, match="pose-estimation"):
            poseio.load(mixed_nwb, format=["some-whole-file-format", "nwb-annotations"])


def test_ambiguity_advice_names_choices_that_keep_every_part(tmp_path):
    path = tmp_path / "data.fake"
    path.write_bytes(b"fake")
    plugins = {
        "a": make_plugin("a", confidence=0.9, part="poses"),
        "b": make_plugin("b", confidence=0.89, part="poses"),
        "c": make_plugin("c", confidence=0.8, part="frames"),
    }
    with using_registry(registry_with(extra=plugins)):
        with pytest.raises(poseio.AmbiguousFormatError) as caught:
            poseio.load(path)
        message = str(caught.value)
        assert "format=['a', 'c'] or format=['b', 'c']" in message
        for choice in (["a", "c"], ["b", "c"]):
            labels = poseio.load(path, format=choice)  # each advised choice reads both parts
            assert sorted(t.name for t in labels.tracks) == ["frames", "poses"]
        with pytest.raises(poseio.PartialFormatError):
            poseio.load(path, format="a")


def test_a_lasting_preference_settles_ties_and_never_restricts(tmp_path, monkeypatch):
    tie = tmp_path / "tie.fake"
    tie.write_bytes(b"x")
    alone = tmp_path / "alone.solo"
    alone.write_bytes(b"x")
    plugins = {
        "a": make_plugin("a", confidence=0.9),
        "b": make_plugin("b", confidence=0.9),
        "solo": make_plugin("solo", extension=".solo"),
    }
    with using_registry(registry_with(extra=plugins)):
        with pytest.raises(poseio.AmbiguousFormatError, match="POSEIO_PREFER=a,b"):
            poseio.load(tie)
        monkeypatch.setenv("POSEIO_PREFER", "b, a")
        assert poseio.load(tie).provenance["format"] == "b"
        assert poseio.load(alone).provenance["format"] == "solo"  # a preference is not a restriction
        monkeypatch.delenv("POSEIO_PREFER")
        config = tmp_path / "config.toml"
        config.write_text('prefer = ["a"]\n')
        monkeypatch.setenv("POSEIO_CONFIG", str(config))
        assert poseio.load(tie).provenance["format"] == "a"
        config.write_text("prefer = 'a'\n")
        with pytest.raises(poseio.InvalidOptionError, match="must be a list of format names"):
            poseio.load(tie)
        config.write_text("prefer = [\n")
        with pytest.raises(poseio.InvalidOptionError, match="config file cannot be read"):
            poseio.load(tie)


def test_read_options_go_to_the_format_that_declares_them(mixed_nwb):
    predictions, training = _h5_counts(mixed_nwb)
    labels = poseio.load(mixed_nwb, views=["/data/session/cam.mp4"])  # views= is nwb-predictions' own option
    assert (labels.n_predicted_instances, labels.n_user_instances) == (predictions, training)
    with pytest.raises(poseio.InvalidOptionError, match="no reader of"):
        poseio.load(mixed_nwb, viewz=["world"])


def test_the_cli_takes_format_lists_and_partial_in_a_fresh_process(mixed_nwb):
    predictions, training = _h5_counts(mixed_nwb)
    result = run_fresh(
        f"""
        import json, pathlib, subprocess, sys
        poseio_cli = str(pathlib.Path(sys.executable).with_name("poseio"))
        def info(*args):
            return subprocess.run([poseio_cli, "info", {str(mixed_nwb)!r}, "--json", *args],
                                  capture_output=True, text=True)
        refused = info("--format", "nwb-predictions")
        assert refused.returncode != 0 and "PartialFormatError" in refused.stderr, refused.stderr
        partial = info("--format", "nwb-predictions", "--partial")
        both = info("--format", "nwb-predictions,nwb-annotations")
        print(json.dumps([json.loads(partial.stdout), json.loads(both.stdout)]))
        """
    )
    partial, both = json.loads(result.stdout.strip().splitlines()[-1])
    assert (partial["user_instances"], partial["predicted_instances"]) == (0, predictions)
    assert (both["user_instances"], both["predicted_instances"]) == (training, predictions)
