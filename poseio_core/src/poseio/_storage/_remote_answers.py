"""Which HTTP answers poseio refuses before reading their body.

A server is untrusted: it may answer a Range request for 1 MiB with a
gzip-compressed body (aiohttp would inflate 1.5 MB into gigabytes) or declare
a body far longer than the bytes asked for. Such an answer is refused as soon
as its headers arrive, by the aiohttp response class every remote request uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from poseio._errors import ReadError

_RANGE = re.compile(r"\s*bytes=(\d+)-(\d+)\s*$")
_response_class: Any = None


def refusal(status: int, headers: Mapping[str, str], request_headers: Mapping[str, str]) -> str | None:
    """Why an answer with these headers is refused, or ``None`` when it may be read.

    Args:
        status: The HTTP status.
        headers: The answer's headers.
        request_headers: The request's headers (its ``Range``).
    """
    encoding = headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        return (
            f"the server sent a compressed answer (Content-Encoding: {encoding}) although poseio asked for none; "
            "poseio never decompresses a remote answer, since a small compressed one can inflate past any memory "
            "budget. Download the file with another tool and load the local copy"
        )
    match = _RANGE.match(request_headers.get("Range", ""))
    length = headers.get("Content-Length", "").strip()
    if status == 206 and match and length.isdigit():
        asked = int(match[2]) - int(match[1]) + 1
        if int(length) > asked:
            return f"the server answered a request for {asked} bytes with {length} bytes; it does not serve ranges"
    return None


def checked_response_class() -> type:
    """An ``aiohttp.ClientResponse`` that raises `ReadError` for an answer `refusal` refuses."""
    global _response_class
    if _response_class is None:
        import aiohttp

        class CheckedResponse(aiohttp.ClientResponse):
            async def start(self, connection: Any) -> Any:
                answer = await super().start(connection)
                problem = refusal(self.status, self.headers, self.request_info.headers)
                if problem is not None:
                    self.close()  # the body is never read
                    raise ReadError(problem)
                return answer

        _response_class = CheckedResponse
    return _response_class
