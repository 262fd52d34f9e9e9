"""A user's lasting preference between formats that claim a file equally.

Two formats may honestly claim one file (a DeepLabCut-layout CSV written by
another tool, say). ``format=[...]`` settles it for one call; a user who
always wants the same answer says so once, in order of preference:

- the environment variable ``POSEIO_PREFER=dlc,lightning-pose``, or else
- a config file, ``$POSEIO_CONFIG`` or ``$XDG_CONFIG_HOME/poseio/config.toml``
  (``~/.config/poseio/config.toml``), holding ``prefer = ["dlc", "lightning-pose"]``.

A preference only breaks ties: it never stops a format from reading a file that
no preferred format claims, so it never makes a load return less.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path

from poseio._errors import InvalidOptionError
from poseio._storage._option_files import parse_file

logger = logging.getLogger("poseio")

PREFER_ENV = "POSEIO_PREFER"
# (where, name) pairs already warned about: a load runs this every time.
_warned: set[tuple[str, str]] = set()
CONFIG_ENV = "POSEIO_CONFIG"


def config_path() -> Path:
    """Where poseio's config file is looked for (it need not exist)."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "poseio" / "config.toml"


def _from_config(path: Path) -> tuple[str, ...]:
    try:
        config = parse_file(path, "poseio's config file", tomllib.loads, (tomllib.TOMLDecodeError,))
    except FileNotFoundError:
        return ()
    prefer = config.get("prefer", [])
    if not isinstance(prefer, list) or not all(isinstance(name, str) for name in prefer):
        raise InvalidOptionError(
            f'{path}: \'prefer\' must be a list of format names, such as prefer = ["dlc", "lightning-pose"]'
        )
    return tuple(prefer)


def lasting_preference(known_formats: set[str] | None = None) -> tuple[str, ...]:
    """The user's preferred formats, most preferred first (empty when none is set).

    Names that no installed format has are warned about, since a typo would
    otherwise leave a preference silently unused.

    Raises:
        InvalidOptionError: The config file is not valid TOML or its ``prefer`` is not a list of names.
    """
    configured = os.environ.get(PREFER_ENV)
    if configured is not None:
        names, origin = tuple(n.strip() for n in configured.split(",") if n.strip()), PREFER_ENV
    else:
        path = config_path()
        names, origin = _from_config(path), str(path)
    if known_formats is not None:
        for name in names:
            if name not in known_formats and (origin, name) not in _warned:
                _warned.add((origin, name))
                logger.warning("%s prefers %r, which no installed format is called", origin, name)
    return names
