"""The openpose plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.json`` file or a folder. The reader is imported when
it runs.
"""

from __future__ import annotations

from typing import Any

import poseio

from poseio_openpose._sniff import FORMAT, sniff

READ_OPTIONS = ("fps", "video", "keypoints")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="OpenPose --write_json output: a folder of <video>_<frame>_keypoints.json files, or one file",
            extensions=(".json",),
            can_read=True,
            read_options=READ_OPTIONS,
            folders=True,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_openpose._read import read_openpose

    return read_openpose(probe, options)
