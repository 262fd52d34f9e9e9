"""Exceptions raised by poseio.

Every failure a user can meet is a `PoseioError`. Each one also subclasses
the builtin exception a caller would already catch for that kind of failure, so
``except ValueError`` or ``except OSError`` keeps working around poseio calls::

    Exception
    └── PoseioError
        ├── FormatError (ValueError)
        │   ├── UnknownFormatError      nothing claims the file / no such format
        │   └── AmbiguousFormatError    two formats claim the same part equally
        ├── InvalidLabelsError (ValueError)  labels or arrays that do not fit together
        ├── InvalidSourceError (TypeError)   a source that is neither a path nor a binary file
        ├── PluginError (RuntimeError)  a plugin failed to load or broke its contract
        │   └── DuplicateFormatError    two plugins declare one format name
        ├── ReadError (OSError)         a file could not be read
        │   └── SourceNotFoundError (FileNotFoundError)
        └── WriteError (OSError)        a file could not be written

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


class InvalidLabelsError(PoseioError, ValueError):
    """Pose data that does not hold together: wrong array shapes, unknown nodes, ..."""


class InvalidSourceError(PoseioError, TypeError):
    """A source that is neither a path nor an open binary file object."""


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


class SourceNotFoundError(ReadError, FileNotFoundError):
    """The source path does not exist."""


class WriteError(_FileError):
    """Labels could not be written. The destination is left as it was.

    Attributes:
        path: The destination.
        format: The format being written, when known.
        plugin: The plugin that was writing, when known.
    """
