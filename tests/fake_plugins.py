"""Small in-test plugins for exercising the registry and the dispatcher."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import poseio


def make_plugin(name: str, *, confidence=0.9, part=None, extension=".fake", sniff=None, reads=True, writes=False):
    """A plugin object whose format ``name`` claims files ending in ``extension``."""

    @poseio.hookimpl
    def poseio_formats():
        return [
            poseio.FormatInfo(name, f"fake format {name}", extensions=(extension,), can_read=reads, can_write=writes)
        ]

    @poseio.hookimpl
    def poseio_sniff(probe):
        if sniff is not None:
            return sniff(probe)
        if probe.extension == extension:
            return poseio.Claim(name, confidence, f"{name} likes {extension}", part=part)
        return None

    @poseio.hookimpl
    def poseio_read(format, probe, part, options):
        skeleton = poseio.Skeleton(["a"], name=format)
        points = np.full((1, 1, 1, 2), 1.0)
        return poseio.Labels.from_numpy(
            points, video=poseio.Video(f"{format}.mp4"), skeleton=skeleton, tracks=[poseio.Track(part or format)]
        )

    hooks = {"poseio_formats": poseio_formats, "poseio_sniff": poseio_sniff}
    if reads:
        hooks["poseio_read"] = poseio_read
    if writes:

        @poseio.hookimpl
        def poseio_write(format, labels, path, options):
            if options.get("fail"):
                path.write_bytes(b"half")
                raise RuntimeError("disk on fire")
            if options.get("interrupt"):
                path.write_bytes(b"half")
                raise KeyboardInterrupt
            path.write_bytes(b"ok " + format.encode())

        hooks["poseio_write"] = poseio_write
    return SimpleNamespace(**hooks)


def raising_sniffer(probe):
    raise ZeroDivisionError("sniffer bug")


def nan_sniffer(probe):
    return SimpleNamespace(format="x", confidence=math.nan)  # not a Claim at all
