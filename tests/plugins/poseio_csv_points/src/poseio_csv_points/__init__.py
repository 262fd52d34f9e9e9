"""An example third-party poseio format plugin: one CSV row per visible point.

This is the worked example of ``docs/plugins/writing-a-plugin.md``. It is a
separate distribution with its own ``poseio`` entry point, so the tests prove
that discovery, ranking and dispatch work for plugins poseio does not know.

The file starts with the header line `HEADER`; each row is one node of
one instance, with empty ``x`` and ``y`` where the node is not visible.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import poseio

FORMAT = "csv-points"
HEADER = ["video", "frame_idx", "track", "instance", "skeleton", "node", "x", "y", "score", "predicted"]


@poseio.hookimpl
def poseio_formats() -> list[poseio.FormatInfo]:
    return [
        poseio.FormatInfo(
            FORMAT, "CSV, one row per node of each instance", extensions=(".csv",), can_read=True, can_write=True
        )
    ]


@poseio.hookimpl
def poseio_sniff(probe: poseio.Probe) -> poseio.Claim:
    first_line = probe.head.split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    if first_line.split(",") == HEADER:
        return poseio.Claim(FORMAT, poseio.CERTAIN, "the csv-points header line")
    # Many formats are .csv files (DeepLabCut, Lightning Pose, training logs): only the header says a file is ours.
    return poseio.Claim(FORMAT, poseio.NOT_MINE, "its first line is not the csv-points header")


@poseio.hookimpl
def poseio_read(format: str, probe: poseio.Probe, part: str | None, options: dict[str, Any]) -> poseio.Labels:
    with open(probe.path, newline="", errors="replace") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != HEADER:
            raise poseio.ReadError(
                f"{probe.path}: not a csv-points file; its first line must be {','.join(HEADER)}", path=probe.path
            )
        rows = list(reader)
    videos: dict[str, poseio.Video] = {}
    tracks: dict[str, poseio.Track] = {}
    nodes: dict[str, list[str]] = {}
    for row in rows:
        videos.setdefault(row["video"], poseio.Video(row["video"]))
        if row["track"]:
            tracks.setdefault(row["track"], poseio.Track(row["track"]))
        names = nodes.setdefault(row["skeleton"], [])
        if row["node"] not in names:
            names.append(row["node"])
    skeletons = {name: poseio.Skeleton(names, name=name) for name, names in nodes.items()}
    frames: dict[tuple[str, int], dict[str, poseio.Instance]] = {}
    for row in rows:
        key = (row["video"], int(row["frame_idx"]))
        instances = frames.setdefault(key, {})
        skeleton = skeletons[row["skeleton"]]
        if row["instance"] not in instances:
            points = np.full((len(skeleton), 2), np.nan)
            track = tracks.get(row["track"])
            if row["predicted"] == "1":
                instances[row["instance"]] = poseio.PredictedInstance(points, skeleton, track)
            else:
                instances[row["instance"]] = poseio.Instance(points, skeleton, track)
        instance = instances[row["instance"]]
        node = skeleton.index(row["node"])
        if row["x"] and row["y"]:
            instance.points[node] = (float(row["x"]), float(row["y"]))
        if isinstance(instance, poseio.PredictedInstance) and row["score"]:
            instance.point_scores[node] = float(row["score"])
    labeled_frames = [
        poseio.LabeledFrame(videos[video], frame_idx, list(instances.values()))
        for (video, frame_idx), instances in frames.items()
    ]
    return poseio.Labels(
        labeled_frames,
        videos=list(videos.values()),
        skeletons=list(skeletons.values()),
        tracks=list(tracks.values()),
    )


@poseio.hookimpl
def poseio_write(format: str, labels: poseio.Labels, path: Path, options: dict[str, Any]) -> None:
    if options:
        raise poseio.InvalidOptionError(f"csv-points takes no options, got {sorted(options)}", format=FORMAT)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for frame in labels:
            for i, instance in enumerate(frame.instances):
                predicted = isinstance(instance, poseio.PredictedInstance)
                for node, (x, y) in zip(instance.skeleton.node_names, instance.points[:, :2]):
                    visible = not (np.isnan(x) or np.isnan(y))
                    score = instance.point_scores[instance.skeleton.index(node)] if predicted else np.nan
                    writer.writerow(
                        [
                            frame.video.filename,
                            frame.frame_idx,
                            instance.track.name if instance.track else "",
                            i,
                            instance.skeleton.name,
                            node,
                            repr(float(x)) if visible else "",
                            repr(float(y)) if visible else "",
                            "" if np.isnan(score) else repr(float(score)),
                            int(predicted),
                        ]
                    )
