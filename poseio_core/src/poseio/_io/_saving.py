"""Writing: save and append, each atomic."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from poseio._errors import DataLossError, FormatError, PoseioError, UnknownFormatError, WriteError
from poseio._io._arguments import check_format, check_labels, check_path, check_timeout, split_options
from poseio._io._loading import FormatChoice, load, sniff
from poseio._model._labels import Labels
from poseio._model._new_instances import new_instances
from poseio._plugins._dispatch import choose, unknown_format_name
from poseio._plugins._probe import Probe
from poseio._plugins._records import Claim, FormatInfo
from poseio._plugins._registry import Registry, describe_formats, get_registry
from poseio._storage import _locking
from poseio._storage._atomic import replacing, replacing_folder, writable_target
from poseio._storage._policy import parse_size, reading_policy
from poseio._words import say_option

logger = logging.getLogger("poseio")


def _writers_for(labels: Labels, path: Path, format: FormatChoice, registry: Registry, *, append: bool) -> list[str]:
    need = "append" if append else "write"

    def capable(info: FormatInfo) -> bool:
        return info.can_append if append else info.can_write

    if format is not None:
        names = [format] if isinstance(format, str) else list(format)
        registry.check_usable(names)
        for name in names:
            info = registry.formats.get(name)
            if info is None or not capable(info):
                raise unknown_format_name(name, registry, need=need)
        _refuse_writing_nothing(labels, path, names, registry)
        return names
    # A folder format is written only when named: its extensions name its entry file (data.yaml), and
    # "x.yaml" must not become a folder.
    matches = {f.name: f.extension_match(path.name) for f in registry.formats.values() if capable(f) and not f.folders}
    longest = max(matches.values(), default=0)
    candidates = [registry.formats[name] for name, n in matches.items() if n and n == longest]
    registry.check_usable(f.name for f in candidates)
    if not candidates:
        writable = [f for f in registry.formats.values() if f.can_write]
        raise UnknownFormatError(
            f"{path}: no installed format can {need} a file named {path.name!r}. "
            f"Name one with {say_option('write_format', example='NAME')}:\n"
            + (describe_formats(writable) or "  (none installed)"),
            path=path,
        )
    if len(candidates) == 1:
        return [candidates[0].name]
    claims = []
    for info in candidates:
        claim = _write_claim(registry, info.name, labels)
        if claim is not None and claim.confidence > 0:
            claims.append(claim)
    if not claims:
        raise UnknownFormatError(
            f"{path}: none of {[c.name for c in candidates]} can {need} these labels; name another format with "
            f"{say_option('write_format', example='NAME')}",
            path=path,
        )
    return [c.format for c in choose(sorted(claims, key=lambda c: -c.confidence), source=path, option="write_format")]


def _write_claim(registry: Registry, name: str, labels: Labels, options: dict[str, Any] | None = None) -> Claim | None:
    """The format's own word on how well it suits the labels, or ``None`` when its plugin gives none.

    ``options`` reach only an implementation that takes them (pluggy lets a
    hook implementation take fewer arguments than its spec).
    """
    plugin = registry.formats[name].plugin
    if registry.impl("poseio_write_claim", plugin) is None:
        return None
    return registry.call("poseio_write_claim", plugin, format=name, labels=labels, options=dict(options or {}))


def _refuse_losses(
    labels: Labels, path: Path, names: list[str], routed: list[dict[str, Any]], registry: Registry, named: bool
) -> None:
    """Refuse a write that would drop part of the labels, naming what and the option that keeps it.

    Two kinds of loss: what a chosen writer says it cannot carry (its claim's
    ``losses``), and, when the caller named formats that each write one part of
    a file (NWB predictions or annotations), the parts of these labels that
    another writer of the same files holds and none of the named ones does.

    Raises:
        DataLossError: Something would be lost.
    """
    claims = [_write_claim(registry, name, labels, options) for name, options in zip(names, routed)]
    # Formats that share a file (NWB predictions and annotations) may name one loss each.
    losses = list(dict.fromkeys(loss for claim in claims if claim is not None for loss in claim.losses))
    keep = list(names)
    parts = {claim.part for claim in claims if claim is not None and claim.part is not None}
    if named and parts and len(labels):
        extensions = {e.lower() for name in names for e in registry.formats[name].extensions}
        for info in registry.formats.values():
            if info.name in names or not info.can_append or not extensions & {e.lower() for e in info.extensions}:
                continue
            other = _write_claim(registry, info.name, labels)
            if other is not None and other.part is not None and other.part not in parts and other.confidence > 0:
                losses.append(f"{other.reason} (which {info.name} writes)")
                keep.append(info.name)
    if not losses:
        return
    fixes = [f"pass {say_option('allow_loss')} to write the rest without them"]
    if len(keep) > len(names):
        fixes.insert(0, f"keep them with {say_option('write_format', keep)}")
    written = names[0] if len(names) == 1 else names
    raise DataLossError(
        f"{path}: {written} would not carry all of these labels: {'; '.join(losses)}. Nothing was written; "
        + ", or ".join(fixes),
        losses=losses,
    )


def _refuse_writing_nothing(labels: Labels, path: Path, names: list[str], registry: Registry) -> None:
    """Refuse named formats that each write one part of labels (a ``Claim.part``) and find none of theirs.

    ``format="nwb-predictions"`` for labels that hold only user instances once
    wrote an NWB file without a pose in it, and reported success. A format that
    writes whole labels (no part) is left to its writer, which says itself why
    it cannot write them.
    """
    if not len(labels):
        return
    claims = [_write_claim(registry, name, labels) for name in names]
    if any(claim is None or claim.part is None or claim.confidence > 0 for claim in claims):
        return
    reasons = "; ".join(f"{claim.format}: {claim.reason}" for claim in claims if claim is not None)
    raise UnknownFormatError(
        f"{path}: format={names if len(names) > 1 else names[0]!r} would write none of these labels ({reasons}). "
        "Name a format that holds them, or pass no format to choose by the path and the labels",
        path=path,
    )


def _call_writer(
    hook: str, name: str, labels: Labels, temp: Path, destination: Path, registry: Registry, options: dict[str, Any]
) -> None:
    info = registry.formats[name]
    try:
        registry.call(
            hook, info.plugin, format=name, labels=labels, path=temp, destination=destination, options=dict(options)
        )
    except WriteError as exc:
        exc.path, exc.format, exc.plugin = destination, exc.format or name, exc.plugin or info.plugin
        _name_destination(exc, temp, destination)
        raise
    except PoseioError as exc:
        _name_destination(exc, temp, destination)
        raise
    except Exception as exc:
        raise WriteError(
            f"{destination}: the {name} writer (plugin {info.plugin}) failed: {type(exc).__name__}: {exc}. "
            "The destination was left as it was.",
            path=destination,
            format=name,
            plugin=info.plugin,
        ) from exc


def _name_destination(error: PoseioError, temp: Path, destination: Path) -> None:
    """Put the destination in ``error``'s message where the writer named the hidden file it wrote."""
    if error.args and isinstance(error.args[0], str) and str(temp) in error.args[0]:
        error.args = (error.args[0].replace(str(temp), str(destination)), *error.args[1:])


def save(
    labels: Labels,
    path: str | os.PathLike[str],
    *,
    format: FormatChoice = None,
    lock_timeout: float | None = None,
    allow_loss: bool = False,
    memory_budget: int | str | None = None,
    **options: Any,
) -> None:
    """Write Labels to a new file (or replace one), atomically.

    The labels are checked before anything is written. The new file is written
    beside the destination, synced to disk, and renamed over it; a symbolic link
    is followed (the file it points to is replaced, the link kept). Other poseio
    writers of the same file wait their turn (POSIX). See the security page of
    the documentation for the exact guarantees.

    Args:
        labels: What to write.
        path: The destination. An existing file is replaced only when the write
            succeeds; a failed or interrupted write leaves it as it was.
        format: A format name, or ``None`` to choose by the path's extension.
            Where several formats write that extension, each says how well it
            suits the labels; formats that store different parts (for NWB, user
            annotations and predictions) are combined in one file.
        lock_timeout: Seconds to wait while another process writes the same
            file; default ``poseio._storage._locking.LOCK_TIMEOUT`` (60).
        allow_loss: Write even when the format(s) cannot carry part of the
            labels (user instances named ``format="nwb-predictions"``, a
            prediction hidden under a user instance in a DeepLabCut table).
            By default such a save is refused, naming what would be lost.
        memory_budget: The most the writers may allocate for arrays sized from
            the labels (a frame number of 10**9 in a dense layout), all together:
            one budget per save, as `poseio.load` has one per load; by default
            ``POSEIO_MEMORY_BUDGET`` or half of the machine's memory.
        **options: Passed to the writing plugin(s).

    Raises:
        InvalidArgumentError: ``labels``, ``path`` or ``format`` is of the wrong type.
        InvalidLabelsError: The labels' frames and instances do not fit together.
        InvalidOptionError: Combined writers were given an option none of them accepts.
        DataLossError: The format(s) would drop part of the labels, and
            ``allow_loss`` was not given; nothing was written.
        UnknownFormatError: No installed format writes this kind of file, or the
            named format(s) would write none of the labels (``"nwb-predictions"``
            for labels that hold only user instances).
        FileBusyError: Another process kept writing the file for ``lock_timeout`` seconds.
        WriteError: The write failed, or the destination is a folder or read-only;
            nothing was changed at ``path``.
    """
    destination, timeout = _checked(labels, path, format, lock_timeout, "save")
    if memory_budget is not None:
        parse_size(memory_budget)  # a wrong budget is a usage error, before anything is written
    registry = get_registry()
    names = _writers_for(labels, destination, format, registry, append=False)
    for name in names[1:]:
        if not registry.formats[name].can_append:
            raise WriteError(f"{destination}: format {name} cannot be combined into one file with {names[0]}")
    routed = _route_options(names, options, registry, destination)
    if not allow_loss:
        _refuse_losses(labels, destination, names, routed, registry, named=format is not None)
    # One budget for the whole save, which writers draw from with poseio.limits.check_allocation.
    with reading_policy(memory_budget=memory_budget, writing=True):
        if registry.formats[names[0]].folders:
            with replacing_folder(destination, may_replace=_holds(names[0]), lock_timeout=timeout) as temp:
                _call_writer("poseio_write", names[0], labels, temp, destination, registry, routed[0])
            return
        with replacing(destination, lock_timeout=timeout) as temp:
            _call_writer("poseio_write", names[0], labels, temp, destination, registry, routed[0])
            for name, name_options in zip(names[1:], routed[1:]):
                _call_writer("poseio_append", name, labels, temp, destination, registry, name_options)


def _holds(format: str) -> Callable[[Path], bool]:
    """Whether a folder holds ``format``'s data (so a folder write may replace it): its sniffer's word."""

    def holds(folder: Path) -> bool:
        try:
            return any(claim.format == format for claim in sniff(folder, format=format))
        except PoseioError:
            return False

    return holds


def _checked(labels: object, path: object, format: object, lock_timeout: object, function: str) -> tuple[Path, float]:
    """The destination and lock timeout, once every argument has been checked."""
    destination = check_path(path)
    check_format(format)
    timeout = check_timeout(lock_timeout)
    check_labels(labels, function)
    return destination, _locking.LOCK_TIMEOUT if timeout is None else timeout


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
    return split_options(options, accepted, names, destination, "writer")


def append(
    labels: Labels,
    path: str | os.PathLike[str],
    *,
    format: FormatChoice = None,
    lock_timeout: float | None = None,
    **options: Any,
) -> None:
    """Add Labels to an existing file without disturbing what it holds.

    The append runs on a copy that replaces the original only on success, so a
    failed append leaves the file exactly as it was. The copy is made while
    holding the file's write lock (POSIX), so two appends, or an append and a
    save, never lose each other's changes.

    Args:
        labels: What to add.
        path: The file to add to. A symbolic link is followed.
        format: As for `save`.
        lock_timeout: Seconds to wait while another process writes the same file.
        **options: Passed to the appending plugin(s).

    Appending is idempotent: instances the file holds already (same video,
    frame, track, kind and points) are not added again, and when the file holds
    them all it is left untouched.

    Raises:
        InvalidArgumentError: ``labels``, ``path`` or ``format`` is of the wrong type.
        InvalidLabelsError: The labels' frames and instances do not fit together,
            or an instance would sit on a track in a frame where the file holds a
            different instance of the same kind; nothing was written.
        SourceNotFoundError: There is no file at ``path`` to append to.
        UnknownFormatError: No installed format can append to this kind of file.
        FileBusyError: Another process kept writing the file for ``lock_timeout`` seconds.
        WriteError: The append failed, or the file is a folder or read-only; the
            file was left as it was.
    """
    destination, timeout = _checked(labels, path, format, lock_timeout, "append")
    registry = get_registry()
    writable_target(destination)
    Probe(destination).check_readable()
    names = _writers_for(labels, destination, format, registry, append=True)
    try:
        with replacing(destination, start_from_existing=True, lock_timeout=timeout) as temp:
            # Compared with the file under its lock, so that two appends of the same labels add them once.
            new = new_instances(labels, _held(temp), destination)
            if new is None:
                raise _NothingNew
            for name in names:
                _call_writer("poseio_append", name, new, temp, destination, registry, options)
    except _NothingNew:
        logger.info("%s: holds every instance of these labels already; nothing was appended", destination)


class _NothingNew(Exception):
    """Ends an append whose labels the file holds already, leaving the file as it was."""


def _held(path: Path) -> Labels:
    """What the file at ``path`` holds; nothing when no installed format finds poses in it."""
    try:
        return load(path)
    except FormatError:
        return Labels()
