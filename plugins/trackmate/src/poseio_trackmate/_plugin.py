"""The trackmate plugin's hooks (the ``poseio`` entry point).

Importing this module imports neither pandas nor the reader: poseio imports it
on every ``poseio.load`` of a ``.csv`` file. The reader imports pandas when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_trackmate._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="TrackMate spots CSV (TRACK_ID, POSITION_X/Y/Z, FRAME, QUALITY): one spot per track",
            extensions=(".csv",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_trackmate._read import read_trackmate

    return read_trackmate(probe, options)
