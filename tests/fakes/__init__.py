"""Test stand-ins that run as real servers on loopback (see fake_llm.FakeLLM)."""

from tests.fakes.fake_llm import FakeLLM, Fault, RecordedRequest, Reply, ToolCall, fake_embedding

__all__ = ["FakeLLM", "Fault", "RecordedRequest", "Reply", "ToolCall", "fake_embedding"]
