"""Writing: save and append, each atomic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from poseio._atomic import replacing
from poseio._dispatch import choose, unknown_format_name
from poseio._errors import PoseioError, UnknownFormatError, WriteError
from poseio._labels import Labels
from poseio._loading import FormatChoice
from poseio._probe import Probe
from poseio._records import FormatInfo
from poseio._registry import Registry, describe_formats, get_registry


def _writers_for(labels: Labels, path: Path, format: FormatChoice, registry: Registry, *, append: bool) -> list[str]:
    need = "append" if append else "write"

    def capable(info: FormatInfo) -> bool:
        return info.can_append if append else info.can_write

    if format is not None:
        names = [format] if isinstance(format, str) else list(format)
        for name in names:
            info = registry.formats.get(name)
            if info is None or not capable(info):
                raise unknown_format_name(name, registry, need=need)
        return names
    candidates = [f for f in registry.formats.values() if capable(f) and path.suffix.lower() in f.extensions]
    if not candidates:
        writable = [f for f in registry.formats.values() if f.can_write]
        raise UnknownFormatError(
            f"{path}: no installed format can {need} files ending in {path.suffix or '(no extension)'!r}. "
            "Pass format=... or use one of these:\n" + (describe_formats(writable) or "  (none installed)"),
            path=path,
        )
    if len(candidates) == 1:
        return [candidates[0].name]
    claims = []
    for info in candidates:
        write_claim = registry.impl("poseio_write_claim", info.plugin)
        claim = write_claim(format=info.name, labels=labels) if write_claim else None
        if claim is not None and claim.confidence > 0:
            claims.append(claim)
    if not claims:
        raise UnknownFormatError(
            f"{path}: none of {[c.name for c in candidates]} can {need} these labels; pass format=...", path=path
        )
    return [c.format for c in choose(sorted(claims, key=lambda c: -c.confidence), source=path)]


def _call_writer(
    hook: str, name: str, labels: Labels, temp: Path, destination: Path, registry: Registry, options: dict[str, Any]
) -> None:
    info = registry.formats[name]
    function = registry.impl(hook, info.plugin)
    try:
        function(format=name, labels=labels, path=temp, options=dict(options))
    except WriteError as exc:
        exc.path, exc.format, exc.plugin = destination, exc.format or name, exc.plugin or info.plugin
        raise
    except PoseioError:
        raise
    except Exception as exc:
        raise WriteError(
            f"{destination}: the {name} writer (plugin {info.plugin}) failed: {type(exc).__name__}: {exc}. "
            "The destination was left as it was.",
            path=destination,
            format=name,
            plugin=info.plugin,
        ) from exc


def save(labels: Labels, path: str | os.PathLike[str], *, format: FormatChoice = None, **options: Any) -> None:
    """Write Labels to a new file (or replace one), atomically.

    Args:
        labels: What to write.
        path: The destination. An existing file is replaced only when the write
            succeeds; a failed or interrupted write leaves it as it was.
        format: A format name, or ``None`` to choose by the path's extension.
            Where several formats write that extension, each says how well it
            suits the labels; formats that store different parts (for NWB, user
            annotations and predictions) are combined in one file.
        **options: Passed to the writing plugin(s).

    Raises:
        UnknownFormatError: No installed format writes this kind of file.
        WriteError: The write failed; nothing was changed at ``path``.
    """
    registry = get_registry()
    destination = Path(path)
    names = _writers_for(labels, destination, format, registry, append=False)
    for name in names[1:]:
        if not registry.formats[name].can_append:
            raise WriteError(f"{destination}: format {name} cannot be combined into one file with {names[0]}")
    routed = _route_options(names, options, registry, destination)
    with replacing(destination) as temp:
        _call_writer("poseio_write", names[0], labels, temp, destination, registry, routed[0])
        for name, name_options in zip(names[1:], routed[1:]):
            _call_writer("poseio_append", name, labels, temp, destination, registry, name_options)


def _route_options(
    names: list[str], options: dict[str, Any], registry: Registry, destination: Path
) -> list[dict[str, Any]]:
    """Split options among combined writers: the first writes, the others append."""
    if len(names) == 1:
        return [options]
    accepted = [
        set(registry.formats[name].write_options if i == 0 else registry.formats[name].append_options)
        for i, name in enumerate(names)
    ]
    unused = set(options) - set().union(*accepted)
    if unused:
        raise WriteError(f"{destination}: no writer of {names} accepts the options {sorted(unused)}", path=destination)
    return [{k: v for k, v in options.items() if k in keys} for keys in accepted]


def append(labels: Labels, path: str | os.PathLike[str], *, format: FormatChoice = None, **options: Any) -> None:
    """Add Labels to an existing file without disturbing what it holds.

    The append runs on a copy that replaces the original only on success, so a
    failed append leaves the file exactly as it was.

    Raises:
        SourceNotFoundError: There is no file at ``path`` to append to.
        UnknownFormatError: No installed format can append to this kind of file.
        WriteError: The append failed; the file was left as it was.
    """
    registry = get_registry()
    destination = Path(path)
    Probe(destination).check_readable()
    names = _writers_for(labels, destination, format, registry, append=True)
    with replacing(destination, start_from_existing=True) as temp:
        for name in names:
            _call_writer("poseio_append", name, labels, temp, destination, registry, options)
