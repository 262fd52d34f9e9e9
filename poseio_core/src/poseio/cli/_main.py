"""``poseio``: inspect, convert, validate and plot pose files from a terminal."""

from __future__ import annotations

import json
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import click

import poseio
from poseio._errors import PoseioError


class _Group(click.Group):
    """Turns any failure into a message on stderr and exit status 1 (traceback with --debug).

    The first line says what failed; the error's further lines (each format's
    verdict, the formats installed) follow it, indented.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            lines = str(exc).splitlines() or [type(exc).__name__]
            kind = type(exc).__name__ if isinstance(exc, PoseioError) else f"unexpected {type(exc).__name__}"
            click.echo(f"poseio: error: {lines[0]} ({kind})", err=True)
            # The details (what each format said, the installed formats) follow, indented.
            for line in lines[1:]:
                click.echo(f"  {line}", err=True)
            if not isinstance(exc, PoseioError) and not (ctx.obj and ctx.obj.get("debug")):
                click.echo("poseio: run with --debug for the traceback", err=True)
            ctx.exit(1)


def _parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--option")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _mapping_file(path: Path | None, option: str) -> dict[str, Any]:
    """The mapping a YAML (or JSON) file holds; empty for no file."""
    if path is None:
        return {}
    import yaml

    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise poseio.InvalidOptionError(f"{option} {path}: cannot be read as YAML or JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise poseio.InvalidOptionError(f"{option} {path}: must hold a mapping of field names to values")
    return value


def _rates_from_videos(labels: poseio.Labels, source: Path, allow_external: bool) -> list[str]:
    """Give each video the input did not time the rate its file declares; returns a note per video timed.

    Only video files beside the input (or below its folder) are opened, unless ``allow_external``.
    """
    from poseio.cli._videos import VIDEO_ENDINGS, openable_video, video_fps

    notes = []
    for video in labels.videos:
        if video.fps or video.timestamps is not None:
            continue
        # DeepLabCut names a video by its stem: its file is the stem with a video ending.
        names = [video.filename] + (
            [video.filename + e for e in VIDEO_ENDINGS] if not Path(video.filename).suffix else []
        )
        found = (openable_video(name, beside=source, allow_external=allow_external) for name in names)
        path = next((p for p in found if p is not None), None)
        rate = video_fps(path) if path is not None else None
        if rate:
            notes.append(f"{source}: {video.filename} runs at {rate:g} fps (read from {path}); --fps overrides it")
            # The file found is the video: the output names it, so that readers of the output find it too.
            video.fps, video.filename = rate, str(path)
    return notes


def _format_choice(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> str | list[str] | None:
    """``--format a,b`` or ``--format a --format b``: one name, a preference list, or None."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if not names:
        return None
    return names[0] if len(names) == 1 else names


def _reading_options(command):
    """The options of every command that reads a file: its format, what it may follow outside it, and memory."""
    command = click.option(
        "--partial",
        is_flag=True,
        help="Read only the parts of the file that the --format formats cover (else leaving parts unread is an error).",
    )(command)
    command = click.option(
        "--format",
        "--from",
        "format_",
        multiple=True,
        callback=_format_choice,
        help="Read with this format, or a comma-separated list in order of preference (default: detected).",
    )(command)
    command = click.option(
        "--memory-budget",
        default=None,
        help="Largest array to allocate from a size the file declares, e.g. 8GB (default: POSEIO_MEMORY_BUDGET "
        "or half the machine's memory).",
    )(command)
    return click.option(
        "--allow-external",
        is_flag=True,
        help="Follow external links, external storage and virtual datasets into other files (refused by default).",
    )(command)


def _load(path: Path, *, format_: str | list[str] | None, **reading: Any) -> poseio.Labels:
    """``poseio.load`` with the options of `_reading_options`."""
    return poseio.load(path, format=format_, **reading)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(poseio.__version__, prog_name="poseio")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Read, inspect and convert animal pose-tracking files in any installed format."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def plugins(as_json: bool) -> None:
    """List installed plugins, their formats, and plugins that failed to load."""
    infos = poseio.plugins()
    if as_json:
        import attrs

        click.echo(json.dumps([attrs.asdict(p) for p in infos], indent=2))
        return
    for p in infos:
        status = "disabled" if p.disabled else ("FAILED: " + p.error if p.error else "loaded")
        if p.conflict:
            status = "CONFLICT: " + p.conflict
        click.echo(f"{p.name}  ({p.distribution or '?'} {p.version or ''})  {status}")
        for f in p.formats:
            caps = "/".join(
                c for c, ok in (("read", f.can_read), ("write", f.can_write), ("append", f.can_append)) if ok
            )
            click.echo(f"    {f.name:<18} {caps:<18} {', '.join(f.extensions):<10} {f.description}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--explain", is_flag=True, help="Show every plugin's verdict, including errors and declines.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--format",
    "format_",
    multiple=True,
    callback=_format_choice,
    help="Only these formats (comma-separated, in order of preference); --explain shows what they would read.",
)
@click.option("--partial", is_flag=True, help="With --explain and --format: reading only some parts is meant.")
def sniff(
    files: tuple[Path, ...], explain: bool, as_json: bool, format_: str | list[str] | None, partial: bool
) -> None:
    """Show which formats claim each FILE, and how surely."""
    results = []
    for path in files:
        if explain:
            report = poseio.explain(path, format=format_, partial=partial)
            if as_json:
                import attrs

                results.append(
                    {
                        "file": str(path),
                        "verdicts": [attrs.asdict(v) for v in report.verdicts],
                        "chosen": [c.format for c in report.chosen],
                        "error": report.error,
                    }
                )
            else:
                click.echo(str(report))
            continue
        claims = poseio.sniff(path, format=format_)
        if as_json:
            results.append(
                {
                    "file": str(path),
                    "claims": [
                        {"format": c.format, "confidence": c.confidence, "reason": c.reason, "part": c.part}
                        for c in claims
                    ],
                }
            )
        else:
            click.echo(f"{path}:")
            for c in claims:
                click.echo(f"  {c.confidence:.2f}  {c.format:<18} {c.reason}")
            if not claims:
                click.echo("  no format claims this file (try --explain)")
    if as_json:
        click.echo(json.dumps(results, indent=2))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@_reading_options
def info(file: Path, as_json: bool, **reading: Any) -> None:
    """Summarise what FILE holds: videos, skeletons, tracks, frames and instances."""
    from poseio._summary import format_summary, summarize

    summary = summarize(_load(file, **reading))
    click.echo(json.dumps(summary, indent=2, default=str) if as_json else format_summary(summary))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to_format", default=None, help="Output format (default: chosen by the output's extension).")
@click.option("-o", "--option", "options", multiple=True, help="Writer option key=value (value parsed as JSON).")
@click.option(
    "--fps",
    type=float,
    default=None,
    help="The videos' frame rate, for formats that store seconds (NWB). Default: the rate the input records, "
    "else the one each video file declares when it sits beside the input.",
)
@click.option(
    "--subject",
    "subject_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML or JSON file of the subject (subject_id, species, sex, age, ...), for NWB.",
)
@click.option(
    "--metadata",
    "metadata_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML or JSON file of session metadata (session_description, experimenter, lab, ...), for NWB.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_reading_options
def convert(
    paths: tuple[Path, ...],
    to_format: str | None,
    options: tuple[str, ...],
    fps: float | None,
    subject_file: Path | None,
    metadata_file: Path | None,
    quiet: bool,
    **reading: Any,
) -> None:
    """Convert IN to OUT, or several INs into the folder OUT.

    Examples:
        poseio convert session_DLC_resnet50.h5 session.nwb --fps 30 --subject subject.yaml

        poseio convert predictions.nwb out.csv --to csv-points
    """
    from tqdm import tqdm

    if len(paths) < 2:
        raise click.UsageError("give at least one input and an output")
    *inputs, output = paths
    # Values from the files first, so that an explicit -o key=value wins.
    writer_options = {**_mapping_file(metadata_file, "--metadata"), **_parse_options(options)}
    if subject_file is not None:
        writer_options["subject"] = _mapping_file(subject_file, "--subject")
    if len(inputs) > 1 or output.is_dir():
        if not output.is_dir():
            raise poseio.WriteError(f"{output}: with several inputs the output must be an existing folder")
        if to_format is None:
            raise click.UsageError("with an output folder, name the output format with --to")
        info_ = next((f for f in poseio.formats() if f.name == to_format), None)
        if info_ is None:
            raise poseio.UnknownFormatError(f"no installed format is called {to_format!r}; see 'poseio plugins'")
        suffix = info_.extensions[0] if info_.extensions else ""
        targets = [output / (Path(i).stem + suffix) for i in inputs]
    else:
        targets = [output]
    show = not quiet and sys.stderr.isatty()
    for source, target in tqdm(list(zip(inputs, targets)), disable=not show, desc="converting", unit="file"):
        labels = _load(source, **reading)
        if fps is not None:
            # The videos' rate, not a writer option: every writer that stores time (or a rate) uses it,
            # and one that stores neither (labelled frames only) is not refused an option it lacks.
            for video in labels.videos:
                video.fps = fps
        else:
            for note in _rates_from_videos(labels, source, reading["allow_external"]):
                click.echo(note, err=True)
        poseio.save(labels, target, format=to_format, **writer_options)
        if not quiet:
            click.echo(f"{source} -> {target}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--allow-external", is_flag=True, help="Let the validators follow links into other files.")
@click.option("--format", "format_", multiple=True, callback=_format_choice, help="Validate as these formats.")
def validate(file: Path, as_json: bool, allow_external: bool, format_: str | list[str] | None) -> None:
    """Check FILE with its formats' own validators (for NWB: pynwb's validator and nwbinspector).

    Exits 2 when a validator finds the file invalid (for NWB: a validator
    error or a CRITICAL nwbinspector finding).
    """
    import attrs

    reports = poseio.validate(file, format=format_, allow_external=allow_external)
    if as_json:
        click.echo(json.dumps([{**attrs.asdict(r), "passed": r.passed} for r in reports], indent=2))
    else:
        click.echo(f"{file}:")
        for report in reports:
            if report.skipped:
                click.echo(f"  {report.validator}: not run ({report.skipped})")
                continue
            counts = Counter(f.importance for f in report.findings)
            summary = ", ".join(f"{n} {importance}" for importance, n in counts.items())
            verdict = "passed" if report.passed else "FAILED"
            click.echo(
                f"  {report.validator}: {verdict}, {len(report.findings)} finding(s){': ' + summary if summary else ''}"
            )
            for finding in report.findings:
                where = f" at {finding.location}" if finding.location else ""
                click.echo(f"    - {finding.importance}{where}: {finding.message}")
    if not all(r.passed for r in reports):
        sys.exit(2)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="The PNG to write.")
@click.option("--frame", type=int, default=None, help="Frame to draw over (default: the first labelled one).")
@_reading_options
def plot(file: Path, output: Path, frame: int | None, **reading: Any) -> None:
    """Draw FILE's poses: over a frame of its video when that is in FILE's folder, else trajectories.

    The video FILE names is opened only when it lies in FILE's folder or below;
    --allow-external opens it wherever FILE says it is.
    """
    from poseio.cli._plot import plot_labels

    labels = _load(file, **reading)
    what = plot_labels(labels, output, frame=frame, source=file, allow_external=reading["allow_external"])
    click.echo(f"wrote {output} ({what})")


def main() -> None:
    """Entry point of the ``poseio`` console script."""
    cli(prog_name="poseio")
