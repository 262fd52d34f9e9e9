"""Remote sources: ``http(s)://``, ``s3://`` and ``dandi://`` URLs, read through fsspec.

A remote source is opened as a read-only, seekable file object whose reads
become HTTP Range requests for fixed-size blocks, each fetched once (fsspec's
block cache). HDF5 readers then fetch only the blocks holding the objects they
read: the poses of a DANDI session, not the gigabytes of video beside them.

``s3://BUCKET/KEY`` is read anonymously through the bucket's public HTTPS
endpoint, and ``dandi://DANDISET[@VERSION]/PATH`` is looked up in the DANDI
API, which names the asset's S3 URL. Both endpoints can be moved (a mirror, a
test server) with ``POSEIO_S3_ENDPOINT`` and ``POSEIO_DANDI_API``.

Transport failures (an unreachable host, a 404, a server that ignores Range
requests, a response cut short) are `ReadError` s that name the URL.
"""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from typing import Any

from poseio._errors import InvalidSourceError, MissingDependencyError, ReadError, SourceNotFoundError

#: The URL schemes poseio reads (``poseio[remote]``).
SCHEMES = ("http", "https", "s3", "dandi")
#: Bytes fetched per request. Small enough that reading the poses of a file fetches
#: little beside them, large enough that HDF5's many small metadata reads share requests.
BLOCK_SIZE = 1024 * 1024
#: Seconds to wait for a server before the read fails.
TIMEOUT = 60.0
DANDI_API = "https://api.dandiarchive.org/api"
# Asset listings are paged; a path is found within a few pages or not at all.
_DANDI_MAX_PAGES = 20


def is_url(source: object) -> bool:
    """Whether ``source`` is a URL poseio reads remotely (not a local path)."""
    if not isinstance(source, str):
        return False
    scheme, sep, _ = source.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


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
        found = _api_json(f"{api}/dandisets/{dandiset}/", url, what=f"dandiset {dandiset}")
        version = (found.get("most_recent_published_version") or {}).get("version") or "draft"
    query = urllib.parse.urlencode({"path": path, "metadata": "1", "order": "path"})
    page_url: str | None = f"{api}/dandisets/{dandiset}/versions/{version}/assets/?{query}"
    for _ in range(_DANDI_MAX_PAGES):
        if page_url is None:
            break
        page = _api_json(page_url, url, what=f"version {version} of dandiset {dandiset}")
        for asset in page.get("results") or []:
            if asset.get("path") == path:
                return _s3_content_url(asset, url)
        page_url = page.get("next")
    raise SourceNotFoundError(
        f"{url}: dandiset {dandiset} (version {version}) has no asset at {path!r}; check the path "
        "(as the DANDI web page lists it, without a leading /)",
        path=url,
    )


def _s3_content_url(asset: dict[str, Any], url: str) -> str:
    urls = [u for u in (asset.get("metadata") or {}).get("contentUrl") or [] if isinstance(u, str)]
    # The S3 URL serves Range requests directly; the API's download URL redirects on every request.
    direct = [u for u in urls if "s3" in urllib.parse.urlsplit(u).netloc or "/blobs/" in u]
    if not (direct or urls):
        raise ReadError(f"{url}: the DANDI API lists no download URL for this asset", path=url)
    return (direct or urls)[0]


def _api_json(api_url: str, url: str, *, what: str) -> dict[str, Any]:
    import urllib.error  # imported here: urllib.request is slow to import, and only DANDI URLs need it
    import urllib.request

    request = urllib.request.Request(api_url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            value = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise SourceNotFoundError(f"{url}: DANDI has no {what} (HTTP 404 from {api_url})", path=url) from exc
        raise ReadError(f"{url}: the DANDI API answered HTTP {exc.code} for {what} ({api_url})", path=url) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReadError(
            f"{url}: cannot ask the DANDI API about {what} ({reason}); check your network", path=url
        ) from exc
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
        self._fs = http(block_size=block_size, skip_instance_cache=True, client_kwargs={"timeout": _client_timeout()})
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
        if isinstance(exc, ReadError):
            return exc
        # fsspec reports any failure to learn a file's size as FileNotFoundError; the cause says which.
        while isinstance(exc, FileNotFoundError) and exc.__cause__ is not None:
            if getattr(exc.__cause__, "status", None) == 404:
                break
            exc = exc.__cause__
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
        if "Connect" in name or isinstance(exc, (ConnectionError, TimeoutError)):
            host = urllib.parse.urlsplit(self.resolved).netloc
            return ReadError(
                f"{self.name}: cannot reach {host} ({text}); check the URL and your network", path=self.name
            )
        return ReadError(f"{self.name}: reading from the server failed ({text})", path=self.name)


def _serves_ranges(url: str) -> bool:
    """Whether the server answers a one-byte Range request with 206 Partial Content (one tiny request)."""
    import urllib.request

    request = urllib.request.Request(url, headers={"Range": "bytes=0-0"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status == 206
    except OSError:  # the reads that follow report what is wrong with the server
        return True


def _client_timeout():
    import aiohttp

    return aiohttp.ClientTimeout(total=None, sock_connect=TIMEOUT, sock_read=TIMEOUT)


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
