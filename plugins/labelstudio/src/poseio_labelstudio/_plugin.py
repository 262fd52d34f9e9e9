"""The labelstudio plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.json`` file. The reader and the writer are imported
when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_labelstudio._sniff import FORMAT, sniff


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Label Studio JSON tasks: keypointlabels in percent of the image, boxes and relations",
            extensions=(".json",),
            can_read=True,
            can_write=True,
            read_options=("fps", "video"),
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_labelstudio._read import read_labelstudio

    return read_labelstudio(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_labelstudio._write import write_labelstudio

    write_labelstudio(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    from poseio_labelstudio._write import write_claim

    return write_claim(labels)
