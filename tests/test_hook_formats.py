"""poseio_formats: static declarations, validated when a plugin loads."""

from types import SimpleNamespace

import poseio
import pytest
from fake_plugins import make_plugin
from poseio._registry import Registry


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
    assert registry.formats["same"].plugin == "first"
    error = registry.plugins["second"].error
    assert "declared by both plugin 'first'" in error and "plugin 'second'" in error


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
