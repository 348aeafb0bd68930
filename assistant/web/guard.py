"""The gate in front of the chat page: which requests reach Gradio at all.

:class:`Guard` is a plain ASGI middleware wrapped around the whole served app, so it sees
every request first (also the ones Gradio's own middleware would answer):

- **Host.** A request whose ``Host`` is not a name this server answers to is refused
  (400). This stops DNS rebinding: a web page whose name re-resolves to 127.0.0.1 sends
  its own name as ``Host``. Loopback names always pass; a wildcard bind (0.0.0.0, ::)
  also accepts any IP address and the machine's own name; more names (a reverse proxy's
  public name) come from ``ASSISTANT_ALLOWED_HOSTS``.
- **Origin.** A request carrying an ``Origin`` other than the page's own (or an allowed
  host's) is refused (403): another site can neither read answers nor post uploads,
  questions or removals, even as a "simple" cross-site form post.
- **Headers.** Every response, refusals included, says ``X-Frame-Options: DENY``,
  ``Content-Security-Policy: frame-ancestors 'none'`` (no framing, so no clickjacking),
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- **Logins.** After ``free`` failed logins from one client, each further attempt waits
  twice as long as the last (up to ``max_delay`` seconds): until then ``/login`` answers
  429 with ``Retry-After``. A successful login clears the count.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str) -> tuple[str, int | None]:
    """``Host`` header value -> (lower-case name without brackets or trailing dot, port)."""
    value = value.strip().lower()
    port: int | None = None
    if value.startswith("["):  # [::1]:7860
        name, _, rest = value[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
    elif value.count(":") == 1:
        name, _, tail = value.partition(":")
        port = int(tail) if tail.isdigit() else -1
    else:
        name = value  # a bare name, or a bare IPv6 address (no port possible)
    return name.rstrip("."), port


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_hosts(value: str | Iterable[str] | None) -> list[str]:
    """``"a.example, b.example"`` (or a list) -> clean host names."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [split_host(item)[0] for item in items if item.strip()]


def allowed_hosts_for(bind: str, extra: Iterable[str] = ()) -> tuple[set[str], bool]:
    """(names a server bound to ``bind`` answers to, whether any IP address passes).

    Loopback names always; the bound address itself; for a wildcard bind any IP address
    (an IP literal cannot be a rebinding attack: the page's origin is that address) and
    this machine's names."""
    bind_name = split_host(bind)[0] if bind.startswith("[") else bind.strip().lower()
    names = {*LOOPBACK_NAMES, bind_name, *parse_hosts(list(extra))}
    wildcard = bind_name in ("0.0.0.0", "::", "")
    if wildcard:
        for name in (socket.gethostname(), socket.getfqdn()):
            if name:
                names.add(name.lower().rstrip("."))
    return names - {"", "0.0.0.0", "::"}, wildcard


class LoginBackoff:
    """Failed logins per client: after ``free`` failures, a doubling wait up to ``max_delay``."""

    def __init__(
        self,
        free: int = 5,
        max_delay: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = 10_000,
    ) -> None:
        self.free, self.max_delay, self.clock, self.capacity = free, max_delay, clock, capacity
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before its next login attempt."""
        _, until = self._clients.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        count = self._clients.pop(client, (0, 0.0))[0] + 1
        until = 0.0
        if count > self.free:
            until = self.clock() + min(self.max_delay, 2.0 ** (count - self.free - 1))
        self._clients[client] = (count, until)
        while len(self._clients) > self.capacity:  # many clients: forget the oldest
            self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


class Guard:
    """ASGI middleware: Host and Origin checks, security headers, login back-off."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: Iterable[str],
        any_ip: bool = False,
        backoff: LoginBackoff | None = None,
    ) -> None:
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.any_host = "*" in self.hosts
        self.any_ip = any_ip
        self.backoff = backoff

    # -------------------------------------------------------------------------- checks
    def host_ok(self, host: str) -> bool:
        name, port = split_host(host)
        if not name or port == -1:
            return False
        return self.any_host or name in self.hosts or (self.any_ip and is_ip(name))

    def origin_ok(self, origin: str, host: str) -> bool:
        """The page's own origin (same name and port as ``Host``), or an allowed host's."""
        try:
            parts = urlsplit(origin.strip().lower())
            origin_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            return False
        name = (parts.hostname or "").rstrip(".")
        if not name or parts.scheme not in _DEFAULT_PORTS:
            return False  # "null" (sandboxed frames, files) and odd schemes
        host_name, host_port = split_host(host)
        if name == host_name and origin_port == (host_port or _DEFAULT_PORTS[parts.scheme]):
            return True
        # Behind a reverse proxy that rewrites Host, the public name arrives as the origin.
        return name in self.hosts and name not in LOOPBACK_NAMES

    # ---------------------------------------------------------------------------- ASGI
    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        origin = headers.get("origin")
        problem = None
        if not self.host_ok(host):
            problem = (400, "This server does not answer to that host name (Host header).")
        elif origin is not None and not self.origin_ok(origin, host):
            problem = (403, "Requests from another site are refused (Origin header).")
        if kind == "websocket":
            if problem:
                await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        if problem:
            await _plain(send, *problem)
            return
        path = scope.get("path", "").rstrip("/")
        if self.backoff is not None and scope["method"] == "POST" and path.endswith("/login"):
            await self._login(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Callable, send: Callable) -> None:
        assert self.backoff is not None
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.backoff.wait(client)
        if wait > 0:
            seconds = max(1, round(wait + 0.5))
            await _plain(
                send, 429, f"Too many failed logins: wait {seconds} s and try again.",
                [(b"retry-after", str(seconds).encode())],
            )
            return
        backoff = self.backoff

        async def record(message: dict) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status in (400, 401, 403):
                    backoff.failed(client)
                elif status < 300:
                    backoff.succeeded(client)
            await send(message)

        await self.app(scope, receive, record)


def _with_headers(send: Callable) -> Callable:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            names = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _plain(
    send: Callable, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
