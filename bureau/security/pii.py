"""Personal data in Vietnamese text, and its replacement by placeholders before text leaves for a
language-model provider outside the organization.

What is found: citizen ID numbers (CCCD, 12 digits; the old CMND, 9 digits), phone numbers
(0…/+84…, mobile or landline, with spaces, dots or dashes), e-mail addresses, bank account numbers
and tax codes. Digits alone are ambiguous (amounts, dates, document numbers), so:

- a 12-digit run is a CCCD only when it starts with a province code and a century digit, or when
  it follows words such as "CCCD", "căn cước", "định danh";
- a 9-digit CMND, a bank account and a 10-digit tax code need their words ("CMND", "số tài khoản",
  "STK", "mã số thuế", "MST", …); a branch tax code (0101234567-001) is distinctive on its own;
- a phone number must have the shape of one once its separators are dropped (10-digit mobile
  0[35789]…, 11-digit landline 02…, or the same after +84), and must not be part of a longer
  number, an amount (1.000.000) or a document number (Số: 123/QĐ-UBND).

`Redactor` is one turn's mapping: the same value always gets the same placeholder ([CCCD_1],
[SĐT_2], …), placeholders in the model's answer are mapped back, and `counts` says how many values
of each kind were hidden (never the values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CCCD = "CCCD"
CMND = "CMND"
PHONE = "SĐT"
EMAIL = "EMAIL"
BANK_ACCOUNT = "STK"
TAX_CODE = "MST"
KINDS = (CCCD, CMND, PHONE, EMAIL, BANK_ACCOUNT, TAX_CODE)

# The first three digits of a CCCD: the province where the citizen registered at birth.
_PROVINCES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
PROVINCE_CODES = frozenset(_PROVINCES.split(" "))

# No digit, letter, or number punctuation right before or after: "1.000.000.000" and "123/QĐ" are
# not personal data, and neither is a piece of a longer number.
_BEFORE = r"(?<![\w.,/])"
_AFTER = r"(?![\w/]|[.,]\d)"
# Digits in groups, separated by one space, dot or dash.
_GROUPED = r"\d(?:[ .\-]?\d)*"
# Up to a few words between the label and the number: "CCCD số: ", "số tài khoản của ông A là ".
_GAP = r"[^\d\n\[\]]{0,30}?"

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_ID_LABEL = re.compile(
    r"\b(?P<label>CCCD|CMND|CMT|căn\s+cước(?:\s+công\s+dân)?|chứng\s+minh\s+(?:nhân\s+dân|thư)|"
    r"(?:số\s+)?định\s+danh(?:\s+cá\s+nhân)?)" + _GAP + _BEFORE + r"(?P<value>" + _GROUPED + r")" + _AFTER,
    re.IGNORECASE,
)
_ACCOUNT_LABEL = re.compile(
    r"\b(?:số\s+tài\s+khoản|STK|tài\s+khoản\s+số|số\s+TK|TK\s+số)"
    + _GAP
    + _BEFORE
    + r"(?P<value>"
    + _GROUPED
    + r")"
    + _AFTER,
    re.IGNORECASE,
)
_TAX_LABEL = re.compile(
    r"\b(?:mã\s+số\s+thuế|MST)" + _GAP + _BEFORE + r"(?P<value>\d{10}(?:\s?-\s?\d{3})?)" + _AFTER,
    re.IGNORECASE,
)
_BRANCH_TAX_CODE = re.compile(_BEFORE + r"\d{10}-\d{3}" + _AFTER)
_BARE_CCCD = re.compile(_BEFORE + r"\d{12}" + _AFTER)
_PHONE = re.compile(r"(?<![\w.,/+\-])(?:\+84|\(\+84\)|0084|\(0\d{1,3}\)|0(?=\d))(?:[ .\-]?\d){8,10}" + _AFTER)


_ANY_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    kind: str
    value: str


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phone_digits(value: str) -> str:
    """The national form (0…) of a phone number written with +84, (+84) or 0084."""
    digits = _digits(value)
    if digits.startswith("0084"):
        return "0" + digits[4:]
    if digits.startswith("84") and not value.startswith(("0", "(0")):
        return "0" + digits[2:]
    return digits


def _is_phone(value: str) -> bool:
    digits = _phone_digits(value)
    if len(digits) == 10:
        return digits[1] in "35789"
    return len(digits) == 11 and digits[1] == "2"


def _is_bare_cccd(digits: str) -> bool:
    return digits[:3] in PROVINCE_CODES and digits[3] in "0123"


def _id_kind(label: str, digits: str) -> str | None:
    if len(digits) == 12:
        return CCCD
    if len(digits) == 9 and label.lower().startswith(("cmnd", "cmt", "chứng")):
        return CMND
    return None


def find_pii(text: str) -> list[Found]:
    """The personal data in `text`, in order, without overlaps. Labelled numbers are looked for
    first, so that a bank account or a tax code that looks like a phone number is named by its label."""
    if "@" not in text and _ANY_DIGIT.search(text) is None:
        return []  # every kind needs a digit, or the @ of an e-mail: most text is done here
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str, value: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Found(start, end, kind, value))

    for match in _EMAIL.finditer(text):
        add(match.start(), match.end(), EMAIL, match.group())
    for match in _TAX_LABEL.finditer(text):
        add(match.start("value"), match.end("value"), TAX_CODE, match.group("value"))
    for match in _ACCOUNT_LABEL.finditer(text):
        digits = _digits(match.group("value"))
        if 6 <= len(digits) <= 19:
            add(match.start("value"), match.end("value"), BANK_ACCOUNT, match.group("value"))
    for match in _ID_LABEL.finditer(text):
        kind = _id_kind(match.group("label"), _digits(match.group("value")))
        if kind is not None:
            add(match.start("value"), match.end("value"), kind, match.group("value"))
    for match in _BRANCH_TAX_CODE.finditer(text):
        add(match.start(), match.end(), TAX_CODE, match.group())
    for match in _BARE_CCCD.finditer(text):
        if _is_bare_cccd(match.group()):
            add(match.start(), match.end(), CCCD, match.group())
    for match in _PHONE.finditer(text):
        if _is_phone(match.group()):
            add(match.start(), match.end(), PHONE, match.group())
    return sorted(found, key=lambda f: f.start)


def _key(kind: str, value: str) -> str:
    """Two spellings of one value share a placeholder: 0912 345 678 and 0912345678."""
    if kind == EMAIL:
        return value.lower()
    return _phone_digits(value) if kind == PHONE else _digits(value)


PLACEHOLDER = re.compile(r"\[(CCCD|CMND|SĐT|SDT|EMAIL|STK|MST)_(\d{1,6})\]")
# The longest start of a placeholder held back from a stream: "[EMAIL_" and six digits.
_LONGEST_PREFIX = max(len(k) for k in KINDS) + 8


class Redactor:
    """One turn's placeholders. Disabled, it passes text through unchanged."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._placeholders: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._numbers: dict[str, int] = {}

    @property
    def counts(self) -> dict[str, int]:
        """How many distinct values of each kind were hidden in this turn."""
        return dict(self._numbers)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, _key(kind, value))
        placeholder = self._placeholders.get(key)
        if placeholder is None:
            self._numbers[kind] = self._numbers.get(kind, 0) + 1
            placeholder = f"[{kind}_{self._numbers[kind]}]"
            self._placeholders[key] = placeholder
            self._values[placeholder] = value
        return placeholder

    def redact(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        parts: list[str] = []
        position = 0
        for found in find_pii(text):
            parts.append(text[position : found.start])
            parts.append(self._placeholder(found.kind, found.value))
            position = found.end
        parts.append(text[position:])
        return "".join(parts)

    def redact_data(self, value: Any) -> Any:
        """Every string inside a JSON-like value (keys stay as they are)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_data(v) for k, v in value.items()}
        return value

    def redact_json_text(self, text: str) -> str:
        """A tool's result: JSON is redacted value by value, so that an escaped newline or quote
        next to a number does not hide it; other text is redacted as it is."""
        if not self.enabled or not text:
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return self.redact(text)
        if not isinstance(data, dict | list):
            return self.redact(text)
        return json.dumps(self.redact_data(data), ensure_ascii=False)

    def restore(self, text: str) -> str:
        if not self._values or "[" not in text:
            return text
        return PLACEHOLDER.sub(self._original, text)

    def restore_data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore_data(v) for k, v in value.items()}
        return value

    def _original(self, match: re.Match[str]) -> str:
        kind = PHONE if match.group(1) == "SDT" else match.group(1)
        return self._values.get(f"[{kind}_{match.group(2)}]", match.group())

    def stream(self) -> StreamRestorer:
        return StreamRestorer(self.restore if self._values else None)


class StreamRestorer:
    """Maps placeholders back in a streamed answer, where one may arrive split across deltas
    ("[SĐ" + "T_1]"). Only a trailing piece that can still become a placeholder is held back, at
    most a dozen characters, until the next delta or the end."""

    def __init__(self, restore: Callable[[str], str] | None) -> None:
        self._restore = restore
        self._held = ""

    def feed(self, delta: str) -> str:
        if self._restore is None:
            return delta
        text = self._held + delta
        cut = _partial_placeholder_start(text)
        self._held = text[cut:]
        return self._restore(text[:cut])

    def flush(self) -> str:
        held, self._held = self._held, ""
        return self._restore(held) if self._restore is not None and held else held


def _partial_placeholder_start(text: str) -> int:
    """Where a trailing unfinished placeholder starts, or len(text) when there is none."""
    start = text.rfind("[", max(0, len(text) - _LONGEST_PREFIX))
    if start < 0:
        return len(text)
    tail = text[start + 1 :]
    for kind in (*KINDS, "SDT"):
        head = kind + "_"
        if head.startswith(tail) or (tail.startswith(head) and tail[len(head) :].isdigit()):
            return start
    return len(text)
