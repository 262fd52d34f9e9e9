"""Naming a fix in the caller's own words: ``fps=30`` in Python, ``--fps 30`` at the command line.

An error that has a fix names the option that applies it. The message is built
where the error is raised, deep in a plugin that cannot know who called; the
``poseio`` command line says so once, through `speaking_to_cli`, and every
message built inside spells options as flags. A batch's worker processes are
told in their settings (`poseio._io._converting.settings`), since a context
variable does not cross processes.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

#: Who the messages are for: ``"python"`` or ``"cli"``.
_AUDIENCE: contextvars.ContextVar[str] = contextvars.ContextVar("poseio_audience", default="python")

#: Keyword arguments of poseio's functions that the CLI spells as a flag of its own.
#: ``None`` as the value part: a switch, given without a value.
_FLAGS: dict[str, tuple[str, bool]] = {
    "fps": ("--fps", True),
    "allow_external": ("--allow-external", False),
    "allow_loss": ("--allow-loss", False),
    "memory_budget": ("--memory-budget", True),
    "partial": ("--partial", False),
    "subject": ("--subject", True),
    "metadata": ("--metadata", True),
    "read_format": ("--format", True),
    "write_format": ("--to", True),
}

#: How a keyword is shown in Python where its name differs from the CLI's idea of it: `poseio.save`
#: and `poseio.load` call both formats ``format=``; `poseio.convert` calls the output's ``to=``.
_PYTHON_NAMES = {
    "python": {"read_format": "format", "write_format": "format"},
    "convert": {"read_format": "format", "write_format": "to"},
}


def audience() -> str:
    """``"cli"`` while the ``poseio`` command runs, ``"convert"`` inside `poseio.convert`, else ``"python"``."""
    return _AUDIENCE.get()


@contextlib.contextmanager
def speaking_to(who: str) -> Iterator[None]:
    """Build the messages raised inside for ``who`` (``"cli"``, ``"convert"`` or ``"python"``)."""
    token = _AUDIENCE.set(who)
    try:
        yield
    finally:
        _AUDIENCE.reset(token)


def say_option(name: str, value: Any = True, *, example: str | None = None) -> str:
    """An option as the caller writes it: ``fps=30`` for Python, ``--fps 30`` at the command line.

    Core keywords with a flag of their own (``fps``, ``allow_external``,
    ``allow_loss``, ``memory_budget``, ``subject``, ``read_format`` for
    `poseio.load`'s ``format=``, ``write_format`` for `poseio.save`'s) become
    that flag; any other name is a plugin's read or write option, which the
    command line takes as ``-o name=value``.

    Args:
        name: The keyword.
        value: Its value; a switch (``allow_external``) takes ``True``.
        example: Text to show in place of the value (``"30"``, ``"S.yaml"``).
    """
    shown = example if example is not None else _python_value(value)
    if audience() == "cli":
        flag = _FLAGS.get(name)
        if flag is None:
            return f"-o {name}={example if example is not None else _cli_value(value)}"
        spelled, takes_value = flag
        return f"{spelled} {example if example is not None else _cli_value(value)}" if takes_value else spelled
    return f"{_PYTHON_NAMES.get(audience(), _PYTHON_NAMES['python']).get(name, name)}={shown}"


def say_command(name: str, argument: str) -> str:
    """A poseio command in the caller's words: ``poseio explain F`` at the command line, ``poseio.explain('F')``."""
    if audience() == "cli":
        return f"poseio {name} {argument}"
    return f"poseio.{name}({argument!r})"


def _python_value(value: Any) -> str:
    return repr(value)


def _cli_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
