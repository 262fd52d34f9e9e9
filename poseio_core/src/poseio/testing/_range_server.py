"""A loopback HTTP server for testing remote reads, with the faults real servers have.

It serves local files with HTTP Range requests (as S3 and the DANDI archive
do), counts the requests and bytes it sends, and can misbehave on purpose:
ignore Range headers, cut responses short, or answer 404. It also answers the
few DANDI API calls that ``dandi://`` URLs make, so no test needs the internet::

    with RangeServer() as server:
        url = server.serve(path)                 # http://127.0.0.1:PORT/files/NAME
        labels = poseio.load(url)
        print(server.bytes_sent, server.requests)
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 serving registered files.

    Attributes:
        ranges: Honour Range headers (``False``: answer every GET with the whole file, as some servers do).
        truncate: When set, send at most this many bytes of a body while declaring its full length.
        drip_headers: When set, send one header line every this many seconds (after `drip_lines` padding lines).
        drip_body: When set, send a file's body 1 KiB every this many seconds.
        drip_lines: Padding header lines sent while dripping headers.
        encoding: When set (``"gzip"`` or ``"deflate"``), compress every file answer and say so in
            ``Content-Encoding``, whatever the client asked for.
        inflate_to: With `encoding`, send instead a compressed body of this many zero bytes (a compression bomb).
        api_answers: Raw bodies for DANDI API paths (``/api/dandisets/000001/``), served before the imitation.
        requests: GET requests answered so far.
        bytes_sent: Body bytes sent so far.
    """

    def __init__(self) -> None:
        self.ranges = True
        self.truncate: int | None = None
        self.drip_headers: float | None = None
        self.drip_body: float | None = None
        self.drip_lines = 100
        self.encoding: str | None = None
        self.inflate_to: int | None = None
        self.api_answers: dict[str, bytes] = {}
        self.requests = 0
        self.bytes_sent = 0
        self._files: dict[str, Path] = {}
        self._assets: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._published: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, path: str | Path, at: str | None = None) -> str:
        """Serve a local file at ``/files/NAME`` (or the URL path ``at``); returns its URL."""
        path = Path(path)
        at = at or f"/files/{urllib.parse.quote(path.name)}"
        self._files[urllib.parse.unquote(at)] = path
        return self.base_url + at

    def add_dandi_asset(self, dandiset: str, path: str, file: str | Path, *, version: str = "draft") -> None:
        """Make ``dandi://DANDISET@VERSION/PATH`` resolve to ``file`` (set ``POSEIO_DANDI_API`` to `dandi_api`)."""
        blob = self.serve(file, at=f"/dandiarchive/blobs/{dandiset}/{version}/{urllib.parse.quote(path)}")
        asset = {
            "asset_id": f"{dandiset}-{len(self._files)}",
            "path": path,
            "metadata": {"contentUrl": [f"{self.dandi_api}/assets/{dandiset}-{len(self._files)}/download/", blob]},
        }
        self._assets.setdefault((dandiset, version), []).append(asset)
        if version != "draft":
            self._published[dandiset] = version
        self._published.setdefault(dandiset, None)

    @property
    def dandi_api(self) -> str:
        """The base URL of the DANDI API this server imitates."""
        return self.base_url + "/api"

    def reset_counts(self) -> None:
        """Set `requests` and `bytes_sent` back to zero."""
        with self._lock:
            self.requests = self.bytes_sent = 0

    def _count(self, sent: int) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_sent += sent

    def start(self) -> RangeServer:
        """Start serving in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RangeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _dandi(self, path: str, query: dict[str, list[str]]) -> Any:
        """The JSON the DANDI API would answer at ``path``, or ``None`` for a 404."""
        parts = path.strip("/").split("/")[1:]  # after "api"
        if len(parts) == 2 and parts[0] == "dandisets" and parts[1] in self._published:
            version = self._published[parts[1]]
            return {
                "identifier": parts[1],
                "most_recent_published_version": {"version": version} if version else None,
                "draft_version": {"version": "draft"},
            }
        if len(parts) == 5 and parts[0] == "dandisets" and parts[2] == "versions" and parts[4] == "assets":
            assets = self._assets.get((parts[1], parts[3]))
            if assets is None:
                return None
            prefix = query.get("path", [""])[0]
            # The real API matches a path prefix and pages its results; one page is enough here.
            return {"count": 0, "next": None, "results": [a for a in assets if a["path"].startswith(prefix)]}
        return None


def _handler(server: RangeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_HEAD(self) -> None:  # noqa: N802 - the name http.server calls
            self._answer(body=False)

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            self._answer(body=True)

        def _answer(self, *, body: bool) -> None:
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path)
            if path in server.api_answers:
                self._send(200, server.api_answers[path], {"Content-Type": "application/json"}, body)
                return
            if path.startswith("/api/"):
                self._json(server._dandi(path, urllib.parse.parse_qs(url.query)), body)
                return
            file = server._files.get(path)
            if file is None or not file.is_file():
                self._send(404, b"not found", {"Content-Type": "text/plain"}, body)
                return
            size = file.stat().st_size
            start, end, status = 0, size - 1, 200
            match = _RANGE.match(self.headers.get("Range", "")) if server.ranges else None
            if match and (match[1] or match[2]):
                if match[1]:
                    start, end = int(match[1]), min(int(match[2]) if match[2] else size - 1, size - 1)
                else:  # a suffix range: the last N bytes
                    start = max(size - int(match[2]), 0)
                if start >= size:
                    self._send(416, b"", {"Content-Range": f"bytes */{size}"}, body)
                    return
                status = 206
            with open(file, "rb") as f:
                f.seek(start)
                data = f.read(end - start + 1) if body else b""
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(end - start + 1)}
            if server.ranges:
                headers["Accept-Ranges"] = "bytes"
            if status == 206:
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            if server.encoding:
                data = _compressed(data, server.encoding, server.inflate_to)
                headers.update({"Content-Encoding": server.encoding, "Content-Length": str(len(data))})
            self._send(status, data, headers, body, length_set=True)

        def _json(self, value: Any, body: bool) -> None:
            if value is None:
                self._send(404, b'{"detail": "Not found."}', {"Content-Type": "application/json"}, body)
            else:
                self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"}, body)

        def _send(
            self, status: int, data: bytes, headers: dict[str, str], body: bool, *, length_set: bool = False
        ) -> None:
            self.send_response(status)
            if not length_set:
                headers["Content-Length"] = str(len(data))
            try:
                if server.drip_headers is not None:
                    for line in range(server.drip_lines):  # a bounded drip: a client without a deadline waits it out
                        self.send_header(f"X-Drip-{line}", "x")
                        self.flush_headers()
                        time.sleep(server.drip_headers)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if not body:
                    return
                if server.truncate is not None and len(data) > server.truncate:
                    data = data[: server.truncate]
                    self.close_connection = True  # the declared length is never reached: the client sees a cut
                step = 1024 if server.drip_body is not None else max(len(data), 1)
                for offset in range(0, len(data), step):
                    self.wfile.write(data[offset : offset + step])
                    if server.drip_body is not None:
                        self.wfile.flush()
                        time.sleep(server.drip_body)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: as real servers see
                self.close_connection = True
            server._count(len(data))

    return Handler


def _compressed(data: bytes, encoding: str, inflate_to: int | None) -> bytes:
    """``data`` compressed as ``encoding`` says, or a compressed body of ``inflate_to`` zero bytes."""
    if inflate_to is not None:
        return _bomb(encoding, inflate_to)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    return compressor.compress(data) + compressor.flush()


@functools.cache
def _bomb(encoding: str, size: int) -> bytes:
    """``size`` zero bytes compressed (made once: compressing a gigabyte takes seconds)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    zeros = bytes(1024 * 1024)
    pieces = [compressor.compress(zeros) for _ in range(size // len(zeros))]
    return b"".join(pieces) + compressor.flush()
