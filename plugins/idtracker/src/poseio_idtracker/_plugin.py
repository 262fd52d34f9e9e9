"""The idtracker plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.h5``, ``.npy`` or ``.csv`` file, and of a folder. The readers are
imported when they run.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_idtracker._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="idtracker.ai trajectories: trajectories.h5, or trajectories.csv of its CSV export",
            extensions=(".h5", ".hdf5", ".csv", ".npy"),
            can_read=True,
            read_options=READ_OPTIONS,
            folders=True,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    return [sniff(probe)]


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    if probe.is_folder:
        from poseio_idtracker._read_csv import read_csv_folder

        return read_csv_folder(probe, options)
    if probe.is_hdf5:
        from poseio_idtracker._read_h5 import read_h5

        return read_h5(probe, options)
    if probe.head.startswith(b"\x93NUMPY"):
        from poseio_idtracker._read_npy import refuse_npy

        refuse_npy(probe, options)
    from poseio_idtracker._read_csv import read_csv

    return read_csv(probe, options)
