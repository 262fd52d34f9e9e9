"""Names of the NWB objects poseio writes: unique, and carrying track names that read back exactly.

ndx-pose has no field for an animal's identity, so both NWB plugins put the
track name into an object's name (``PoseEstimation_<track>``,
``track=<track>``). HDF5 names cannot hold ``/``, and the plugins mark a second
object for the same track with ``#<n>``, so those characters (and ``%``, the
escape itself) are percent-encoded; every other character is kept as typed so
names stay readable in HDFView and nwbinspector:

    >>> escape_track("cage/1 #2")
    'cage%2F1 %232'
    >>> track_of(repeated(escape_track("cage/1 #2"), 2))
    'cage/1 #2'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Separates a track's name from the count of a second, third ... object for it.
REPEAT = "#"
_ESCAPE = str.maketrans({"%": "%25", "/": "%2F", REPEAT: "%23"})
# Only the three sequences `escape_track` writes are decoded: a name from another
# writer that happens to hold "%20" keeps it.
_ESCAPED = re.compile("%(25|2F|23)", re.IGNORECASE)
_COUNT = re.compile(re.escape(REPEAT) + r"\d+$")


def escape_track(name: str) -> str:
    """``name`` with ``%``, ``/`` and ``#`` percent-encoded, ready to be part of an HDF5 name."""
    return name.translate(_ESCAPE)


def repeated(base: str, count: int, separator: str = REPEAT) -> str:
    """The name of the ``count``-th object for one track: ``base``, then ``base#2``, ``base#3``, ..."""
    return base if count <= 1 else f"{base}{separator}{count}"


def unique_name(taken: Iterable[str], base: str, separator: str = "_") -> str:
    """The first of ``base``, ``base_2``, ``base_3``, ... (with ``separator``) that is not in ``taken``.

    Pass ``separator=REPEAT`` for an object that names a track, so that the
    count reads back as a repeat rather than as part of the track's name.
    """
    taken = taken if isinstance(taken, (set, frozenset, dict)) else set(taken)
    count = 1
    while repeated(base, count, separator) in taken:
        count += 1
    return repeated(base, count, separator)


def track_of(name_part: str) -> str:
    """The track name a (possibly repeated) escaped name part stands for."""
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), _COUNT.sub("", name_part))
