"""The connection layer of URL fetching: connect only to addresses that were checked, and
give up when the whole fetch's deadline has passed.

Two attacks it closes. DNS rebinding: a name that resolves to a public address for the
safety check and to 127.0.0.1 a moment later, when the HTTP client resolves it again to
connect. Here the name is resolved once (:func:`resolve`); the client's connections go to
the addresses of that answer (:class:`PinnedBackend`), while the URL, the ``Host`` header
and TLS (SNI and certificate) keep the name. A slow drip: httpx's timeouts count per read,
so a server sending one header byte every few seconds holds a fetch for ever; here every
connect, read, write and TLS handshake gets only what is left of one total deadline.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

Pins = dict[tuple[str, int], list[str]]  # (host as the URL spells it, port) -> addresses


class DeadlinePassed(Exception):
    """The fetch's total time ran out before the name was resolved."""


def resolve(host: str, port: int, deadline: float) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, asked once. The system
    resolver cannot be interrupted, so it runs on a daemon thread that is abandoned when
    the deadline passes. Raises OSError (or UnicodeError) as getaddrinfo does."""
    answers: queue.Queue[list[Any] | BaseException] = queue.Queue(1)

    def ask() -> None:
        try:
            answers.put(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
            answers.put(error)

    threading.Thread(target=ask, daemon=True, name="assistant-resolve").start()
    try:
        answer = answers.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise DeadlinePassed(host) from None
    if isinstance(answer, BaseException):
        raise answer
    return list(dict.fromkeys(str(info[4][0]) for info in answer))


def _left(timeout: float | None, deadline: float, error: type[Exception]) -> float:
    """The time an operation may take: its own timeout, cut to what the deadline leaves."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise error("the time limit for the whole fetch has passed")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, self._deadline, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, self._deadline, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, self._deadline, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to a host only through the addresses pinned for it, by the deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.pins: Pins = {}
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.pins.get((host, port))
        if not addresses:  # never reached through fetch_url: every hop is pinned first
            raise httpcore.ConnectError(f"{host}:{port} was not checked before connecting")
        failure: Exception | None = None
        for address in addresses:  # as socket.create_connection does: the first that answers
            left = _left(timeout, self.deadline, httpcore.ConnectTimeout)
            try:
                stream = self._inner.connect_tcp(address, port, left, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return DeadlineStream(stream, self.deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def pinned_client(
    deadline: float, timeout: float, headers: dict[str, str]
) -> tuple[httpx.Client, Pins]:
    """An httpx client that connects only through the returned pins (fill them before each
    request) and only until ``deadline``; environment proxies are not used, since a proxy
    would resolve the name again."""
    backend = PinnedBackend(deadline)
    transport = httpx.HTTPTransport()
    # httpx has no public way to choose httpcore's network backend: the pool is built as
    # HTTPTransport builds it, with this backend.
    transport._pool = httpcore.ConnectionPool(  # noqa: SLF001
        ssl_context=httpx.create_ssl_context(), network_backend=backend
    )
    client = httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, headers=headers
    )
    return client, backend.pins
