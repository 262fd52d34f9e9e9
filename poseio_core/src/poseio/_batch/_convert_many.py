"""Converting many files: `convert_many`, resumable, in shares, on local processes or a Dask cluster.

See ``docs/batch.md`` for the user's view. The pieces: `poseio._batch._sources`
plans (which files, their outputs, our share), `poseio._batch._tasks` converts
one file (the task each engine runs) and `poseio._batch._engines` runs the tasks.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from poseio._batch._records import SKIPPED_NOT_POSE, BatchResult, FileOutcome
from poseio._batch._sources import output_suffix, parse_shard, plan, share, writer_formats
from poseio._errors import InvalidArgumentError, InvalidOptionError, WriteError
from poseio._io._arguments import check_flag, check_format, check_path
from poseio._io._converting import MappingSource, settings
from poseio._io._loading import FormatChoice


def convert_many(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    to: str,
    jobs: int = 1,
    shard: tuple[int, int] | str | None = None,
    client: Any = None,
    report: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    on_outcome: Callable[[FileOutcome], None] | None = None,
    fps: float | None = None,
    subject: MappingSource = None,
    metadata: MappingSource = None,
    format: FormatChoice = None,
    allow_external: bool = False,
    memory_budget: int | str | None = None,
    partial: bool = False,
    allow_loss: bool = False,
    options: Mapping[str, Any] | None = None,
) -> BatchResult:
    """Convert many pose files into a folder; a file that fails never stops the others.

    Each file is converted as `poseio.convert` converts it. Its output is
    ``out_dir`` / its path below the folder it was found in, with the output
    format's extension: ``data/m1/session.h5`` found in ``data`` becomes
    ``out_dir/m1/session.nwb``. An output that exists, is not older than its
    input and whose most confident claimant is the output format was written
    by an earlier run: it is skipped, unless ``overwrite``.

    Args:
        sources: Files, folders, glob patterns (``"data/**/*.h5"``, expanded
            here) and URLs, or one of them. A file named (or matched by a
            pattern) is always converted; a file found by walking a folder only
            when an installed format claims it beyond its name or container
            (hidden files and folders are skipped).
        out_dir: The output folder; created if missing.
        to: The output format's name, or an extension such as ``".nwb"`` to let
            `poseio.save` choose each file's writer(s) by content.
        jobs: Worker processes converting at once on this machine.
        shard: Convert only share ``(I, N)`` (or ``"I/N"``), I from 1: the files
            whose name below their folder hashes to share I. For job arrays:
            each task converts its share, whatever files the others saw.
        client: A ``dask.distributed.Client``, or a scheduler's address
            (``"tcp://host:8786"``, or a scheduler file ending in ``.json``):
            convert on that Dask cluster instead (``pip install 'poseio[dask]'``).
            Its workers need poseio and the same plugins, and must see the paths.
        report: A JSON-lines file to write, one line per file as it finishes.
        overwrite: Convert every file, even those an earlier run converted.
        progress: Show a progress bar on stderr; by default when stderr is a terminal.
        on_outcome: Called in this process with each file's outcome as it finishes.
        fps: As for `poseio.convert`.
        subject: As for `poseio.convert`; a file is read once, here.
        metadata: As for `poseio.convert`; a file is read once, here.
        format: As for `poseio.convert`; also restricts which files of a folder are converted.
        allow_external: As for `poseio.convert`.
        memory_budget: As for `poseio.convert`.
        partial: As for `poseio.convert`.
        allow_loss: As for `poseio.convert`.
        options: Writer options, as for `poseio.convert`.

    Returns:
        One outcome per file of the share, sorted by the files' names.

    Raises:
        InvalidOptionError: Two inputs would write one output, a bad shard or
            job count, or an output format that no installed plugin writes.
        SourceNotFoundError: A glob pattern matches nothing.
        WriteError: The output folder or the report cannot be written.
    """
    check_flag(overwrite, "overwrite")
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    if not isinstance(to, str):
        raise InvalidArgumentError(f"to must be a format name or an extension such as '.nwb', not {to!r}")
    jobs = _check_engine(jobs, client)
    out = check_path(out_dir)
    report_path = None if report is None else check_path(report)
    shares = parse_shard(shard)
    task_plan = {
        **settings(
            to=to,
            fps=fps,
            subject=subject,
            metadata=metadata,
            format=format,
            allow_external=allow_external,
            memory_budget=memory_budget,
            partial=partial,
            allow_loss=allow_loss,
            options=options,
        ),
        "overwrite": overwrite,
        "written_by": writer_formats(to),
    }
    suffix = output_suffix(to)
    check_format(format)
    if format is not None:
        from poseio._io._loading import _only_formats
        from poseio._plugins._registry import get_registry

        # Said once, here, rather than as every file's failure (and every folder's file taken for pose data).
        _only_formats(format, get_registry())
    every = plan(sources, out, suffix=suffix, format=format, report=report_path)
    items = share(every, shares)
    _make_folder(out)
    outcomes: dict[int, FileOutcome] = {}
    with _report_file(report_path) as lines, _bar(len(items), progress) as bar:

        def record(index: int, outcome: FileOutcome) -> None:
            outcomes[index] = outcome
            if lines is not None:
                # Flushed line by line: a run that is killed leaves a report of what it finished.
                lines.write(json.dumps(outcome.to_json()) + "\n")
                lines.flush()
            bar.update(1)
            if on_outcome is not None:
                with bar.external_write_mode():
                    on_outcome(outcome)

        for index, item in enumerate(items):
            if item.output is None:
                record(index, FileOutcome(item.source, SKIPPED_NOT_POSE))
        tasks = [(i, item.source, str(item.output)) for i, item in enumerate(items) if item.output is not None]
        for index, outcome in _engine(tasks, task_plan, jobs, client):
            record(index, outcome)
    return BatchResult(tuple(outcomes[i] for i in sorted(outcomes)), out, report_path, shares)


def _check_engine(jobs: object, client: object) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise InvalidArgumentError(f"jobs must be a whole number of worker processes, not {jobs!r}")
    if jobs < 1:
        raise InvalidOptionError(f"jobs must be 1 or more, not {jobs}")
    if client is not None and jobs > 1:
        raise InvalidOptionError(
            "jobs (--jobs) and client (--scheduler) both say where to convert: pass one (a cluster has its own workers)"
        )
    if client is not None:
        if not isinstance(client, str) and not hasattr(client, "submit"):
            raise InvalidArgumentError(
                f"client must be a dask.distributed.Client or a scheduler's address, not {type(client).__name__}"
            )
        from poseio._batch._engines import check_address, distributed_module

        distributed_module()  # a missing dask, or a malformed address, is said before anything is read or written
        if isinstance(client, str):
            check_address(client)
    return jobs


def _engine(tasks: list[tuple[int, str, str]], plan: dict[str, Any], jobs: int, client: Any) -> Iterator:
    """The outcomes of the tasks, from the engine asked for."""
    if not tasks:
        return iter(())
    from poseio._batch import _engines

    if client is not None:
        return _engines.on_dask(tasks, plan, client)
    if min(jobs, len(tasks)) > 1:
        return _engines.in_processes(tasks, plan, min(jobs, len(tasks)))
    return _engines.here(tasks, plan)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(
            f"{folder}: cannot create the output folder ({exc.strerror or exc}); choose a writable one", path=folder
        ) from exc


@contextlib.contextmanager
def _report_file(path: Path | None) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    try:
        stream = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed below, after the last line
    except OSError as exc:
        raise WriteError(f"{path}: cannot write the report ({exc.strerror or exc})", path=path) from exc
    with stream:
        yield stream


@contextlib.contextmanager
def _bar(total: int, progress: bool | None) -> Iterator[Any]:
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else bool(progress)
    with tqdm(total=total, disable=not show, desc="converting", unit="file", file=sys.stderr) as bar:
        yield bar
