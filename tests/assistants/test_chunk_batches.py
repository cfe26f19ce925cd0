"""assistants/chat/answers.py chunk_batches: the provider's event stream read as JSON objects, from
the raw body when it has no content encoding, decoded when it has one."""

from __future__ import annotations

import asyncio
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


@pytest.fixture(params=[None, "gzip"])
def provider(request: pytest.FixtureRequest) -> Iterator[str]:
    encoding = request.param

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = _stream()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            if encoding:
                body = gzip.compress(body)
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_the_answer_reads_the_same_with_or_without_a_content_encoding(provider: str) -> None:
    async def read() -> list[str]:
        client = openai.AsyncOpenAI(
            base_url=provider, api_key="sk-test", http_client=openai.DefaultAioHttpClient(), max_retries=0
        )
        texts: list[str] = []
        async with client.chat.completions.with_streaming_response.create(
            model="m", messages=[{"role": "user", "content": "?"}], stream=True
        ) as response:
            async for batch in chunk_batches(response):
                texts += [chunk["choices"][0]["delta"]["content"] for chunk in batch]
        await client.close()
        return texts

    assert asyncio.run(read()) == WORDS
