"""What the SLEAP readers and writers share: format names and options, damage reporting, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import poseio

SLP = "slp"
ANALYSIS = "sleap-analysis"
#: The ending of a SLEAP package's name: labels with their labelled frames' images embedded.
PACKAGE_ENDING = ".pkg.slp"

#: The write options each format accepts (declared to poseio and checked by the writers).
SLP_WRITE_OPTIONS = ("embed",)
ANALYSIS_WRITE_OPTIONS = ("video", "labels_path", "compression")

#: The key of ``Video.metadata`` and ``Labels.provenance`` under which SLEAP's own fields are kept.
SLEAP_KEY = "sleap"


@contextmanager
def damage(what: str, where: str) -> Iterator[None]:
    """Report whatever a damaged file makes h5py, numpy or json raise as a `poseio.ReadError`.

    `poseio.hdf5.reading` covers lookups and conversions; h5py reports unreadable
    storage (a truncated chunk, a broken filter) as OSError or RuntimeError,
    which it lets through, so those are caught here too.
    """
    from poseio.hdf5 import reading

    try:
        with reading(what, where):
            yield
    except poseio.InvalidLabelsError as exc:
        # Pose objects refusing what the file holds (duplicate node names, say) is a bad file.
        raise poseio.ReadError(f"{where}: {what} cannot be read: {exc}") from exc
    except poseio.PoseioError:
        raise
    except (OSError, RuntimeError) as exc:
        raise poseio.ReadError(
            f"{where}: {what} cannot be read ({exc}). The file is damaged or truncated; "
            "get a fresh copy or write it again with the tool that made it"
        ) from exc


def decode_text(value: Any) -> str:
    """An HDF5 string (bytes, str, a numpy scalar or a byte array) as ``str``."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu" and value.dtype.itemsize == 1:
            return value.tobytes().decode("utf-8")
        if value.size == 1:
            return decode_text(value.reshape(-1)[0])
        raise ValueError(f"expected one string, got an array of shape {value.shape}")
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def parse_json(value: Any) -> Any:
    """JSON text stored in HDF5, parsed (never unpickled: jsonpickle markers stay plain dicts)."""
    return json.loads(decode_text(value))


def json_rows(dataset: Any) -> list[Any]:
    """A 1-D dataset of JSON strings (``videos_json``, ``tracks_json``, ...), each parsed.

    SLEAP writes an empty list as an empty float dataset, so a zero-length dataset
    of any type is no rows.
    """
    from poseio.hdf5 import values

    rows = values(dataset)
    if rows.size == 0:
        return []
    if rows.ndim != 1 or rows.dtype.kind not in "SOU":
        raise ValueError(f"expected a list of JSON strings, found {rows.dtype} values of shape {rows.shape}")
    return [parse_json(row) for row in rows]


def to_json_text(value: Any) -> str:
    """Compact JSON, as SLEAP and sleap-io write it; numpy scalars and arrays become plain numbers."""

    def plain(item: Any) -> Any:
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        raise TypeError(f"{type(item).__name__} cannot be stored as JSON")

    return json.dumps(value, separators=(",", ":"), default=plain)


def jsonable(value: Any) -> bool:
    """Whether ``value`` can be written as JSON."""
    try:
        to_json_text(value)
    except (TypeError, ValueError):
        return False
    return True
