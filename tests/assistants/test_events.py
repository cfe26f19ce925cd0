"""assistants/chat/events.py: how one event of an answer is framed as a server-sent event."""

from __future__ import annotations

import json

from assistants.chat import events as ev


def _frame_lines(frame: bytes) -> list[str]:
    assert frame.endswith(b"\n\n"), frame
    return frame.decode("utf-8")[:-2].split("\n")


def test_a_text_delta_is_one_event_line_and_one_data_line_of_compact_utf8_json() -> None:
    frame = ev.Event(ev.TEXT_DELTA, {"text": "Điều 8 quy định"}).sse()

    assert frame == 'event: text.delta\ndata: {"text":"Điều 8 quy định"}\n\n'.encode()


def test_line_breaks_and_quotes_in_the_text_stay_inside_the_data_line() -> None:
    text = 'Khoản 1.\n\nKhoản 2: "được" </script>\r\n'
    data = {"text": text, "scores": {"vector": 0.5, "keyword": None}, "pages": [3, 4]}

    lines = _frame_lines(ev.Event(ev.CITATION, data).sse())

    assert lines[0] == "event: citation"
    assert len(lines) == 2 and lines[1].startswith("data: ")
    assert json.loads(lines[1].removeprefix("data: ")) == data
