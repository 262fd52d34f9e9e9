"""What one load may do: follow links out of the file, and allocate how much.

Set for the duration of a load by `reading_policy`; the checks in
`poseio._storage._safety` and the arrays poseio sizes from file contents read it with
`current_policy`, so that plugins need not pass it around. Imports no h5py:
``Labels.numpy`` uses the budget too.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

import attrs

from poseio._errors import InvalidOptionError, UnsafeFileError, WriteError
from poseio._words import say_option

#: Environment variable that sets the memory budget, in bytes or with a unit (``"8GB"``, ``"512MiB"``).
BUDGET_VARIABLE = "POSEIO_MEMORY_BUDGET"
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS.update({"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40})


@attrs.define
class Allowance:
    """What one load has drawn from its memory budget so far, in bytes (see `check_allocation`)."""

    spent: int = 0


@attrs.frozen
class ReadingPolicy:
    """What a load may do beyond reading the one file it was given.

    Attributes:
        allow_external: Follow external links and read external storage and
            virtual datasets (off by default).
        memory_budget: The bytes that a load's reads and arrays sized from the
            file may take, all together: one budget per load, not per array.
        allowance: What the load has drawn so far.
        writing: The policy of a save (`poseio.save` makes one for its
            writers): an allocation over budget is then a `WriteError`.
    """

    allow_external: bool = False
    memory_budget: int = attrs.field(factory=lambda: default_memory_budget())
    allowance: Allowance = attrs.field(factory=Allowance, eq=False, repr=False)
    writing: bool = False


_POLICY: contextvars.ContextVar[ReadingPolicy | None] = contextvars.ContextVar("poseio_reading_policy", default=None)


def parse_size(value: str | int) -> int:
    """A number of bytes from an int or a text such as ``"8GB"`` or ``"512 MiB"``.

    Raises:
        InvalidOptionError: The text is not a size.
    """
    if isinstance(value, bool):
        raise InvalidOptionError(f"memory budget {value!r} is not a size; give bytes or a size such as '8GB'")
    if isinstance(value, int):
        size = value
    else:
        text = str(value).strip().lower().replace(" ", "")
        number = text.rstrip("kmgtib")
        unit = text[len(number) :]
        try:
            size = int(float(number) * _UNITS[unit])
        except (KeyError, ValueError, OverflowError):  # OverflowError: "inf", "1e999"
            raise InvalidOptionError(
                f"memory budget {value!r} is not a size; give bytes or a size such as '8GB' or '512MiB'"
            ) from None
    if size <= 0:
        raise InvalidOptionError(f"memory budget {value!r} must be positive")
    return size


def default_memory_budget() -> int:
    """``POSEIO_MEMORY_BUDGET`` when set, else half of the machine's memory (4 GiB when unknown)."""
    configured = os.environ.get(BUDGET_VARIABLE)
    if configured:
        return parse_size(configured)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


def current_policy() -> ReadingPolicy:
    """The policy of the load in progress, or the defaults outside one."""
    return _POLICY.get() or ReadingPolicy()


@contextlib.contextmanager
def reading_policy(
    *, allow_external: bool = False, memory_budget: int | str | None = None, writing: bool = False
) -> Iterator[ReadingPolicy]:
    """Make a policy current for the code inside the block (one load, or one save with ``writing``)."""
    budget = default_memory_budget() if memory_budget is None else parse_size(memory_budget)
    token = _POLICY.set(ReadingPolicy(bool(allow_external), budget, writing=writing))
    try:
        yield _POLICY.get()
    finally:
        _POLICY.reset(token)


def size_text(nbytes: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.1f} {unit}"
    return f"{int(nbytes)} bytes"


def over_budget(nbytes: float) -> bool:
    """Whether an array of ``nbytes`` exceeds the current memory budget."""
    return nbytes > current_policy().memory_budget


def budget_message(nbytes: float, what: str, where: str) -> str:
    """The error message for an array over the budget: what, how large, and how to raise the budget."""
    policy = current_policy()
    spent = policy.allowance.spent
    already = f" on top of the {size_text(spent)} already read or made," if spent else ","
    return (
        f"{where}: {what} would need {size_text(nbytes)}{already} more than poseio's memory budget of "
        f"{size_text(policy.memory_budget)} for one load or save. If that is genuine, raise the budget with the "
        f"{BUDGET_VARIABLE} environment variable (or {say_option('memory_budget', '2GB')})"
    )


def check_allocation(nbytes: float, what: str, where: str, *, path: str | os.PathLike[str] | None = None) -> None:
    """Refuse to allocate an array sized from what a file declares when it exceeds the memory budget.

    Call it before ``np.empty``/``np.full`` of anything whose size comes from the
    file (a frame count, a node count): a crafted file can declare millions.
    The budget is one per load: each call draws ``nbytes`` from what the load
    has left (`Allowance`), so that a file cannot take the whole budget many
    times over (one dataset hard-linked from 24 series and read 24 times).

    Args:
        nbytes: The size of the array about to be allocated.
        what: What the array is, for the message ("the pose grid of 30 nodes x 1e9 frames").
        where: The file (or ``file:object``) it is sized from.
        path: The file, recorded on the error.

    Writers call it too, for arrays sized from the labels they write (a dense
    grid up to the last frame number): `poseio.save` holds one budget per save.

    Raises:
        UnsafeFileError: ``nbytes`` is over what the load has left; the message says how to raise it.
        WriteError: The same, during a save.
    """
    if not draw(nbytes):
        error = WriteError if current_policy().writing else UnsafeFileError
        raise error(budget_message(nbytes, what, where), path=path if path is not None else where)


def draw(nbytes: float) -> bool:
    """Take ``nbytes`` from what the current load has left of its budget; ``False``, taking nothing, when short."""
    policy = current_policy()
    if policy.allowance.spent + nbytes > policy.memory_budget:
        return False
    policy.allowance.spent += int(nbytes)
    return True
