"""The HTTP GET of a provider's endpoint: no database here, so no transaction waits on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from verkeerstoren.errors import ValidationProblem
from verkeerstoren.outbound import Outbound, RefusedAddress

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAX_BYTES = 5 * 1024 * 1024

Fetcher = Callable[[str], bytes]


def check_url(url: str) -> str:
    """Only absolute http(s) URLs: file://, ftp:// and friends could read the server's files."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationProblem("url", "the address must start with http:// or https://")
    if parts.username or parts.password:
        raise ValidationProblem("url", "the address must not contain a user name or password")
    return url.strip()


def fetch(url: str, outbound: Outbound, authorization: str | None = None) -> bytes:
    """GET the URL (10 s timeout, at most 5 MB); raises ValidationProblem on any failure.

    Every connection, redirects included, is checked against ``outbound`` when it is made.
    """
    check_url(url)
    try:
        with outbound.client(timeout=TIMEOUT_SECONDS, follow_redirects=True,
                             max_redirects=3) as client, client.stream(
                "GET", url, headers=_headers(authorization)) as answer:
            if answer.status_code != 200:
                raise ValidationProblem("url", "the address answered with HTTP status {status}",
                                        params={"status": answer.status_code})
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ValidationProblem("file", "the file is larger than {mb} MB",
                                            params={"mb": MAX_BYTES // (1024 * 1024)})
                chunks.append(chunk)
            return b"".join(chunks)
    except RefusedAddress as refused:
        raise refused.problem() from None
    except httpx.TimeoutException as exc:
        raise ValidationProblem("url", "the address did not answer within {s} seconds",
                                params={"s": int(TIMEOUT_SECONDS)}) from exc
    except httpx.HTTPError as exc:
        # The exception's name (ConnectError) told a provider nothing; it goes to the log.
        log.info("pull of %s failed: %r", url, exc)
        raise ValidationProblem(
            "url", "the address cannot be reached: check the address and that the server is "
            "on the internet") from exc


def _headers(authorization: str | None) -> dict[str, str]:
    headers = {"Accept": "text/csv, application/json, application/fhir+json, application/xml"}
    if authorization:
        # httpx drops it on a redirect to another host, so it only reaches the named server.
        headers["Authorization"] = authorization
    return headers


def http_fetcher(outbound: Outbound, authorization: str | None = None) -> Fetcher:
    return lambda url: fetch(url, outbound, authorization)


def download(fetcher: Fetcher, url: str) -> bytes | ValidationProblem:
    """What the endpoint published, or why it could not be fetched (never raises that)."""
    try:
        return fetcher(url)
    except ValidationProblem as problem:
        return problem
