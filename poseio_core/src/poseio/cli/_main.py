"""``poseio``: inspect, convert, validate and plot pose files from a terminal."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

import click

import poseio
from poseio._batch._sources import is_pose_folder
from poseio._errors import PoseioError

#: The exit status when the reader of stdout has gone (``poseio validate x | head``): 128 + SIGPIPE,
#: what the shell reports for a command that a closed pipe stopped.
CLOSED_STDOUT_STATUS = 141


def _stop_on_closed_stdout() -> NoReturn:
    """Exit quietly with `CLOSED_STDOUT_STATUS`: the reader of stdout has gone, so there is no one to tell.

    Later writes, and Python's own flush at exit, go to the null device
    instead of failing again (as Python's documentation on SIGPIPE advises).
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # a stdout without a file descriptor (click's CliRunner)
        pass
    sys.exit(CLOSED_STDOUT_STATUS)


class _Group(click.Group):
    """Turns any failure into a message on stderr and exit status 1 (traceback with --debug).

    The first line says what failed; the error's further lines (each format's
    verdict, the formats installed) follow it, indented. A closed stdout
    (``poseio info x | head -1``) stops the command quietly with status 141.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:  # --help and --version print while the arguments are parsed
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            _stop_on_closed_stdout()

    def invoke(self, ctx: click.Context) -> Any:
        from poseio._words import speaking_to

        try:
            with speaking_to("cli"):
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            _stop_on_closed_stdout()
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


class _Source(click.ParamType):
    """A file to read: a local path, or a URL (``https://``, ``s3://``, ``dandi://``) kept as text.

    ``click.Path`` would turn ``https://host/file`` into ``https:/host/file``.
    """

    name = "source"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        from poseio._storage._remote import is_url

        return value if is_url(value) else Path(value)


#: The type of every argument that names a file to read.
SOURCE = _Source()


def _local(source: Path | str) -> Path | None:
    """The source's path on this machine; ``None`` for a URL (nothing beside it can be opened)."""
    return source if isinstance(source, Path) else None


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
    """List installed plugins, their formats, and plugins that failed to load.

    Exits 1 when plugins conflict (two distributions publish one plugin name,
    or two plugins declare one format), since poseio then serves neither.
    """
    infos = poseio.plugins()
    if as_json:
        import attrs

        click.echo(json.dumps([attrs.asdict(p) for p in infos], indent=2))
    else:
        for p in infos:
            status = "disabled" if p.disabled else ("FAILED: " + p.error if p.error else "loaded")
            if p.conflict:
                # A plugin left unloaded says why in its error; a loaded one that shares a format name, in the conflict.
                status = "CONFLICT: " + (p.error or p.conflict)
            click.echo(f"{p.name}  ({p.distribution or '?'} {p.version or ''})  {status}")
            for f in p.formats:
                caps = "/".join(
                    c for c, ok in (("read", f.can_read), ("write", f.can_write), ("append", f.can_append)) if ok
                )
                click.echo(f"    {f.name:<18} {caps:<18} {', '.join(f.extensions):<10} {f.description}")
    conflicts = list(dict.fromkeys(p.conflict for p in infos if p.conflict))
    if conflicts:
        click.echo(f"poseio: error: {len(conflicts)} conflict(s) between installed plugins:", err=True)
        for conflict in conflicts:
            click.echo(f"  {conflict}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SOURCE)
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
    files: tuple[Path | str, ...], explain: bool, as_json: bool, format_: str | list[str] | None, partial: bool
) -> None:
    """Show which formats claim each FILE, and how surely.

    Exits 2 when no format claims one of the FILEs (with --explain: when no
    format would read it).
    """
    results = []
    unclaimed = False
    for path in files:
        if explain:
            report = poseio.explain(path, format=format_, partial=partial)
            unclaimed = unclaimed or not report.chosen
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
        unclaimed = unclaimed or not claims
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
    if unclaimed:
        sys.exit(2)


@cli.command(params=[param for param in sniff.params if param.name != "explain"])
@click.pass_context
def explain(ctx: click.Context, **arguments: Any) -> None:
    """Show every plugin's verdict on each FILE, with reasons, errors and timings (as sniff --explain)."""
    ctx.invoke(sniff, explain=True, **arguments)


@cli.command()
@click.argument("file", type=SOURCE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@_reading_options
def info(file: Path | str, as_json: bool, **reading: Any) -> None:
    """Summarise what FILE holds: videos, skeletons, tracks, frames and instances."""
    from poseio.cli._summary import format_summary, summarize

    summary = summarize(_load(file, **reading))
    click.echo(json.dumps(summary, indent=2, default=str) if as_json else format_summary(summary))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=SOURCE)
@click.option(
    "--to",
    "to_format",
    default=None,
    help="Output format, or an extension such as .nwb to choose the writer by each file's content "
    "(default: chosen by the output's extension; needed with an output folder).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Convert every IN (files, folders, glob patterns, URLs) into this folder, created if missing.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, help="Worker processes converting at once.")
@click.option(
    "--shard",
    metavar="I/N",
    help="Convert only the I-th of N shares of the files (I from 1): "
    "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT in a job array.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JSON-lines report: one line per file (its outcome, error, seconds, output) as it finishes.",
)
@click.option("--overwrite", is_flag=True, help="Convert again the files whose output an earlier run wrote.")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Convert on the Dask cluster of this scheduler (tcp://host:8786, or a scheduler file .json); "
    "needs pip install 'poseio[dask]'.",
)
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
@click.option(
    "--allow-loss",
    is_flag=True,
    help="Convert even when the output format cannot carry part of the input (refused by default, naming what).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, and no line per file converted.")
@_reading_options
def convert(
    paths: tuple[Path | str, ...],
    to_format: str | None,
    out_dir: Path | None,
    jobs: int,
    shard: str | None,
    report: Path | None,
    overwrite: bool,
    scheduler: str | None,
    options: tuple[str, ...],
    fps: float | None,
    subject_file: Path | None,
    metadata_file: Path | None,
    allow_loss: bool,
    quiet: bool,
    **reading: Any,
) -> None:
    """Convert IN to OUT, or many INs into a folder (--out-dir DIR, or an existing folder OUT).

    With a folder, INs may be files, folders (their pose files, found with
    sniff), glob patterns and URLs; outputs keep their paths below the folders
    given. Outputs an earlier run wrote are skipped; a file that fails does
    not stop the others, and the exit status is 1 when any failed.

    Examples:
        poseio convert session_DLC_resnet50.h5 session.nwb --fps 30 --subject subject.yaml

        poseio convert predictions.nwb out.csv --to csv-points

        poseio convert data/ 'more/**/*.slp' --out-dir nwb/ --to .nwb --jobs 4 --report report.jsonl
    """
    from poseio._io._converting import convert_one, mapping_from, settings

    sources, folder = _convert_targets(paths, out_dir)
    # Values from the files first, so that an explicit -o key=value wins.
    writer_options = {**mapping_from(metadata_file, "--metadata"), **_parse_options(options)}
    subject = None if subject_file is None else mapping_from(subject_file, "--subject")
    common = {
        "fps": fps,
        "subject": subject,
        "options": writer_options,
        "format": reading["format_"],
        "allow_external": reading["allow_external"],
        "memory_budget": reading["memory_budget"],
        "partial": reading["partial"],
        "allow_loss": allow_loss,
    }
    if folder is None:
        many = {"--jobs": jobs > 1, "--shard": shard, "--report": report, "--scheduler": scheduler}
        given = [name for name, value in many.items() if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} convert many files: name the output folder with --out-dir")
        (source,), target = sources, Path(paths[-1])
        for note in convert_one(source, target, settings(to=to_format, **common)):
            click.echo(note, err=True)
        if not quiet:
            click.echo(f"{source} -> {target}")
        return
    if to_format is None:
        raise click.UsageError("with an output folder, name the output format with --to (a name, or an extension .nwb)")
    result = poseio.convert_many(
        sources,
        folder,
        to=to_format,
        jobs=jobs,
        shard=shard,
        client=scheduler,
        report=report,
        overwrite=overwrite,
        progress=False if quiet else None,
        on_outcome=lambda outcome: _show_outcome(outcome, quiet),
        **common,
    )
    click.echo(result.summary(), err=True)
    for outcome in result.failed:
        # poseio's messages mostly start with the file's name; say it where one does not.
        where = "" if (outcome.message or "").startswith(outcome.source) else f"{outcome.source}: "
        click.echo(f"  failed: {where}{outcome.message} ({outcome.error})", err=True)
    if not result.ok:
        sys.exit(1)


def _convert_targets(paths: tuple[Path | str, ...], out_dir: Path | None) -> tuple[list[Path | str], Path | None]:
    """The inputs, and the output folder (``None`` to convert one file: IN OUT)."""
    if out_dir is not None:
        return list(paths), out_dir
    if len(paths) < 2:
        raise click.UsageError("give at least one input and an output (or the output folder with --out-dir)")
    *inputs, output = paths
    if len(inputs) == 1 and not _names_many(inputs[0]) and not Path(output).is_dir():
        return inputs, None
    if not Path(output).is_dir():
        raise poseio.WriteError(
            f"{output}: with several inputs the output must be an existing folder (--out-dir DIR creates it)"
        )
    return inputs, Path(output)


def _names_many(source: Path | str) -> bool:
    """Whether a source names several files: a folder, or a glob pattern."""
    if isinstance(source, str):  # a URL
        return False
    if source.is_dir():
        return not is_pose_folder(source)  # a dataset folder (a DeepLabCut project) is one input
    return not source.exists() and any(c in str(source) for c in "*?[")


def _show_outcome(outcome: poseio.FileOutcome, quiet: bool) -> None:
    """A converted file's line on stdout (unless quiet); its notes, such as a rate read from a video, on stderr."""
    for note in outcome.notes:
        click.echo(note, err=True)
    if not quiet and outcome.status == "converted":
        click.echo(f"{outcome.source} -> {outcome.output}")


@cli.command()
@click.argument("file", type=SOURCE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--allow-external", is_flag=True, help="Let the validators follow links into other files.")
@click.option("--format", "format_", multiple=True, callback=_format_choice, help="Validate as these formats.")
@click.option("-q", "--quiet", is_flag=True, help="No line on stderr as each format's validators start.")
def validate(
    file: Path | str, as_json: bool, allow_external: bool, format_: str | list[str] | None, quiet: bool
) -> None:
    """Check FILE with its formats' own validators (for NWB: pynwb's validator and nwbinspector).

    Says on stderr which validators run, since they take seconds to minutes.
    Exits 2 when a validator finds the file invalid (for NWB: a validator
    error or a CRITICAL nwbinspector finding).
    """
    import attrs

    from poseio._io._validating import validate_announcing

    def announce(name: str, format: str) -> None:
        if not quiet:
            click.echo(f"poseio: checking {name} with the {format} validators (large files take minutes)...", err=True)

    reports = validate_announcing(file, format=format_, allow_external=allow_external, announce=announce)
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
@click.argument("file", type=SOURCE)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="The PNG to write.")
@click.option("--frame", type=int, default=None, help="Frame to draw over (default: the first labelled one).")
@_reading_options
def plot(file: Path | str, output: Path, frame: int | None, **reading: Any) -> None:
    """Draw FILE's poses: over a frame of its video when that is in FILE's folder, else trajectories.

    The video FILE names is opened only when it lies in FILE's folder or below;
    --allow-external opens it wherever FILE says it is.
    """
    from poseio.cli._plot import plot_labels

    labels = _load(file, **reading)
    what = plot_labels(labels, output, frame=frame, source=_local(file), allow_external=reading["allow_external"])
    click.echo(f"wrote {output} ({what})")


def main() -> None:
    """Entry point of the ``poseio`` console script."""
    cli(prog_name="poseio")


# Commands kept in modules of their own register themselves on `cli` when imported.
from poseio.cli import _render  # noqa: E402, F401
