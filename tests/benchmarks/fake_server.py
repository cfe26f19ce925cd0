"""A lean OpenAI-compatible fake LLM for the benchmarks, in a process of its own.

    python tests/benchmarks/fake_server.py --words 120 --token-delay 0.02 [--vary 0.5] [--api-key KEY]

Prints its base URL (``http://127.0.0.1:PORT/v1``) on the first line of stdout and serves until its
stdin closes.

Why not tests/fakes/fake_llm.py, which the test suite uses: that one has a thread per connection and
sleeps between tokens; at 100 streams of 50 tokens a second its threads, the GIL and the JSON of
every chunk took enough of a 2-core machine that (with the measuring client's own costs, see
bench_chat.py) the direct baseline, which should show the fake's pace, showed a TTFT p95 of 600 ms
and a gap p95 of 118 ms: the benchmark measured its own tools. This one is a single-threaded asyncio
server (uvloop when installed) whose per-token work is one ``transport.write``, from a timer
callback, of bytes encoded at start-up; chunk n of a stream is due at its start + n × the token
delay, so that late wake-ups do not add up into drift.

It speaks what the ``openai`` client needs (HTTP/1.1 with keep-alive, bodies with Content-Length,
``Authorization: Bearer``): ``POST /v1/chat/completions`` streamed (the chunks of fake_llm.py's
``_chat_stream``: the role, one word per delta, the finish reason, the usage when
``stream_options.include_usage`` asks, ``[DONE]``) or not, ``POST /v1/embeddings`` (the same vectors
as tests/fakes, float or base64) and ``GET /v1/models``. Every chat answer is ``từ0 từ1 … từN-1``:
of N = ``--words`` words, or, with ``--vary F``, of a length drawn for each answer, uniformly between
``--words`` × (1 - F) and × (1 + F), from a generator of fixed seed (its usage says how many). No
scripts and no faults: the test suite's fake has those.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.replies import (  # noqa: E402
    _ERROR_TYPES,
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_DIM,
    DEFAULT_EMBEDDING_MODEL,
    _count_tokens,
    _message_text,
    embedding_data,
    embedding_texts,
    split_words,
)

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large"}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 64 * 1024 * 1024
_STREAM_ID = "chatcmpl-fakebench0000000000000000"
_RESPONSE_ID = "req_fakebench"


def answer_lengths(words: int, vary: float) -> range:
    """The lengths an answer may have: ``words`` ± the fraction ``vary`` of it."""
    if not 0 <= vary < 1:
        raise ValueError("vary must be at least 0 and less than 1")
    spread = round(words * vary)
    return range(max(1, words - spread), words + spread + 1)


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(obj: Any) -> bytes:
    """One SSE event (``data: <json>``) as one chunk of a chunked body."""
    return _chunk(b"data: " + (obj if isinstance(obj, bytes) else _json(obj)) + b"\n\n")


_DONE = _event(b"[DONE]") + b"0\r\n\r\n"  # and the zero-length chunk that ends the body


@dataclass
class _Stream:
    """A streamed answer under way: its parts, how many are sent, when it started."""

    parts: list[bytes]
    start: float
    close: bool
    sent: int = 0
    timer: asyncio.TimerHandle | None = None


@dataclass(frozen=True)
class _Encoded:
    """A stream's chunks, framed for a chunked body: the role and the words; the two finishes."""

    chunks: list[bytes]
    stop: bytes
    length: bytes


class FakeModel:
    """What the server answers; a stream's chunks are encoded once per (model, usage asked), at
    start-up for the default model."""

    def __init__(self, words: int, token_delay: float, api_key: str | None, vary: float = 0.0) -> None:
        self.lengths = answer_lengths(words, vary)
        self.words = split_words(" ".join(f"từ{n}" for n in range(self.lengths.stop - 1)))
        self._draw = random.Random(0)
        self.token_delay = token_delay
        self.authorization = f"Bearer {api_key}" if api_key else None
        self.created = int(time.time())
        self._encoded: dict[tuple[str, bool], _Encoded] = {}
        for include_usage in (False, True):  # now, not in the first request of each kind
            self.encoded(DEFAULT_CHAT_MODEL, include_usage)

    def answer_length(self) -> int:
        """The words of the next answer."""
        return self._draw.choice(self.lengths)

    def usage(self, body: dict[str, Any], completion: str) -> dict[str, int]:
        """As fake_llm.py counts it (no tool calls here)."""
        messages = body.get("messages")
        prompt = sum(
            _count_tokens(_message_text(m))
            for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict)
        )
        completion_tokens = _count_tokens(completion)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
        }

    def encoded(self, model: str, include_usage: bool) -> _Encoded:
        """The chunks of fake_llm.py's _chat_stream for this answer, with a fixed id."""
        key = (model, include_usage)
        if key not in self._encoded:
            base = {
                "id": _STREAM_ID,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": model,
                "system_fingerprint": "fp_fake",
            }

            def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
                obj = dict(base)
                obj["choices"] = [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
                ]
                if include_usage:
                    obj["usage"] = None
                return _event(obj)

            chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
            chunks += [chunk({"content": word}) for word in self.words]
            self._encoded[key] = _Encoded(chunks, chunk({}, "stop"), chunk({}, "length"))
        return self._encoded[key]

    def usage_chunk(self, model: str, body: dict[str, Any], completion: str) -> bytes:
        return _event(
            {
                "id": _STREAM_ID,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [],
                "usage": self.usage(body, completion),
            }
        )


def _head(status: int, headers: list[tuple[str, str]], close: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", *(f"{k}: {v}" for k, v in headers)]
    lines.append(f"x-request-id: {_RESPONSE_ID}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Connection(asyncio.Protocol):
    """One client connection: its requests one after the other (HTTP/1.1 keep-alive)."""

    def __init__(self, fake: FakeModel, connections: set[Connection]) -> None:
        self.fake = fake
        self.connections = connections
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.stream: _Stream | None = None
        self.closed = False

    # -- connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.connections.discard(self)
        if self.stream is not None and self.stream.timer is not None:
            self.stream.timer.cancel()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.stream is None:
            self._next_request()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    # -- requests ------------------------------------------------------------------------

    def _next_request(self) -> None:
        """Answer the complete requests in the buffer, until one streams (or the buffer ends)."""
        while not self.closed and self.stream is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self._reply_error(413, "Request head too large.", close=True)
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                self._reply_error(400, "Malformed request line.", close=True)
                return
            method, target, version = parts
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._reply_error(400, "Chunked request bodies are not supported.", close=True)
                return
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= _MAX_BODY:
                self._reply_error(400, "Bad Content-Length.", close=True)
                return
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is still coming
            raw = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            connection = headers.get("connection", "").lower()
            close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
            self._handle(method, target.split("?", 1)[0].rstrip("/"), headers, raw, close)

    def _handle(self, method: str, path: str, headers: dict[str, str], raw: bytes, close: bool) -> None:
        fake = self.fake
        if fake.authorization is not None and headers.get("authorization") != fake.authorization:
            self._reply_error(401, "Incorrect API key provided.", close=close)
            return
        body: Any = None
        if method == "POST":
            try:
                body = json.loads(raw.decode("utf-8")) if raw else None
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
            if not isinstance(body, dict):
                self._reply_error(400, "The request body must be a JSON object.", close=close)
                return
        if method == "GET" and path == "/v1/models":
            self._reply_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": fake.created, "owned_by": "fake"}
                        for m in (DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL)
                    ],
                },
                close,
            )
        elif method == "POST" and path == "/v1/chat/completions":
            assert isinstance(body, dict)
            if body.get("stream"):
                self._chat_stream(body, close)
            else:
                self._chat_json(body, close)
        elif method == "POST" and path == "/v1/embeddings":
            assert isinstance(body, dict)
            self._embeddings(body, close)
        else:
            self._reply_error(404, f"Unknown route {method} {path}", close=close)

    # -- responses -----------------------------------------------------------------------

    def _write(self, data: bytes, close: bool = False) -> None:
        if self.transport is None or self.closed:
            return
        self.transport.write(data)
        if close:
            self.closed = True
            self.transport.close()

    def _reply_json(self, status: int, obj: Any, close: bool) -> None:
        payload = _json(obj)
        head = _head(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))], close
        )
        self._write(head + payload, close)

    def _reply_error(self, status: int, message: str, *, close: bool) -> None:
        err_type, code = _ERROR_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        error = {"message": message, "type": err_type, "param": None, "code": code}
        self._reply_json(status, {"error": error}, close)

    def _limit(self, body: dict[str, Any]) -> tuple[int, str]:
        """How many words of the answer (max_tokens cuts it) and the finish reason."""
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        count = self.fake.answer_length()
        if isinstance(limit, int) and 0 < limit < count:
            return limit, "length"
        return count, "stop"

    def _chat_json(self, body: dict[str, Any], close: bool) -> None:
        count, finish = self._limit(body)
        content = "".join(self.fake.words[:count])
        message = {"role": "assistant", "content": content, "refusal": None}
        self._reply_json(
            200,
            {
                "id": _STREAM_ID,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model") or DEFAULT_CHAT_MODEL,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": self.fake.usage(body, content),
            },
            close,
        )

    def _chat_stream(self, body: dict[str, Any], close: bool) -> None:
        """Chunk n goes at start + n × token delay (the role chunk at once, as fake_llm.py paces
        them), each in one write from a timer callback; the last one with [DONE] and the end of the
        body."""
        fake = self.fake
        model = str(body.get("model") or DEFAULT_CHAT_MODEL)
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        count, finish = self._limit(body)
        encoded = fake.encoded(model, include_usage)
        parts = encoded.chunks[: count + 1]
        parts.append(encoded.stop if finish == "stop" else encoded.length)
        if include_usage:
            parts.append(fake.usage_chunk(model, body, "".join(fake.words[:count])))
        parts[-1] += _DONE
        head = _head(
            200,
            [
                ("Content-Type", "text/event-stream; charset=utf-8"),
                ("Cache-Control", "no-cache"),
                ("Transfer-Encoding", "chunked"),
            ],
            close,
        )
        parts[0] = head + parts[0]
        self.stream = _Stream(parts, asyncio.get_running_loop().time(), close)
        self._tick()

    def _tick(self) -> None:
        stream = self.stream
        if stream is None or self.closed:
            return
        self._write(stream.parts[stream.sent])
        stream.sent += 1
        if stream.sent < len(stream.parts):
            when = stream.start + stream.sent * self.fake.token_delay
            stream.timer = asyncio.get_running_loop().call_at(when, self._tick)
            return
        self.stream = None
        if stream.close:
            self._write(b"", close=True)
        else:
            self._next_request()

    def _embeddings(self, body: dict[str, Any], close: bool) -> None:
        texts = embedding_texts(body)
        if isinstance(texts, str):
            self._reply_error(400, texts, close=close)
            return
        dim = body.get("dimensions") or DEFAULT_EMBEDDING_DIM
        if not isinstance(dim, int) or dim <= 0:
            self._reply_error(400, "'dimensions' must be a positive integer.", close=close)
            return
        data = embedding_data(texts, dim, as_base64=body.get("encoding_format") == "base64")
        tokens = sum(_count_tokens(t) for t in texts)
        self._reply_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model") or DEFAULT_EMBEDDING_MODEL,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            close,
        )


class _StdinWatch(asyncio.Protocol):
    def __init__(self, closed: asyncio.Event) -> None:
        self.closed = closed

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


async def serve(fake: FakeModel, host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve until stdin closes."""
    loop = asyncio.get_running_loop()
    connections: set[Connection] = set()
    server = await loop.create_server(
        lambda: Connection(fake, connections), host, port, backlog=1024, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"http://{host}:{bound}/v1", flush=True)
    stdin_closed = asyncio.Event()
    await loop.connect_read_pipe(lambda: _StdinWatch(stdin_closed), sys.stdin)
    await stdin_closed.wait()
    server.close()
    for connection in list(connections):
        connection.close()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(server.wait_closed(), 5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--words", type=int, default=120, help="words in each streamed answer")
    parser.add_argument("--token-delay", type=float, default=0.02, help="seconds between tokens")
    parser.add_argument(
        "--vary", type=float, default=0.0, help="answers' lengths vary by up to this fraction of --words"
    )
    parser.add_argument("--api-key", default="sk-fake-test")
    args = parser.parse_args()
    fake = FakeModel(args.words, args.token_delay, args.api_key, args.vary)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(fake))
    else:
        uvloop.run(serve(fake))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
