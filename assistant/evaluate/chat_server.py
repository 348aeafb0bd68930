"""An OpenAI-compatible chat server on loopback that answers from a script.

``assistant eval llm replay`` serves recorded replies with it (:class:`ReplayServer` in
:mod:`.llm`), and the tests serve canned replies with it: one server, so what the replay
measures and what the tests check go through the same wire format. It speaks the part of the
API the openai engine uses: ``GET /v1/models``, and ``POST /v1/chat/completions`` whole or
streamed (``chat.completion.chunk`` events, ``data: [DONE]``, a usage chunk when asked for
with ``stream_options.include_usage`` and the server has token counts to give).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

# What a script answers a request with: the reply's text; an HTTP status to fail with; or
# ("cut", text): stream the text, then drop the connection without finishing.
Reply = str | int | tuple[str, str]


class ChatServer:
    """Answers each chat request with ``script(request body)``; records every request body in
    ``requests``. Streams replies in pieces of ``piece`` characters. With ``usage`` (prompt,
    completion tokens) a whole reply carries them, and a stream that asks for them ends with
    a usage chunk, as OpenAI's does; without, none (as many compatible servers)."""

    def __init__(
        self,
        script: Callable[[dict[str, Any]], Reply],
        *,
        usage: tuple[int, int] | None = None,
        delay: float = 0.0,
        piece: int = 7,
        model: str = "scripted",
    ) -> None:
        self.script = script
        self.usage = usage
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        server = self

        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            body = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": model}
            return f"data: {json.dumps(body | {'choices': choices} | extra)}\n\n".encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep output quiet
                pass

            def do_GET(self) -> None:  # /v1/models
                body = json.dumps({"object": "list", "data": [{"id": model, "object": "model"}]})
                self._send(200, body.encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(payload)
                reply = server.script(payload)
                if server.delay:
                    time.sleep(server.delay)
                if isinstance(reply, int):
                    err = {"error": {"message": f"scripted {reply}", "type": "server_error"}}
                    self._send(reply, json.dumps(err).encode())
                    return
                cut = isinstance(reply, tuple)
                text = reply[1] if isinstance(reply, tuple) else reply
                if not payload.get("stream"):
                    self._whole(text)
                else:
                    self._stream(
                        text, cut, bool((payload.get("stream_options") or {}).get("include_usage"))
                    )

            def _whole(self, text: str) -> None:
                body: dict[str, Any] = {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                }
                if server.usage:
                    body["usage"] = _usage(*server.usage)
                self._send(200, json.dumps(body).encode())

            def _stream(self, text: str, cut: bool, with_usage: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")  # the body ends when the connection does
                self.end_headers()
                for i in range(0, len(text), piece):
                    self._write(
                        event(
                            [
                                {
                                    "index": 0,
                                    "delta": {"content": text[i : i + piece]},
                                    "finish_reason": None,
                                }
                            ]
                        )
                    )
                if cut:
                    self.connection.shutdown(2)  # drop the stream mid-answer
                    return
                self._write(event([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
                if with_usage and server.usage:
                    self._write(event([], usage=_usage(*server.usage)))
                self._write(b"data: [DONE]\n\n")

            def _write(self, data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client that closes its stream after the last event resets the
                # connection; that is how streams end, not an error worth printing.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        # a short poll: shutdown() waits up to one poll, and a replay starts one server a reply
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
