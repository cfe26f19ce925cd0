"""An OpenAI-compatible fake LLM server on loopback, for tests.

This is the only stand-in for a language-model provider that our tests use: the code under
test talks to it through the real ``openai`` client, over real HTTP, exactly as it would talk
to a real provider. Nothing is mocked inside the process.

Quick use::

    with FakeLLM(api_key="sk-test") as llm:
        client = openai.OpenAI(base_url=llm.base_url, api_key="sk-test", max_retries=0)
        llm.script_tool_call("search_documents", {"query": "kết hôn"})
        llm.script_text("Xin chào")
        llm.fail_next(429, retry_after=0)          # the next request gets HTTP 429
        ...
        assert llm.requests[-1].body["model"] == "fake-chat"

Endpoints: ``GET /v1/models``, ``POST /v1/chat/completions`` (JSON or SSE streaming, with
``stream_options.include_usage``), ``POST /v1/embeddings`` (float or base64, the client's
default).

Behaviour without a script: a deterministic answer ``"Trả lời: <last line of the last user
message>"`` followed by a citation marker (``[1]``) when the prompt carries numbered sources,
streamed one word per delta.

Faults (:class:`Fault`) are injected for the next N matching requests (:meth:`FakeLLM.inject`,
:meth:`FakeLLM.fail_next`), attached to a scripted :class:`Reply`, or sent per request in an
``X-Fake-Fault`` header holding the fault as JSON (e.g. ``{"status": 500}``).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.replies import (
    _ERROR_TYPES,
    DEFAULT_CHAT_MODEL,
    DEFAULT_EMBEDDING_DIM,
    DEFAULT_EMBEDDING_MODEL,
    Fault,
    RecordedRequest,
    Reply,
    ToolCall,
    _count_tokens,
    _message_text,
    default_reply,
    embedding_data,
    embedding_texts,
    fake_embedding,  # noqa: F401  (re-exported: tests import it from here)
    split_words,
)

Responder = Callable[[dict[str, Any]], Reply]


@dataclass
class _Injection:
    fault: Fault
    remaining: int
    path: str | None


class _ClientGone(Exception):
    """The client closed the connection (e.g. it timed out or stopped reading)."""


class _BrokenOnPurpose(Exception):
    """A ``break_after`` fault fired; drop the connection."""


class FakeLLM:
    """An OpenAI-compatible HTTP server on 127.0.0.1 with a script and fault injection.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. Everything is thread-safe.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        chat_model: str = DEFAULT_CHAT_MODEL,
        embedding_model: str = DEFAULT_EMBEDDING_MODEL,
        embedding_dim: int = DEFAULT_EMBEDDING_DIM,
        latency: float = 0.0,
        token_delay: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.chat_model = chat_model
        self.embedding_model = embedding_model
        self.embedding_dim = embedding_dim
        self.latency = latency
        self.token_delay = token_delay
        self._default_token_delay = token_delay
        self.responder: Responder | None = None
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._injections: list[_Injection] = []
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._open_sockets: set[socket.socket] = set()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeLLM:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-llm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            sockets = list(self._open_sockets)
            self._open_sockets.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeLLM is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- script ----------------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue chat answers; each chat completion request takes the next one."""
        with self._lock:
            self._script.extend(replies)

    def script_text(self, text: str, *, fault: Fault | None = None) -> None:
        self.script(Reply(text=text, fault=fault))

    def script_tool_call(
        self,
        name: str,
        arguments: str | dict[str, Any] | None = None,
        *,
        id: str | None = None,
        text: str | None = None,
    ) -> None:
        self.script(Reply(text=text, tool_calls=[ToolCall(name, arguments or {}, id)]))

    def script_tool_calls(self, *calls: ToolCall, text: str | None = None) -> None:
        self.script(Reply(text=text, tool_calls=list(calls)))

    @property
    def pending_script(self) -> int:
        with self._lock:
            return len(self._script)

    # -- faults ----------------------------------------------------------------------------

    def inject(self, fault: Fault, *, times: int = 1, path: str | None = None) -> None:
        """Apply ``fault`` to the next ``times`` requests (whose path ends with ``path``)."""
        with self._lock:
            self._injections.append(_Injection(fault, times, path))

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
        path: str | None = None,
    ) -> None:
        self.inject(Fault(status=status, retry_after=retry_after, message=message), times=times, path=path)

    def hang_next(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        self.inject(Fault(hang=seconds), times=times, path=path)

    def break_next_stream(self, after_events: int, *, times: int = 1) -> None:
        self.inject(Fault(break_after=after_events), times=times, path="/chat/completions")

    def clear_faults(self) -> None:
        with self._lock:
            self._injections.clear()

    def reset(self) -> None:
        """Forget the script, the faults, the recorded requests and a changed pace."""
        with self._lock:
            self._script.clear()
            self._injections.clear()
            self._requests.clear()
        self.responder = None
        self.token_delay = self._default_token_delay

    # -- recorded traffic ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return self.requests_to("/chat/completions")

    @property
    def embedding_requests(self) -> list[RecordedRequest]:
        return self.requests_to("/embeddings")

    # -- internals used by the handler -----------------------------------------------------

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for inj in self._injections:
                if inj.remaining > 0 and (inj.path is None or path.endswith(inj.path)):
                    inj.remaining -= 1
                    if inj.remaining == 0:
                        self._injections.remove(inj)
                    return inj.fault
        return None

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            return self.responder(body)
        return default_reply(body)

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._open_sockets.add(sock)
            else:
                self._open_sockets.discard(sock)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 512
    allow_reuse_address = True
    fake: FakeLLM


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # idle keep-alive connections are closed after this

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeLLM:
        return self.server.fake

    # -- plumbing --------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError) as exc:
            raise _ClientGone from exc

    def _send_json(self, status: int, obj: Any, extra_headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self._write(payload)

    def _send_error(self, status: int, message: str, retry_after: float | None = None) -> None:
        err_type, code = _ERROR_TYPES.get(
            status, ("server_error" if status >= 500 else "invalid_request_error", None)
        )
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        self._send_json(
            status, {"error": {"message": message, "type": err_type, "param": None, "code": code}}, headers
        )

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"_raw": raw.decode("utf-8", "replace")}

    # -- dispatch --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        body = self._read_body() if method == "POST" else None
        path = self.path.split("?", 1)[0].rstrip("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(RecordedRequest(method, path, headers, body, time.time()))
        try:
            self._handle(method, path, headers, body)
        except _ClientGone:
            self.close_connection = True
        except _BrokenOnPurpose:
            self._drop_connection()

    def _handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        fake = self.fake
        fault = (
            Fault.from_json(headers["x-fake-fault"]) if "x-fake-fault" in headers else fake._take_fault(path)
        )
        reply: Reply | None = None
        is_chat = method == "POST" and path == "/v1/chat/completions" and isinstance(body, dict)
        if is_chat and (fault is None or fault.status is None):
            reply = fake._next_reply(body)
            if reply.fault is not None and fault is None:
                fault = reply.fault
        fault = fault or Fault()

        fake._sleep(fault.hang or 0.0)
        if fault.hang:
            self._drop_connection()
            return
        fake._sleep(fault.latency or fake.latency)
        if fake._stopping.is_set():
            self._drop_connection()
            return

        if fault.status is not None:
            self._send_error(
                fault.status, fault.message or f"Injected HTTP {fault.status}", fault.retry_after
            )
            return
        if fake.api_key is not None and headers.get("authorization") != f"Bearer {fake.api_key}":
            self._send_error(401, "Incorrect API key provided.")
            return

        if method == "GET" and path == "/v1/models":
            self._models()
        elif is_chat and reply is not None:
            assert isinstance(body, dict)
            if body.get("stream"):
                self._chat_stream(body, reply, fault)
            else:
                self._chat_json(body, reply, fault)
        elif method == "POST" and path == "/v1/embeddings" and isinstance(body, dict):
            self._embeddings(body, fault)
        elif method == "POST" and not isinstance(body, dict):
            self._send_error(400, "The request body must be a JSON object.")
        else:
            self._send_error(404, f"Unknown route {method} {path}")

    # -- endpoints -------------------------------------------------------------------------

    def _models(self) -> None:
        now = int(time.time())
        models = [self.fake.chat_model, self.fake.embedding_model]
        self._send_json(
            200,
            {
                "object": "list",
                "data": [{"id": m, "object": "model", "created": now, "owned_by": "fake"} for m in models],
            },
        )

    @staticmethod
    def _usage(body: dict[str, Any], completion: str, reply: Reply) -> dict[str, int]:
        prompt = sum(_count_tokens(_message_text(m)) for m in body.get("messages", []) if isinstance(m, dict))
        completion_tokens = _count_tokens(completion) + sum(
            _count_tokens(tc.arguments_json()) + 1 for tc in reply.tool_calls
        )
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
        }

    @staticmethod
    def _limit(body: dict[str, Any], reply: Reply) -> tuple[list[str], str]:
        """Word deltas of the reply text, cut to max_tokens, and the finish reason."""
        words = list(reply.deltas) if reply.deltas is not None else split_words(reply.text or "")
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
        if isinstance(limit, int) and 0 < limit < len(words):
            words = words[:limit]
            finish = "length"
        return words, finish

    def _chat_json(self, body: dict[str, Any], reply: Reply, fault: Fault) -> None:
        words, finish = self._limit(body, reply)
        content = "".join(words)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": content if (words or not reply.tool_calls) else None,
            "refusal": None,
        }
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": tc.id or f"call_{i}_{uuid.uuid4().hex[:12]}",
                    "type": "function",
                    "function": {"name": tc.name, "arguments": tc.arguments_json()},
                }
                for i, tc in enumerate(reply.tool_calls)
            ]
        obj = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.fake.chat_model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": self._usage(body, content, reply),
        }
        if fault.break_after is not None:
            payload = json.dumps(obj).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self._write(payload[: len(payload) // 2])
            raise _BrokenOnPurpose
        self._send_json(200, obj)

    def _chat_stream(self, body: dict[str, Any], reply: Reply, fault: Fault) -> None:
        fake = self.fake
        words, finish = self._limit(body, reply)
        delay = fault.token_delay if fault.token_delay is not None else fake.token_delay
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model") or fake.chat_model,
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            obj = dict(base)
            obj["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
            if include_usage:
                obj["usage"] = None
            return obj

        def events() -> Iterator[dict[str, Any]]:
            yield chunk({"role": "assistant", "content": "", "refusal": None})
            for w in words:
                yield chunk({"content": w})
            for i, tc in enumerate(reply.tool_calls):
                call_id = tc.id or f"call_{i}_{uuid.uuid4().hex[:12]}"
                yield chunk(
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": call_id,
                                "type": "function",
                                "function": {"name": tc.name, "arguments": ""},
                            }
                        ]
                    }
                )
                args = tc.arguments_json()
                for piece in [args[j : j + 8] for j in range(0, len(args), 8)]:
                    yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            yield chunk({}, finish)
            if include_usage:
                obj = dict(base)
                obj["choices"] = []
                obj["usage"] = self._usage(body, "".join(words), reply)
                yield obj

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send_event(data: str) -> None:
            raw = f"data: {data}\n\n".encode()
            self._write(f"{len(raw):x}\r\n".encode("ascii") + raw + b"\r\n")

        for n, event in enumerate(events()):
            if fault.break_after is not None and n >= fault.break_after:
                raise _BrokenOnPurpose
            if n > 0:
                fake._sleep(delay)
            if fake._stopping.is_set():
                raise _BrokenOnPurpose
            send_event(json.dumps(event, ensure_ascii=False))
        send_event("[DONE]")
        self._write(b"0\r\n\r\n")

    def _embeddings(self, body: dict[str, Any], fault: Fault) -> None:
        texts = embedding_texts(body)
        if isinstance(texts, str):
            self._send_error(400, texts)
            return
        dim = fault.embedding_dim or body.get("dimensions") or self.fake.embedding_dim
        if not isinstance(dim, int) or dim <= 0:
            self._send_error(400, "'dimensions' must be a positive integer.")
            return
        keep = max(len(texts) - fault.missing_vectors, 0)
        data = embedding_data(texts[:keep], dim, as_base64=body.get("encoding_format") == "base64")
        tokens = sum(_count_tokens(t) for t in texts)
        obj = {
            "object": "list",
            "data": data,
            "model": body.get("model") or self.fake.embedding_model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        if fault.break_after is not None:
            payload = json.dumps(obj).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self._write(payload[: len(payload) // 2])
            raise _BrokenOnPurpose
        self._send_json(200, obj)
