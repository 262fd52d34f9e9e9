"""A pytest plugin (registered through the ``pytest11`` entry point) with poseio fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from poseio._plugins._registry import Registry, set_registry
from poseio.testing._registry import registry_with


@pytest.fixture
def poseio_plugins() -> Iterator[Callable[..., Registry]]:
    """Activate a registry of only the named plugins for one test.

    Example::

        def test_only_csv(poseio_plugins, tmp_path):
            poseio_plugins("csv-points")          # installed plugins by entry-point name
            assert [f.name for f in poseio.formats()] == ["csv-points"]

    Keyword ``extra={"name": plugin_object}`` adds in-test plugin objects. The
    process-wide registry is restored after the test.
    """
    old = set_registry(None)  # a test that activates nothing gets a fresh scan

    def activate(*names: str, extra: dict[str, object] | None = None) -> Registry:
        registry = registry_with(*names, extra=extra)
        set_registry(registry)
        return registry

    try:
        yield activate
    finally:
        set_registry(old)
