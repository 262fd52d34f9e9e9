"""The trex plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.npz`` file. The reader is imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_trex._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video", "siblings")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="TRex per-individual export: X, Y, frame, time, missing ... arrays in a .npz (one individual)",
            extensions=(".npz",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    return [sniff(probe)]


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_trex._read import read_trex

    return read_trex(probe, options)
