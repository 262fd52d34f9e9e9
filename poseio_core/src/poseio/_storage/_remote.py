"""Remote sources: ``http(s)://``, ``s3://`` and ``dandi://`` URLs, read through fsspec.

A remote source is opened as a read-only, seekable file object whose reads
become HTTP Range requests for fixed-size blocks, each fetched once (fsspec's
block cache). HDF5 readers then fetch only the blocks holding the objects they
read: the poses of a DANDI session, not the gigabytes of video beside them.

``s3://BUCKET/KEY`` is read anonymously through the bucket's public HTTPS
endpoint (``gs://BUCKET/KEY`` too, for videos: Google Cloud Storage's), and
``dandi://DANDISET[@VERSION]/PATH`` is looked up in the DANDI API, which names
the asset's S3 URL. The endpoints can be moved (a mirror, a test server) with
``POSEIO_S3_ENDPOINT``, ``POSEIO_GS_ENDPOINT`` and ``POSEIO_DANDI_API``.

Transport failures (an unreachable host, a 404, a server that ignores Range
requests, a response cut short) are `ReadError` s that name the URL.

A server is untrusted too. Every request has one deadline for all of it
(connecting, the headers, the body), so a server that drips bytes cannot hold
a load; nothing is decompressed (a compressed answer is refused, since a few
megabytes of gzip can inflate to gigabytes); and only ``http(s)`` URLs are
followed from what the DANDI API answers, read to a bounded size.
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from typing import Any

from poseio._errors import (
    InvalidOptionError,
    InvalidSourceError,
    MissingDependencyError,
    ReadError,
    SourceNotFoundError,
)

#: The URL schemes poseio reads (``poseio[remote]``).
SCHEMES = ("http", "https", "s3", "dandi")
#: The URL schemes of videos (``video[i]``): those, and Google Cloud Storage's ``gs://BUCKET/KEY``.
VIDEO_SCHEMES = (*SCHEMES, "gs")
#: Bytes fetched per request. Small enough that reading the poses of a file fetches
#: little beside them, large enough that HDF5's many small metadata reads share requests.
BLOCK_SIZE = 1024 * 1024
#: Seconds one request may take, all of it (connecting, headers, body), before the read fails.
#: ``POSEIO_REMOTE_TIMEOUT`` overrides it (a slow link reading large blocks may need more).
TIMEOUT = 60.0
TIMEOUT_ENV = "POSEIO_REMOTE_TIMEOUT"
#: The largest DANDI API answer read, in bytes (a page of asset metadata is a few hundred kilobytes).
API_MAX_BYTES = 32 * 1024 * 1024
DANDI_API = "https://api.dandiarchive.org/api"
# Asset listings are paged; a path is found within a few pages or not at all.
_DANDI_MAX_PAGES = 20


def is_url(source: object, schemes: tuple[str, ...] = SCHEMES) -> bool:
    """Whether ``source`` is a URL poseio reads remotely (not a local path), of one of ``schemes``."""
    if not isinstance(source, str):
        return False
    scheme, sep, _ = source.partition("://")
    return bool(sep) and scheme.lower() in schemes


def display_name(url: str) -> str:
    """The URL without its query and fragment: what messages show, and where the file's ending is read.

    A signed URL's query holds credentials and would hide the ``.nwb`` at the end of its path.
    """
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def resolve(url: str) -> str:
    """The ``http(s)`` URL that serves ``url``'s bytes.

    Raises:
        InvalidSourceError: The URL is malformed (no bucket, no dandiset, no path).
        SourceNotFoundError: DANDI has no such dandiset, version or asset.
        ReadError: The DANDI API cannot be reached.
    """
    scheme = url.partition("://")[0].lower()
    if scheme == "s3":
        return _s3_https(url)
    if scheme == "gs":
        return _gs_https(url)
    if scheme == "dandi":
        return _dandi_asset_url(url)
    return url


def _s3_https(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key:
        raise InvalidSourceError(f"{url}: an S3 URL is s3://BUCKET/KEY")
    endpoint = os.environ.get("POSEIO_S3_ENDPOINT")
    quoted = urllib.parse.quote(key)
    if endpoint:  # a custom endpoint (MinIO, a mirror, a test server) is addressed by path
        return f"{endpoint.rstrip('/')}/{bucket}/{quoted}"
    if "." in bucket:
        # A dotted bucket name as a host name fails the *.s3.amazonaws.com certificate: address it by path.
        return f"https://s3.amazonaws.com/{bucket}/{quoted}"
    return f"https://{bucket}.s3.amazonaws.com/{quoted}"


def _gs_https(url: str) -> str:
    """``gs://BUCKET/KEY`` as Google Cloud Storage's public HTTPS URL (``POSEIO_GS_ENDPOINT`` moves it)."""
    parts = urllib.parse.urlsplit(url)
    bucket, key = parts.netloc, parts.path.lstrip("/")
    if not bucket or not key:
        raise InvalidSourceError(f"{url}: a Google Cloud Storage URL is gs://BUCKET/KEY")
    endpoint = os.environ.get("POSEIO_GS_ENDPOINT", "https://storage.googleapis.com")
    return f"{endpoint.rstrip('/')}/{bucket}/{urllib.parse.quote(key)}"


def _dandi_asset_url(url: str) -> str:
    """Look ``dandi://DANDISET[@VERSION]/PATH`` up in the DANDI API; the asset's S3 URL."""
    rest = url.partition("://")[2]
    dandiset, _, path = rest.partition("/")
    dandiset, _, version = dandiset.partition("@")
    if not dandiset.isdigit() or not path:
        raise InvalidSourceError(
            f"{url}: a DANDI URL is dandi://DANDISET[@VERSION]/PATH, e.g. dandi://000409@draft/sub-1/sub-1_ses-1.nwb"
        )
    api = os.environ.get("POSEIO_DANDI_API", DANDI_API).rstrip("/")
    if not version:
        # As the dandi tools do: the most recent published version, else the draft.
        what = f"dandiset {dandiset}"
        found = _api_json(f"{api}/dandisets/{dandiset}/", url, what=what)
        published = _field(found, "most_recent_published_version", dict, url, what)
        version = _field(published or {}, "version", str, url, what) or "draft"
    query = urllib.parse.urlencode({"path": path, "metadata": "1", "order": "path"})
    page_url: str | None = f"{api}/dandisets/{dandiset}/versions/{urllib.parse.quote(version, safe='')}/assets/?{query}"
    what = f"version {version} of dandiset {dandiset}"
    for _ in range(_DANDI_MAX_PAGES):
        if page_url is None:
            break
        page = _api_json(page_url, url, what=what)
        for asset in _field(page, "results", list, url, what) or []:
            if not isinstance(asset, dict):
                raise _malformed(url, what, f"an asset is {type(asset).__name__}, not an object")
            if asset.get("path") == path:
                return _s3_content_url(asset, url)
        page_url = _field(page, "next", str, url, what)
    raise SourceNotFoundError(
        f"{url}: dandiset {dandiset} (version {version}) has no asset at {path!r}; check the path "
        "(as the DANDI web page lists it, without a leading /)",
        path=url,
    )


def _field(answer: dict[str, Any], key: str, kind: type, url: str, what: str) -> Any:
    """``answer[key]`` when absent (``None``) or of type ``kind``; anything else is a malformed answer."""
    value = answer.get(key)
    if value is not None and not isinstance(value, kind):
        raise _malformed(url, what, f"{key!r} is {type(value).__name__}, not {kind.__name__}")
    return value


def _malformed(url: str, what: str, detail: str) -> ReadError:
    return ReadError(
        f"{url}: the DANDI API answered malformed JSON about {what} ({detail}); check POSEIO_DANDI_API "
        "or try again later",
        path=url,
    )


def _s3_content_url(asset: dict[str, Any], url: str) -> str:
    metadata = _field(asset, "metadata", dict, url, "the asset") or {}
    # Only http(s): a file:// URL in an answer would make poseio read this machine's files.
    urls = [u for u in _field(metadata, "contentUrl", list, url, "the asset") or [] if _is_http(u)]
    # The S3 URL serves Range requests directly; the API's download URL redirects on every request.
    direct = [u for u in urls if "s3" in urllib.parse.urlsplit(u).netloc or "/blobs/" in u]
    if not (direct or urls):
        raise ReadError(f"{url}: the DANDI API lists no download URL for this asset", path=url)
    return (direct or urls)[0]


def _is_http(link: object) -> bool:
    return isinstance(link, str) and urllib.parse.urlsplit(link).scheme.lower() in ("http", "https")


def _api_json(api_url: str, url: str, *, what: str) -> dict[str, Any]:
    if not _is_http(api_url):
        raise _malformed(url, what, f"it links to {api_url!r}, which is not an http(s) URL")
    try:
        status, body = http_get(api_url, {"Accept": "application/json"}, limit=API_MAX_BYTES)
    except ReadError as exc:
        raise ReadError(f"{url}: cannot ask the DANDI API about {what} ({exc}); check your network", path=url) from exc
    if status == 404:
        raise SourceNotFoundError(f"{url}: DANDI has no {what} (HTTP 404 from {api_url})", path=url)
    if status != 200:
        raise ReadError(f"{url}: the DANDI API answered HTTP {status} for {what} ({api_url})", path=url)
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands of levels deep
        raise _malformed(url, what, f"not JSON: {type(exc).__name__}") from exc
    if not isinstance(value, dict):
        raise ReadError(f"{url}: the DANDI API answered something other than a JSON object for {what}", path=url)
    return value


def _fsspec_http(url: str):
    try:
        import aiohttp  # noqa: F401 - fsspec's HTTP file system needs it, and says so less clearly
        from fsspec.implementations.http import HTTPFileSystem
    except ImportError as exc:
        raise MissingDependencyError(
            f"{url}: reading URLs needs fsspec and aiohttp; install them with: pip install 'poseio[remote]'",
            name="fsspec",
        ) from exc
    return HTTPFileSystem


class RemoteFile(io.RawIOBase):
    """A URL's bytes as a read-only, seekable binary file, fetched in cached blocks.

    Any transport failure is raised as a `ReadError` naming the URL, and kept in
    `error`: HDF5 reports a failed read as its own generic error, and the loader
    puts this one back in front of it.

    Args:
        url: The URL to read.
        block_size: Bytes per request (default `BLOCK_SIZE`).
        cache_type: fsspec's cache: ``"blockcache"`` keeps the blocks fetched (up to
            fsspec's limit, 32) for HDF5's scattered reads; ``"none"`` fetches each read as it comes.

    Attributes:
        url: The URL as given (``dandi://...``).
        resolved: The ``http(s)`` URL the bytes come from.
        name: `display_name` of ``url`` (what messages show, and where the ending is read).
        error: The first transport failure, or ``None``.
    """

    def __init__(self, url: str, *, block_size: int | None = None, cache_type: str = "blockcache") -> None:
        super().__init__()
        # Set first: close() runs (from the garbage collector too) whatever fails below.
        self._fs: Any = None
        self._file: Any = None
        block_size = block_size or BLOCK_SIZE
        self.url = url
        self.name = display_name(url)
        self.error: ReadError | None = None
        self.resolved = resolve(url)
        http = _fsspec_http(self.name)
        # One file system per file: fsspec's shared instance would keep its session across processes.
        self._fs = http(block_size=block_size, skip_instance_cache=True, client_kwargs=_client_kwargs())
        try:
            self._file = self._fs.open(self.resolved, "rb", block_size=block_size, cache_type=cache_type)
            if getattr(self._file, "size", None) is None:
                raise ReadError(
                    f"{self.name}: the server does not say how large the file is, so it cannot be read in parts; "
                    "download it and load the local copy",
                    path=self.name,
                )
            if self.size > block_size and not _serves_ranges(self.resolved):
                # Found before HDF5 reads: a read failing inside HDF5's file driver can crash the interpreter at exit.
                raise ValueError("the server does not honour range requests")
        except Exception as exc:  # noqa: BLE001 - every transport failure is described below
            self.close()
            raise self._failure(exc) from exc

    def __repr__(self) -> str:
        # h5py names a file opened from a file object by its repr (File.filename), and every message about
        # the file's objects (unsafe links, damaged datasets) starts with that name: it is the URL.
        return self.name

    @property
    def size(self) -> int:
        """The file's size in bytes, as the server declares it."""
        return int(self._file.size)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if self.closed:  # HDF5 may still flush a handle a traceback kept alive: never call into a closed session
            raise ValueError(f"{self.name}: read from a closed remote file")
        try:
            return self._file.read(size)
        except Exception as exc:  # noqa: BLE001 - every transport failure is described below
            error = self._failure(exc)
            self.error = self.error or error
            raise error from exc

    def close(self) -> None:
        if not self.closed:
            if self._file is not None:
                self._file.close()
            # fsspec closes a file system's HTTP session only when the file system is garbage collected,
            # which for a cycle waits for the cyclic collector: a loop of loads would pile up open sockets.
            session = getattr(self._fs, "_session", None)
            if session is not None:
                self._fs.close_session(self._fs.loop, session)
                self._fs._session = None
        super().close()

    def _failure(self, exc: BaseException) -> ReadError:
        """A `ReadError` naming the URL that says what went wrong and what to do."""
        # fsspec reports any failure to learn a file's size as FileNotFoundError; the cause says which.
        while isinstance(exc, FileNotFoundError) and exc.__cause__ is not None:
            if getattr(exc.__cause__, "status", None) == 404:
                break
            exc = exc.__cause__
        if isinstance(exc, ReadError):  # a refused answer (compressed, too long), already described
            return ReadError(f"{self.name}: {exc}", path=self.name)
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, FileNotFoundError) or getattr(exc, "status", None) == 404:
            return SourceNotFoundError(
                f"{self.name}: the server has no such file (HTTP 404); check the URL", path=self.name
            )
        status = getattr(exc, "status", None)
        if isinstance(status, int):
            advice = "the file may not be public" if status in (401, 403) else "check the URL"
            return ReadError(f"{self.name}: the server answered HTTP {status} ({exc}); {advice}", path=self.name)
        if "range requests" in str(exc).lower():
            return ReadError(
                f"{self.name}: the server does not support HTTP Range requests, which poseio needs to read "
                "part of a file; download the file and load the local copy",
                path=self.name,
            )
        name = type(exc).__name__
        if "Payload" in name or "Incomplete" in name or "ContentLength" in name:
            return ReadError(f"{self.name}: the server's response was cut short ({text}); try again", path=self.name)
        if isinstance(exc, TimeoutError):  # asyncio's, and aiohttp's ServerTimeoutError
            return ReadError(f"{self.name}: {_too_slow()}", path=self.name)
        if "Connect" in name or isinstance(exc, ConnectionError):
            host = urllib.parse.urlsplit(self.resolved).netloc
            return ReadError(
                f"{self.name}: cannot reach {host} ({text}); check the URL and your network", path=self.name
            )
        return ReadError(f"{self.name}: reading from the server failed ({text})", path=self.name)


def _serves_ranges(url: str) -> bool:
    """Whether the server answers a one-byte Range request with 206 Partial Content (one tiny request)."""
    try:
        return http_get(url, {"Range": "bytes=0-0"}, limit=1)[0] == 206
    except ReadError:  # the reads that follow report what is wrong with the server
        return True


def timeout() -> float:
    """Seconds one request may take in all: `TIMEOUT`, or ``POSEIO_REMOTE_TIMEOUT``."""
    text = os.environ.get(TIMEOUT_ENV)
    if not text:
        return TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < float("inf"):
        raise InvalidOptionError(f"{TIMEOUT_ENV}={text!r}: it must be a number of seconds greater than 0")
    return seconds


def _too_slow() -> str:
    return (
        f"the server took more than {timeout()} s to answer one request; try again later, "
        f"or raise {TIMEOUT_ENV} for a slow link"
    )


def _client_kwargs() -> dict[str, Any]:
    """The aiohttp session of every request: one deadline for all of a request, and no decompression."""
    import aiohttp

    from poseio._storage._remote_answers import checked_response_class

    seconds = timeout()
    return {
        # total: connecting, the headers and the body together; sock_read alone restarts with every byte.
        "timeout": aiohttp.ClientTimeout(total=seconds, sock_connect=seconds, sock_read=seconds),
        "auto_decompress": False,
        "headers": {"Accept-Encoding": "identity"},
        "response_class": checked_response_class(),
    }


def http_get(url: str, headers: dict[str, str], *, limit: int) -> tuple[int, bytes]:
    """``(status, body)`` of one GET of an ``http(s)`` URL, with the remote files' deadline and checks.

    At most ``limit`` bytes of the body are read; a longer one is refused.
    Redirects are followed to ``http(s)`` URLs only (aiohttp's rule).

    Raises:
        ReadError: The request failed, timed out, or its answer was refused (compressed, too long).
    """
    _fsspec_http(url)  # aiohttp is fsspec's HTTP client: say what to install when it is missing
    import aiohttp
    from fsspec.asyn import get_loop, sync

    async def fetch() -> tuple[int, bytes]:
        async with aiohttp.ClientSession(**_client_kwargs()) as session:
            async with session.get(url, headers=headers, max_redirects=5) as response:
                body = await response.content.read(limit + 1)
                if len(body) > limit:
                    raise ReadError(f"the answer from {display_name(url)} is longer than {limit} bytes")
                return response.status, body

    try:
        # fsspec's own event loop (a thread of its own), so that this works inside a running loop too.
        return sync(get_loop(), fetch, timeout=timeout() + 5)
    except ReadError:
        raise
    except TimeoutError as exc:
        raise ReadError(_too_slow()) from exc
    except Exception as exc:  # noqa: BLE001 - every transport failure is one ReadError
        raise ReadError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc


def download(url: str, folder: str | os.PathLike[str]) -> str:
    """Copy the file at ``url`` into ``folder`` (its name kept) and return the copy's path.

    For tools that need a whole local file (the validators behind ``poseio validate``).
    """
    # No cache: each read is one request of its own size, so a download holds one chunk, not 32 blocks.
    remote = RemoteFile(url, block_size=8 * 1024 * 1024, cache_type="none")
    target = os.path.join(folder, os.path.basename(urllib.parse.urlsplit(remote.name).path) or "download")
    with remote, open(target, "wb") as out:
        while chunk := remote.read(8 * 1024 * 1024):
            out.write(chunk)
    return target
