"""The chat benchmark's answers vary in length (bench_chat._closed_loop says why), and the client
still checks that each arrived whole."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.benchmarks.bench_chat import _direct_stream, start_fake
from tests.benchmarks.fake_server import answer_lengths
from tests.benchmarks.sse_client import SSEConnection, StreamError, Tokens, check_words


def _answers(url: str, lengths: range, count: int) -> list[Tokens]:
    async def ask() -> list[Tokens]:
        connection = SSEConnection(url)
        try:
            return [await _direct_stream(connection, lengths) for _ in range(count)]
        finally:
            connection.close()

    return asyncio.run(ask())


def test_the_lengths_spread_around_the_mean() -> None:
    assert answer_lengths(120, 0.5) == range(60, 181)
    assert answer_lengths(120, 0) == range(120, 121)
    assert answer_lengths(2, 0.9) == range(1, 5)  # never an empty answer
    with pytest.raises(ValueError):
        answer_lengths(120, 1)


def test_each_answer_has_a_length_of_its_own_and_arrives_whole() -> None:
    lengths = answer_lengths(10, 0.5)
    with start_fake(words=10, token_delay=0.001, vary=0.5) as url:
        answers = _answers(url, lengths, 12)  # each checked by check_words, one event per word
    sent = [answer.completion_tokens for answer in answers]
    assert all(count in lengths for count in sent if count is not None)
    assert len(set(sent)) > 1


def test_a_missing_word_or_a_length_out_of_range_is_an_error() -> None:
    with start_fake(words=6, token_delay=0.001) as url:
        [answer] = _answers(url, range(6, 7), 1)
    assert answer.completion_tokens == 6
    check_words(answer, range(6, 7), one_event_per_word=True)
    dropped = dataclasses.replace(answer, text=answer.text.replace("từ3", ""))
    with pytest.raises(StreamError, match="5 of 6 words arrived"):
        check_words(dropped, range(6, 7))
    with pytest.raises(StreamError, match="not between 7 and 9"):
        check_words(answer, range(7, 10))
    with pytest.raises(StreamError, match="did not say"):
        check_words(dataclasses.replace(answer, completion_tokens=None), range(6, 7))
