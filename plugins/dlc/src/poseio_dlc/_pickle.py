"""Reading the plain-data pickles in pandas' HDF5 attributes without running them.

pandas' ``format="table"`` files keep their column labels in PyTables
attributes (``non_index_axes``, ``values_block_0_kind``, ``info``) that are
Python pickles. ``pickle.loads`` on a file's bytes runs whatever the pickle
asks for: a crafted attribute can call ``os.system``. These pickles only ever
hold lists, tuples, dicts, strings and numbers, so this module accepts exactly
those and nothing else, in two independent ways:

1. Every opcode is checked first (`pickletools.genops` only decodes, it runs
   nothing). Any opcode that could fetch or call an object (``GLOBAL``,
   ``STACK_GLOBAL``, ``REDUCE``, ``BUILD``, ``INST``, ``OBJ``, ``NEWOBJ``, the
   extension registry, persistent ids, out-of-band buffers) refuses the pickle.
2. The pickle is then loaded by an `pickle.Unpickler` whose ``find_class``
   refuses every name, so that even an opcode this list forgot could not reach
   a callable: without ``find_class`` an unpickler can only build the builtin
   containers and scalars above.

The result is checked to be built only of those types, and pickles larger than
`MAX_PICKLE` are refused before decoding.
"""

from __future__ import annotations

import functools
import io
import pickle
import pickletools

#: The largest attribute pickle read (column labels of thousands of columns fit in a few hundred kB).
MAX_PICKLE = 16 * 2**20
#: The most values (strings, numbers and containers, repeats counted) a decoded pickle may expand to.
MAX_VALUES = 10_000_000
#: The deepest nesting of containers a decoded pickle may have (pandas' is three or four).
MAX_DEPTH = 32

# Opcodes that build plain data: marks, scalars, strings, containers, the memo, framing.
_PLAIN_OPCODES = frozenset(
    {
        "MARK", "STOP", "POP", "POP_MARK", "DUP", "PROTO", "FRAME", "MEMOIZE",
        "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
        "FLOAT", "BINFLOAT", "NONE", "NEWTRUE", "NEWFALSE",
        "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
        "BINBYTES", "SHORT_BINBYTES", "BINBYTES8",
        "EMPTY_LIST", "APPEND", "APPENDS", "LIST",
        "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3",
        "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS",
        "EMPTY_SET", "ADDITEMS", "FROZENSET",
        "GET", "BINGET", "LONG_BINGET", "PUT", "BINPUT", "LONG_BINPUT",
    }
)  # fmt: skip
_PLAIN_TYPES = (str, bytes, int, float, bool, type(None))


class UnsafePickleError(ValueError):
    """A pickle that is not plain data, or is not a pickle at all; the message says which."""


class _NoGlobals(pickle.Unpickler):
    """An unpickler that can reach no class or function: plain data only."""

    def find_class(self, module: str, name: str) -> object:
        raise UnsafePickleError(f"it asks for the Python object {module}.{name}")

    def persistent_load(self, pid: object) -> object:
        raise UnsafePickleError("it refers to a persistent object")


def _check_opcodes(data: bytes) -> None:
    try:
        for opcode, _, position in pickletools.genops(data):
            if opcode.name not in _PLAIN_OPCODES:
                raise UnsafePickleError(
                    f"it uses the opcode {opcode.name} at byte {position}, which can call code; "
                    "pandas' column labels never do"
                )
    except UnsafePickleError:
        raise
    except Exception as exc:  # noqa: BLE001 - genops raises ValueError and others on garbage
        raise UnsafePickleError(f"it is not a valid pickle ({type(exc).__name__}: {exc})") from exc


def _check_plain(value: object) -> None:
    """Refuse a value that is not plain data, or that would not stay small once written out.

    The memo lets a few hundred bytes of pickle name one list twice in the next, 60 levels
    deep: 2**60 strings once turned into text or walked. Each container's size is counted
    with its repeats (every container once, so the count itself stays cheap); containers
    inside themselves, nesting past `MAX_DEPTH` and integers past 64 bits are refused too
    (pandas' labels are short, flat and never hold such things).
    """
    sizes: dict[int, int] = {}
    open_containers: set[int] = set()

    def size(item: object, depth: int) -> int:
        if isinstance(item, (list, tuple, set, frozenset, dict)):
            key = id(item)
            if key in sizes:
                return sizes[key]
            if key in open_containers:
                raise UnsafePickleError("it holds a container inside itself, which column labels never do")
            if depth > MAX_DEPTH:
                raise UnsafePickleError(f"it nests containers over {MAX_DEPTH} deep, which column labels never do")
            open_containers.add(key)
            total = 1
            for child in [*item.keys(), *item.values()] if isinstance(item, dict) else item:
                total += size(child, depth + 1)
                if total > MAX_VALUES:
                    raise UnsafePickleError(f"it expands to over {MAX_VALUES:,} values, more than column labels")
            open_containers.discard(key)
            sizes[key] = total
            return total
        if not isinstance(item, _PLAIN_TYPES):
            raise UnsafePickleError(f"it holds a {type(item).__name__}, not plain data")
        if isinstance(item, int) and item.bit_length() > 64:
            raise UnsafePickleError("it holds an integer of over 64 bits, which column labels never do")
        return 1

    size(value, 0)


@functools.lru_cache(maxsize=64)
def plain_data(data: bytes) -> object:
    """The value of a pickle that holds only lists, tuples, dicts, sets, strings and numbers.

    The sniffer and the reader decode the same attributes: the values are
    remembered by their bytes (a small cache), so callers must not change them.

    Args:
        data: The pickle's bytes (any protocol).

    Returns:
        The decoded value (shared between calls with the same bytes).

    Raises:
        UnsafePickleError: The pickle could call code, holds other objects, is
            larger than `MAX_PICKLE` or is not a pickle; nothing of it was run.
    """
    if len(data) > MAX_PICKLE:
        raise UnsafePickleError(f"it is {len(data)} bytes long, more than column labels ever need")
    _check_opcodes(data)
    try:
        # Python 2 pickles (old pandas) hold text as byte strings: decode them as UTF-8.
        value = _NoGlobals(io.BytesIO(data), encoding="utf-8").load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # noqa: BLE001 - the unpickler raises many kinds on damaged data
        raise UnsafePickleError(f"it cannot be decoded ({type(exc).__name__}: {exc})") from exc
    _check_plain(value)
    return value
