"""The ultralytics plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it whenever a
``.yaml`` file or a folder is loaded. The reader (PyYAML, Pillow) and the
writer are imported when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_ultralytics._sniff import FORMAT, sniff

READ_OPTIONS = ("fps",)
WRITE_OPTIONS = ("split", "image_format", "frames", "allow_external")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="Ultralytics YOLO pose dataset: data.yaml, images and labels/*.txt per split",
            extensions=(".yaml",),
            can_read=True,
            can_write=True,
            read_options=READ_OPTIONS,
            write_options=WRITE_OPTIONS,
            folders=True,
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    from poseio_ultralytics._read import read_dataset

    return read_dataset(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_ultralytics._write import write_dataset

    write_dataset(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels, options: dict[str, Any]) -> poseio.Claim:
    from poseio_ultralytics._write import write_claim

    return write_claim(labels, options)
