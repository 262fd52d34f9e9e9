"""A plain summary of Labels, for ``poseio info`` and for people at a prompt."""

from __future__ import annotations

from typing import Any

import numpy as np

from poseio._model._labels import Labels


def summarize(labels: Labels) -> dict[str, Any]:
    """What a Labels holds, as JSON-ready values.

    Keys: ``format``, ``plugin``, ``videos`` (filename, n_frames, fps, shape with ``None`` for its unknown parts,
    ``frame_range``, ``time_range`` in seconds, ``clock``: how frames were timed),
    ``skeletons`` (name, nodes, edges, symmetries), ``tracks``,
    ``labeled_frames``, ``user_instances``, ``predicted_instances``,
    ``frame_range`` per video, ``session`` (NWB session metadata, when present).
    """
    table = labels.to_table()
    videos = []
    for i, video in enumerate(labels.videos):
        in_video = table.frame_idx[table.video == i]
        # A part the format does not record is 0 in Video.shape; here it is None (unknown), not zero.
        shape = [int(d) or None for d in video.shape] if video.shape and any(video.shape) else None
        seconds = _seconds_span(video, in_video)
        videos.append(
            {
                "filename": video.filename,
                "n_frames": shape[0] if shape and shape[0] else None,
                "fps": video.fps,
                "shape": shape,
                "labeled_frames": int(len(np.unique(in_video))),
                "frame_range": [int(in_video.min()), int(in_video.max())] if len(in_video) else None,
                "time_range": seconds,
                "clock": (labels.provenance.get("frame_timing") or {}).get(video.filename),
            }
        )
    session = labels.provenance.get("session")
    return {
        "source": labels.provenance.get("source"),
        "format": labels.provenance.get("format"),
        "plugin": labels.provenance.get("plugin"),
        "labeled_frames": len(labels),
        "user_instances": labels.n_user_instances,
        "predicted_instances": labels.n_predicted_instances,
        "videos": videos,
        "skeletons": [
            {
                "name": s.name,
                "nodes": s.node_names,
                "edges": [list(e) for e in s.edge_inds],
                "symmetries": [list(p) for p in s.symmetry_inds],
            }
            for s in labels.skeletons
        ],
        "tracks": [t.name for t in labels.tracks],
        "session": session,
    }


def _seconds_span(video, frames: np.ndarray) -> list[float] | None:
    """Seconds of the first and last labelled frame, from the video's timestamps or its rate."""
    if not len(frames):
        return None
    first, last = int(frames.min()), int(frames.max())
    if video.timestamps is not None and last < len(video.timestamps):
        span = [float(video.timestamps[first]), float(video.timestamps[last])]
        return None if np.isnan(span).any() else span
    if video.fps:
        start = float(video.metadata.get("starting_time") or 0.0)
        return [start + first / video.fps, start + last / video.fps]
    return None


def _shape_text(shape: list[int | None] | None) -> str:
    """A video's shape for people: ``150x120x160x3`` when all is known, else what is (``1085 frames``)."""
    if not shape:
        return "unknown shape"
    if all(shape):
        return "x".join(str(d) for d in shape)
    frames, *size = shape
    known_size = "x".join(str(d) for d in size if d) if len(size) >= 2 and size[0] and size[1] else None
    if frames:
        return f"{frames} frames" + (f" of {known_size}" if known_size else "")
    return f"frames of {known_size} (count unknown)" if known_size else "unknown shape"


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as text for a terminal."""
    lines = [
        f"{summary['source']}",
        f"  format: {summary['format']} (plugin {summary['plugin']})",
        f"  labeled frames: {summary['labeled_frames']}   user instances: {summary['user_instances']}"
        f"   predicted instances: {summary['predicted_instances']}",
        f"  videos ({len(summary['videos'])}):",
    ]
    for v in summary["videos"]:
        shape = _shape_text(v["shape"])
        fps = f"{v['fps']:g} fps" if v["fps"] else "fps unknown"
        span = f"frames {v['frame_range'][0]}-{v['frame_range'][1]}" if v["frame_range"] else "no frames"
        if v.get("time_range"):
            span += f" at {v['time_range'][0]:.6g}-{v['time_range'][1]:.6g} s"
        if v.get("clock"):
            span += f", clock: {v['clock']}"
        lines.append(f"    - {v['filename']}  [{shape}, {fps}; {v['labeled_frames']} labelled, {span}]")
    lines.append(f"  skeletons ({len(summary['skeletons'])}):")
    for s in summary["skeletons"]:
        lines.append(f"    - {s['name']}: {len(s['nodes'])} nodes {s['nodes']}, {len(s['edges'])} edges")
    lines.append(f"  tracks ({len(summary['tracks'])}): {', '.join(summary['tracks']) or '-'}")
    if summary["session"]:
        session = summary["session"]
        for key in ("session_description", "identifier", "session_start_time"):
            if session.get(key):
                lines.append(f"  {key}: {session[key]}")
        if session.get("subject"):
            lines.append(f"  subject: {session['subject']}")
    return "\n".join(lines)
