"""Asking every plugin about a source and choosing who reads it."""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs

from poseio._errors import AmbiguousFormatError, PoseioError, ReadError, UnknownFormatError, damaged_file_error
from poseio._plugins._preferences import PREFER_ENV, config_path
from poseio._plugins._probe import Probe
from poseio._plugins._records import AMBIGUITY_MARGIN, STRUCTURE_MATCH, Claim, FormatInfo, Verdict
from poseio._plugins._registry import DISABLE_ENV, KNOWN_FORMATS, Registry, describe_formats
from poseio._words import audience, say_option


def _as_claims(result: object) -> tuple[Claim, ...]:
    if result is None:
        return ()
    if isinstance(result, Claim):
        return (result,)
    if isinstance(result, (list, tuple)) and all(isinstance(c, Claim) for c in result):
        return tuple(result)
    raise TypeError(f"poseio_sniff must return Claim, a list of Claim or None, not {type(result).__name__}")


def _may_hold(info: FormatInfo, name: str) -> bool:
    """Whether a file of this name may be of this format: its sniffer is asked only then.

    ``name`` is in lower case (as `FormatInfo.extension_match` compares), so that
    a load lowers it once, not once per format.
    """
    return info.sniffs_any_name or not info.extensions or any(name.endswith(e.lower()) for e in info.extensions)


def ask_sniffers(probe: Probe, registry: Registry, only_formats: Sequence[str] | None = None) -> list[Verdict]:
    """Call every sniffer once, each inside its own guard, and record what it said.

    A plugin whose formats all declare file name endings, none of which the
    source's name has, is not asked (unless a format sniffs any name, as NWB's
    do): its verdict says so. The plugins of ``only_formats`` (the formats a
    user named) are asked whatever the name. Every plugin is asked even then,
    so that a choice that would read less than the file holds can be told.

    A sniffer that raises, returns the wrong type, claims a format its plugin
    did not declare, or (through `Claim`'s validation) an out-of-range
    confidence is recorded with its error and contributes no claims.
    """
    # Every plugin that declares a wanted format answers (both, for a conflicted one, so the conflict shows).
    wanted_plugins = (
        set()
        if only_formats is None
        else {p.name for p in registry.plugins.values() if any(f.name in only_formats for f in p.formats)}
    )
    verdicts = []
    # Looked up once: a load asks two dozen plugins about the same name.
    name, is_folder, named = probe.name.lower(), probe.is_folder, probe.path is not None
    plugins = registry.plugins
    for plugin, sniff in registry.sniffers():
        declared = plugins[plugin].formats if plugin in plugins else ()
        if is_folder and not any(f.folders for f in declared):
            verdicts.append(Verdict(plugin, skipped="not asked: a folder, and this plugin reads files"))
            continue
        # A file object's name says nothing, so its every sniffer is asked.
        skippable = named and plugin not in wanted_plugins
        if skippable and not is_folder and declared and not any(_may_hold(f, name) for f in declared):
            endings = ", ".join(sorted({e for f in declared for e in f.extensions}))
            verdicts.append(Verdict(plugin, skipped=f"not asked: the name ends in none of {endings}"))
            continue
        start = time.perf_counter()
        try:
            claims = _as_claims(sniff(probe=probe))
            for claim in claims:
                if not registry.may_claim(plugin, claim.format):
                    raise ValueError(f"claimed format {claim.format!r}, which this plugin does not declare")
            verdicts.append(Verdict(plugin, claims, seconds=time.perf_counter() - start))
        except Exception as exc:  # noqa: BLE001 - one broken sniffer must not stop the others
            verdicts.append(
                Verdict(
                    plugin, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - start, exception=exc
                )
            )
    return verdicts


def ranked(verdicts: Sequence[Verdict], only_formats: Sequence[str] | None = None) -> list[Claim]:
    """Every positive claim (of ``only_formats``, when given), most confident first (ties keep plugin order)."""
    claims = [
        c for v in verdicts for c in v.claims if c.confidence > 0 and (only_formats is None or c.format in only_formats)
    ]
    return sorted(claims, key=lambda c: -c.confidence)


def _joins(claim: Claim, best: Claim) -> bool:
    """Whether the best claim of one part is read alongside the overall best claim."""
    return claim.part == best.part or claim.confidence >= STRUCTURE_MATCH


def parts_held(claims: Sequence[Claim]) -> dict[str, list[str]]:
    """The parts of a source that its claims say it holds: ``{part: formats claiming it}``.

    Empty when the best claim is on the whole source. A part counts when its
    best claim would be read alongside the best one (see `choose`).
    """
    if not claims:
        return {}
    best = max(claims, key=lambda c: c.confidence)
    if best.part is None:
        return {}
    held: dict[str, list[str]] = {}
    for part in dict.fromkeys(c.part for c in claims if c.part is not None):
        on_part = [c for c in claims if c.part == part]
        if _joins(max(on_part, key=lambda c: c.confidence), best):
            held[part] = list(dict.fromkeys(c.format for c in on_part))
    return held


def choose(
    claims: Sequence[Claim], *, source: object, preference: Sequence[str] | None = None, option: str = "read_format"
) -> list[Claim]:
    """The claims to read: the best whole-file claim, or the best claim of each part.

    Claims on the same part (or any claim against a whole-file claim) compete;
    two formats within `AMBIGUITY_MARGIN` of each other raise
    `AmbiguousFormatError`, unless ``preference`` (the order of the
    ``format=[...]`` list, or the user's lasting preference) settles it. Part
    winners other than the overall best join in when they reach
    `STRUCTURE_MATCH`. The error's advice names choices that still read every
    part.
    """
    if not claims:
        return []
    rank = {name: i for i, name in enumerate(preference or [])}

    def settle(contenders: list[Claim]) -> Claim | list[Claim]:
        """The winner, or the claims tied for the win."""
        top = max(contenders, key=lambda c: c.confidence)
        close = [c for c in contenders if c.confidence >= top.confidence - AMBIGUITY_MARGIN]
        if len({c.format for c in close}) == 1:
            return top
        preferred = [c for c in close if c.format in rank]
        if preferred:
            return min(preferred, key=lambda c: (rank[c.format], -c.confidence))
        return close

    best = max(claims, key=lambda c: c.confidence)
    if best.part is None:
        winner = settle(list(claims))
        if isinstance(winner, list):
            raise _ambiguous(source, winner, [], option)
        return [winner]
    whole_file = [c for c in claims if c.part is None]
    chosen: list[Claim] = []
    tied: list[list[Claim]] = []
    for part in dict.fromkeys(c.part for c in sorted(claims, key=lambda c: -c.confidence) if c.part is not None):
        winner = settle([c for c in claims if c.part == part] + whole_file)
        if isinstance(winner, list):
            tied.append(winner)
        elif winner.part is not None and _joins(winner, best):
            chosen.append(winner)
    if tied:
        raise _ambiguous(source, tied[0], [c.format for c in chosen], option)
    return chosen


def _ambiguous(source: object, close: list[Claim], others: list[str], option: str) -> AmbiguousFormatError:
    """The error for claims tied on one part; ``others`` are the formats that read the other parts.

    ``option`` is the keyword that names the format: ``read_format`` (``format=``,
    ``--format``) or ``write_format`` (``format=``, ``--to``), said in the caller's words.
    """
    formats = list(dict.fromkeys(c.format for c in close))
    described = ", ".join(f"{c.format} ({c.confidence:.2f}: {c.reason})" for c in close)
    if others:
        # A single name would read that part only: the advice keeps the other parts' readers.
        choices = " or ".join(say_option(option, [name, *others]) for name in formats)
        advice = f"Choose with {choices} (each reads every part of the file)"
    else:
        advice = f"Choose one with {say_option(option, formats[0])}"
    return AmbiguousFormatError(
        f"{source}: several formats claim it about equally: {described}. {advice}, or set a lasting "
        f"preference with {PREFER_ENV}={','.join(formats)} (or 'prefer' in {config_path()})",
        path=source,
        candidates=formats,
    )


def damage_error(probe: Probe, verdicts: Sequence[Verdict]) -> ReadError | None:
    """A `ReadError` when nothing claims the source because it is damaged, else ``None``.

    A damaged HDF5 file makes sniffers fail rather than decline: the probe's
    own walk of its groups fails, or a sniffer met an I/O error. Saying "no
    format recognises this file" would send the user looking for a plugin.
    """
    failures = [v.exception for v in verdicts if isinstance(v.exception, OSError)]
    cause: BaseException | None = failures[0] if failures else None
    if probe.is_hdf5 and cause is None:
        try:
            probe.typed_groups  # noqa: B018 - walks the file's groups, as sniffers do
        except Exception as exc:  # noqa: BLE001 - any failure of the walk is damage
            cause = exc
    return None if cause is None else damaged_file_error(probe.name, cause, path=probe.path)


def no_claim_error(probe: Probe, verdicts: Sequence[Verdict], registry: Registry) -> PoseioError:
    """The error for a source nothing claims: damage, or a list of every verdict and missing format."""
    damaged = damage_error(probe, verdicts)
    if damaged is not None:
        return damaged
    if probe.is_folder:
        return _folder_error(probe, verdicts, registry)
    declines: list[tuple[str, str]] = []
    for v in verdicts:
        if v.skipped:
            declines.append((v.plugin, v.skipped))
        elif v.error:
            declines.append((v.plugin, f"sniffer failed: {v.error}"))
        elif v.claims:
            declines.extend((c.format, c.reason or "declined") for c in v.claims)
        else:
            declines.append((v.plugin, "declined"))
    lines = [f"{probe.name}: no installed format recognises this file."]
    if probe.path is not None and not probe.is_folder and probe.path.stat().st_size == 0:
        lines[0] = f"{probe.name}: the file is empty; no installed format recognises it."
    if declines:
        lines.append("What each format said:")
        lines += [f"  - {name}: {reason}" for name, reason in declines]
    else:
        lines.append("No format plugin is installed.")
    missing = registry.missing_formats()
    if missing:
        lines.append("Known formats that are not installed (pip install 'poseio[nwb]' adds the NWB ones):")
        lines += [f"  - {fmt} (distribution {dist})" for fmt, dist in missing.items()]
    return UnknownFormatError("\n".join(lines), path=probe.path, declines=declines, missing=list(missing))


def _folder_error(probe: Probe, verdicts: Sequence[Verdict], registry: Registry) -> ReadError:
    """The error for a folder no folder format claims: what reads folders, and how to convert its files."""
    said = "; ".join(f"{c.format}: {c.reason}" for v in verdicts for c in v.claims if c.reason)
    readers = sorted(f.name for f in registry.formats.values() if f.folders and f.can_read)
    what = (
        f"none of the formats that read folders ({', '.join(readers)}) recognises it"
        if readers
        else "no installed format reads folders"
    )
    return ReadError(
        f"{probe.name}: is a folder, not a pose file, and {what}"
        + (f" ({said})" if said else "")
        + f". Name a file inside it, or convert every file in it with {_convert_each(probe.name)}",
        path=probe.path,
    )


def _convert_each(folder: str) -> str:
    """Converting each file of a folder, in the caller's words."""
    if audience() == "cli":
        return f"poseio convert {folder} --out-dir OUT_DIR --to FORMAT"
    return f"poseio.convert_many({folder!r}, 'OUT_DIR', to='FORMAT')"


def unknown_format_name(name: str, registry: Registry, *, need: str = "read") -> PoseioError:
    """The error for a format name that is not installed or cannot do ``need``."""
    info = registry.formats.get(name)
    if info is None:
        hint = ""
        if name in registry.missing_formats():
            hint = f" It is provided by {registry.missing_formats()[name]}, which is not installed."
        elif name in KNOWN_FORMATS and registry.disabled_by_user(KNOWN_FORMATS[name]):
            hint = f" Its plugin ({KNOWN_FORMATS[name]}) is installed but switched off by {DISABLE_ENV}."
        return UnknownFormatError(
            f"no installed format is called {name!r}.{hint} Installed formats:\n"
            + (describe_formats(registry.formats.values()) or "  (none)"),
        )
    return UnknownFormatError(f"format {name!r} cannot {need} (plugin {info.plugin!r} does not implement it)")


@attrs.frozen
class Explanation:
    """Every plugin's verdict on one source, and the choice made from them.

    ``str(explanation)`` is a report for people; the attributes are for programs.
    """

    source: str
    verdicts: tuple[Verdict, ...]
    chosen: tuple[Claim, ...]
    error: str | None = None

    def __str__(self) -> str:
        lines = [f"poseio explain: {self.source}"]
        for v in self.verdicts:
            head = f"  plugin {v.plugin} ({v.seconds * 1000:.1f} ms):"
            if v.skipped:
                lines.append(f"  plugin {v.plugin}: {v.skipped}")
            elif v.error:
                lines.append(f"{head} ERROR {v.error}")
            elif not v.claims:
                lines.append(f"{head} no claim")
            for c in v.claims:
                part = f" [part {c.part}]" if c.part else ""
                lines.append(f"{head} {c.format}{part} confidence {c.confidence:.2f}: {c.reason}")
        if self.chosen:
            lines.append("  chosen: " + ", ".join(c.format for c in self.chosen))
        else:
            lines.append(f"  chosen: nothing{': ' + self.error if self.error else ''}")
        return "\n".join(lines)
