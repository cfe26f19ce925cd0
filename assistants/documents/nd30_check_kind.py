"""What a document is, for the format check: an administrative document, a legal document (law,
decree, circular, resolution), an annex or form, or a court precedent; the groups of checks that apply
to each; and where its parts are (``Layout``).
"""

from __future__ import annotations

import enum
import re

from django.utils.translation import gettext as _

from assistants.documents.nd30 import ABBREVIATIONS
from assistants.documents.nd30_read import Line

NUMBER_LOOSE = re.compile(r"^(?:(?:bộ luật|luật|pháp lệnh|lệnh)\s+)?s[ốo]\b", re.IGNORECASE)
NUMBER_LINE = re.compile(
    r"^(?:(?:Bộ luật|Luật|Pháp lệnh|Lệnh) số|Số):\s*(?P<number>\d*)\s*/\s*"
    r"(?:(?P<year>\d{4})\s*/\s*)?(?P<symbol>\S.*)$"
)
PRECEDENT = re.compile(r"^Án lệ số\b", re.IGNORECASE)
ANNEX = re.compile(r"^(?:Phụ lục|Mẫu số)\b", re.IGNORECASE)

# Types of legal documents (governed by the law on legal documents, not by Phụ lục III): their
# title is a title all the same, on its own line above the name of the law or the trích yếu.
LEGAL_TITLES = {
    "HIẾN PHÁP",
    "BỘ LUẬT",
    "LUẬT",
    "PHÁP LỆNH",
    "LỆNH",
    "NGHỊ ĐỊNH",
    "THÔNG TƯ",
    "THÔNG TƯ LIÊN TỊCH",
}
TYPE_TITLES = set(ABBREVIATIONS) | LEGAL_TITLES


class DocumentKind(enum.StrEnum):
    ADMINISTRATIVE = "administrative"
    LEGAL = "legal"
    ANNEX = "annex"
    COURT_PRECEDENT = "court_precedent"


class Group(enum.StrEnum):
    PAGE = "page"
    FONT = "font"
    TYPOGRAPHY = "typography"
    LAYOUT = "layout"
    HEADING = "heading"
    NUMBER = "number"
    DATE = "date"
    TITLE = "title"
    SIGNATURE = "signature"
    RECIPIENTS = "recipients"


NEEDS_FORMATTING = {Group.PAGE, Group.FONT, Group.TYPOGRAPHY, Group.LAYOUT}
RULES_FOR: dict[DocumentKind, set[Group]] = {
    DocumentKind.ADMINISTRATIVE: set(Group),
    # Laws and decrees share the page, font and parts of the heading with Phụ lục I; the sizes, the
    # layout and "Nơi nhận" of a legal document follow the law on legal documents instead.
    DocumentKind.LEGAL: {
        Group.PAGE,
        Group.FONT,
        Group.HEADING,
        Group.NUMBER,
        Group.DATE,
        Group.TITLE,
        Group.SIGNATURE,
    },
    # An annex belongs to the document it is attached to: no heading, number, date or signature.
    DocumentKind.ANNEX: {Group.PAGE, Group.FONT},
    # A precedent is a court's text, published by the Supreme People's Court: Nghị định 30 does not
    # govern it.
    DocumentKind.COURT_PRECEDENT: set(),
}


def kind_label(kind: DocumentKind) -> str:
    return {
        DocumentKind.ADMINISTRATIVE: _("administrative document"),
        DocumentKind.LEGAL: _("legal document (law, decree, circular, resolution)"),
        DocumentKind.ANNEX: _("annex or form attached to a document"),
        DocumentKind.COURT_PRECEDENT: _("court precedent"),
    }[kind]


def group_label(group: Group) -> str:
    return {
        Group.PAGE: _("paper size and margins"),
        Group.FONT: _("font"),
        Group.TYPOGRAPHY: _("size and style (bold, italic) of each part"),
        Group.LAYOUT: _("position of the parts, the line under the motto, alignment and spacing of the body"),
        Group.HEADING: _("national title and motto"),
        Group.NUMBER: _("number and symbol"),
        Group.DATE: _("place and date"),
        Group.TITLE: _("type, summary and salutation"),
        Group.SIGNATURE: _("signing authority, position and name of the signer"),
        Group.RECIPIENTS: _("recipients"),
    }[group]


def all_capitals(text: str) -> bool:
    letters = [character for character in text if character.isalpha()]
    return bool(letters) and all(character.isupper() for character in letters)


class Layout:
    """Where the parts are: the heading, the type title and trích yếu, the number line."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        top = lines[0] if lines else None
        self.heading_table = top is not None and top.table is not None
        self.heading = (
            [line for line in lines if line.table == top.table] if self.heading_table and top else lines[:12]
        )
        self.opening = [line for line in lines if line.table is None][:12]
        self.title = next(
            (
                line
                for line in self.opening
                if all_capitals(line.text) and line.text.rstrip(":") in TYPE_TITLES
            ),
            None,
        )
        self.subject: Line | None = None
        if self.title is not None:
            index = self.lines.index(self.title)
            following = self.lines[index + 1 : index + 2]
            if following and not following[0].is_rule and following[0].table is None:
                self.subject = following[0]
        self.letter_subject = next((line for line in self.heading if line.text.startswith("V/v")), None)
        self.number = next(
            (
                line
                for line in self.heading
                if NUMBER_LOOSE.match(line.text) and re.search(r"[\d/]", line.text)
            ),
            None,
        )

    def kind(self) -> DocumentKind:
        first = self.lines[:5]
        if any(PRECEDENT.match(line.text) for line in first):
            return DocumentKind.COURT_PRECEDENT
        if any(ANNEX.match(line.text) for line in self.lines[:3]) and self.number is None:
            return DocumentKind.ANNEX
        number = NUMBER_LINE.match(self.number.text) if self.number is not None else None
        legal_number = number is not None and (number["year"] or not self.number.text.startswith("Số"))  # type: ignore[union-attr]
        if legal_number or (self.title is not None and self.title.text in LEGAL_TITLES):
            return DocumentKind.LEGAL
        return DocumentKind.ADMINISTRATIVE
