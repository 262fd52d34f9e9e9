"""The code blocks of README.md and docs/**/*.md, and the markers that say how to run them.

`tests/test_docs_blocks.py` runs every shell and Python block these pages hold;
the contributor note in ``docs/contributing-docs.md`` describes the markers. A
marker is an HTML comment on the line right before a fence (several may stack)::

    <!-- poseio-docs: skip network -->
    ```python
    ...
    ```

This module only reads the pages: it imports nothing of poseio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Fence info strings that are run, and how.
SHELL = frozenset({"bash", "sh", "shell"})
CONSOLE = frozenset({"console"})
PYTHON = frozenset({"python", "py", "python3"})
RUN = SHELL | CONSOLE | PYTHON

#: What a block marked ``skip`` may be skipped for; nothing else is skipped.
SKIP_REASONS = {
    "network": "needs a network connection",
    "cluster": "needs a cluster (SLURM, a Dask cluster)",
    "install": "installs packages into a fresh environment (.ci/run runs the README's install commands)",
}

MARKER = re.compile(r"^\s*<!--\s*poseio-docs:\s*(?P<word>[a-z-]+)(?:\s+(?P<argument>.*?))?\s*-->\s*$")
LOOKS_LIKE_MARKER = re.compile(r"poseio-docs?\b", re.IGNORECASE)
COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$')


class MarkerError(ValueError):
    """A marker the collector does not know, or one that is not attached to a fence."""


@dataclass
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # the line of the opening fence, counting from 1
    language: str
    text: str
    markers: dict[str, str] = field(default_factory=dict)
    # Filled in by `page_blocks`: the block it continues, and the files earlier blocks create.
    previous: Block | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{_relative(self.page)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in RUN

    def source(self) -> str:
        """The block's text, with a pymdownx.snippets marker replaced by the file it names."""
        lines = []
        for line in self.text.splitlines():
            found = SNIPPET.match(line.strip())
            lines.append((ROOT / found.group(1)).read_text().rstrip("\n") if found else line)
        return "\n".join(lines) + "\n"

    def chain(self) -> list[Block]:
        """The blocks to run for this one: those it continues (first), then itself."""
        blocks: list[Block] = []
        block: Block | None = self
        while block is not None:
            blocks.insert(0, block)
            block = block.previous
        return blocks


def _relative(page: Path) -> Path:
    return page.relative_to(ROOT) if page.is_relative_to(ROOT) else page


#: The markers, and whether each takes an argument.
MARKERS = {
    "skip": True,
    "slow": False,
    "continues": False,
    "file": True,
    "same-as": True,
    "part-of": True,
    "output-varies": False,
    "known-failure": True,
}
#: Markers that only mean something on a block that is run.
RUN_MARKERS = {"skip", "slow", "continues", "output-varies", "known-failure"}


def _parse_marker(line: str, where: str) -> tuple[str, str]:
    found = MARKER.match(line)
    if not found:
        raise MarkerError(f"{where}: malformed marker {line.strip()!r}; write <!-- poseio-docs: WORD [ARGUMENT] -->")
    word, argument = found.group("word"), (found.group("argument") or "").strip()
    if word not in MARKERS:
        raise MarkerError(f"{where}: unknown marker {word!r} in {line.strip()!r}; known: {', '.join(MARKERS)}")
    if MARKERS[word] and not argument:
        raise MarkerError(f"{where}: marker {word!r} needs an argument")
    if not MARKERS[word] and argument:
        raise MarkerError(f"{where}: marker {word!r} takes no argument, got {argument!r}")
    if word == "skip" and argument.split(":")[0].strip() not in SKIP_REASONS:
        raise MarkerError(
            f"{where}: 'skip' must name why, one of {sorted(SKIP_REASONS)} (optionally followed by ': a note'),"
            f" got {argument!r}"
        )
    return word, argument


def page_blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, with its markers; raises `MarkerError` on a marker it cannot use."""
    lines = page.read_text().splitlines()
    rel = _relative(page)
    blocks: list[Block] = []
    used: set[int] = set()
    fenced: set[int] = set()  # lines of fences and their contents: a marker shown in a block is no marker
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, fence = len(opening.group("indent")), opening.group("fence")
        language = (opening.group("info").split() or [""])[0].lower()
        body: list[str] = []
        end = number + 1
        while end < len(lines):
            closing = FENCE.match(lines[end])
            if closing and closing.group("fence").startswith(fence) and not closing.group("info"):
                break
            body.append(lines[end][indent:] if lines[end][:indent].strip() == "" else lines[end])
            end += 1
        else:
            raise MarkerError(f"{rel}:{number + 1}: the fence is never closed")
        fenced.update(range(number, end + 1))
        markers: dict[str, str] = {}
        above = number - 1
        while above >= 0 and COMMENT.match(lines[above]):
            if LOOKS_LIKE_MARKER.search(lines[above]):
                word, argument = _parse_marker(lines[above], f"{rel}:{above + 1}")
                if word in markers:
                    raise MarkerError(f"{rel}:{above + 1}: marker {word!r} given twice for one block")
                markers[word] = argument
                used.add(above)
            above -= 1
        blocks.append(Block(page, number + 1, language, "\n".join(body) + "\n", markers))
        number = end + 1
    for number, line in enumerate(lines):
        if line.lstrip().startswith("<!--") and LOOKS_LIKE_MARKER.search(line) and number not in used | fenced:
            raise MarkerError(
                f"{rel}:{number + 1}: {line.strip()!r} is not right before a fence (markers stack directly"
                " above the opening ``` line, with no blank line between)"
            )
    _link(blocks)
    return blocks


def _link(blocks: list[Block]) -> None:
    """Set each block's ``previous`` (for ``continues``) and the ``files`` earlier blocks create."""
    files: dict[str, str] = {}
    last_run: dict[str, Block] = {}
    for block in blocks:
        kind = "python" if block.language in PYTHON else "shell" if block.language in SHELL | CONSOLE else None
        for word in block.markers:
            if word in RUN_MARKERS and kind is None:
                raise MarkerError(
                    f"{block.name}: marker {word!r} on a {block.language or 'plain'} block, which is not run"
                )
        if "output-varies" in block.markers and block.language not in CONSOLE:
            raise MarkerError(f"{block.name}: 'output-varies' is for ```console blocks, whose output is compared")
        if "continues" in block.markers:
            if kind is None or kind not in last_run:
                raise MarkerError(f"{block.name}: 'continues' needs an earlier {kind or 'runnable'} block on the page")
            block.previous = last_run[kind]
        if kind is not None:
            last_run[kind] = block
        block.files = dict(files)
        if "file" in block.markers:
            files[block.markers["file"]] = block.source()
        if block.language in ("text", "") and _looks_like_console(block.text):
            raise MarkerError(
                f"{block.name}: a {block.language or 'plain'} block of '$ ' commands; fence it as ```console so that"
                " the tests run it"
            )


def _looks_like_console(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.startswith("$ ")


def pages() -> list[Path]:
    """README.md and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """A ```console block's commands (lines starting with '$ ') and the output shown after each."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise MarkerError(f"console block starts with output, not a '$ ' command: {line!r}")
    return steps


def _pattern(expected: str) -> re.Pattern[str]:
    """A shown output line as a pattern: runs of spaces match any spaces, '...' anything, timings any timing."""
    parts = []
    for piece in re.split(r"(\.\.\.|\s+|\d+(?:\.\d+)? ?ms\b)", expected.strip()):
        if piece == "...":
            parts.append(".*")
        elif piece and piece.isspace():
            parts.append(r"\s+")
        elif piece and re.fullmatch(r"\d+(?:\.\d+)? ?ms", piece):
            parts.append(r"\d+(?:\.\d+)? ?ms")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def output_mismatch(shown: list[str], output: str) -> str | None:
    """Why ``output`` does not show the lines ``shown`` (in this order; others may come between), or None."""
    actual = [line.strip() for line in output.splitlines()]
    at = 0
    for line in shown:
        if not line.strip():
            continue
        pattern = _pattern(line)
        while at < len(actual) and not pattern.fullmatch(actual[at]):
            at += 1
        if at == len(actual):
            return f"the docs show the line\n    {line.strip()}\nwhich the output does not have (in this order)"
        at += 1
    return None
