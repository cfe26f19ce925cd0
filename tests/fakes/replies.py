"""What the fake LLM answers: its scripts (replies, tool calls, faults), the recorded requests,
the default answer and the deterministic embeddings. The server is in fake_llm.py."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import struct
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

DEFAULT_CHAT_MODEL = "fake-chat"
DEFAULT_EMBEDDING_MODEL = "fake-embed"
DEFAULT_EMBEDDING_DIM = 384

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_denied", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", None),
    503: ("server_error", None),
}

_WORD_RE = re.compile(r"\S+\s*")
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_CITATION_RE = re.compile(r"\[(\d+)\]")


@dataclass
class Fault:
    """What to do wrong with one request. Fields combine (latency + status, etc.).

    - ``latency``: seconds to wait before the first byte of the response.
    - ``token_delay``: seconds between streamed chunks (overrides the server default).
    - ``status``: answer with this HTTP error status and an OpenAI-style error body.
    - ``retry_after``: value of the ``Retry-After`` header sent with ``status``.
    - ``message``: error message for ``status``.
    - ``hang``: seconds to sit silent before closing the connection without a response
      (use a value longer than the client's timeout to provoke ``APITimeoutError``).
    - ``break_after``: for a streaming answer, send this many SSE events, then drop the
      connection mid-stream; for a JSON answer, send half of the body and drop it.
    - ``missing_vectors``: embeddings only; leave out this many vectors from the answer.
    - ``embedding_dim``: embeddings only; answer with vectors of this dimension.
    """

    latency: float = 0.0
    token_delay: float | None = None
    status: int | None = None
    retry_after: float | None = None
    message: str | None = None
    hang: float | None = None
    break_after: int | None = None
    missing_vectors: int = 0
    embedding_dim: int | None = None

    @classmethod
    def from_json(cls, raw: str) -> Fault:
        data = json.loads(raw)
        if isinstance(data, int):
            return cls(status=data)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ToolCall:
    """A scripted function call. ``arguments`` is a JSON string or a JSON-able dict."""

    name: str
    arguments: str | dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Reply:
    """One scripted chat answer: text, tool calls (or both), and an optional fault."""

    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    fault: Fault | None = None
    # Streamed exactly as these deltas instead of word by word (their join is the text).
    deltas: list[str] | None = None


@dataclass
class RecordedRequest:
    """A request as the server saw it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float

    @property
    def api_key(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:] if auth.lower().startswith("bearer ") else None


def split_words(text: str) -> list[str]:
    """Split text into token-sized deltas (one word plus its trailing space each)."""
    parts = _WORD_RE.findall(text)
    lead = text[: len(text) - len(text.lstrip())]
    if lead and parts:
        parts[0] = lead + parts[0]
    return parts or ([text] if text else [])


@functools.lru_cache(maxsize=65536)
def _token_vector(token: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(token.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def fake_embedding(text: str, dim: int = DEFAULT_EMBEDDING_DIM) -> list[float]:
    """Deterministic, L2-normalised embedding: a sum of hash-seeded vectors of the words.

    Texts that share words are closer to each other, so retrieval over the fake behaves
    plausibly (a query sharing words with a passage ranks it above unrelated ones).
    """
    tokens = [t.lower() for t in _TOKEN_RE.findall(text)] or [f"\x00{text}"]
    vec = np.zeros(dim, dtype=np.float32)
    for tok in tokens:
        vec += _token_vector(tok, dim)
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        vec[0] = 1.0
        norm = 1.0
    return [float(x) for x in (vec / norm)]


def embedding_texts(body: dict[str, Any]) -> list[str] | str:
    """The texts of an embeddings request, or the message of the 400 it gets."""
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        texts = [raw_input]
    elif isinstance(raw_input, list) and raw_input:
        texts = [x if isinstance(x, str) else json.dumps(x) for x in raw_input]
    else:
        return "'input' must be a non-empty string or array."
    if any(t == "" for t in texts):
        return "'input' cannot contain empty strings."
    return texts


def embedding_data(texts: list[str], dim: int, *, as_base64: bool) -> list[dict[str, Any]]:
    """The `data` of an embeddings answer: each text's vector, as floats or as base64."""
    data = []
    for i, text in enumerate(texts):
        vec = fake_embedding(text, dim)
        emb: Any = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode("ascii") if as_base64 else vec
        data.append({"object": "embedding", "index": i, "embedding": emb})
    return data


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and "text" in part
        )
    return ""


def default_reply(body: dict[str, Any]) -> Reply:
    """The deterministic answer given when nothing is scripted."""
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    user_texts = [_message_text(m) for m in messages if m.get("role") == "user"]
    last = user_texts[-1] if user_texts else ""
    lines = [ln.strip() for ln in last.splitlines() if ln.strip()]
    echo = lines[-1] if lines else ""
    if len(echo) > 200:
        echo = echo[:200].rstrip() + "…"
    text = f"Trả lời: {echo}".rstrip()
    whole_prompt = "\n".join(_message_text(m) for m in messages)
    marker = _CITATION_RE.search(whole_prompt)
    if marker:
        text += f" [{marker.group(1)}]"
    return Reply(text=text)


def _count_tokens(text: str) -> int:
    return len(_WORD_RE.findall(text))
