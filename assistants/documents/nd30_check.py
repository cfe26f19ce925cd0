"""Checking a document against Nghị định 30/2020/NĐ-CP: page, margins, font and sizes, the parts of the
heading (Quốc hiệu, Tiêu ngữ, number and symbol, place and date), the title, the signature and
"Nơi nhận".

The checker first tells what the document is (an administrative document, a law or decree text, an
annex, a court precedent) and applies only the rules made for it; a .doc or a PDF is read as text,
so the checks that need formatting are skipped, and the answer says which. A part that is there but
written wrongly is reported as malformed, with how to write it; the same finding is reported once,
with how many places it was seen.
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn

from assistants.documents.nd30 import (
    ABBREVIATIONS,
    FONT,
    MARGIN_TOLERANCE_MM,
    MARGINS_MM,
    MOTTO,
    NATIONAL_TITLE,
    PAGE_HEIGHT_MM,
    PAGE_TOLERANCE_MM,
    PAGE_WIDTH_MM,
    SIGNING_AUTHORITIES,
    SIZES,
)
from assistants.documents.nd30_read import Line, NotReadable, Read, Styles, read_document

__all__ = [
    "CheckResult",
    "Deviation",
    "DocumentKind",
    "NotADocx",
    "NotReadable",
    "check_document",
    "check_docx",
]

NotADocx = NotReadable  # the name callers knew when only DOCX was read

EMU_PER_MM = 36000
EMU_PER_CM = 360000
NUMBER_LOOSE = re.compile(r"^(?:(?:bộ luật|luật|pháp lệnh|lệnh)\s+)?s[ốo]\b", re.IGNORECASE)
NUMBER_LINE = re.compile(
    r"^(?:(?:Bộ luật|Luật|Pháp lệnh|Lệnh) số|Số):\s*(?P<number>\d*)\s*/\s*"
    r"(?:(?P<year>\d{4})\s*/\s*)?(?P<symbol>\S.*)$"
)
DATE_LINE = re.compile(
    r"^(?P<place>[^,]+),\s*ngày\s*(?P<day>\d{1,2})?\s+tháng\s*(?P<month>\d{1,2})?\s+năm\s+(?P<year>\d{4})\.?$"
)
DATE_LIKE = re.compile(r"ngày.*tháng.*năm", re.IGNORECASE)
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})\s*[/.\-]\s*(?P<month>\d{1,2})\s*[/.\-]\s*(?P<year>\d{4})")
AUTHORITY_LIKE = re.compile(
    r"^(?P<written>T\s*[/.]?\s*U\s*[/.]?\s*Q|T\s*[/.]?\s*[ML]|K\s*[/.]?\s*T|Q)(?P<dot>\.?)\s+\S"
)
RECIPIENTS_LABEL = re.compile(r"^Nơi nhận\s*:?$", re.IGNORECASE)
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


@dataclass
class Deviation:
    code: str
    message_vi: str
    rule: str
    location: str
    count: int = 1  # the places where the same finding was seen

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    kind: DocumentKind
    kind_label: str
    source: str  # docx, doc or pdf
    deviations: list[Deviation]
    checked: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"check", "reason"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "kind_label": self.kind_label,
            "source": self.source,
            "checked": self.checked,
            "skipped": self.skipped,
            "deviations": [deviation.as_dict() for deviation in self.deviations],
        }


def _canonical(text: str) -> str:
    """Letters only, lower case, with the old tone placement "hoà" read as "hòa"."""
    text = text.replace("OÀ", "ÒA").replace("oà", "òa").replace("Oà", "Òa")
    return "".join(character for character in text.casefold() if character.isalpha())


def _upper(text: str) -> bool:
    letters = [character for character in text if character.isalpha()]
    return bool(letters) and all(character.isupper() for character in letters)


# --- what the document is -------------------------------------------------------------------------------


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
            (line for line in self.opening if _upper(line.text) and line.text.rstrip(":") in TYPE_TITLES),
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


# --- the checks -----------------------------------------------------------------------------------------


class Checker:
    def __init__(self, read: Read) -> None:
        self.read = read
        self.lines = read.lines
        self.layout = Layout(self.lines)
        self.kind = self.layout.kind()
        self.groups = RULES_FOR[self.kind] - (set() if read.formatted else NEEDS_FORMATTING)
        self.styles = Styles(read.document) if read.document is not None else None
        self.found: dict[tuple[str, str], Deviation] = {}

    def on(self, group: Group) -> bool:
        return group in self.groups

    def add(self, code: str, message: str, rule: str, location: str) -> None:
        seen = self.found.get((code, message))
        if seen is not None:
            seen.count += 1
        else:
            self.found[(code, message)] = Deviation(code, message, rule, location)

    # reading formatting

    def sizes(self, line: Line) -> set[float]:
        if self.styles is None or line.paragraph is None:
            return set()
        return {size for run in line.runs if (size := self.styles.size(run, line.paragraph))}

    def all_runs(self, line: Line, attribute: str) -> bool:
        if self.styles is None or line.paragraph is None:
            return True
        paragraph = line.paragraph
        return bool(line.runs) and all(self.styles.flag(run, paragraph, attribute) for run in line.runs)

    def check_size(self, line: Line, part: str, code: str, what: str, rule: str) -> None:
        if not self.on(Group.TYPOGRAPHY):
            return
        least, most, _default = SIZES[part]
        wrong = sorted(size for size in self.sizes(line) if not least <= size <= most)
        if wrong:
            allowed = (
                f"{least:g}"
                if least == most
                else _("%(least)s to %(most)s") % {"least": f"{least:g}", "most": f"{most:g}"}
            )
            self.add(
                code,
                _("%(what)s uses font size %(sizes)s; the rule is size %(allowed)s.")
                % {"what": what, "sizes": ", ".join(f"{s:g}" for s in wrong), "allowed": allowed},
                rule,
                line.location,
            )

    def run(self) -> list[Deviation]:
        if self.on(Group.PAGE):
            self.page()
        if self.on(Group.FONT):
            self.fonts()
        if self.on(Group.HEADING):
            self.heading()
        if self.on(Group.NUMBER):
            self.number_and_symbol()
        if self.on(Group.DATE):
            self.date()
        if self.on(Group.TITLE):
            self.title()
        if self.on(Group.TYPOGRAPHY):
            self.body_size()
        if self.on(Group.LAYOUT):
            self.body_layout()
        label = self.recipients_label()
        if self.on(Group.RECIPIENTS):
            self.recipients(label)
        if self.on(Group.SIGNATURE):
            self.signature(label)
        return list(self.found.values())

    def page(self) -> None:
        assert self.read.document is not None
        section = self.read.document.sections[0]
        width = (section.page_width or 0) / EMU_PER_MM
        height = (section.page_height or 0) / EMU_PER_MM
        short, long = sorted((width, height))
        if abs(short - PAGE_WIDTH_MM) > PAGE_TOLERANCE_MM or abs(long - PAGE_HEIGHT_MM) > PAGE_TOLERANCE_MM:
            self.add(
                "page_size",
                _("The paper is %(width)s × %(height)s mm, not A4 (210 × 297 mm).")
                % {"width": f"{width:.1f}", "height": f"{height:.1f}"},
                "Phụ lục I, mục I.1",
                _("Page setup"),
            )
        names = {"top": _("top"), "bottom": _("bottom"), "left": _("left"), "right": _("right")}
        for side, (least, most) in MARGINS_MM.items():
            value = (getattr(section, f"{side}_margin") or 0) / EMU_PER_MM
            if not least - MARGIN_TOLERANCE_MM <= value <= most + MARGIN_TOLERANCE_MM:
                self.add(
                    f"margin_{side}",
                    _("The %(side)s margin is %(value)s mm; the rule is %(least)s to %(most)s mm.")
                    % {
                        "side": names[side],
                        "value": f"{value:.1f}",
                        "least": f"{least:g}",
                        "most": f"{most:g}",
                    },
                    "Phụ lục I, mục I.3",
                    _("Page setup"),
                )

    def fonts(self) -> None:
        assert self.styles is not None
        wrong: dict[str, str] = {}
        for line in self.lines:
            assert line.paragraph is not None
            for run in line.runs:
                name = self.styles.font(run, line.paragraph) or _("unknown")
                # "Times New Roman Bold" and the like are faces of the same family.
                if not name.strip().lower().startswith(FONT.lower()):
                    wrong.setdefault(name, line.location)
        for name, location in wrong.items():
            self.add(
                "font",
                _(
                    "The font “%(name)s” is used; the document must use Times New Roman "
                    "(Unicode, TCVN 6909:2001)."
                )
                % {"name": name[:60]},
                "Phụ lục I, mục I.4",
                location,
            )

    def _find(self, canonical: str) -> Line | None:
        matches = [line for line in self.lines if _canonical(line.text) == canonical]
        in_heading = [line for line in matches if line in self.layout.heading]
        return (in_heading or matches or [None])[0]  # type: ignore[list-item]

    def heading(self) -> None:
        rule = "Phụ lục I, mục II.1.a"
        title = self._find(_canonical(NATIONAL_TITLE))
        if title is None:
            self.add(
                "national_title_missing",
                _("The national title “%(title)s” is missing.") % {"title": NATIONAL_TITLE},
                rule,
                _("Heading"),
            )
        else:
            spelled = " ".join(title.text.replace("HOÀ", "HÒA").split())
            if spelled != NATIONAL_TITLE:
                self.add(
                    "national_title_format",
                    _("The national title is written “%(written)s”; it must read: %(title)s (capitals).")
                    % {"written": title.text[:60], "title": NATIONAL_TITLE},
                    rule,
                    title.location,
                )
            if self.on(Group.TYPOGRAPHY) and not self.all_runs(title, "bold"):
                self.add(
                    "national_title_style",
                    _("The national title must be upright and bold."),
                    rule,
                    title.location,
                )
            if self.on(Group.LAYOUT) and (title.table != 1 or title.column < 2):
                self.add(
                    "national_title_misplaced",
                    _("The national title must be at the top right of the first page (box 1)."),
                    "Phụ lục I, mục II.1.c và mục IV",
                    title.location,
                )
            self.check_size(title, "national_title", "national_title_size", _("The national title"), rule)
        rule = "Phụ lục I, mục II.1.b"
        motto = self._find(_canonical(MOTTO))
        if motto is None:
            self.add(
                "motto_missing", _("The motto “%(motto)s” is missing.") % {"motto": MOTTO}, rule, _("Heading")
            )
        else:
            if " ".join(motto.text.replace("–", "-").split()) != MOTTO:
                self.add(
                    "motto_format",
                    _("The motto is written “%(written)s”; it must read: %(motto)s.")
                    % {"written": motto.text[:60], "motto": MOTTO},
                    rule,
                    motto.location,
                )
            if self.on(Group.TYPOGRAPHY) and not self.all_runs(motto, "bold"):
                self.add("motto_style", _("The motto must be upright and bold."), rule, motto.location)
            self.check_size(motto, "motto", "motto_size", _("The motto"), rule)
            if self.on(Group.LAYOUT) and not self._underlined(motto):
                self.add(
                    "motto_underline_missing",
                    _("The motto must have a solid horizontal line under it, as long as the motto."),
                    rule,
                    motto.location,
                )
        if self.on(Group.TYPOGRAPHY):
            self.issuing_body()

    def _underlined(self, line: Line) -> bool:
        """A rule typed on the next line, a line drawn as a shape, a bottom border or underlined text."""
        index = self.lines.index(line)
        following = self.lines[index + 1 : index + 2]
        if following and following[0].container == line.container and following[0].is_rule:
            return True
        assert line.paragraph is not None
        paragraph = line.paragraph._p
        neighbours = [paragraph, paragraph.getnext()]
        shapes = (
            qn("w:drawing"),
            qn("w:pict"),
            "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent",
        )
        for element in neighbours:
            if element is None:
                continue
            if any(True for _shape in element.iter(*shapes)):
                return True
            if element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}") is not None:
                return True
        return self.all_runs(line, "underline")

    def issuing_body(self) -> None:
        """The issuing body is the last line above the rule in the heading's left column (ô 2)."""
        if not self.layout.heading_table:
            return
        column = []
        for line in self.layout.heading:
            if line.column != 1 or line is self.layout.number or line.text.startswith("V/v"):
                break
            column.append(line)
        names = [line for line in column if not line.is_rule]
        if names and not self.all_runs(names[-1], "bold"):
            self.add(
                "issuing_body_style",
                _("The name of the issuing body must be in capitals, upright and bold."),
                "Phụ lục I, mục II.2.b",
                names[-1].location,
            )

    def number_and_symbol(self) -> None:
        rule = "Phụ lục I, mục II.3"
        line = self.layout.number
        if line is None:
            self.add(
                "number_missing",
                _("The number and symbol of the document (“Số: …/…”) are missing."),
                rule,
                _("Heading"),
            )
            return
        self.check_size(line, "number", "number_size", _("The number and symbol"), "Phụ lục I, mục II.3.c")
        rule = "Phụ lục I, mục II.3.c"
        match = NUMBER_LINE.match(line.text)
        if match is None:
            if "/" not in line.text:
                problem = _("a slash (/) must separate the number from the symbol")
            else:
                problem = _("it begins with “Số:” (capital S, then a colon)")
            self.add(
                "number_format",
                _("The number line “%(written)s” is malformed: %(problem)s, e.g. “Số: 12/QĐ-UBND”.")
                % {"written": line.text[:60], "problem": problem},
                rule,
                line.location,
            )
            return
        number, symbol = match["number"], match["symbol"].strip()
        if number and int(number) < 10 and not number.startswith("0"):
            self.add(
                "number_leading_zero",
                _("A number below 10 takes a leading zero (“0%(number)s”).") % {"number": number},
                rule,
                line.location,
            )
        # Capitals, except the mixed-case abbreviations Phụ lục III itself prescribes (TTr, CTr, QyĐ).
        mixed = set(ABBREVIATIONS.values())
        groups = symbol.split("-")
        if re.search(r"\s", symbol) or any(g != g.upper() and g not in mixed for g in groups):
            self.add(
                "number_format",
                _("The symbol is written in capitals, its groups joined by hyphens (-), without spaces."),
                rule,
                line.location,
            )
        if self.kind == DocumentKind.ADMINISTRATIVE:
            self.abbreviation(line, groups[0].strip()[:20])

    def abbreviation(self, line: Line, first: str) -> None:
        title = self.layout.title.text.rstrip(":") if self.layout.title is not None else None
        known = {abbreviation.upper() for abbreviation in ABBREVIATIONS.values()}
        if title in ABBREVIATIONS and first.upper() != ABBREVIATIONS[title].upper():
            self.add(
                "wrong_abbreviation",
                _(
                    "The document is a %(type)s, so its symbol must begin with “%(abbreviation)s”, "
                    "not “%(written)s”."
                )
                % {"type": title.lower(), "abbreviation": ABBREVIATIONS[title], "written": first},
                "Phụ lục III, mục I; Phụ lục I, mục II.3.b",
                line.location,
            )
        elif (
            title is None
            and self.layout.letter_subject is not None
            and (first.upper() in known or first.upper() == "CV")
        ):
            self.add(
                "wrong_abbreviation",
                _(
                    "An official letter (công văn) has no type abbreviation: its symbol is the issuing "
                    "body's and the drafting unit's (e.g. “Số: 123/UBND-VP”), not “%(written)s”."
                )
                % {"written": first},
                "Phụ lục I, mục II.3.b",
                line.location,
            )

    def date(self) -> None:
        rule = "Phụ lục I, mục II.4"
        line = next(
            (
                line
                for line in self.layout.heading
                if DATE_LIKE.search(line.text) or ("," in line.text and NUMERIC_DATE.search(line.text))
            ),
            None,
        )
        number = self.layout.number
        if line is None and number is not None and not number.text.startswith("Số"):
            return  # a law states its date of passing at its end, not in the heading
        if line is None:
            self.add("date_missing", _("The place and date of issue are missing."), rule, _("Heading"))
            return
        match = DATE_LINE.match(line.text)
        numeric = NUMERIC_DATE.search(line.text)
        if match is None and numeric is not None:
            day, month = int(numeric["day"]), int(numeric["month"])
            spoken = "ngày " if re.search(r"ngày\s*$", line.text[: numeric.start()]) else ""
            written = f"{day:02d}" + (f" tháng {month:02d}" if month < 3 else f" tháng {month}")
            self.add(
                "date_format",
                _("“%(written)s” must be written: ngày %(date)s năm %(year)s.")
                % {"written": spoken + numeric.group(0), "date": written, "year": numeric["year"]},
                "Phụ lục I, mục II.4.b-c",
                line.location,
            )
        elif match is None:
            self.add(
                "date_format",
                _(
                    "The place and date “%(written)s” are malformed; write “Place, ngày … tháng … năm …”, "
                    "e.g. “Gia Lai, ngày 05 tháng 12 năm 2026”."
                )
                % {"written": line.text[:80]},
                "Phụ lục I, mục II.4.b-c",
                line.location,
            )
        else:
            self.date_zeros(line, match["day"] or "", match["month"] or "")
        if self.on(Group.TYPOGRAPHY) and not self.all_runs(line, "italic"):
            self.add(
                "date_style",
                _("The place and date of issue must be in italics."),
                "Phụ lục I, mục II.4.c",
                line.location,
            )
        self.check_size(line, "date", "date_size", _("The place and date"), "Phụ lục I, mục II.4.c")
        if (
            self.on(Group.LAYOUT)
            and number is not None
            and (number.table, number.row) != (line.table, line.row)
        ):
            self.add(
                "date_misplaced",
                _("The place and date must be on the same line as the number and symbol (box 4)."),
                "Phụ lục I, mục II.4.c",
                line.location,
            )

    def date_zeros(self, line: Line, day: str, month: str) -> None:
        rule = "Phụ lục I, mục II.4.b"
        if day and int(day) < 10 and not day.startswith("0"):
            self.add(
                "date_leading_zero",
                _("A day below 10 takes a leading zero (“ngày 0%(day)s”).") % {"day": day},
                rule,
                line.location,
            )
        if month and int(month) < 3 and not month.startswith("0"):
            self.add(
                "date_leading_zero",
                _("January and February take a leading zero (“tháng 0%(month)s”).") % {"month": month},
                rule,
                line.location,
            )
        elif month and int(month) >= 3 and month.startswith("0"):
            self.add(
                "date_format",
                _("Only January and February take a leading zero; write “tháng %(month)s”.")
                % {"month": int(month)},
                rule,
                line.location,
            )

    def title(self) -> None:
        layout = self.layout
        if layout.title is None and layout.letter_subject is None:
            self.add(
                "title_missing",
                _(
                    "The type and summary of the document are missing "
                    "(an official letter: the summary after “V/v”)."
                ),
                "Phụ lục I, mục II.5",
                _("After the heading"),
            )
        if self.kind != DocumentKind.ADMINISTRATIVE:
            return
        subject = layout.subject
        if self.on(Group.TYPOGRAPHY) and subject is not None and not self.all_runs(subject, "bold"):
            self.add(
                "subject_style",
                _("The summary under the document's type must be upright and bold."),
                "Phụ lục I, mục II.5.b",
                subject.location,
            )
        title = layout.title.text if layout.title is not None else ""
        needs_salutation = title == "TỜ TRÌNH" or (layout.title is None and layout.letter_subject is not None)
        if needs_salutation and not any(line.text.startswith("Kính gửi") for line in self.lines):
            self.add(
                "salutation_missing",
                _(
                    "An official letter or a submission (tờ trình) is addressed “Kính gửi:” "
                    "followed by its recipients."
                ),
                "Phụ lục I, mục II.9.b",
                _("After the heading"),
            )

    def _body(self) -> list[Line]:
        """Paragraphs of the body: outside tables, not titles, headings, rules or the salutation."""
        found, salutation = [], False
        for line in self.lines:
            if line.table is not None or not line.first or line.is_rule:
                continue
            if line is self.layout.title or line is self.layout.subject:
                continue
            if line.text.startswith("Kính gửi"):
                salutation = True
                continue
            if salutation and line.text.startswith("-"):
                continue
            salutation = False
            if _upper(line.text) or self.all_runs(line, "bold"):
                continue
            found.append(line)
        return found

    def body_size(self) -> None:
        least, most, _default = SIZES["body"]
        wrong = [
            (line, size)
            for line in self.lines
            if line.table is None and not line.is_rule
            for size in sorted(self.sizes(line))
            if not least <= size <= most
        ]
        if wrong:
            line, size = wrong[0]
            self.add(
                "body_size",
                _("The body uses font size %(size)s (%(count)s places); the rule is %(least)s to %(most)s.")
                % {"size": f"{size:g}", "count": len(wrong), "least": f"{least:g}", "most": f"{most:g}"},
                "Phụ lục I, mục II.5.b và II.6.e",
                line.location,
            )

    def body_layout(self) -> None:
        assert self.styles is not None
        rule = "Phụ lục I, mục II.6.e"
        for line in self._body():
            assert line.paragraph is not None
            alignment = self.styles.paragraph_format(line.paragraph, "alignment")
            if alignment not in (WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.DISTRIBUTE):
                self.add(
                    "body_alignment",
                    _("The body must be justified (aligned on both margins)."),
                    rule,
                    line.location,
                )
            indent = self.styles.paragraph_format(line.paragraph, "first_line_indent")
            if indent is None or indent < 0.5 * EMU_PER_CM:
                self.add(
                    "body_indent",
                    _("The first line of each paragraph of the body is indented 1 cm or 1.27 cm."),
                    rule,
                    line.location,
                )
            spacing = self.styles.paragraph_format(line.paragraph, "line_spacing")
            spacing_rule = self.styles.paragraph_format(line.paragraph, "line_spacing_rule")
            if (isinstance(spacing, float) and spacing > 1.51) or spacing_rule == WD_LINE_SPACING.DOUBLE:
                self.add(
                    "body_line_spacing",
                    _("The line spacing of the body is at least single and at most 1.5 lines."),
                    rule,
                    line.location,
                )

    def recipients_label(self) -> Line | None:
        """The first "Nơi nhận:" standing on its own line with a list under it; a sentence or a table
        column that begins with the words is not the label."""
        labels = [
            line
            for line in self.lines
            if RECIPIENTS_LABEL.match(line.text)
            and (listed := self._listed(line))
            and listed[0].text.startswith("-")
        ]
        # The first: a decree's annexed forms that follow have their own.
        return labels[0] if labels else None

    def _listed(self, label: Line) -> list[Line]:
        """The lines under the label in its cell (a converter's text interleaves the two columns)."""
        index = self.lines.index(label)
        found: list[Line] = []
        for line in self.lines[index + 1 : index + 80]:
            if line.container != label.container:
                continue
            if _upper(line.text) or AUTHORITY_LIKE.match(line.text) or len(found) >= 40:
                break
            found.append(line)
        return found

    def recipients(self, label: Line | None) -> None:
        rule = "Phụ lục I, mục II.9.d"
        if label is None:
            self.add(
                "recipients_missing",
                _("The “Nơi nhận:” part (the recipients and the line “Lưu: VT, …”) is missing."),
                "Phụ lục I, mục II.9",
                _("End of the document"),
            )
            return
        if self.on(Group.TYPOGRAPHY) and not (
            self.all_runs(label, "italic") and self.all_runs(label, "bold")
        ):
            self.add(
                "recipients_label_style",
                _("The words “Nơi nhận:” must be bold italics."),
                rule,
                label.location,
            )
        self.check_size(label, "recipients_label", "recipients_label_size", _("“Nơi nhận:”"), rule)
        listed = self._listed(label)
        for line in listed:
            self.check_size(
                line, "recipients_list", "recipients_list_size", _("The list of recipients"), rule
            )
        if not any(re.match(r"^-\s*Lưu\s*:", line.text) for line in listed):
            self.add(
                "recipients_archive_missing",
                _("The last line of the recipients must be “- Lưu: VT, …”."),
                rule,
                label.location,
            )

    def signature(self, label: Line | None) -> None:
        rule = "Phụ lục I, mục II.7"
        if label is not None and label.table is not None:
            block = [
                line
                for line in self.lines
                if (line.table, line.row) == (label.table, label.row) and line.column != label.column
            ]
            if not block:
                self.add(
                    "signature_missing",
                    _("The signer's authority, position and name are missing to the right of “Nơi nhận”."),
                    rule,
                    label.location,
                )
            elif not any(_is_name(line.text) for line in block):
                self.add(
                    "signer_name_missing",
                    _("The signer's full name is missing under the position (in lower case, bold)."),
                    "Phụ lục I, mục II.7.c và II.7.đ",
                    block[-1].location,
                )
            for line in block:
                self.check_size(
                    line, "signature", "signature_size", _("The signature block"), "Phụ lục I, mục II.7.đ"
                )
        for line in self.lines:
            match = AUTHORITY_LIKE.match(line.text)
            if match is None or not _upper(line.text):
                continue
            written = match["written"] + match["dot"]
            if written not in SIGNING_AUTHORITIES:
                letters = re.sub(r"[^A-Z]", "", match["written"]) + "."
                self.add(
                    "signing_authority_format",
                    _(
                        "The signing authority is written “%(written)s”; it must be written: %(correct)s "
                        "(one of %(all)s)."
                    )
                    % {"written": written.strip(), "correct": letters, "all": ", ".join(SIGNING_AUTHORITIES)},
                    "Phụ lục I, mục II.7.b",
                    line.location,
                )


def _is_name(text: str) -> bool:
    """A person's name: two to six words, each capitalised, not all in capitals, no brackets."""
    words = text.split()
    return (
        2 <= len(words) <= 6
        and not _upper(text)
        and all(word[0].isupper() for word in words)
        and not re.search(r"[()\d:;]", text)
    )


def _result(read: Read) -> CheckResult:
    checker = Checker(read)
    deviations = checker.run()
    applicable = RULES_FOR[checker.kind]
    skipped = []
    for group in Group:
        if group not in applicable:
            reason = _("does not apply to a %(kind)s") % {"kind": kind_label(checker.kind)}
        elif group not in checker.groups:
            reason = _("needs the formatting of a .docx file; a %(source)s is read as text only") % {
                "source": read.source.upper()
            }
        else:
            continue
        skipped.append({"check": group_label(group), "reason": reason})
    return CheckResult(
        kind=checker.kind,
        kind_label=kind_label(checker.kind),
        source=read.source,
        deviations=deviations,
        checked=[group_label(group) for group in Group if group in checker.groups],
        skipped=skipped,
    )


def check_document(data: bytes) -> CheckResult:
    """What the document is, its deviations from Nghị định 30/2020 and the checks skipped; Vietnamese
    text. Raises NotReadable for a file it cannot read (the message says why)."""
    with translation.override("vi"):
        return _result(read_document(data))


def check_docx(data: bytes) -> list[Deviation]:
    """The deviations of a DOCX (any other file raises NotReadable)."""
    if not data.startswith(b"PK"):
        with translation.override("vi"):
            raise NotReadable(_("The file is not a DOCX (Word 2007 and later)."))
    return check_document(data).deviations
