"""Finding, loading and describing format plugins.

Plugins are found through the ``poseio`` entry-point group, scanned once per
process on first use (never at ``import poseio``). A plugin that fails to
import, or that breaks the hook contract, is logged and listed with its error;
the host keeps working. Environment variables:

``POSEIO_DISABLE_PLUGINS``
    Comma-separated plugin (entry-point) or distribution names not to load.
``POSEIO_STRICT_PLUGINS``
    When set to ``1``, a plugin load error raises `PluginError` instead
    of a warning. Meant for plugin authors and CI.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs
import pluggy

from poseio._errors import DuplicateFormatError, PluginError
from poseio._plugins import _hookspecs
from poseio._plugins._records import FormatInfo, PluginInfo

logger = logging.getLogger("poseio")

ENTRY_POINT_GROUP = "poseio"
DISABLE_ENV = "POSEIO_DISABLE_PLUGINS"
STRICT_ENV = "POSEIO_STRICT_PLUGINS"

#: Formats provided by distributions poseio knows of, for "not installed" hints.
KNOWN_FORMATS: Mapping[str, str] = {
    "nwb-predictions": "poseio-nwb-predictions",
    "nwb-annotations": "poseio-nwb-annotations",
}


#: The hook each capability a FormatInfo declares needs.
_CAPABILITY_HOOKS = {"can_read": "poseio_read", "can_write": "poseio_write", "can_append": "poseio_append"}


def _disabled_names() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes")


def _dist_name(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else None


def _dist_version(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.version if dist is not None else None


def _is_disabled(ep: EntryPoint) -> bool:
    """Whether ``POSEIO_DISABLE_PLUGINS`` names the entry point or its distribution."""
    dist_name = _dist_name(ep)
    return ep.name in _disabled_names() or bool(dist_name and dist_name in _disabled_names())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Registry:
    """The loaded plugins, their formats and the pluggy manager that calls them."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(_hookspecs.PROJECT)
        self.manager.add_hookspecs(_hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.formats: dict[str, FormatInfo] = {}
        # Format names two plugins declare, with the error that using them raises.
        self.conflicts: dict[str, DuplicateFormatError] = {}

    @classmethod
    def from_entry_points(cls) -> Registry:
        """Load every plugin published under the ``poseio`` entry-point group."""
        registry = cls()
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, _dist_name(ep) or ""))
        by_name: dict[str, list[EntryPoint]] = {}
        for ep in eps:
            by_name.setdefault(ep.name, []).append(ep)
        for name, same_name in by_name.items():
            enabled = [ep for ep in same_name if not _is_disabled(ep)]
            if len(enabled) > 1:
                registry._name_conflict(name, enabled)
            elif enabled:
                registry._load_entry_point(enabled[0])
            for ep in same_name:
                if _is_disabled(ep):
                    registry._load_entry_point(ep)  # recorded as disabled
        # A typo here would leave a plugin running that the user believes is off.
        known = {ep.name for ep in eps} | {ep.dist.name for ep in eps if getattr(ep, "dist", None) is not None}
        for name in sorted(_disabled_names() - known):
            logger.warning(
                "%s names %r, which no installed poseio plugin or distribution is called; installed: %s",
                DISABLE_ENV,
                name,
                ", ".join(sorted(known)) or "none",
            )
        return registry

    @classmethod
    def from_plugins(cls, plugins: Mapping[str, object]) -> Registry:
        """A registry of the given plugin objects only (for tests and embedding)."""
        registry = cls()
        for name, plugin in plugins.items():
            registry.add(name, plugin)
        return registry

    def _load_entry_point(self, ep: EntryPoint) -> None:
        dist_name, version = _dist_name(ep), _dist_version(ep)
        if _is_disabled(ep):
            # Another distribution's plugin of the same name may be loaded under the name itself.
            key = ep.name if ep.name not in self.plugins else f"{ep.name} ({dist_name})"
            self.plugins[key] = PluginInfo(ep.name, dist_name, version, disabled=True)
            return
        try:
            plugin = ep.load()
        except Exception as exc:
            self._fail(ep.name, dist_name, version, f"import failed: {type(exc).__name__}: {exc}", exc)
            return
        self.add(ep.name, plugin, distribution=dist_name, version=version)

    def _name_conflict(self, name: str, eps: list[EntryPoint]) -> None:
        """Load none of several distributions' plugins published under one entry-point name, and say so.

        pluggy registers one plugin per name: loading the first would hide the
        others, and which one comes first depends on the order of ``sys.path``.
        """
        dists = [f"{_dist_name(ep) or '?'} {_dist_version(ep) or ''}".strip() for ep in eps]
        names = [_dist_name(ep) for ep in eps if _dist_name(ep)]
        fix = f" (for example {DISABLE_ENV}={','.join(names[:-1])})" if len(names) > 1 else ""
        message = (
            f"the plugin name {name!r} is used by {len(eps)} distributions, {_and(dists)}; poseio loads none of "
            f"them (nor serves their formats) until all but one are uninstalled or switched off with {DISABLE_ENV}"
            f"{fix}"
        )
        if _strict():
            raise PluginError(message, plugin=name)
        logger.warning("%s", message)
        for i, ep in enumerate(eps):
            others = _and(dists[:i] + dists[i + 1 :])
            self.plugins[f"{name} ({_dist_name(ep)})"] = PluginInfo(
                name,
                _dist_name(ep),
                _dist_version(ep),
                error=f"not loaded: distribution {others} publishes a plugin of the same name",
                conflict=message,
            )

    def add(self, name: str, plugin: object, *, distribution: str | None = None, version: str | None = None) -> None:
        """Register one plugin object under ``name`` and collect its formats."""
        try:
            self.manager.register(plugin, name=name)
            self.manager.check_pending()
        except Exception as exc:
            self._unregister(name)
            # pluggy's messages go on with a dump of every registered plugin: its first line says what is wrong.
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._fail(name, distribution, version, f"invalid plugin: {first}", exc)
            return
        try:
            formats = self._declared_formats(name, distribution)
        except Exception as exc:
            self._unregister(name)
            self._fail(name, distribution, version, f"poseio_formats failed: {type(exc).__name__}: {exc}", exc)
            return
        problems = self._contract_problems(name, formats)
        if problems:
            # Checked now, as pluggy checks hook signatures: a declaration the hooks do not back
            # would otherwise fail only when a user saves ("'NoneType' object is not callable").
            self._unregister(name)
            message = "; ".join(problems)
            self._fail(name, distribution, version, message, PluginError(message, plugin=name))
            return
        self.plugins[name] = PluginInfo(name, distribution, version, tuple(formats))
        for info in formats:
            other = self.formats.get(info.name)
            if other is None:
                self.formats[info.name] = info
                continue
            # Neither plugin may serve the format while both declare it: whichever loaded first
            # would silently decide how a user's files are read. Using it raises this error.
            error = DuplicateFormatError(
                f"format {info.name!r} is declared by both plugin {other.plugin!r} (distribution "
                f"{other.distribution}) and plugin {name!r} (distribution {distribution}); poseio uses "
                f"neither for it until one is uninstalled or disabled with {DISABLE_ENV}",
                plugin=name,
            )
            if _strict():
                raise error
            logger.warning("%s", error)
            self.conflicts[info.name] = error
            for plugin in (other.plugin, name):
                if plugin in self.plugins:
                    self.plugins[plugin] = attrs.evolve(self.plugins[plugin], conflict=str(error))

    def check_usable(self, names: Iterable[str]) -> None:
        """Raise the `DuplicateFormatError` of the first of these formats that two plugins declare."""
        for name in names:
            if name in self.conflicts:
                raise self.conflicts[name]

    def may_claim(self, plugin: str, format: str) -> bool:
        """Whether a plugin's sniffer may claim a format: it declares it (alone, or in a conflict)."""
        info = self.formats.get(format)
        return info is not None and (
            info.plugin == plugin
            or (format in self.conflicts and any(f.name == format for f in self.plugins[plugin].formats))
        )

    def _declared_formats(self, name: str, distribution: str | None) -> list[FormatInfo]:
        formats: list[FormatInfo] = []
        for impl in self.manager.hook.poseio_formats.get_hookimpls():
            if impl.plugin_name != name:
                continue
            for info in impl.function() or []:
                if not isinstance(info, FormatInfo):
                    raise TypeError(f"poseio_formats must return FormatInfo records, got {type(info).__name__}")
                formats.append(attrs.evolve(info, plugin=name, distribution=distribution))
        return formats

    def _contract_problems(self, name: str, formats: list[FormatInfo]) -> list[str]:
        """What a plugin declares that its hooks do not back (empty when the contract holds)."""
        hooks = (*_CAPABILITY_HOOKS.values(), "poseio_formats", "poseio_sniff")
        implemented = {hook for hook in hooks if self.impl(hook, name) is not None}
        if "poseio_formats" not in implemented:
            return ["it implements no poseio_formats hook, so it declares no format"]
        problems = []
        for info in formats:
            for capability, hook in _CAPABILITY_HOOKS.items():
                if getattr(info, capability) and hook not in implemented:
                    problems.append(
                        f"format {info.name!r} declares {capability}=True but the plugin has no {hook} hook"
                    )
            if info.can_read and "poseio_sniff" not in implemented:
                problems.append(
                    f"format {info.name!r} can be read but the plugin has no poseio_sniff hook to claim files"
                )
        return problems

    def _unregister(self, name: str) -> None:
        plugin = self.manager.get_plugin(name)
        if plugin is not None:
            self.manager.unregister(plugin, name=name)

    def _fail(self, name: str, distribution: str | None, version: str | None, message: str, exc: Exception) -> None:
        self.plugins[name] = PluginInfo(name, distribution, version, error=message)
        if _strict():
            raise PluginError(f"plugin {name!r} could not be loaded: {message}", plugin=name) from exc
        logger.warning("poseio plugin %r could not be loaded: %s", name, message)

    def impl(self, hook_name: str, plugin: str):
        """The named plugin's implementation of a hook, or ``None``."""
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            if impl.plugin_name == plugin:
                return impl.function
        return None

    def call(self, hook_name: str, plugin: str, **arguments: Any) -> Any:
        """Call the named plugin's implementation of a hook with the arguments it takes.

        pluggy lets an implementation name fewer arguments than its hook
        specification (an older plugin, written before an argument was added):
        it is given only those. Raises ``LookupError`` when the plugin does not implement the hook.
        """
        for impl in getattr(self.manager.hook, hook_name).get_hookimpls():
            if impl.plugin_name == plugin:
                return impl.function(**{name: arguments[name] for name in impl.argnames})
        raise LookupError(f"plugin {plugin} does not implement {hook_name}")

    def sniffers(self) -> list[tuple[str, object]]:
        """``(plugin name, sniff function)`` for every loaded plugin that sniffs."""
        return [(i.plugin_name, i.function) for i in self.manager.hook.poseio_sniff.get_hookimpls()]

    def missing_formats(self) -> dict[str, str]:
        """Known formats whose distribution is not installed: ``{format: distribution}``."""
        return {f: d for f, d in KNOWN_FORMATS.items() if f not in self.formats and not self.disabled_by_user(d)}

    def disabled_by_user(self, distribution: str) -> bool:
        """Whether ``POSEIO_DISABLE_PLUGINS`` switched off the plugins of this distribution."""
        return any(p.disabled and p.distribution == distribution for p in self.plugins.values())


_lock = threading.Lock()
_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded from entry points on first call."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = Registry.from_entry_points()
    return _registry


def set_registry(registry: Registry | None) -> Registry | None:
    """Replace the process-wide registry (``None`` rescans on next use); returns the old one."""
    global _registry
    with _lock:
        old, _registry = _registry, registry
    return old


def plugins() -> list[PluginInfo]:
    """Every plugin found, loaded or not, sorted by name."""
    return sorted(get_registry().plugins.values(), key=lambda p: p.name)


def formats() -> list[FormatInfo]:
    """Every format the loaded plugins provide, sorted by name."""
    return sorted(get_registry().formats.values(), key=lambda f: f.name)


def describe_formats(infos: Iterable[FormatInfo]) -> str:
    """One line per format for error messages."""
    return "\n".join(f"  - {f.name} ({', '.join(f.extensions) or 'no extension'}): {f.description}" for f in infos)
