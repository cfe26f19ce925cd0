"""A lean HTTP/1.1 client of server-sent events, which timestamps each event the moment its bytes are
read: the measuring client of bench_chat.py, for both sides (the platform, and the fake LLM called
directly), so that both are measured the same way.

Why not httpx or the ``openai`` client: at 100 streams of 50 tokens a second, their per-line and
per-chunk work (pydantic models for every chunk on the direct side) took enough of a 2-core machine
that the times measured the client. This one is an ``asyncio.Protocol`` over one persistent
keep-alive connection per simulated conversation: it writes the POST, parses the response head and
the chunked body itself, cuts the body into events and stamps them (``time.perf_counter``) when the
read that completed them returns. Nothing else happens while a stream runs; the JSON of the events
is decoded after it ends (:func:`platform_tokens`, :func:`openai_tokens`).

    connection = await SSEConnection.open("http://127.0.0.1:8000")
    response = await connection.post("/api/v1/...", {"content": "..."}, {"Authorization": "Bearer ..."})
    tokens = platform_tokens(response)   # raises on an error event
    tokens.ttft, tokens.gaps, tokens.text
    connection.close()
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit


class HTTPStatusError(RuntimeError):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")
        self.status = status
        self.body = body


class StreamError(RuntimeError):
    """The stream said it failed, or did not bring what it should have."""


@dataclass(slots=True)
class Event:
    """One server-sent event: when its last byte was read, its type ('' for none) and its data."""

    at: float
    type: str
    data: bytes


@dataclass(slots=True)
class Response:
    status: int
    started: float  # perf_counter just before the request was written
    events: list[Event] = field(default_factory=list)
    body: bytes = b""  # of a response that is not 200 (its events are not parsed)


@dataclass(slots=True)
class Tokens:
    """The token events of one stream."""

    ttft: float  # seconds from writing the request to reading the first token
    stamps: list[float]
    text: str
    completion_tokens: int | None = None  # as the answer's usage says, when it says

    @property
    def gaps(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.stamps)]


class _Protocol(asyncio.Protocol):
    """Parses responses as they arrive: the head, then a chunked or Content-Length body, cut into
    SSE events. One response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.lost: Exception | None = None
        self.keep_alive = True
        self._buffer = bytearray()
        self._events = bytearray()
        self._response: Response | None = None
        self._done: asyncio.Future[Response] | None = None
        self._state = "idle"  # head, size, data, data_end, trailer, length, until_close
        self._remaining = 0
        self._raw = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionResetError("the server closed the connection")
        if self._state == "until_close":
            self._finish()
        elif self._done is not None and not self._done.done():
            self._done.set_exception(self.lost)

    def request(self, data: bytes, started: float) -> asyncio.Future[Response]:
        assert self.transport is not None and self._done is None
        self._response = Response(status=0, started=started)
        self._done = asyncio.get_running_loop().create_future()
        self._state = "head"
        self.transport.write(data)
        return self._done

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self._buffer
        buffer += data
        while buffer and self._response is not None:
            state = self._state
            if state in ("data", "length", "until_close"):
                take = len(buffer) if state == "until_close" else min(self._remaining, len(buffer))
                self._body(bytes(buffer[:take]), now)
                del buffer[:take]
                self._remaining -= take
                if state == "data" and not self._remaining:
                    self._state = "data_end"
                elif state == "length" and not self._remaining:
                    self._finish()
            elif state == "data_end":
                if len(buffer) < 2:
                    return
                if buffer[:2] != b"\r\n":
                    self._fail("bad chunk end")
                    return
                del buffer[:2]
                self._state = "size"
            elif state == "size":
                end = buffer.find(b"\r\n")
                if end < 0:
                    return
                try:
                    size = int(bytes(buffer[:end]).split(b";", 1)[0], 16)
                except ValueError:
                    self._fail("bad chunk size")
                    return
                del buffer[: end + 2]
                self._remaining = size
                self._state = "data" if size else "trailer"
            elif state == "trailer":
                if buffer[:2] == b"\r\n":
                    del buffer[:2]
                    self._finish()
                    continue
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                del buffer[: end + 4]
                self._finish()
            elif state == "head":
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).decode("latin-1")
                del buffer[: end + 4]
                self._head(head)
            else:  # idle: bytes nobody asked for
                self._fail("unexpected bytes")
                return

    def _head(self, head: str) -> None:
        assert self._response is not None
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            self._fail(f"bad status line {lines[0]!r}")
            return
        if 100 <= status < 200:
            return  # an interim response: the real head follows
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._response.status = status
        connection = headers.get("connection", "").lower()
        self.keep_alive = "close" not in connection and parts[0] == "HTTP/1.1"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = "size"
        elif "content-length" in headers:
            self._remaining = int(headers["content-length"])
            self._state = "length"
            if not self._remaining:
                self._finish()
        else:
            self.keep_alive = False
            self._state = "until_close"

    def _body(self, data: bytes, now: float) -> None:
        assert self._response is not None
        if self._response.status != 200:
            self._raw += data
            return
        events = self._events
        events += data
        start = 0
        while (end := events.find(b"\n\n", start)) >= 0:
            kind = ""
            payload: list[bytes] = []
            for line in bytes(events[start:end]).split(b"\n"):
                if line.startswith(b"data:"):
                    payload.append(line[6:] if line[5:6] == b" " else line[5:])
                elif line.startswith(b"event:"):
                    kind = line[6:].strip().decode()
            if payload or kind:
                self._response.events.append(Event(now, kind, b"\n".join(payload)))
            start = end + 2
        if start:
            del events[:start]

    def _finish(self) -> None:
        response, done = self._response, self._done
        assert response is not None and done is not None
        response.body = bytes(self._raw)
        self._raw.clear()
        self._events.clear()
        self._response = self._done = None
        self._state = "idle"
        if not done.done():
            done.set_result(response)
        if not self.keep_alive and self.transport is not None:
            self.transport.close()

    def _fail(self, reason: str) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(StreamError(f"malformed response: {reason}"))
        self.keep_alive = False
        if self.transport is not None:
            self.transport.close()


class SSEConnection:
    """One persistent connection to ``base`` (``http://host:port``); reopened if the server closed
    it. One request at a time."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an http:// base URL, not {base!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self._protocol: _Protocol | None = None

    @classmethod
    async def open(cls, base: str) -> SSEConnection:
        connection = cls(base)
        await connection._connect()
        return connection

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(_Protocol, self.host, self.port)
        self._protocol = protocol
        return protocol

    async def post(
        self, path: str, payload: Any, headers: dict[str, str] | None = None, *, timeout: float = 120
    ) -> Response:
        """POST ``payload`` as JSON and read the whole answer; raises HTTPStatusError unless 200."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        lines = [
            f"POST {self.prefix}{path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/json",
            "Accept: text/event-stream",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        protocol = self._protocol
        if protocol is None or protocol.lost is not None or not protocol.keep_alive:
            self.close()
            protocol = await self._connect()
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(protocol.request(request, started), timeout)
        except BaseException:
            self.close()  # in an unknown state
            raise
        if response.status != 200:
            raise HTTPStatusError(response.status, response.body)
        return response

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()
        self._protocol = None


def _tokens(response: Response, stamps: list[float], text: list[str], usage: Any) -> Tokens:
    if not stamps:
        raise StreamError("no token")
    completion = usage.get("completion_tokens") if isinstance(usage, dict) else None
    return Tokens(
        ttft=stamps[0] - response.started,
        stamps=stamps,
        text="".join(text),
        completion_tokens=completion if isinstance(completion, int) else None,
    )


def platform_tokens(response: Response) -> Tokens:
    """The platform's SSE (assistants/chat/events.py): its ``text.delta`` events, in order; raises
    on an ``error`` event or without a ``message.completed`` one."""
    stamps: list[float] = []
    text: list[str] = []
    completed = None
    for event in response.events:
        if event.type == "text.delta":
            stamps.append(event.at)
            text.append(json.loads(event.data)["text"])
        elif event.type == "error":
            raise StreamError(f"error event: {event.data[:300].decode('utf-8', 'replace')}")
        elif event.type == "message.completed":
            completed = json.loads(event.data)
    if completed is None:
        raise StreamError("no message.completed event")
    return _tokens(response, stamps, text, completed.get("usage"))


def openai_tokens(response: Response) -> Tokens:
    """An OpenAI chat completion stream: its chunks whose delta has content, up to ``[DONE]``."""
    stamps: list[float] = []
    text: list[str] = []
    done = False
    usage = None
    for event in response.events:
        if event.data == b"[DONE]":
            done = True
            break
        chunk = json.loads(event.data)
        if "error" in chunk:
            raise StreamError(f"error chunk: {chunk['error']}")
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or ():
            content = (choice.get("delta") or {}).get("content")
            if content:
                stamps.append(event.at)
                text.append(content)
    if not done:
        raise StreamError("no [DONE]")
    return _tokens(response, stamps, text, usage)


def check_words(tokens: Tokens, lengths: range, *, one_event_per_word: bool = False) -> None:
    """The fake's answer arrived whole and in order: ``từ0 … từ{K-1}``, where K, within ``lengths``,
    is the count of words the fake said it sent (its usage, relayed by the platform); and, with
    ``one_event_per_word``, in K token events."""
    sent = tokens.completion_tokens
    if sent is None:
        raise StreamError("the answer's usage did not say how many words were sent")
    if sent not in lengths:
        raise StreamError(f"{sent} words sent, not between {lengths.start} and {lengths.stop - 1}")
    expected = [f"từ{n}" for n in range(sent)]
    got = [w for w in tokens.text.split() if w.startswith("từ")]
    if got != expected:
        missing = sorted(set(expected) - set(got), key=lambda w: int(w[2:]))
        raise StreamError(f"{len(got)} of {sent} words arrived (missing {missing[:5]}…)")
    if one_event_per_word and len(tokens.stamps) != sent:
        raise StreamError(f"{len(tokens.stamps)} token events, {sent} expected")
