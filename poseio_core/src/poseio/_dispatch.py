"""Asking every plugin about a source and choosing who reads it."""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs

from poseio._errors import AmbiguousFormatError, PoseioError, ReadError, UnknownFormatError, damaged_file_error
from poseio._probe import Probe
from poseio._records import AMBIGUITY_MARGIN, STRUCTURE_MATCH, Claim, FormatInfo, Verdict
from poseio._registry import DISABLE_ENV, KNOWN_FORMATS, Registry, describe_formats


def _as_claims(result: object) -> tuple[Claim, ...]:
    if result is None:
        return ()
    if isinstance(result, Claim):
        return (result,)
    if isinstance(result, (list, tuple)) and all(isinstance(c, Claim) for c in result):
        return tuple(result)
    raise TypeError(f"poseio_sniff must return Claim, a list of Claim or None, not {type(result).__name__}")


def _may_hold(info: FormatInfo, name: str) -> bool:
    """Whether a file of this name may be of this format: its sniffer is asked only then."""
    return info.sniffs_any_name or not info.extensions or bool(info.extension_match(name))


def ask_sniffers(probe: Probe, registry: Registry, only_formats: Sequence[str] | None = None) -> list[Verdict]:
    """Call every sniffer, each inside its own guard, and record what it said.

    A plugin whose formats all declare file name endings, none of which the
    source's name has, is not asked (unless a format sniffs any name, as NWB's
    do): its verdict says so.

    A sniffer that raises, returns the wrong type, claims a format its plugin
    did not declare, or (through `Claim`'s validation) an out-of-range
    confidence is recorded with its error and contributes no claims.
    """
    # Every plugin that declares a wanted format answers (both, for a conflicted one, so the conflict shows).
    wanted_plugins = (
        None
        if only_formats is None
        else {p.name for p in registry.plugins.values() if any(f.name in only_formats for f in p.formats)}
    )
    verdicts = []
    for plugin, sniff in registry.sniffers():
        if wanted_plugins is not None and plugin not in wanted_plugins:
            continue
        declared = registry.plugins[plugin].formats if plugin in registry.plugins else ()
        # Not when the user named the formats, nor for a file object, whose name says nothing.
        skippable = only_formats is None and probe.path is not None
        if skippable and declared and not any(_may_hold(f, probe.name) for f in declared):
            endings = ", ".join(sorted({e for f in declared for e in f.extensions}))
            verdicts.append(Verdict(plugin, skipped=f"not asked: the name ends in none of {endings}"))
            continue
        start = time.perf_counter()
        try:
            claims = _as_claims(sniff(probe=probe))
            for claim in claims:
                if not registry.may_claim(plugin, claim.format):
                    raise ValueError(f"claimed format {claim.format!r}, which this plugin does not declare")
            if only_formats is not None:
                claims = tuple(c for c in claims if c.format in only_formats)
            verdicts.append(Verdict(plugin, claims, seconds=time.perf_counter() - start))
        except Exception as exc:  # noqa: BLE001 - one broken sniffer must not stop the others
            verdicts.append(
                Verdict(
                    plugin, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - start, exception=exc
                )
            )
    return verdicts


def ranked(verdicts: Sequence[Verdict]) -> list[Claim]:
    """Every positive claim, most confident first (ties keep plugin order)."""
    claims = [c for v in verdicts for c in v.claims if c.confidence > 0]
    return sorted(claims, key=lambda c: -c.confidence)


def choose(claims: Sequence[Claim], *, source: object, preference: Sequence[str] | None = None) -> list[Claim]:
    """The claims to read: the best whole-file claim, or the best claim of each part.

    Claims on the same part (or any claim against a whole-file claim) compete;
    two formats within `AMBIGUITY_MARGIN` of each other raise
    `AmbiguousFormatError`, unless ``preference`` (the order of the
    ``format=[...]`` list) settles it. Part winners other than the overall best
    join in when they reach `STRUCTURE_MATCH`.
    """
    if not claims:
        return []
    rank = {name: i for i, name in enumerate(preference or [])}

    def settle(contenders: list[Claim]) -> Claim:
        top = max(contenders, key=lambda c: c.confidence)
        close = [c for c in contenders if c.confidence >= top.confidence - AMBIGUITY_MARGIN]
        formats = list(dict.fromkeys(c.format for c in close))
        if len(formats) == 1:
            return top
        if preference:
            return min(close, key=lambda c: (rank.get(c.format, len(rank)), -c.confidence))
        described = ", ".join(f"{c.format} ({c.confidence:.2f}: {c.reason})" for c in close)
        raise AmbiguousFormatError(
            f"{source}: several formats claim it about equally: {described}. Choose one with "
            f"format='{formats[0]}', or give format=[...] in order of preference",
            path=source,
            candidates=formats,
        )

    best = max(claims, key=lambda c: c.confidence)
    if best.part is None:
        return [settle(list(claims))]
    whole_file = [c for c in claims if c.part is None]
    chosen = []
    for part in dict.fromkeys(c.part for c in sorted(claims, key=lambda c: -c.confidence) if c.part is not None):
        winner = settle([c for c in claims if c.part == part] + whole_file)
        if winner.part is not None and (winner.part == best.part or winner.confidence >= STRUCTURE_MATCH):
            chosen.append(winner)
    return chosen


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
    if probe.path is not None and probe.path.stat().st_size == 0:
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
