"""Planning a batch: which files the sources name, what each output is called, and which share is ours.

Sources are files, folders (walked), glob patterns (expanded here, so that
they work on every shell) and URLs. Each file keeps its path below the folder
it was found in (for a pattern, below the pattern's fixed leading folders), so
that two ``session.h5`` in different folders get different outputs.
"""

from __future__ import annotations

import glob
import hashlib
import os
import stat
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath, PurePosixPath

import attrs

from poseio._errors import InvalidArgumentError, InvalidOptionError, PoseioError, SourceNotFoundError
from poseio._io._loading import FormatChoice, sniff
from poseio._plugins._records import CONTAINER_MATCH
from poseio._plugins._registry import get_registry
from poseio._storage._remote import is_url

_MAGIC = frozenset("*?[")


@attrs.frozen
class Item:
    """One file of a batch.

    Attributes:
        source: What `poseio.load` is given: a path, or the URL unchanged.
        relative: Its path below the folder it was found in; the output's name comes from it.
        key: Its absolute path (or URL): two mentions of one file are one item.
        found: Found by walking a folder, so converted only when a format claims it.
        output: The output path; ``None`` for a file found in a folder that is not a pose file.
    """

    source: str
    relative: PurePath
    key: str
    found: bool = False
    output: Path | None = None


def parse_shard(shard: object) -> tuple[int, int] | None:
    """``(I, N)`` from ``None``, a pair or the text ``"I/N"``; I counts from 1, as ``#SBATCH --array=1-N`` does.

    Raises:
        InvalidOptionError: Not I/N with 1 <= I <= N.
    """
    if shard is None:
        return None
    parts = shard.split("/") if isinstance(shard, str) else shard
    try:
        index, count = parts  # type: ignore[misc]
        if isinstance(index, bool) or isinstance(count, bool) or isinstance(index, float) or isinstance(count, float):
            raise TypeError("not whole numbers")
        index, count = int(index), int(count)
    except (TypeError, ValueError) as exc:
        # "--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" outside a job array gives "/".
        hint = "; SLURM sets SLURM_ARRAY_TASK_ID and _COUNT only in a job array (sbatch --array=1-N)"
        raise InvalidOptionError(
            f"shard must be I/N (for example 2/8), not {shard!r}{hint if shard == '/' else ''}"
        ) from exc
    if count < 1 or not 1 <= index <= count:
        hint = (
            "; shares are numbered from 1: submit the array as --array=1-N, or pass $((SLURM_ARRAY_TASK_ID + 1))/N"
            if index == 0
            else ""
        )
        raise InvalidOptionError(f"shard {index}/{count}: I must lie between 1 and N{hint}")
    return index, count


def output_suffix(to: str) -> str:
    """The output files' ending: ``to`` itself when an extension, else the first one its format declares."""
    if to.startswith("."):
        if not writer_formats(to):
            raise InvalidOptionError(
                f"no installed format writes {to} files; name the output format with to= (CLI --to), "
                "'poseio plugins' lists them"
            )
        return to
    to = writer_formats(to)[0]
    info = get_registry().formats.get(to)
    if info is None or not info.can_write:
        from poseio._plugins._dispatch import unknown_format_name

        raise unknown_format_name(to, get_registry(), need="write")
    if not info.extensions:
        raise InvalidOptionError(f"format {to!r} declares no file extension; pass the output extension too")
    return info.extensions[0]


def writer_formats(to: str) -> list[str]:
    """The formats whose claim on an output shows it was written.

    That is ``to`` (comma-separated names), or for an extension, every format that writes it.
    """
    if not to.startswith("."):
        return [name.strip() for name in to.split(",") if name.strip()]
    ending = to.lower()
    return [f.name for f in get_registry().formats.values() if f.can_write and ending in map(str.lower, f.extensions)]


def plan(
    sources: Iterable[str | os.PathLike[str]],
    out_dir: Path,
    *,
    suffix: str,
    format: FormatChoice = None,
    report: Path | None = None,
) -> list[Item]:
    """Every file the sources name, sorted, each with its output; refuses outputs that collide.

    Args:
        sources: Files, folders, patterns and URLs.
        out_dir: The output folder.
        suffix: The outputs' ending.
        format: The input format(s) asked for, if any.
        report: The report file the batch will write: left out of the walk when
            it is an earlier run's report, refused when it is an input or an output.

    Raises:
        SourceNotFoundError: A pattern matches nothing.
        InvalidOptionError: Two inputs would write one output, an output (or
            the report) would replace an input, or the output folder is a folder to walk.
    """
    items = _unique(_resolve(sources, out_dir))
    # By name below the folder given, then by full path: the same order whatever order the sources
    # were listed in, and wherever the folder is mounted, so that reports and progress read alike.
    items = sorted(items, key=lambda item: (item.relative.as_posix(), item.key))
    items = [_with_output(item, out_dir, suffix, format) for item in items]
    items = _apart_from_report(items, report)
    _refuse_collisions(items)
    return items


def share(items: list[Item], shard: tuple[int, int] | None) -> list[Item]:
    """The I-th of N shares: the items whose name below their folder hashes to share I.

    Each file's share depends on its own name alone, not on its place in the
    list: the tasks of a job array agree on the shares even when files come or
    go between their starts (a report file written into the folder, a new
    session), so no file is converted twice or left out.
    """
    if shard is None:
        return items
    index, count = shard
    return [item for item in items if shard_of(item, count) == index]


def shard_of(item: Item, count: int) -> int:
    """Which of ``count`` shares (from 1) ``item`` belongs to: a stable hash of its name below its folder."""
    digest = hashlib.blake2b(item.relative.as_posix().encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


def _resolve(sources: Iterable[str | os.PathLike[str]], out_dir: Path) -> Iterator[Item]:
    skip = [_real(out_dir)]
    for source in sources:
        if not isinstance(source, (str, os.PathLike)):
            raise InvalidArgumentError(f"each source must be a path, a URL or a pattern, not {source!r}")
        text = os.fspath(source)
        if is_url(text):
            yield Item(text, _url_name(text), text)
        elif _MAGIC.isdisjoint(text) or os.path.lexists(text):
            path = Path(text)
            yield from _named(path, path if path.is_dir() else path.parent, skip)
        else:
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise SourceNotFoundError(f"{text}: the pattern matches no file; check it", path=text)
            base = _fixed_base(text)
            for match in matches:
                yield from _named(Path(match), base, skip)


def _named(path: Path, root: Path, skip: list[str]) -> Iterator[Item]:
    """A file given by name (or matching a pattern), or the files of a folder; each named below ``root``.

    A folder a folder format claims (a DeepLabCut project, a YOLO dataset) is
    one input, not a folder of inputs.
    """
    if not path.is_dir() or is_pose_folder(path):
        # Missing or unreadable files are converted too, to fail with their reader's message.
        yield Item(str(path), PurePath(os.path.relpath(path, root)), _absolute(path))
        return
    if _real(path) == skip[0]:
        raise InvalidOptionError(
            f"the output folder {path} is a folder to convert: a rerun would take the outputs for inputs. "
            f"Write into another folder, for example {path / 'converted'}"
        )
    for file in _walk(path, skip):
        yield Item(str(file), PurePath(os.path.relpath(file, root)), _absolute(file), found=True)


def _walk(folder: Path, skip: list[str]) -> Iterator[Path]:
    """The regular files below ``folder``, sorted; not hidden ones (poseio's temporary files are), nor ``skip``.

    A pipe, socket or device in the folder is passed over: sniffing a pipe would wait for a writer forever.
    """
    for top, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and _real(Path(top, f)) not in skip)
        # A dataset or project folder is one input: it is converted whole, its files not one by one.
        datasets = [f for f in folders if is_pose_folder(Path(top, f))]
        folders[:] = [f for f in folders if f not in datasets]
        yield from (Path(top, f) for f in datasets)
        for name in sorted(files):
            path = Path(top, name)
            if not name.startswith(".") and _real(path) not in skip and _is_regular(path):
                yield path


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # a dangling link, an unreadable file: converting it reports why


def _fixed_base(pattern: str) -> Path:
    """The folders of a pattern before its first wildcard: ``data`` for ``data/*/s*.h5``."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts[:-1]:
        if not _MAGIC.isdisjoint(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _url_name(url: str) -> PurePosixPath:
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    if name in ("", ".", ".."):
        raise InvalidArgumentError(f"{url}: the URL names no file, so no output name can be made from it")
    return PurePosixPath(name)


def _absolute(path: Path) -> str:
    """The path from the root, links kept: two links to one file are two inputs, each with its own output."""
    return os.path.normpath(os.path.abspath(path))


def _real(path: Path | str) -> str:
    """The path with every link resolved: an output folder reached through a link to an input folder is that folder."""
    return os.path.realpath(path)


def _unique(items: Iterable[Item]) -> list[Item]:
    """The items, each file once (the first mention names its output)."""
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())


def is_pose_file(path: str, format: FormatChoice = None) -> bool:
    """Whether an installed format claims the file beyond its name or container (`poseio.sniff`: cheap).

    A file that cannot even be sniffed (a damaged HDF5 file) counts: converting it reports why.
    """
    try:
        claims = sniff(path, format=format)
    except PoseioError:
        return True
    return any(claim.confidence > CONTAINER_MATCH for claim in claims)


def is_pose_folder(path: Path) -> bool:
    """Whether a format that reads folders claims this folder (no folder format installed: never)."""
    if not any(info.folders for info in get_registry().formats.values()):
        return False
    try:
        return any(claim.confidence > CONTAINER_MATCH for claim in sniff(path))
    except PoseioError:
        return False


def _with_output(item: Item, out_dir: Path, suffix: str, format: FormatChoice) -> Item:
    if item.found and not is_pose_file(item.source, format):
        return item
    relative = item.relative.with_name(item.relative.stem + suffix)
    return attrs.evolve(item, output=out_dir / relative)


def _apart_from_report(items: list[Item], report: Path | None) -> list[Item]:
    """The items but an earlier run's report; refuses a report that would replace an input or an output.

    The report is opened for writing (truncated) before the first file is
    converted, so a report that names an input would destroy it unread, and one
    found by the walk would be replaced by JSON lines. Only a file the walk
    found that no format claims (the report of an earlier run) is left out.
    """
    if report is None:
        return items
    kept = []
    for item in items:
        if is_url(item.source):
            kept.append(item)
        elif _same_file(item.key, report):
            # Any pose file, not only one of the formats asked for: the report must not replace it either.
            if item.output is not None or is_pose_file(item.source):
                raise InvalidOptionError(
                    f"the report {report} is an input of the batch ({item.source}): writing the report would "
                    "replace it. Write the report elsewhere"
                )
        elif item.output is not None and _same_file(item.output, report):
            raise InvalidOptionError(
                f"the report {report} is the output of {item.source}: one would replace the other. "
                "Write the report elsewhere"
            )
        else:
            kept.append(item)
    return kept


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path once links are resolved, or one file by hard links."""
    if _real(a) == _real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _refuse_collisions(items: list[Item]) -> None:
    """Refuse two inputs that would write one output, and an output that would replace an input."""
    by_output: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.output is not None:
            # Case folded: the outputs of a batch that runs here must not collide on macOS or Windows either.
            by_output[_absolute(item.output).casefold()].append(item)
    clashes = [group for group in by_output.values() if len(group) > 1]
    if clashes:
        shown = "; ".join(f"{group[0].output} <- {', '.join(i.source for i in group)}" for group in clashes[:5])
        more = f" (and {len(clashes) - 5} more)" if len(clashes) > 5 else ""
        raise InvalidOptionError(
            f"several inputs would write the same output: {shown}{more}. "
            "Convert those inputs into separate output folders, or select one kind with a pattern (e.g. '*.h5')"
        )
    inputs = {_real(item.key) for item in items if not is_url(item.source)}
    replaced = [item for item in items if item.output is not None and _real(item.output) in inputs]
    if replaced:
        raise InvalidOptionError(
            f"the output {replaced[0].output} would replace an input of the batch; write into another folder"
        )
