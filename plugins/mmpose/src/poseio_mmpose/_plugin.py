"""The mmpose plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.json`` file. The reader is imported when it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_mmpose._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="MMPose inference results JSON: meta_info and instance_info, or the inferencer's frame lists",
            extensions=(".json",),
            can_read=True,
            read_options=READ_OPTIONS,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_mmpose._read import read_mmpose

    return read_mmpose(probe, options)
