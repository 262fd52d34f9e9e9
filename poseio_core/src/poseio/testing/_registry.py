"""Plugin registries for tests: only the plugins a test names."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.metadata import entry_points

from poseio._plugins._registry import ENTRY_POINT_GROUP, Registry, set_registry


def registry_with(*names: str, extra: dict[str, object] | None = None) -> Registry:
    """A registry of the installed plugins with these entry-point names, plus ``extra`` objects."""
    registry = Registry()
    installed = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in names:
        if name not in installed:
            raise LookupError(f"no installed poseio plugin is called {name!r}; installed: {sorted(installed)}")
        registry._load_entry_point(installed[name])
    for name, plugin in (extra or {}).items():
        registry.add(name, plugin)
    return registry


@contextlib.contextmanager
def using_registry(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the process-wide one for the duration of a ``with`` block."""
    old = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(old)
