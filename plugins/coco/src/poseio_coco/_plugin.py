"""The coco plugin's hooks (the ``poseio`` entry point).

Importing this module imports nothing heavy: poseio imports it on every
``poseio.load`` of a ``.json`` file. The readers and the writer are imported
when they run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import poseio

from poseio_coco._sniff import FORMAT, RESULTS, sniff

_OPTIONS = ("fps", "video")


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            name=FORMAT,
            description="COCO keypoint annotations: images, annotations and categories (skeletons) in JSON",
            extensions=(".json",),
            can_read=True,
            can_write=True,
            read_options=_OPTIONS,
        ),
        poseio.FormatInfo(
            name=RESULTS,
            description="COCO keypoint results: a JSON list of image_id, category_id, keypoints and score",
            extensions=(".json",),
            can_read=True,
            read_options=(*_OPTIONS, "annotations"),
        ),
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> list[poseio.Claim]:
    return sniff(probe)


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    if format == RESULTS:
        from poseio_coco._results import read_results

        return read_results(probe, options)
    from poseio_coco._read import read_coco

    return read_coco(probe, options)


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    from poseio_coco._write import write_coco

    write_coco(labels, path, options)


@poseio.hookimpl
def poseio_write_claim(format: str, labels: poseio.Labels) -> poseio.Claim:
    from poseio_coco._write import write_claim

    return write_claim(labels)
