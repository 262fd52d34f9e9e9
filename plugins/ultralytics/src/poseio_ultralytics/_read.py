"""Reading an Ultralytics pose dataset (a folder with ``data.yaml``, or that file) into Labels.

Every class is a skeleton named after it, with the keypoint names of
``kpt_names``/``node_names`` (sleap-io writes the latter), ``skeleton`` edges
(sleap-io's key) and the pairs ``flip_idx`` swaps as symmetries. Every image
is a frame (`_frames`); every label line with a labelled keypoint a user
instance. What the model has no place for is kept in
``labels.provenance["ultralytics"]`` (see ``docs/formats/ultralytics.md``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import poseio
from poseio.limits import check_allocation
from poseio.options import check_fps, refuse_unknown

from poseio_ultralytics._config import load_yaml, parse_config
from poseio_ultralytics._frames import image_videos
from poseio_ultralytics._images import find_images, image_size
from poseio_ultralytics._labels import read_lines
from poseio_ultralytics._plugin import READ_OPTIONS
from poseio_ultralytics._sniff import ENTRY, FORMAT

#: Memory per node of a skeleton (its Node object, name and index entries), at most.
NODE_BYTES = 400


def _skeletons(config) -> list[poseio.Skeleton]:
    return [
        poseio.Skeleton(config.node_names[c], edges=config.edges, symmetries=config.symmetries, name=name)
        for c, name in config.classes.items()
    ]


def read_dataset(probe: poseio.Probe, options: dict[str, Any]) -> poseio.Labels:
    """Read an Ultralytics pose dataset (see ``docs/formats/ultralytics.md``)."""
    refuse_unknown(options, READ_OPTIONS, FORMAT)
    fps = check_fps(options.get("fps"), FORMAT)
    name = probe.name

    def error(problem: str) -> poseio.ReadError:
        return poseio.ReadError(f"{name}: not a readable {FORMAT} dataset: {problem}", path=probe.path)

    if probe.path is None:
        raise error("an Ultralytics dataset is a folder of files; download it and load the folder")
    entry = probe.member(ENTRY) if probe.is_folder else probe.path
    if entry is None or not entry.is_file():
        raise error(f"the folder holds no {ENTRY}, which describes a dataset")
    config = parse_config(load_yaml(entry, name, error), error)
    # A few bytes of YAML can declare 10,000 classes of 100,000 keypoints: one skeleton each is costly.
    check_allocation(len(config.classes) * config.n_nodes * NODE_BYTES, "the skeletons data.yaml declares", name)
    images, missing = find_images(probe, config, error)
    if not images:
        named = "; ".join(f"{split}: {', '.join(entries)}" for split, entries in config.splits.items())
        where = f" (its path, {config.details['path']!r}, is not followed)" if config.details.get("path") else ""
        raise error(
            f"no image in any split ({named}), looked for in the folder holding {entry.name}{where}; "
            f"put {entry.name} in the dataset's folder, beside the split folders it names"
        )
    sizes = [image_size(image, error) for image in images]
    videos, where, note = image_videos(images, sizes, config.videos, name, fps=fps)

    class_index = {c: i for i, c in enumerate(config.classes)}
    parts, skipped = [], []
    for i, (image, size) in enumerate(zip(images, sizes)):
        if image.labels is None:
            continue
        lines = read_lines(image, size, config, error)
        kept = ~np.isnan(lines.points).all(axis=(1, 2))
        skipped.extend(f"{image.labels.name}:{k}" for k in lines.line_numbers[~kept].tolist())
        rows = np.flatnonzero(kept)
        parts.append((i, lines, rows))
    n_rows = sum(len(rows) for _, _, rows in parts)
    check_allocation(n_rows * config.n_nodes * 40, f"{n_rows} poses of {config.n_nodes} keypoints", name)
    column = {
        "video": np.array([where[i][0] for i, _, rows in parts for _ in rows], dtype=np.int64),
        "frame": np.array([where[i][1] for i, _, rows in parts for _ in rows], dtype=np.int64),
        "skeleton": np.array([class_index[c] for _, lines, rows in parts for c in lines.classes[rows]], np.int64),
        "points": np.concatenate([np.zeros((0, config.n_nodes, 2))] + [lines.points[rows] for _, lines, rows in parts]),
        "occluded": np.concatenate([np.zeros((0, config.n_nodes), bool)] + [ln.occluded[r] for _, ln, r in parts]),
        "boxes": np.concatenate([np.zeros((0, 4))] + [lines.boxes[rows] for _, lines, rows in parts]),
        "lines": np.array([f"{images[i].name}:{k}" for i, ln, rows in parts for k in ln.line_numbers[rows]], object),
    }
    # Rows by video and frame (stable: the lines of one image keep their order), as Labels keeps them,
    # so that the per-row provenance below lines up with labels.to_table().
    order = np.lexsort((column["frame"], column["video"]))
    column = {key: value[order] for key, value in column.items()}
    table = poseio.PoseTable.build(
        column["points"], video=column["video"], frame_idx=column["frame"], skeleton=column["skeleton"]
    )
    details = {
        **config.details,
        "splits": {split: sum(image.split == split for image in images) for split in config.splits},
        "occluded": column["occluded"],
        "boxes": column["boxes"],
        "label_lines": column["lines"].tolist(),
        "skipped": skipped,
    }
    if missing:
        details["missing"] = missing
    if note:
        details["poseio_videos_ignored"] = note
    return poseio.Labels.from_table(table, videos=videos, skeletons=_skeletons(config), provenance={FORMAT: details})
