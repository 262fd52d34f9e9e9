"""poseio_formats: static declarations, validated when a plugin loads."""

from pathlib import Path
from types import SimpleNamespace

import poseio
import pytest
from fake_plugins import make_plugin
from poseio._plugins._registry import Registry
from poseio.testing import registry_with, using_registry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "two_mice.nwb"


def test_declarations_are_stamped_with_plugin_and_distribution():
    registry = Registry.from_plugins({"fake": make_plugin("fmt", writes=True)})
    info = registry.formats["fmt"]
    assert info.plugin == "fake" and info.can_write and info.extensions == (".fake",)
    assert registry.plugins["fake"].loaded


def test_installed_plugins_declare_their_formats():
    names = {f.name: f for f in poseio.formats()}
    assert {"nwb-predictions", "nwb-annotations", "csv-points"} <= set(names)
    assert names["nwb-predictions"].distribution == "poseio-nwb-predictions"
    assert names["nwb-annotations"].can_append


def test_two_plugins_declaring_one_format_is_an_error_naming_both(caplog):
    registry = Registry.from_plugins({"first": make_plugin("same"), "second": make_plugin("same")})
    for plugin in ("first", "second"):
        conflict = registry.plugins[plugin].conflict
        assert "declared by both plugin 'first'" in conflict and "plugin 'second'" in conflict
    assert "declared by both" in caplog.text


def test_a_conflicted_format_reads_and_writes_nothing_and_says_why(tmp_path):
    # Whichever plugin loaded first used to serve the format silently.
    registry = registry_with(
        extra={
            "first": make_plugin("same", writes=True),
            "second": make_plugin("same"),
            "other": make_plugin("other", extension=".oth"),
        }
    )
    path, other = tmp_path / "x.fake", tmp_path / "x.oth"
    path.write_bytes(b"data")
    other.write_bytes(b"data")
    with using_registry(registry):
        for call in (lambda: poseio.load(path), lambda: poseio.load(path, format="same")):
            with pytest.raises(poseio.DuplicateFormatError, match="declared by both plugin 'first'.*'second'"):
                call()
        with pytest.raises(poseio.DuplicateFormatError):
            poseio.save(poseio.load(other), tmp_path / "y.fake")
        assert not (tmp_path / "y.fake").exists()
        assert poseio.load(other).n_predicted_instances == 1  # formats without a conflict work meanwhile


def test_a_third_party_declaring_a_shipped_format_never_half_reads_a_file():
    # A distribution declaring "nwb-predictions" must not switch off poseio's own reader for it,
    # leaving the example's 300 predictions unread while its 10 user instances load.
    registry = registry_with(
        "nwb-predictions", "nwb-annotations", extra={"aaa-impostor": make_plugin("nwb-predictions")}
    )
    with using_registry(registry):
        with pytest.raises(poseio.DuplicateFormatError, match="nwb-predictions"):
            poseio.load(EXAMPLE)


def test_returning_something_else_than_formatinfo_fails_the_plugin():
    @poseio.hookimpl
    def poseio_formats():
        return ["not a FormatInfo"]

    registry = Registry.from_plugins({"odd": SimpleNamespace(poseio_formats=poseio_formats)})
    assert "FormatInfo" in registry.plugins["odd"].error
    assert not registry.formats


def test_a_misspelled_hook_is_an_error():
    @poseio.hookimpl
    def poseio_snif(probe):
        return None

    registry = Registry.from_plugins({"typo": SimpleNamespace(poseio_snif=poseio_snif)})
    assert "poseio_snif" in registry.plugins["typo"].error


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("POSEIO_STRICT_PLUGINS", "1")

    @poseio.hookimpl
    def poseio_snif(probe):
        return None

    with pytest.raises(poseio.PluginError, match="typo"):
        Registry.from_plugins({"typo": SimpleNamespace(poseio_snif=poseio_snif)})


def test_the_pytest_fixture_gives_only_the_named_plugins(poseio_plugins):
    registry = poseio_plugins("csv-points", extra={"fake": make_plugin("fake-format")})
    assert sorted(f.name for f in poseio.formats()) == ["csv-points", "fake-format"]
    assert set(registry.plugins) == {"csv-points", "fake"}


@pytest.mark.parametrize(
    ("capability", "hook"),
    [("can_write", "poseio_write"), ("can_append", "poseio_append"), ("can_read", "poseio_read")],
)
def test_a_capability_without_its_hook_fails_the_plugin_when_it_loads(capability, hook):
    # It used to register cleanly and fail at save time: "'NoneType' object is not callable".
    plugin = make_plugin("fmt", writes=False, reads=False)

    @poseio.hookimpl
    def poseio_formats():
        declared = {"can_read": False, capability: True}
        return [poseio.FormatInfo("fmt", "a format", extensions=(".fmt",), **declared)]

    plugin.poseio_formats = poseio_formats
    registry = Registry.from_plugins({"liar": plugin})
    assert f"declares {capability}=True but the plugin has no {hook}" in registry.plugins["liar"].error
    assert "fmt" not in registry.formats


def test_a_plugin_without_poseio_formats_is_reported():
    @poseio.hookimpl
    def poseio_sniff(probe):
        return None

    registry = Registry.from_plugins({"quiet": SimpleNamespace(poseio_sniff=poseio_sniff)})
    assert "no poseio_formats" in registry.plugins["quiet"].error
