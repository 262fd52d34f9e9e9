"""Read a pose file over HTTP, as from DANDI, and count what travelled.

    python examples/remote_read.py

Serves the shipped example from a loopback server with Range requests
(poseio.testing.RangeServer) and loads it by URL. Needs poseio[remote].
"""

from pathlib import Path

import poseio
from poseio.testing import RangeServer

EXAMPLE = Path(__file__).with_name("two_mice.nwb")

with RangeServer() as server:
    url = server.serve(EXAMPLE)
    labels = poseio.load(url)
    print(labels)
    print(f"{server.requests} requests, {server.bytes_sent} bytes of a {EXAMPLE.stat().st_size}-byte file")
    print(poseio.explain(url))
