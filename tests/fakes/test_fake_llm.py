"""The fake LLM server, exercised only through the real ``openai`` client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import struct
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.fakes.fake_llm import FakeLLM, Fault, Reply, ToolCall, fake_embedding, split_words

API_KEY = "sk-test-key"

SEARCH_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "search_documents",
        "description": "Search the knowledge base",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "top_k": {"type": "integer"}},
            "required": ["query"],
        },
    },
}


# Not the shared fixture: the fake itself under test, with a key of its own and no chat helpers.
@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def client(llm: FakeLLM) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.base_url, api_key=API_KEY, max_retries=0, timeout=5.0)


def user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def test_models_list(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list().data]
    assert ids == ["fake-chat", "fake-embed"]


def test_non_streaming_default_answer_echoes_question(client: openai.OpenAI, llm: FakeLLM) -> None:
    resp = client.chat.completions.create(model="fake-chat", messages=user("Thủ tục đăng ký kết hôn?"))
    choice = resp.choices[0]
    assert choice.message.content == "Trả lời: Thủ tục đăng ký kết hôn?"
    assert choice.finish_reason == "stop"
    assert resp.usage is not None and resp.usage.completion_tokens == 8
    recorded = llm.chat_requests[-1]
    assert recorded.body["messages"][0]["content"] == "Thủ tục đăng ký kết hôn?"
    assert recorded.api_key == API_KEY
    assert recorded.headers["content-type"].startswith("application/json")


def test_default_answer_cites_numbered_sources(client: openai.OpenAI) -> None:
    messages: Any = [
        {"role": "system", "content": "Answer from the sources and cite them like [n]."},
        {"role": "user", "content": "[2] Luật Hộ tịch 2014 ...\n[3] Nghị định 123\n\nCần giấy tờ gì?"},
    ]
    resp = client.chat.completions.create(model="fake-chat", messages=messages)
    assert resp.choices[0].message.content == "Trả lời: Cần giấy tờ gì? [2]"


def test_streaming_text_in_token_sized_deltas_with_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="fake-chat",
        messages=user("xin chào các bạn"),
        stream=True,
        stream_options={"include_usage": True},
    )
    deltas: list[str] = []
    finish: list[str] = []
    usage = None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                deltas.append(choice.delta.content)
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert "".join(deltas) == "Trả lời: xin chào các bạn"
    assert len(deltas) == 6
    assert finish == ["stop"]
    assert usage is not None and usage.completion_tokens == 6 and usage.prompt_tokens == 4


def test_scripted_text_is_consumed_in_order(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.script_text("một")
    llm.script(Reply(text="hai hai", finish_reason="length"))
    first = client.chat.completions.create(model="m", messages=user("x"))
    second = client.chat.completions.create(model="m", messages=user("x"))
    third = client.chat.completions.create(model="m", messages=user("x"))
    assert first.choices[0].message.content == "một"
    assert second.choices[0].message.content == "hai hai"
    assert second.choices[0].finish_reason == "length"
    assert third.choices[0].message.content == "Trả lời: x"
    assert llm.pending_script == 0


def test_max_tokens_truncates(client: openai.OpenAI) -> None:
    resp = client.chat.completions.create(model="m", messages=user("a b c d e f"), max_tokens=3)
    assert resp.choices[0].message.content == "Trả lời: a "
    assert resp.choices[0].finish_reason == "length"


def test_responder_callable(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.responder = lambda body: Reply(text=f"model={body['model']}")
    resp = client.chat.completions.create(model="abc", messages=user("x"))
    assert resp.choices[0].message.content == "model=abc"


def test_non_streaming_tool_call(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.script_tool_call("search_documents", {"query": "kết hôn", "top_k": 3}, id="call_1")
    resp = client.chat.completions.create(model="m", messages=user("tìm"), tools=[SEARCH_TOOL])
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 1
    call: Any = calls[0]
    assert call.id == "call_1"
    assert call.function.name == "search_documents"
    assert json.loads(call.function.arguments) == {"query": "kết hôn", "top_k": 3}
    assert llm.chat_requests[-1].body["tools"][0]["function"]["name"] == "search_documents"


def test_streamed_tool_calls_assembled_by_client(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.script_tool_calls(
        ToolCall("search_documents", {"query": "thủ tục đăng ký kết hôn tại UBND xã", "top_k": 5}),
        ToolCall("get_time", "{}"),
    )
    with client.chat.completions.stream(
        model="m", messages=user("tìm giúp tôi"), tools=[SEARCH_TOOL]
    ) as stream:
        for _event in stream:
            pass
        final = stream.get_final_completion()
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls: Any = choice.message.tool_calls
    assert [c.function.name for c in calls] == ["search_documents", "get_time"]
    assert json.loads(calls[0].function.arguments) == {
        "query": "thủ tục đăng ký kết hôn tại UBND xã",
        "top_k": 5,
    }
    assert calls[0].id != calls[1].id


def test_streamed_tool_call_arrives_in_several_argument_deltas(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.script_tool_call("search_documents", {"query": "một câu hỏi khá dài để chia nhỏ"})
    pieces: list[str] = []
    names: list[str] = []
    for chunk in client.chat.completions.create(model="m", messages=user("x"), stream=True):
        for choice in chunk.choices:
            for tc in choice.delta.tool_calls or []:
                if tc.function and tc.function.name:
                    names.append(tc.function.name)
                if tc.function and tc.function.arguments:
                    pieces.append(tc.function.arguments)
    assert names == ["search_documents"]
    assert len(pieces) > 3
    assert json.loads("".join(pieces)) == {"query": "một câu hỏi khá dài để chia nhỏ"}


def test_embeddings_float(client: openai.OpenAI, llm: FakeLLM) -> None:
    resp = client.embeddings.create(
        model="fake-embed", input=["xin chào", "tạm biệt"], encoding_format="float"
    )
    assert [d.index for d in resp.data] == [0, 1]
    vec = resp.data[0].embedding
    assert len(vec) == 384
    assert math.isclose(sum(x * x for x in vec), 1.0, rel_tol=1e-5)
    assert vec == pytest.approx(fake_embedding("xin chào"))
    assert llm.embedding_requests[-1].body["encoding_format"] == "float"


def test_embeddings_base64_is_the_client_default(client: openai.OpenAI, llm: FakeLLM) -> None:
    resp = client.embeddings.create(model="fake-embed", input=["xin chào"], dimensions=64)
    assert llm.embedding_requests[-1].body["encoding_format"] == "base64"
    assert resp.data[0].embedding == pytest.approx(fake_embedding("xin chào", 64), abs=1e-6)


def test_embeddings_base64_wire_format_is_little_endian_float32(client: openai.OpenAI) -> None:
    raw = client.embeddings.with_raw_response.create(
        model="fake-embed", input="abc", encoding_format="base64", dimensions=8
    )
    payload = json.loads(raw.http_response.text)
    decoded = struct.unpack("<8f", base64.b64decode(payload["data"][0]["embedding"]))
    assert list(decoded) == pytest.approx(fake_embedding("abc", 8), abs=1e-6)


def test_embeddings_are_deterministic_and_share_words() -> None:
    a = fake_embedding("thủ tục đăng ký kết hôn")
    assert a == fake_embedding("thủ tục đăng ký kết hôn")
    related = fake_embedding("hồ sơ đăng ký kết hôn gồm những gì")
    unrelated = fake_embedding("quyết toán thuế thu nhập cá nhân")

    def dot(x: list[float], y: list[float]) -> float:
        return sum(p * q for p, q in zip(x, y, strict=True))

    assert dot(a, related) > dot(a, unrelated)


def test_injected_429_is_rate_limit_error_with_retry_after(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.fail_next(429, retry_after=7)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="m", messages=user("x"))
    assert info.value.response.headers["retry-after"] == "7"
    # only the next request was affected
    assert client.chat.completions.create(model="m", messages=user("x")).choices[0].message.content


def test_injected_500_is_internal_server_error(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.fail_next(500, times=2, path="/embeddings")
    client.chat.completions.create(model="m", messages=user("x"))  # not matched by the path
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            client.embeddings.create(model="e", input="x")
    client.embeddings.create(model="e", input="x")


def test_client_retries_are_visible_in_recorded_requests(llm: FakeLLM) -> None:
    retrying = openai.OpenAI(base_url=llm.base_url, api_key=API_KEY, max_retries=2)
    llm.fail_next(503, times=2, retry_after=0)
    resp = retrying.embeddings.create(model="e", input="x")
    assert len(resp.data) == 1
    assert len(llm.embedding_requests) == 3


def test_wrong_api_key_is_authentication_error(llm: FakeLLM) -> None:
    bad = openai.OpenAI(base_url=llm.base_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="m", messages=user("x"))
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"


def test_injected_401(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.fail_next(401)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_hang_longer_than_client_timeout_is_timeout_error(llm: FakeLLM) -> None:
    impatient = openai.OpenAI(base_url=llm.base_url, api_key=API_KEY, max_retries=0, timeout=0.3)
    llm.hang_next(5)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="m", messages=user("x"))


def test_latency_before_first_byte(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.inject(Fault(latency=0.3))
    started = time.monotonic()
    client.chat.completions.create(model="m", messages=user("x"))
    assert time.monotonic() - started >= 0.3


def test_inter_token_delay(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.inject(Fault(token_delay=0.05))
    stamps: list[float] = []
    for chunk in client.chat.completions.create(model="m", messages=user("a b c d"), stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            stamps.append(time.monotonic())
    assert len(stamps) == 6
    assert stamps[-1] - stamps[0] >= 0.2


def test_stream_breaking_midway_raises_connection_error(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.break_next_stream(after_events=3)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(
            model="m", messages=user("một hai ba bốn năm"), stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert received == ["Trả ", "lời: "]


def test_fault_attached_to_scripted_reply(client: openai.OpenAI, llm: FakeLLM) -> None:
    llm.script(Reply(text="never seen", fault=Fault(status=500)))
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="m", messages=user("x"))


def test_per_request_fault_header(client: openai.OpenAI, llm: FakeLLM) -> None:
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="m",
            messages=user("x"),
            extra_headers={"X-Fake-Fault": json.dumps({"status": 429, "retry_after": 1})},
        )
    assert client.chat.completions.create(model="m", messages=user("x")).choices[0].message.content


def test_split_words_keeps_every_character() -> None:
    text = "  Trả lời:\n xin  chào "
    assert "".join(split_words(text)) == text


def test_reset_and_restart() -> None:
    fake = FakeLLM()
    fake.start()
    url = fake.base_url
    fake.script_text("x")
    fake.reset()
    assert fake.pending_script == 0
    fake.stop()
    fake.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = fake.base_url
    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(base_url=url, api_key="k", max_retries=0, timeout=2).models.list()


def test_fifty_concurrent_streams(llm: FakeLLM) -> None:
    llm.token_delay = 0.01

    async def one(aclient: openai.AsyncOpenAI, i: int) -> tuple[str, int, float, float]:
        stream = await aclient.chat.completions.create(
            model="m",
            messages=user(f"câu hỏi số {i} với vài từ nữa"),
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        total = 0
        opened = time.monotonic()
        async for chunk in stream:
            if chunk.usage is not None:
                total = chunk.usage.total_tokens
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
        return "".join(parts), total, opened, time.monotonic()

    async def main() -> list[tuple[str, int, float, float]]:
        async with openai.AsyncOpenAI(
            base_url=llm.base_url, api_key=API_KEY, max_retries=0, timeout=30
        ) as aclient:
            return await asyncio.gather(*(one(aclient, i) for i in range(50)))

    results = asyncio.run(main())
    assert [text for text, *_ in results] == [f"Trả lời: câu hỏi số {i} với vài từ nữa" for i in range(50)]
    assert all(total > 0 for _, total, *_ in results)
    assert len(llm.chat_requests) == 50
    # The server streams them side by side, not one after another: some stream opened before
    # another one finished (an ordering of events, not a duration).
    spans = sorted((opened, closed) for *_, opened, closed in results)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))


def test_routes_live_under_v1_only(client: openai.OpenAI, llm: FakeLLM) -> None:
    outside = openai.OpenAI(base_url=llm.base_url.removesuffix("/v1"), api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        outside.embeddings.create(model="e", input="x")
    with pytest.raises(openai.NotFoundError):
        client.completions.create(model="m", prompt="x")
