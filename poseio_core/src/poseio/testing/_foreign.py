"""Files of other kinds that a format's sniffer must decline.

A sniffer that claims too much takes files from the format they belong to: one
that claims every HDF5 file, say, reads NWB and SLEAP files as its own. The
conformance kit writes these near misses under every ending the format
declares, so that a sniffer that trusts the name alone is caught too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np


def _plain_hdf5(path: Path) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["instrument"] = "accelerometer"
        data = f.create_group("data")
        data.create_dataset("points", data=np.random.default_rng(0).normal(size=(50, 3)))
        data.create_dataset("time", data=np.arange(50) / 30.0)
        f.create_dataset("labels", data=np.array([b"x", b"y", b"z"]))


def _nwb_without_poses(path: Path) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs.update(neurodata_type="NWBFile", namespace="core", nwb_version="2.7.0")
        series = f.create_group("acquisition/running_speed")
        series.attrs.update(neurodata_type="TimeSeries", namespace="core")
        series.create_dataset("data", data=np.linspace(0, 1, 20))
        series.create_dataset("timestamps", data=np.arange(20) / 10.0)
        module = f.create_group("processing/behavior")
        module.attrs.update(neurodata_type="ProcessingModule", namespace="core")


def _pose_names_without_a_format(path: Path) -> None:
    """Group and dataset names pose formats use, but in no format's layout."""
    import h5py

    with h5py.File(path, "w") as f:
        group = f.create_group("processing/behavior/PoseEstimation")
        group.attrs["neurodata_type"] = "PoseEstimation"  # no NWB root, no namespace
        group.create_dataset("tracks", data=np.zeros((2, 2, 3, 4)))
        f.create_dataset("points", data=np.zeros((4, 2)))
        f.create_dataset("node_names", data=np.array([b"head", b"tail"]))


def _csv_of_other_columns(path: Path) -> None:
    rows = ["time,x,y,speed"] + [f"{i / 30:.4f},{i},{2 * i},{i % 7}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n")


def _csv_of_numbers(path: Path) -> None:
    path.write_text("".join(f"{i},{i * 0.5},{i * 0.25}\n" for i in range(30)))


def _json(path: Path) -> None:
    path.write_text(json.dumps({"experiment": "open field", "points": [[1.0, 2.0], [3.0, 4.0]], "fps": 30}))


def _text(path: Path) -> None:
    path.write_text("Session notes: the mouse explored the arena.\n" * 20)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


#: Each kind of foreign file, and what writes it.
FOREIGN_KINDS: dict[str, Callable[[Path], None]] = {
    "plain-hdf5": _plain_hdf5,
    "nwb-without-poses": _nwb_without_poses,
    "hdf5-with-pose-names": _pose_names_without_a_format,
    "csv-of-other-columns": _csv_of_other_columns,
    "csv-of-numbers": _csv_of_numbers,
    "json": _json,
    "text": _text,
    "empty": _empty,
}

_NATURAL_ENDING = {
    "plain-hdf5": ".h5",
    "nwb-without-poses": ".nwb",
    "hdf5-with-pose-names": ".h5",
    "csv-of-other-columns": ".csv",
    "csv-of-numbers": ".csv",
    "json": ".json",
    "text": ".txt",
    "empty": ".csv",
}


def foreign_samples(folder: Path, endings: Iterable[str] = ()) -> list[Path]:
    """Write every kind of foreign file into ``folder``, under its own ending and each of ``endings``.

    Returns:
        The paths written; each name starts with its kind (``plain-hdf5.slp``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, write in FOREIGN_KINDS.items():
        for ending in dict.fromkeys([_NATURAL_ENDING[kind], *endings]):
            path = folder / f"{kind}{ending}"
            write(path)
            paths.append(path)
    return paths
