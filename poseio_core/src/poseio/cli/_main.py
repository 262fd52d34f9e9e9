"""``poseio``: inspect, convert, validate and plot pose files from a terminal."""

from __future__ import annotations

import json
import sys
import traceback
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


def _reading_options(command):
    """The options of every command that reads a file: what it may follow outside it, and how much memory."""
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
def sniff(files: tuple[Path, ...], explain: bool, as_json: bool) -> None:
    """Show which formats claim each FILE, and how surely."""
    results = []
    for path in files:
        if explain:
            report = poseio.explain(path)
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
        claims = poseio.sniff(path)
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
@click.option("--format", "format_", default=None, help="Read with this format instead of detecting it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@_reading_options
def info(file: Path, format_: str | None, as_json: bool, allow_external: bool, memory_budget: str | None) -> None:
    """Summarise what FILE holds: videos, skeletons, tracks, frames and instances."""
    from poseio._summary import format_summary, summarize

    summary = summarize(poseio.load(file, format=format_, allow_external=allow_external, memory_budget=memory_budget))
    click.echo(json.dumps(summary, indent=2, default=str) if as_json else format_summary(summary))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to_format", default=None, help="Output format (default: chosen by the output's extension).")
@click.option("--from", "from_format", default=None, help="Input format (default: detected).")
@click.option("-o", "--option", "options", multiple=True, help="Writer option key=value (value parsed as JSON).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_reading_options
def convert(
    paths: tuple[Path, ...],
    to_format: str | None,
    from_format: str | None,
    options: tuple[str, ...],
    quiet: bool,
    allow_external: bool,
    memory_budget: str | None,
) -> None:
    """Convert IN to OUT, or several INs into the folder OUT.

    Example: poseio convert predictions.nwb out.csv --to csv-points
    """
    from tqdm import tqdm

    if len(paths) < 2:
        raise click.UsageError("give at least one input and an output")
    *inputs, output = paths
    writer_options = _parse_options(options)
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
        labels = poseio.load(source, format=from_format, allow_external=allow_external, memory_budget=memory_budget)
        poseio.save(labels, target, format=to_format, **writer_options)
        if not quiet:
            click.echo(f"{source} -> {target}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--allow-external", is_flag=True, help="Let the validators follow links into other files.")
def validate(file: Path, as_json: bool, allow_external: bool) -> None:
    """Check an NWB FILE with pynwb's validator and nwbinspector, by importance."""
    from poseio.cli._validate import run_validation

    report = run_validation(file, allow_external=allow_external)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(f"{file}:")
        click.echo(f"  pynwb validator: {len(report['pynwb'])} error(s)")
        for message in report["pynwb"]:
            click.echo(f"    - {message}")
        if report["nwbinspector"] is None:
            click.echo("  nwbinspector: not installed (pip install 'poseio[validate]')")
        else:
            for importance, messages in report["nwbinspector"].items():
                click.echo(f"  nwbinspector {importance}: {len(messages)}")
                for message in messages:
                    click.echo(f"    - {message}")
    if report["pynwb"] or (report["nwbinspector"] or {}).get("CRITICAL"):
        sys.exit(2)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="The PNG to write.")
@click.option("--frame", type=int, default=None, help="Frame to draw over (default: the first labelled one).")
@_reading_options
def plot(file: Path, output: Path, frame: int | None, allow_external: bool, memory_budget: str | None) -> None:
    """Draw FILE's poses: over a frame of its video when that is in FILE's folder, else trajectories.

    The video FILE names is opened only when it lies in FILE's folder or below;
    --allow-external opens it wherever FILE says it is.
    """
    from poseio.cli._plot import plot_labels

    labels = poseio.load(file, allow_external=allow_external, memory_budget=memory_budget)
    what = plot_labels(labels, output, frame=frame, source=file, allow_external=allow_external)
    click.echo(f"wrote {output} ({what})")


def main() -> None:
    """Entry point of the ``poseio`` console script."""
    cli(prog_name="poseio")
