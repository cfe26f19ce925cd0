"""assistants/chat/answers.py chunk_batches: the provider's event stream read as JSON objects, from
the raw body when it has no content encoding, decoded when it has one; an event that is not JSON is
the provider's error, which the runtime turns into an `error` event and a failed message."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest

from assistants.chat.answers import chunk_batches

WORDS = ["Điều ", "8 ", "quy ", "định"]


def _stream() -> bytes:
    events = [
        {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": w}}]}
        for w in WORDS
    ]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


@contextlib.contextmanager
def _provider(body: bytes, encoding: str | None = None) -> Iterator[str]:
    """A provider that answers every request with `body` as its event stream."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            sent = gzip.compress(body) if encoding else body
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(sent)))
            self.end_headers()
            self.wfile.write(sent)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


@pytest.fixture(params=[None, "gzip"])
def provider(request: pytest.FixtureRequest) -> Iterator[str]:
    with _provider(_stream(), request.param) as url:
        yield url


def _read_texts(base_url: str) -> list[str]:
    async def read() -> list[str]:
        client = openai.AsyncOpenAI(
            base_url=base_url, api_key="sk-test", http_client=openai.DefaultAioHttpClient(), max_retries=0
        )
        texts: list[str] = []
        try:
            async with client.chat.completions.with_streaming_response.create(
                model="m", messages=[{"role": "user", "content": "?"}], stream=True
            ) as response:
                async for batch in chunk_batches(response):
                    texts += [chunk["choices"][0]["delta"]["content"] for chunk in batch]
        finally:
            await client.close()
        return texts

    return asyncio.run(read())


def test_the_answer_reads_the_same_with_or_without_a_content_encoding(provider: str) -> None:
    assert _read_texts(provider) == WORDS


def test_an_event_that_is_not_json_is_the_providers_error() -> None:
    body = _stream().replace(b"data: [DONE]", b'data: {"choices": [{"delta": \xff}\n\ndata: [DONE]')
    with _provider(body) as url, pytest.raises(openai.APIError, match="not JSON"):
        _read_texts(url)
