"""What the model streams, and what the user reads when there is no model or it fails."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import openai
import orjson
from django.utils.translation import gettext as _

from knowledge.search.retrieval import RetrievedChunk

EXTRACTIVE_PASSAGES = 3


async def chunk_batches(response: Any) -> AsyncIterator[list[dict[str, Any]]]:
    """The JSON objects of an OpenAI-style event stream, in batches: all the events that arrived
    together in one read. A lightly loaded server relays each token as it comes; a busy one, whose
    reads return several tokens at once, relays them as one event rather than falling behind.
    An error object in the stream, or an event that is not JSON, becomes the client's error."""
    pending = b""
    reads = _body(response).__aiter__()
    while True:
        try:
            data = await reads.__anext__()
        except StopAsyncIteration:
            break
        except openai.OpenAIError:
            raise
        except Exception as broken:
            # Only the transport can fail here (the provider dropped the connection mid-answer, or
            # a read timed out): the client's own errors, raised outside the stream, say which.
            raise _transport_error(response, broken) from broken
        pending += data
        *lines, pending = pending.split(b"\n")
        batch: list[dict[str, Any]] = []
        for raw in lines:
            line = raw.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                if batch:
                    yield batch
                # Read to the end of the body (the chunked encoding's last chunk), so the connection
                # goes back to the pool: closed half-read, it is dropped, and the next turn pays
                # for a new one.
                with contextlib.suppress(Exception):  # the answer is whole: a broken tail is no matter
                    async for _rest in reads:
                        pass
                return
            try:
                chunk = orjson.loads(payload)  # a quarter of json.loads's time, for every token
            except orjson.JSONDecodeError:
                message = f"the provider sent an event that is not JSON: {payload[:200]!r}"
                raise openai.APIError(message, response.http_request, body=None) from None
            if isinstance(chunk, dict) and chunk.get("error"):
                error = chunk["error"]
                message = error.get("message", "stream error") if isinstance(error, dict) else str(error)
                raise openai.APIError(message, response.http_request, body=chunk)
            batch.append(chunk)
        if batch:
            yield batch


def _body(response: Any) -> AsyncIterator[bytes]:
    """The response's bytes as they arrive. Without a content encoding (the usual case for event
    streams), the HTTP response's raw stream: the decoding layers cost a little for each token."""
    http_response = getattr(response, "http_response", None)
    if http_response is not None and http_response.headers.get("content-encoding", "identity") == "identity":
        return http_response.aiter_raw()
    return response.iter_bytes()


def _transport_error(response: Any, error: Exception) -> openai.OpenAIError:
    if "Timeout" in type(error).__name__:
        return openai.APITimeoutError(request=response.http_request)
    return openai.APIConnectionError(
        message=f"the provider's stream broke: {type(error).__name__}: {error}", request=response.http_request
    )


def extractive_answer(passages: list[RetrievedChunk]) -> str:
    if not passages:
        return _("No language model is configured, and no passage in the knowledge matches the question.")
    lines = [
        _("No language model is configured. These are the most relevant passages from the documents:"),
        "",
    ]
    for number, passage in enumerate(passages[:EXTRACTIVE_PASSAGES], start=1):
        where = " › ".join(passage.heading_path) or passage.document_title
        lines.append(f"**{passage.document_title}** — {where} [{number}]")
        lines.append(f"> {passage.text[:800].strip()}")
        lines.append("")
    return "\n".join(lines).strip()


def provider_error(error: openai.OpenAIError) -> tuple[str, str]:
    """A readable reason for each way a provider fails; the details stay in the stored message."""
    if isinstance(error, openai.APITimeoutError):
        return "provider_timeout", _("The language model did not answer in time. Please try again.")
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return "provider_auth", _(
            "The language model provider rejected the API key. Tell your administrator."
        )
    if isinstance(error, openai.RateLimitError):
        return "provider_rate_limited", _(
            "The language model provider is busy (rate limit). Try again shortly."
        )
    if isinstance(error, openai.APIStatusError):
        return "provider_error", _("The language model provider failed (HTTP %(status)s).") % {
            "status": error.status_code
        }
    if isinstance(error, openai.APIConnectionError):
        return "provider_unreachable", _("The language model provider cannot be reached.")
    return "provider_error", _("The language model provider failed.")
