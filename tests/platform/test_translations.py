"""Vietnamese first: every message the server can show has its Vietnamese translation."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts = re.split(r"^msgstr ", block, flags=re.MULTILINE)
        if len(parts) != 2 or "msgid " not in parts[0]:
            continue
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts[0].split("msgid ", 1)[1]))
        msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts[1]))
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_message_is_translated_and_none_is_a_guess() -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    assert [msgid for msgid, msgstr, _ in entries if not msgstr] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


def test_the_compiled_catalogue_is_in_use() -> None:
    with translation.override("vi"):
        assert translation.gettext("Department not found.") == "Không tìm thấy đơn vị."
        assert translation.gettext("Conversation not found.") == "Không tìm thấy cuộc trò chuyện."
