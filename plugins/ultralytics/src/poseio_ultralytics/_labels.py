"""One image's label file: a line per instance, ``class cx cy w h x1 y1 [v1] x2 y2 [v2] ...``.

Every value after the class is a fraction of the image's width (x) or height
(y). With three values per keypoint, the third is its visibility: 0 not
labelled (the point is missing, whatever its coordinates), 1 labelled but
occluded, 2 labelled and visible. With two, every keypoint is labelled, as
Ultralytics reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from poseio.limits import check_allocation

from poseio_ultralytics._config import Config, Fail
from poseio_ultralytics._images import Image

#: Bytes parsing may take per byte of a label file (a list of strings per line, then floats).
PARSE_BYTES_PER_BYTE = 16


@dataclass
class Lines:
    """The instances of one label file, in pixels.

    Attributes:
        classes: ``(n,)`` class ids.
        boxes: ``(n, 4)`` box centre x, y, width and height.
        points: ``(n, n_nodes, 2)``; NaN where a keypoint is not labelled.
        occluded: ``(n, n_nodes)``: labelled with visibility 1.
        line_numbers: ``(n,)`` 1-based line of each instance in the file.
    """

    classes: np.ndarray
    boxes: np.ndarray
    points: np.ndarray
    occluded: np.ndarray
    line_numbers: np.ndarray


def _where(image: Image) -> str:
    return os.fspath(image.labels)


def _problem(tokens: list[str], expected: int, config: Config) -> str:
    if len(tokens) == 5:
        return "a box without keypoints (a detection label): this dataset's kpt_shape asks for keypoints"
    return f"{len(tokens)} values, not 5 + {config.n_nodes} keypoints x {config.dims} (kpt_shape)"


def read_lines(image: Image, size: tuple[int, int], config: Config, fail: Fail) -> Lines:
    """The instances of the image's label file, scaled by its ``(width, height)``.

    Raises:
        UnsafeFileError: The file is too large for the load's memory budget.
        ReadError (from ``fail``): A line with another number of values than
            ``kpt_shape`` asks, a value that is not a number, or a class that
            ``names`` does not list; the message names the file and line.
    """
    path, where = image.labels, _where(image)
    n_bytes = os.path.getsize(path)
    check_allocation(n_bytes * PARSE_BYTES_PER_BYTE, f"parsing {n_bytes} bytes of labels", where, path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"the label file {where} cannot be read as text ({exc})") from exc
    expected = 5 + config.n_nodes * config.dims
    numbered = [(k, line.split()) for k, line in enumerate(text.splitlines(), 1) if line.strip()]
    for k, tokens in numbered:
        if len(tokens) != expected:
            raise fail(f"{where} line {k}: {_problem(tokens, expected, config)}")
    try:
        values = np.array([tokens for _, tokens in numbered], dtype=np.float64).reshape(len(numbered), expected)
    except ValueError:
        for k, tokens in numbered:
            for token in tokens:
                try:
                    float(token)
                except ValueError:
                    raise fail(f"{where} line {k}: {token!r} is not a number") from None
        raise
    classes = values[:, 0]
    known = np.isin(classes, list(config.classes))
    if not known.all():
        k = numbered[int(np.flatnonzero(~known)[0])][0]
        raise fail(f"{where} line {k}: class {classes[~known][0]:g} is not among the names of data.yaml")
    width, height = size
    scale = np.array([width, height], dtype=np.float64)
    keypoints = values[:, 5:].reshape(len(values), config.n_nodes, config.dims)
    labelled = np.isfinite(keypoints[..., :2]).all(axis=2)
    occluded = np.zeros(labelled.shape, dtype=bool)
    if config.dims == 3:
        labelled &= keypoints[..., 2] > 0
        occluded = labelled & (keypoints[..., 2] == 1)
    points = np.where(labelled[..., None], keypoints[..., :2] * scale, np.nan)
    return Lines(
        classes=classes.astype(np.int64),
        boxes=values[:, 1:5] * np.tile(scale, 2),
        points=points,
        occluded=occluded,
        line_numbers=np.array([k for k, _ in numbered], dtype=np.int64),
    )
