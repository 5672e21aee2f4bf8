"""The outer guard of every request: a ceiling on the body, and one log line per refusal.

FastAPI reads a whole JSON or form body into memory before any route (or field limit) sees it,
so without a ceiling one request of a gigabyte would cost a gigabyte. A declared
``Content-Length`` above :data:`MAX_BODY_BYTES` is answered 413 before anything is read; a body
sent in chunks without one is counted as it arrives and cut off at the same size.

Every 4xx answer is logged (``verkeerstoren.web.refused``): method, path, status and client
address, never the body or the query (they may hold patient data or a token). 401, 403 and 413
are warnings, since forged tokens and oversized bodies are what an attacker sends; the rest are
information. Together with the access log this lets an operator see probing without reading
request bodies.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("verkeerstoren.web.refused")

# The largest legitimate body: an availability file (capacity.importer.MAX_BYTES, 20 MB) in
# its multipart envelope, with room to spare.
MAX_BODY_BYTES = 25 * 1024 * 1024
_WARN = frozenset({401, 403, 413})


def _too_large() -> bytes:
    mb = MAX_BODY_BYTES // (1024 * 1024)
    return json.dumps({"detail": f"The request body is larger than {mb} MB.",
                       "errors": [{"field": "body",
                                   "message": f"at most {mb} MB"}]}).encode()


class RequestGuard:
    """Refuses bodies over the ceiling with 413 and logs every 4xx answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        answered = False  # this guard already sent its own 413

        async def send_logged(message: Message) -> None:
            nonlocal status
            if answered:
                return  # the app's late answer after our 413: nobody listens
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        async def refuse() -> None:
            nonlocal answered
            body = _too_large()
            await send_logged({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
            await send_logged({"type": "http.response.body", "body": body})
            answered = True

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await refuse()
        else:
            received = 0

            async def counted() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > MAX_BODY_BYTES:
                        if not answered and not status:
                            await refuse()
                        # The app stops reading as if the client had left.
                        return {"type": "http.disconnect"}
                return message

            await self.app(scope, counted, send_logged)
        if 400 <= status < 500:
            client = scope.get("client")
            log.log(logging.WARNING if status in _WARN else logging.INFO,
                    "refused %s %s: %s (client %s)", scope.get("method"), scope.get("path"),
                    status, client[0] if client else "-")
