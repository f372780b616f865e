"""Request safety: API keys, a guarded ``video_url`` fetcher, upload limits and safe file names.

* :func:`require_api_key` checks ``x-api-key`` when keys are configured.
* :func:`check_url` / :func:`download` only fetch ``http``/``https`` URLs whose host resolves to
  public addresses (loopback, private, link-local, multicast and reserved ranges are refused
  unless ``allow_private_urls``), follow at most 5 redirects re-checking each hop, and stop at
  the size and time limits.
* :class:`BodyLimitMiddleware` refuses request bodies over ``max_upload_bytes`` (413) before
  they are parsed; :func:`save_upload` streams an upload to disk under a server-chosen folder.
* :func:`safe_filename` keeps a client's file name for display but never as a path.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import socket
import time
import unicodedata
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videoscope.config import ServerSettings
from videoscope.errors import InvalidRequestError, VideoscopeError

_MAX_REDIRECTS = 5
_CHUNK = 1 << 20


class UnauthorizedError(VideoscopeError):
    """The request has no valid ``x-api-key``."""

    code = "api_key_invalid"


class PayloadTooLargeError(VideoscopeError):
    """An upload or a downloaded ``video_url`` is over the size limit."""

    code = "payload_too_large"


def require_api_key(request: Request) -> None:
    """FastAPI dependency: the ``x-api-key`` header must be one of the configured keys."""
    keys: list[str] = request.app.state.settings.server.api_keys
    if not keys:
        return
    given = request.headers.get("x-api-key", "")
    if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
        raise UnauthorizedError(
            "x-api-key", "missing or not valid", "send a key configured in server.api_keys"
        )


def safe_filename(name: str | None, default: str = "video") -> str:
    """A display-safe file name: last path part, no control or odd characters, <= 120 chars.

    Example:
        >>> safe_filename("../../etc/passwd"), safe_filename("C:\\\\clips\\\\My Clip!.mp4")
        ('passwd', 'My_Clip_.mp4')
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    if not base:
        return default
    stem, dot, ext = base.rpartition(".")
    if dot and len(ext) <= 10:
        return f"{stem[: 120 - len(ext) - 1]}.{ext}" if stem else f"{default}.{ext}"
    return base[:120]


def inside(folder: Path, name: str) -> Path:
    """``folder/name`` after checking that it stays inside ``folder``."""
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise InvalidRequestError(name, "is not a valid file name", "use a plain file name")
    return path


def save_upload(source: IO[bytes], folder: Path, filename: str, limit: int) -> Path:
    """Stream ``source`` to ``folder/safe(filename)`` in chunks; refuse over ``limit`` bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, safe_filename(filename))
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise PayloadTooLargeError(
                    filename, f"is over the {limit} byte upload limit", "send a smaller file"
                )
            out.write(chunk)
    if written == 0:
        target.unlink(missing_ok=True)
        raise InvalidRequestError(filename, "the uploaded file is empty", "send the video bytes")
    return target


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url(url: str, settings: ServerSettings) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(
            "video_url", f"{url[:200]!r} is not an http or https URL", "give an http(s) URL"
        )
    if parts.username or parts.password:
        raise InvalidRequestError("video_url", "URLs with credentials are refused", "")
    if settings.allow_private_urls:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidRequestError(
            "video_url", f"host {parts.hostname!r} does not resolve", "check the URL"
        ) from error
    for info in infos:
        if _refused(str(info[4][0])):
            raise InvalidRequestError(
                "video_url",
                f"host {parts.hostname!r} resolves to a loopback, private or link-local address",
                "set server.allow_private_urls to fetch from local networks",
            )


def download(url: str, folder: Path, settings: ServerSettings, default_name: str) -> Path:
    """Fetch ``url`` into ``folder`` within the size and time limits; returns the file."""
    import httpx

    deadline = time.monotonic() + settings.url_timeout_s
    limit = settings.max_upload_bytes
    current = url
    with httpx.Client(follow_redirects=False, timeout=min(30.0, settings.url_timeout_s)) as client:
        for _ in range(_MAX_REDIRECTS + 1):
            check_url(current, settings)
            with client.stream("GET", current) as response:
                if response.is_redirect and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise InvalidRequestError(
                        "video_url",
                        f"the server answered HTTP {response.status_code}",
                        "check that the URL is reachable",
                    )
                declared = int(response.headers.get("content-length") or 0)
                if declared > limit:
                    raise PayloadTooLargeError(
                        "video_url", f"is {declared} bytes, over the {limit} byte limit", ""
                    )
                name = safe_filename(Path(urlsplit(current).path).name, default_name)
                folder.mkdir(parents=True, exist_ok=True)
                target = inside(folder, name)
                written = 0
                with open(target, "wb") as out:
                    for chunk in response.iter_bytes(_CHUNK):
                        written += len(chunk)
                        if written > limit or time.monotonic() > deadline:
                            out.close()
                            target.unlink(missing_ok=True)
                            if written > limit:
                                raise PayloadTooLargeError(
                                    "video_url", f"is over the {limit} byte limit", ""
                                )
                            raise InvalidRequestError(
                                "video_url",
                                f"download took longer than {settings.url_timeout_s:g} s",
                                "",
                            )
                        out.write(chunk)
                return target
    raise InvalidRequestError("video_url", f"more than {_MAX_REDIRECTS} redirects", "")


class BodyLimitMiddleware:
    """Answer 413 when a request body exceeds ``limit`` bytes, without reading it all."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check ``content-length`` first, then count streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _send_413(send, self.limit)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, f"request body over the {self.limit} byte limit")
            return message

        await self.app(scope, limited, send)


async def _send_413(send: Send, limit: int) -> None:
    body = (
        f'{{"code":"payload_too_large","message":"request body is over the {limit} byte limit"}}'
    ).encode()
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})


__all__ = [
    "BodyLimitMiddleware",
    "PayloadTooLargeError",
    "UnauthorizedError",
    "check_url",
    "download",
    "inside",
    "require_api_key",
    "safe_filename",
    "save_upload",
]
