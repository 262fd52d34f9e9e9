"""Reading: sniff, explain and load."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from poseio._errors import (
    InvalidLabelsError,
    InvalidOptionError,
    PartialFormatError,
    PoseioError,
    ReadError,
    UnknownFormatError,
)
from poseio._io._arguments import check_flag, check_format, check_source, split_options
from poseio._model._labels import Labels
from poseio._plugins._dispatch import (
    Explanation,
    ask_sniffers,
    choose,
    damage_error,
    no_claim_error,
    parts_held,
    ranked,
    unknown_format_name,
)
from poseio._plugins._preferences import lasting_preference
from poseio._plugins._probe import Probe, Source
from poseio._plugins._records import Claim, Verdict
from poseio._plugins._registry import Registry, get_registry
from poseio._storage._policy import parse_size, reading_policy
from poseio._storage._remote import is_url
from poseio._words import say_command, say_option

FormatChoice = str | Sequence[str] | None


@contextmanager
def _open_probe(source: Source) -> Iterator[Probe]:
    """The probe of a source (a URL opened remotely), closed on leaving.

    A remote read that fails inside HDF5 surfaces as HDF5's generic error, or as
    no format recognising the file; the transport failure behind it (a 404, a
    response cut short) is what the user needs, so it replaces them.
    """
    remote = None
    if is_url(source):
        from poseio._storage._remote import RemoteFile

        source = remote = RemoteFile(source)
    try:
        with Probe(source) as probe:
            probe.check_readable(folder=True)  # a folder format may claim a folder
            if probe.is_hdf5:
                probe.h5  # noqa: B018 - open now so a truncated file is reported as such, once
            yield probe
    except Exception as exc:
        if remote is not None and remote.error is not None and exc is not remote.error:
            raise remote.error from exc
        raise
    finally:
        if remote is not None:
            remote.close()


def _only_formats(format: FormatChoice, registry: Registry) -> list[str] | None:
    if format is None:
        return None
    names = [format] if isinstance(format, str) else list(format)
    registry.check_usable(names)
    for name in names:
        info = registry.formats.get(name)
        if info is None or not info.can_read:
            raise unknown_format_name(name, registry, need="read")
    return names


def _claims_for(
    probe: Probe,
    format: FormatChoice,
    registry: Registry,
    verdicts: list[Verdict] | None = None,
    *,
    partial: bool = False,
) -> list[Claim]:
    """The claims to read, from ``verdicts`` (the sniffers are asked when none are given).

    Raises:
        PartialFormatError: ``format=`` names formats that read only some of the
            parts the file holds, and ``partial`` is false.
    """
    only = _only_formats(format, registry)
    verdicts = ask_sniffers(probe, registry, only) if verdicts is None else verdicts
    every_claim = ranked(verdicts)
    claims = ranked(verdicts, only)
    # A format two plugins declare reads nothing: no file is read half by one of them.
    registry.check_usable([c.format for c in claims])
    if not claims:
        damaged = damage_error(probe, verdicts)
        if damaged is not None:
            raise damaged
        if isinstance(format, str):
            reasons = (
                "; ".join(c.reason for v in verdicts for c in v.claims if c.reason and c.format == format)
                or "it declined"
            )
            errors = "; ".join(v.error for v in verdicts if v.error)
            # Asked on this failure only: which other format reads it is the fix to name.
            others = [c for c in ranked(ask_sniffers(probe, registry, None)) if c.format != format]
            if not others and not errors:
                # No format recognises the file, and the caller names one: its reader reads it on the
                # caller's say-so (with every safety check of a load), and says what is wrong with it.
                return [Claim(format, 0.0, f"named by the caller; its sniffer said: {reasons}")]
            advice = (
                f"It reads as {others[0].format} ({others[0].reason}): {say_option('read_format', others[0].format)}"
                if others
                else f"Run {say_command('explain', str(probe.name))} to see what every format says of it"
            )
            raise UnknownFormatError(
                f"{probe.name}: format {format!r} does not recognise this file ({errors or reasons}). {advice}.",
                path=probe.path,
            )
        raise no_claim_error(probe, verdicts, registry)
    preference = only if only is not None and not isinstance(format, str) else None
    # Read on every load, not only when formats compete: a broken config file is refused the first time,
    # not on the day two formats happen to tie.
    preference = preference or lasting_preference(set(registry.formats))
    chosen = choose(claims, source=probe.name, preference=preference)
    if only is not None and not partial:
        _refuse_partial(probe, chosen, every_claim)
    return chosen


def _refuse_partial(probe: Probe, chosen: list[Claim], every_claim: list[Claim]) -> None:
    """Raise `PartialFormatError` when ``chosen`` leaves parts unread that the file holds."""
    if any(c.part is None for c in chosen):
        return
    read = {c.part for c in chosen}
    missing = {part: formats for part, formats in parts_held(every_claim).items() if part not in read}
    if not missing:
        return
    unread = "; ".join(f"{part} (claimed by {', '.join(formats)})" for part, formats in missing.items())
    complete = [c.format for c in chosen] + [formats[0] for formats in missing.values()]
    raise PartialFormatError(
        f"{probe.name}: the formats asked for ({', '.join(c.format for c in chosen)}) would leave parts of this "
        f"file unread: {unread}. Read everything with {say_option('read_format', complete)} (or no format), or "
        f"pass {say_option('partial')} to read only those parts",
        path=probe.path,
        missing=missing,
    )


def sniff(source: Source, *, format: FormatChoice = None) -> list[Claim]:
    """Every positive claim on a source, most confident first. Reads no data.

    Raises:
        SourceNotFoundError: The path does not exist.
        ReadError: The source is a folder, unreadable, or a damaged HDF5 file.
    """
    check_source(source)
    check_format(format)
    registry = get_registry()
    only = _only_formats(format, registry)
    with _open_probe(source) as probe:
        return ranked(ask_sniffers(probe, registry, only), only)


def explain(source: Source, *, format: FormatChoice = None, partial: bool = False) -> Explanation:
    """Every plugin's verdict on a source, with reasons, errors and times.

    ``print(poseio.explain(path))`` shows a report; the returned object also
    carries the verdicts and the chosen claims for programs.
    """
    check_source(source)
    check_format(format)
    registry = get_registry()
    with _open_probe(source) as probe:
        verdicts = ask_sniffers(probe, registry, _only_formats(format, registry))
        try:
            chosen = _claims_for(probe, format, registry, verdicts, partial=partial)  # each sniffer is asked once
            error = None
        except PoseioError as exc:
            chosen, error = [], str(exc).splitlines()[0]
        return Explanation(probe.name, tuple(verdicts), tuple(chosen), error)


def load(
    source: Source,
    *,
    format: FormatChoice = None,
    allow_external: bool = False,
    memory_budget: int | str | None = None,
    partial: bool = False,
    **options: Any,
) -> Labels:
    """Read the pose data in a file, whatever its format.

    Args:
        source: A path, an ``http(s)://``, ``s3://`` or ``dandi://DANDISET[@VERSION]/PATH``
            URL (needs ``poseio[remote]``; only the parts the reader needs are
            fetched), or an open binary file object.
        format: ``None`` to detect the format; a name to use that format only;
            a list of names to restrict the candidates, in order of preference.
            Formats that would read only some parts of the file (one of an NWB
            file's predictions and annotations) raise `PartialFormatError`.
        allow_external: Follow what an HDF5 file points to outside itself
            (external links, external storage, virtual datasets). Off by
            default: a file that points elsewhere is refused with
            `UnsafeFileError`. See the security page.
        memory_budget: The largest array (bytes, or a size such as ``"8GB"``)
            a reader may allocate from a size the file declares; by default
            ``POSEIO_MEMORY_BUDGET`` or half of the machine's memory.
        partial: Read only the parts of the file that the formats named in
            ``format`` cover, on purpose.
        **options: Passed to the reading plugin; when several formats read
            parts of the file, each gets the options its format declares.

    Returns:
        Labels whose ``provenance`` records the ``format``, ``plugin`` and ``source``.
        When several formats each cover a part of the file (for example NWB
        annotations and predictions), their Labels are merged into one.

    Raises:
        SourceNotFoundError: The path does not exist (for a URL: the server answers 404).
        ReadError: The file is a folder, unreadable, damaged, or its reader failed; for a URL,
            the host cannot be reached, ignores Range requests, or cuts a response short.
        UnknownFormatError: No installed format recognises the file.
        AmbiguousFormatError: Two formats claim it equally; pass ``format=`` or set
            a lasting preference (``POSEIO_PREFER``).
        PartialFormatError: ``format=`` would leave parts of the file unread.
        UnsafeFileError: The file points outside itself, or declares more than it stores.
    """
    check_source(source)
    check_format(format)
    check_flag(allow_external, "allow_external")
    check_flag(partial, "partial")
    if allow_external and is_url(source):
        # HDF5 would look the files a remote file names up on this machine, not beside the remote file.
        raise InvalidOptionError(
            f"{source}: {say_option('allow_external')} does not apply to a URL: the files it names would "
            "be looked up on this machine. Download the file with the files it names and load the local copy"
        )
    if memory_budget is not None:
        parse_size(memory_budget)  # a wrong budget is a usage error, before the file is touched
    registry = get_registry()
    with _open_probe(source) as probe:
        claims = _claims_for(probe, format, registry, partial=partial)
        routed = _route_read_options(claims, registry, options, probe.name)
        with reading_policy(allow_external=allow_external, memory_budget=memory_budget):
            if probe.h5 is not None:
                # Imported here: it imports h5py, which a load of a file that is not HDF5 never needs.
                from poseio._storage._safety import refuse_external_links

                refuse_external_links(probe.h5)
            parts = [_read_claim_on_say_so(probe, claim, registry, opts) for claim, opts in zip(claims, routed)]
    labels = Labels.merge(parts)
    # Frames are read from the pose file's folder: for a folder source (a dataset), from inside it.
    anchor = probe.path / probe.path.name if probe.path is not None and probe.is_folder else probe.path
    for video in labels.videos:
        video._pose_file = anchor
        video._named_remotely = probe.path is None
        video._pose_url = source if is_url(source) else None  # the images it holds are read from there
    labels.provenance.update(
        source=probe.name,
        format="+".join(p.provenance["format"] for p in parts),
        plugin="+".join(p.provenance["plugin"] for p in parts),
    )
    return labels


def _route_read_options(
    claims: list[Claim], registry: Registry, options: dict[str, Any], source: str
) -> list[dict[str, Any]]:
    """The options for each claim's reader: all of them for one reader, else each its declared ones."""
    if len(claims) == 1 or not options:
        return [options] * len(claims)
    accepted = [set(registry.formats[c.format].read_options) for c in claims]
    return split_options(options, accepted, [c.format for c in claims], source, "reader")


def _read_claim_on_say_so(probe: Probe, claim: Claim, registry: Registry, options: dict[str, Any]) -> Labels:
    """`_read_claim`; a claim its sniffer declined (the caller named the format) that fails is not recognised.

    A named format that cannot read the file raises `UnknownFormatError`, as
    it always did, whichever plugin it is; the message adds the reader's own
    words (what is wrong, or damaged) to the sniffer's, and the command that
    shows what every format says of the file.
    """
    try:
        return _read_claim(probe, claim, registry, options)
    except ReadError as exc:
        if claim.confidence > 0:
            raise
        said = str(exc).removeprefix(f"{probe.name}: ")
        raise UnknownFormatError(
            f"{probe.name}: format {claim.format!r} does not recognise this file "
            f"({claim.reason.split(': ', 1)[-1]}); its reader, asked anyway, says: {said}. "
            f"Run {say_command('explain', str(probe.name))} to see what every format says of it",
            path=probe.path,
        ) from exc


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
    except InvalidLabelsError as exc:
        # Labels a reader builds from what a file holds (two nodes of one name, a name that is not text)
        # are the file's fault, not the caller's: the same cause is a ReadError in every plugin.
        raise ReadError(
            f"{probe.name}: the file holds what poseio's labels cannot: {exc}. The file is damaged or does not "
            f"follow the {claim.format} format; write it again with the tool that made it",
            path=probe.path,
            format=claim.format,
            plugin=info.plugin,
        ) from exc
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
