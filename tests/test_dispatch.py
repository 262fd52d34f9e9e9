"""The dispatcher: ranking, ambiguity, parts, guards and explanations."""

import numpy as np
import poseio
import pytest
from fake_plugins import make_plugin, nan_sniffer, raising_sniffer
from poseio.testing import registry_with, using_registry


@pytest.fixture
def fake_file(tmp_path):
    path = tmp_path / "data.fake"
    path.write_bytes(b"fake data")
    return path


def test_highest_confidence_wins(fake_file):
    registry = registry_with(extra={"low": make_plugin("low", confidence=0.5), "high": make_plugin("high")})
    with using_registry(registry):
        labels = poseio.load(fake_file)
        assert labels.provenance["format"] == "high"
        assert labels.provenance["plugin"] == "high"
        assert [c.format for c in poseio.sniff(fake_file)] == ["high", "low"]


def test_close_claims_on_one_part_are_ambiguous(fake_file):
    registry = registry_with(
        extra={"one": make_plugin("one", confidence=0.9), "two": make_plugin("two", confidence=0.88)}
    )
    with using_registry(registry):
        with pytest.raises(poseio.AmbiguousFormatError) as caught:
            poseio.load(fake_file)
        assert caught.value.candidates == ["one", "two"]
        assert "format='one'" in str(caught.value)
        assert poseio.load(fake_file, format=["two", "one"]).provenance["format"] == "two"
        assert poseio.load(fake_file, format="one").provenance["format"] == "one"


def test_claims_on_different_parts_are_combined(fake_file):
    registry = registry_with(
        extra={
            "ann": make_plugin("ann", part="annotations"),
            "pred": make_plugin("pred", confidence=0.88, part="predictions"),
        }
    )
    with using_registry(registry):
        labels = poseio.load(fake_file)
    assert labels.provenance["format"] == "ann+pred"
    assert sorted(t.name for t in labels.tracks) == ["annotations", "predictions"]
    assert len(labels.videos) == 2


def test_a_whole_file_claim_competes_with_every_part(fake_file):
    registry = registry_with(
        extra={"part": make_plugin("part", part="p"), "whole": make_plugin("whole", confidence=0.87)}
    )
    with using_registry(registry), pytest.raises(poseio.AmbiguousFormatError):
        poseio.load(fake_file)


@pytest.mark.parametrize(
    "bad_sniffer", [raising_sniffer, nan_sniffer, lambda probe: poseio.Claim("not-declared", 0.9, "")]
)
def test_a_broken_sniffer_is_recorded_and_skipped(fake_file, bad_sniffer):
    registry = registry_with(extra={"bad": make_plugin("bad", sniff=bad_sniffer), "good": make_plugin("good")})
    with using_registry(registry):
        assert poseio.load(fake_file).provenance["format"] == "good"
        report = poseio.explain(fake_file)
    bad = next(v for v in report.verdicts if v.plugin == "bad")
    assert bad.error and not bad.claims
    assert "ERROR" in str(report) and "chosen: good" in str(report)


def test_claims_outside_zero_to_one_are_invalid():
    with pytest.raises(ValueError):
        poseio.Claim("x", 1.5, "")
    with pytest.raises(ValueError):
        poseio.Claim("x", float("nan"), "")
    with pytest.raises(TypeError):
        poseio.Claim("x", "0.5", "")


def test_nothing_claims_lists_every_decline(tmp_path):
    path = tmp_path / "data.other"
    path.write_bytes(b"?")
    registry = registry_with(extra={"a": make_plugin("a"), "b": make_plugin("b")})
    with using_registry(registry), pytest.raises(poseio.UnknownFormatError) as caught:
        poseio.load(path)
    message = str(caught.value)
    assert "no installed format recognises" in message
    # Neither was asked: the name ends in none of their endings, and the list says so.
    assert "  - a: not asked: the name ends in none of .fake" in message and "  - b: not asked" in message
    assert "nwb-predictions (distribution poseio-nwb-predictions)" in message
    assert set(caught.value.missing) == {"nwb-predictions", "nwb-annotations"}


def test_a_named_format_whose_sniffer_declines_reads_on_the_callers_say_so(tmp_path):
    # No format recognises the file: the one the caller names reads it (its reader says what is wrong,
    # where there is something), so no plugin needs to claim broken files faintly to stay reachable.
    path = tmp_path / "data.other"
    path.write_bytes(b"?")
    with using_registry(registry_with(extra={"a": make_plugin("a")})):
        assert poseio.load(path, format="a").provenance["format"] == "a"
        with pytest.raises(poseio.UnknownFormatError, match="no installed format is called 'zzz'"):
            poseio.load(path, format="zzz")


def test_a_named_format_that_declines_a_file_another_reads_names_the_other(tmp_path):
    path = tmp_path / "data.b"
    path.write_bytes(b"?")
    plugins = {"a": make_plugin("a"), "b": make_plugin("b", extension=".b")}
    with using_registry(registry_with(extra=plugins)):
        with pytest.raises(poseio.UnknownFormatError, match="format 'a' does not recognise.*It reads as b"):
            poseio.load(path, format="a")


def test_a_reader_failure_keeps_format_plugin_and_cause(fake_file):
    plugin = make_plugin("boom")

    def poseio_read(format, probe, part, options):
        raise IndexError("deep inside")

    plugin.poseio_read = poseio.hookimpl(poseio_read)
    with using_registry(registry_with(extra={"boom": plugin})), pytest.raises(poseio.ReadError) as caught:
        poseio.load(fake_file)
    assert caught.value.format == "boom" and caught.value.plugin == "boom"
    assert isinstance(caught.value.__cause__, IndexError)
    assert isinstance(caught.value, OSError)


def test_sniffers_get_one_shared_probe(fake_file):
    seen = []

    def remember(probe):
        seen.append(probe)
        return None

    registry = registry_with(extra={"a": make_plugin("a", sniff=remember), "b": make_plugin("b", sniff=remember)})
    with using_registry(registry):
        poseio.sniff(fake_file)
    assert len(seen) == 2 and seen[0] is seen[1]
    assert seen[0].head == b"fake data" and not seen[0].is_hdf5


def test_labels_from_reader_are_labels(fake_file):
    with using_registry(registry_with(extra={"a": make_plugin("a")})):
        labels = poseio.load(fake_file)
    assert np.array_equal(labels.numpy(), np.ones((1, 1, 1, 2)))


def test_a_sniffer_is_only_asked_about_names_its_formats_declare(tmp_path):
    # A slow sniffer for ".xyz" files used to slow down every load of every other file.
    asked = []

    def counting(probe):
        asked.append(probe.name)
        return None

    registry = registry_with(
        extra={"xyz": make_plugin("xyz", extension=".xyz", sniff=counting), "fake": make_plugin("fake")}
    )
    path = tmp_path / "a.fake"
    path.write_bytes(b"data")
    with using_registry(registry):
        poseio.load(path)
        report = poseio.explain(path)
    assert asked == []
    assert "plugin xyz: not asked: the name ends in none of .xyz" in str(report)


def test_explain_asks_each_sniffer_once(tmp_path):
    asked = []

    def counting(probe):
        asked.append(probe.name)
        return poseio.Claim("fake", 0.9, "mine")

    registry = registry_with(extra={"fake": make_plugin("fake", sniff=counting)})
    path = tmp_path / "a.fake"
    path.write_bytes(b"data")
    with using_registry(registry):
        poseio.explain(path)
    assert len(asked) == 1


def test_a_named_format_or_a_file_object_is_always_sniffed(tmp_path):
    asked = []

    def counting(probe):
        asked.append(probe.name)
        return poseio.Claim("xyz", 0.9, "mine")

    registry = registry_with(extra={"xyz": make_plugin("xyz", extension=".xyz", sniff=counting)})
    path = tmp_path / "data.txt"
    path.write_bytes(b"data")
    with using_registry(registry):
        poseio.load(path, format="xyz")  # the user says what it is: the name does not decide
        with open(path, "rb") as handle:
            poseio.load(handle)  # a file object's name says nothing
    assert len(asked) == 2


def test_labels_a_reader_cannot_build_from_a_file_are_a_read_error_naming_it(fake_file):
    # A reader that builds labels from a file's values (two nodes of one name) meets InvalidLabelsError, the
    # error for a caller's labels; for a file it is the file's fault: ReadError, as every plugin says it.
    plugin = make_plugin("dup")

    @poseio.hookimpl
    def poseio_read(format, probe, part, options):
        return poseio.Labels.from_numpy(np.zeros((1, 1, 2, 2)), skeleton=poseio.Skeleton(["a", "a"]))

    plugin.poseio_read = poseio_read
    with using_registry(registry_with(extra={"dup": plugin})):
        with pytest.raises(poseio.ReadError, match="data.fake: the file holds what poseio's labels cannot") as caught:
            poseio.load(fake_file)
    assert isinstance(caught.value.__cause__, poseio.InvalidLabelsError)
    assert caught.value.format == "dup" and caught.value.path == fake_file
