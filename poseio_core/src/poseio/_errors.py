"""Exceptions raised by poseio.

Every failure a user can meet is a `PoseioError`. Each one also subclasses
the builtin exception a caller would already catch for that kind of failure, so
``except ValueError`` or ``except OSError`` keeps working around poseio calls::

    Exception
    └── PoseioError
        ├── FormatError (ValueError)
        │   ├── UnknownFormatError      nothing claims the file / no such format
        │   ├── AmbiguousFormatError    two formats claim the same part equally
        │   └── PartialFormatError      the formats asked for would read only part of the file
        ├── UsageError                  a call poseio cannot carry out as given
        │   ├── InvalidArgumentError (TypeError)  an argument of the wrong type (labels, path, format)
        │   │   └── InvalidSourceError          a source that is neither a path nor a binary file
        │   ├── InvalidOptionError (ValueError)   an unknown option, or an option value out of range
        │   ├── InvalidLabelsError (ValueError)   labels or arrays that do not fit together
        │   ├── DataLossError (ValueError)        the write would drop part of the labels; allow_loss=True accepts it
        │   └── MissingDependencyError (ImportError)  an optional library the call needs is absent
        ├── PluginError (RuntimeError)  a plugin failed to load or broke its contract
        │   └── DuplicateFormatError    two plugins declare one format name
        ├── ReadError (OSError)         a file could not be read
        │   ├── SourceNotFoundError (FileNotFoundError)
        │   └── UnsafeFileError         the file points outside itself, or claims more than it holds
        └── WriteError (OSError)        a file could not be written
            └── FileBusyError           another process is writing the same file

Usage errors are never `OSError`s: ``except OSError`` around a save catches a
full disk, not a typo in an option name.

Errors carry their context as attributes (``path``, ``format``, ``plugin``) and
keep the original exception as ``__cause__``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


class PoseioError(Exception):
    """Base class of every error poseio raises on purpose."""


class FormatError(PoseioError, ValueError):
    """The format of a source could not be settled."""


class UnknownFormatError(FormatError):
    """No installed format recognises the source, or a named format does not exist.

    Attributes:
        path: The source that was being opened, if any.
        declines: One ``(format, reason)`` pair per installed format that said no.
        missing: Formats known to exist in plugins that are not installed.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        declines: Sequence[tuple[str, str]] = (),
        missing: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.path = path
        self.declines = list(declines)
        self.missing = list(missing)


class AmbiguousFormatError(FormatError):
    """Two formats claim the same part of a source with nearly equal confidence.

    Attributes:
        path: The source.
        candidates: The competing format names, best first.
    """

    def __init__(self, message: str, *, path: object = None, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.candidates = list(candidates)


class PartialFormatError(FormatError):
    """The formats named with ``format=`` would read only some parts of a file that holds more.

    Raised instead of silently returning less than the file holds (an NWB file
    with predictions and annotations, read with ``format="nwb-predictions"``).
    Pass ``partial=True`` to read only those parts on purpose.

    Attributes:
        path: The source.
        missing: ``{part: [formats that claim it]}`` for each part left unread.
    """

    def __init__(self, message: str, *, path: object = None, missing: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.missing = dict(missing or {})


class UsageError(PoseioError):
    """A call that poseio cannot carry out as given; nothing was read or written.

    Never raised itself: each subclass is also the builtin a caller would catch.
    """


class InvalidArgumentError(UsageError, TypeError):
    """An argument of the wrong type: labels that are not `Labels`, a path that is not a path, ..."""


class InvalidSourceError(InvalidArgumentError):
    """A source that is neither a path nor an open binary file object."""


class InvalidOptionError(UsageError, ValueError):
    """An option that no reader or writer accepts, or an option value out of range.

    Attributes:
        format: The format whose reader or writer refused the option, when known.
    """

    def __init__(self, message: str, *, format: str | None = None) -> None:
        super().__init__(message)
        self.format = format


class InvalidLabelsError(UsageError, ValueError):
    """Pose data that does not hold together: wrong array shapes, unknown nodes, ..."""


class DataLossError(UsageError, ValueError):
    """The chosen writer(s) cannot carry part of the labels, and the loss was not accepted.

    Raised by `poseio.save` (and so ``poseio convert``) before anything is
    written: predictions saved as ``nwb-annotations``, user instances as
    ``nwb-predictions``, a user/predicted flag into a format without one. The
    message names what would be lost and the option that keeps it, or
    ``allow_loss=True`` (``--allow-loss``) to write the rest anyway.

    Attributes:
        losses: One phrase per part that would be lost.
    """

    def __init__(self, message: str, *, losses: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.losses = list(losses)


class MissingDependencyError(UsageError, ImportError):
    """An optional library that a call needs (fsspec, dask, movement, sleap-io, pandas) is not installed.

    The message names the extra to install, for example
    ``pip install "poseio[movement]"``. It is an `ImportError`, as the failed
    import it reports.

    Attributes:
        name: The module that could not be imported.
    """

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message, name=name)


class PluginError(PoseioError, RuntimeError):
    """A plugin could not be loaded, or it broke the plugin contract.

    Attributes:
        plugin: The plugin's name (its entry-point name).
    """

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class DuplicateFormatError(PluginError):
    """Two plugins declare the same format name."""


class _FileError(PoseioError, OSError):
    # OSError.__init__ interprets (errno, strerror) pairs; keep a plain message instead.
    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        format: str | None = None,
        plugin: str | None = None,
    ) -> None:
        Exception.__init__(self, message)
        self.path = path
        self.format = format
        self.plugin = plugin

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ReadError(_FileError):
    """A source could not be read: it is missing, unreadable, truncated or malformed.

    Attributes:
        path: The source.
        format: The format being read, when known.
        plugin: The plugin that was reading, when known.
    """


def damaged_file_error(name: str, cause: BaseException, *, path: str | os.PathLike[str] | None = None) -> ReadError:
    """The `ReadError` for a file whose HDF5 structure itself cannot be read."""
    error = ReadError(
        f"{name}: the file is damaged: its HDF5 structure cannot be read ({type(cause).__name__}: {cause}). "
        "It may be truncated or overwritten; get a fresh copy or write it again with the tool that made it",
        path=path,
    )
    error.__cause__ = cause
    return error


class SourceNotFoundError(ReadError, FileNotFoundError):
    """The source path does not exist."""


class UnsafeFileError(ReadError):
    """The file points outside itself or claims more than it holds, and poseio refused to follow.

    Raised for external links, external (raw) storage and virtual datasets,
    unless the caller opted in with ``allow_external=True``, and for datasets
    whose declared size exceeds what the file stores or the memory budget.
    See the security page of the documentation.

    Attributes:
        objects: The HDF5 paths of the objects refused.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None, objects: Sequence[str] = ()):
        super().__init__(message, path=path)
        self.objects = list(objects)


class WriteError(_FileError):
    """Labels could not be written. The destination is left as it was.

    Attributes:
        path: The destination.
        format: The format being written, when known.
        plugin: The plugin that was writing, when known.
    """


class FileBusyError(WriteError):
    """Another process (or another save in this one) is writing the same destination.

    The destination was not touched; try again when the other write has finished.
    """
