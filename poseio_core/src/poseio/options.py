"""Checking a plugin's read and write options: one check, and one message, per kind of mistake.

``poseio.load(path, fps=30)`` hands ``{"fps": 30}`` to the reader, which must
refuse what it does not take (a typo must not be ignored) and values of the
wrong kind, with an `InvalidOptionError` (a ``ValueError``, so that
``except OSError`` around a load still means I/O). The checks here are the
ones every plugin would otherwise write again; each names the option and the
format and says what is expected. Options that only one format has (DeepLabCut's
``key=``, SLEAP's ``embed=``) are checked by that plugin.

Example::

    from poseio.options import check_fps, check_video, refuse_unknown

    def read(probe, options):
        refuse_unknown(options, ("fps", "video"), "my-format")
        fps = check_fps(options.get("fps"), "my-format")
        video = check_video(options.get("video"), "my-format")
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable, Mapping
from numbers import Real
from typing import Any

from poseio._errors import InvalidOptionError
from poseio._words import say_option

__all__ = [
    "FPS_SOURCES",
    "check_choice",
    "check_fps",
    "check_one_line",
    "check_path",
    "check_video",
    "refuse_unknown",
    "say_option",
]


#: The provenance key under which a reader says where it found a video's frame rate that the
#: file itself does not hold: ``{video filename: "path/of/the/file/that/recorded/it"}``.
#: ``poseio convert`` reports it, so that a rate never arrives unexplained.
FPS_SOURCES = "fps_sources"


def refuse_unknown(options: Mapping[str, Any], accepted: Iterable[str], format: str, *, doing: str = "read") -> None:
    """Refuse the options a reader (or writer) does not take, naming those it does.

    Args:
        options: The options as the hook received them.
        accepted: The names the reader or writer takes.
        format: The format's name, for the message.
        doing: ``"read"``, ``"write"`` or ``"append"``: what the options are for.

    Raises:
        InvalidOptionError: An option is not among ``accepted``.
    """
    accepted = tuple(accepted)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        offer = f"it accepts {sorted(accepted)}" if accepted else "it takes none"
        raise InvalidOptionError(
            f"{format} does not know the {doing} options {unknown}; {offer} (check the spelling)", format=format
        )


def check_fps(value: Any, format: str | None = None, *, option: str = "fps") -> float | None:
    """A frame rate option: ``None`` (not given), or a positive, finite number of frames per second.

    Every frame rate poseio takes (read and write options, ``convert(fps=)``,
    the bridges' ``fps=``) is checked here. Any real number is one, numpy's included.

    Args:
        value: The option's value.
        format: The format's name, for the message; ``None`` where no format is concerned.
        option: The option's name, for the message.

    Returns:
        ``None``, or the rate as a float.

    Raises:
        InvalidOptionError: Not a number (``True`` is none), not finite, or not positive.
    """
    if value is None:
        return None
    try:
        rate = None if isinstance(value, bool) or not isinstance(value, Real) else float(value)
    except OverflowError:  # an int past float's range
        rate = None
    if rate is None or not math.isfinite(rate) or rate <= 0:
        raise InvalidOptionError(
            f"{option}= must be a positive number of frames per second, not {value!r}", format=format
        )
    return rate


def check_path(value: Any, format: str, *, option: str) -> str | None:
    """An option that names a file: ``None`` (not given), text or an ``os.PathLike``, kept as text.

    The file need not exist (a video named in the labels is often elsewhere).

    Raises:
        InvalidOptionError: Neither text nor a path.
    """
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidOptionError(f"{option}= must be a path, not {type(value).__name__}", format=format)
    return os.fspath(value)


def check_video(value: Any, format: str) -> str | None:
    """The ``video=`` read option: the path of the video the poses are of (see `check_path`)."""
    return check_path(value, format, option="video")


def check_choice(value: Any, choices: Collection[Any], format: str, *, option: str) -> Any:
    """An option that takes one of a few values (``kind=``, ``layout=``, ``embed=``); ``None`` only when listed.

    Returns:
        The value.

    Raises:
        InvalidOptionError: The value is not one of ``choices``.
    """
    # Each choice is compared with values of its own type only: True == 1, but 1 is not embed=True.
    if not any(isinstance(value, type(choice)) and value == choice for choice in choices):
        raise InvalidOptionError(f"{option}= must be one of {list(choices)}, not {value!r}", format=format)
    return value


def check_one_line(value: Any, format: str, *, option: str, example: str) -> str:
    """A name written into a file's header (a scorer, say): text on one line, not blank.

    Args:
        value: The option's value.
        format: The format's name, for the message.
        option: The option's name, for the message.
        example: A fitting value, shown in the message.

    Raises:
        InvalidOptionError: Not text, blank, or holding a line break (which would break the header).
    """
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n"):
        raise InvalidOptionError(f"{option}= must be a one-line name such as {example!r}, not {value!r}", format=format)
    return value
