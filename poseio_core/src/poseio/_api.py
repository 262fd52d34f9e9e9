"""The public functions: load, save, append, sniff and explain."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from poseio._atomic import replacing
from poseio._dispatch import (
    Explanation,
    ask_sniffers,
    choose,
    no_claim_error,
    ranked,
    unknown_format_name,
)
from poseio._errors import PoseioError, ReadError, UnknownFormatError, WriteError
from poseio._labels import Labels
from poseio._probe import Probe, Source
from poseio._records import Claim
from poseio._registry import Registry, describe_formats, get_registry

FormatChoice = str | Sequence[str] | None


def _open_probe(source: Source) -> Probe:
    probe = Probe(source)
    probe.check_readable()
    if probe.is_hdf5:
        probe.h5  # noqa: B018 - open now so a truncated file is reported as such, once
    return probe


def _only_formats(format: FormatChoice, registry: Registry) -> list[str] | None:
    if format is None:
        return None
    names = [format] if isinstance(format, str) else list(format)
    for name in names:
        info = registry.formats.get(name)
        if info is None or not info.can_read:
            raise unknown_format_name(name, registry, need="read")
    return names


def _claims_for(probe: Probe, format: FormatChoice, registry: Registry) -> list[Claim]:
    only = _only_formats(format, registry)
    verdicts = ask_sniffers(probe, registry, only)
    claims = ranked(verdicts)
    if not claims:
        if isinstance(format, str):
            reasons = "; ".join(c.reason for v in verdicts for c in v.claims if c.reason) or "it declined"
            errors = "; ".join(v.error for v in verdicts if v.error)
            raise UnknownFormatError(
                f"{probe.name}: format {format!r} does not recognise this file ({errors or reasons}). "
                "Run poseio.explain() on it to see which formats do.",
                path=probe.path,
            )
        raise no_claim_error(probe, verdicts, registry)
    return choose(claims, source=probe.name, preference=None if format is None or isinstance(format, str) else only)


def sniff(source: Source, *, format: FormatChoice = None) -> list[Claim]:
    """Every positive claim on a source, most confident first. Reads no data.

    Raises:
        SourceNotFoundError: The path does not exist.
        ReadError: The source is a folder, unreadable, or a damaged HDF5 file.
    """
    registry = get_registry()
    with _open_probe(source) as probe:
        return ranked(ask_sniffers(probe, registry, _only_formats(format, registry)))


def explain(source: Source, *, format: FormatChoice = None) -> Explanation:
    """Every plugin's verdict on a source, with reasons, errors and times.

    ``print(poseio.explain(path))`` shows a report; the returned object also
    carries the verdicts and the chosen claims for programs.
    """
    registry = get_registry()
    with _open_probe(source) as probe:
        verdicts = ask_sniffers(probe, registry, _only_formats(format, registry))
        try:
            chosen = _claims_for(probe, format, registry)
            error = None
        except PoseioError as exc:
            chosen, error = [], str(exc).splitlines()[0]
        return Explanation(probe.name, tuple(verdicts), tuple(chosen), error)


def load(source: Source, *, format: FormatChoice = None, **options: Any) -> Labels:
    """Read the pose data in a file, whatever its format.

    Args:
        source: A path (or an open binary file object, for formats that accept one).
        format: ``None`` to detect the format; a name to use that format only;
            a list of names to restrict the candidates, in order of preference.
        **options: Passed to the reading plugin(s).

    Returns:
        Labels whose ``provenance`` records the ``format``, ``plugin`` and ``source``.
        When several formats each cover a part of the file (for example NWB
        annotations and predictions), their Labels are merged into one.

    Raises:
        SourceNotFoundError: The path does not exist.
        ReadError: The file is a folder, unreadable, damaged, or its reader failed.
        UnknownFormatError: No installed format recognises the file.
        AmbiguousFormatError: Two formats claim it equally; pass ``format=``.
    """
    registry = get_registry()
    with _open_probe(source) as probe:
        parts = []
        for claim in _claims_for(probe, format, registry):
            parts.append(_read_claim(probe, claim, registry, options))
    labels = Labels.merge(parts)
    labels.provenance.update(
        source=probe.name,
        format="+".join(p.provenance["format"] for p in parts),
        plugin="+".join(p.provenance["plugin"] for p in parts),
    )
    return labels


def _read_claim(probe: Probe, claim: Claim, registry: Registry, options: dict[str, Any]) -> Labels:
    info = registry.formats[claim.format]
    read = registry.impl("poseio_read", info.plugin)
    if read is None:
        raise unknown_format_name(claim.format, registry, need="read")
    try:
        labels = read(format=claim.format, probe=probe, part=claim.part, options=dict(options))
    except ReadError as exc:
        exc.format = exc.format or claim.format
        exc.plugin = exc.plugin or info.plugin
        exc.path = exc.path or probe.path
        raise
    except PoseioError:
        raise
    except Exception as exc:
        raise ReadError(
            f"{probe.name}: the {claim.format} reader (plugin {info.plugin}) failed: {type(exc).__name__}: {exc}",
            path=probe.path,
            format=claim.format,
            plugin=info.plugin,
        ) from exc
    if not isinstance(labels, Labels):
        raise ReadError(
            f"plugin {info.plugin} returned {type(labels).__name__} instead of Labels for {claim.format}",
            path=probe.path,
            format=claim.format,
            plugin=info.plugin,
        )
    labels.provenance.update(format=claim.format, plugin=info.plugin, part=claim.part)
    return labels


def _writers_for(labels: Labels, path: Path, format: FormatChoice, registry: Registry, *, append: bool) -> list[str]:
    need = "append" if append else "write"
    if format is not None:
        names = [format] if isinstance(format, str) else list(format)
        for name in names:
            info = registry.formats.get(name)
            if info is None or not (info.can_append if append else info.can_write):
                raise unknown_format_name(name, registry, need=need)
        return names
    candidates = [
        f
        for f in registry.formats.values()
        if (f.can_append if append else f.can_write) and path.suffix.lower() in f.extensions
    ]
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
