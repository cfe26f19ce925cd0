"""The format checks of the heading and title: Quốc hiệu and Tiêu ngữ, the issuing body, the number
and symbol, the place and date, the type and trích yếu, and "Kính gửi" (Nghị định 30/2020, Phụ lục I,
mục II.1-5 and II.9.b; Phụ lục III).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from docx.oxml.ns import qn

from assistants.documents.nd30 import ABBREVIATIONS, MOTTO, NATIONAL_TITLE
from assistants.documents.nd30_check_findings import Check
from assistants.documents.nd30_check_kind import NUMBER_LINE, DocumentKind, Group
from assistants.documents.nd30_read import Line

DATE_LINE = re.compile(
    r"^(?P<place>[^,]+),\s*ngày\s*(?P<day>\d{1,2})?\s+tháng\s*(?P<month>\d{1,2})?\s+năm\s+(?P<year>\d{4})\.?$"
)
DATE_LIKE = re.compile(r"ngày.*tháng.*năm", re.IGNORECASE)
NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})\s*[/.\-]\s*(?P<month>\d{1,2})\s*[/.\-]\s*(?P<year>\d{4})")


def _canonical(text: str) -> str:
    """Letters only, lower case, with the old tone placement "hoà" read as "hòa"."""
    text = text.replace("OÀ", "ÒA").replace("oà", "òa").replace("Oà", "Òa")
    return "".join(character for character in text.casefold() if character.isalpha())


def _find(check: Check, canonical: str) -> Line | None:
    matches = [line for line in check.lines if _canonical(line.text) == canonical]
    in_heading = [line for line in matches if line in check.layout.heading]
    return (in_heading or matches or [None])[0]  # type: ignore[list-item]


def national_title_and_motto(check: Check) -> None:
    rule = "Phụ lục I, mục II.1.a"
    title = _find(check, _canonical(NATIONAL_TITLE))
    if title is None:
        check.add(
            "national_title_missing",
            _("The national title “%(title)s” is missing.") % {"title": NATIONAL_TITLE},
            rule,
            _("Heading"),
        )
    else:
        spelled = " ".join(title.text.replace("HOÀ", "HÒA").split())
        if spelled != NATIONAL_TITLE:
            check.add(
                "national_title_format",
                _("The national title is written “%(written)s”; it must read: %(title)s (capitals).")
                % {"written": title.text[:60], "title": NATIONAL_TITLE},
                rule,
                title.location,
            )
        if check.on(Group.TYPOGRAPHY) and not check.all_runs(title, "bold"):
            check.add(
                "national_title_style",
                _("The national title must be upright and bold."),
                rule,
                title.location,
            )
        if check.on(Group.LAYOUT) and (title.table != 1 or title.column < 2):
            check.add(
                "national_title_misplaced",
                _("The national title must be at the top right of the first page (box 1)."),
                "Phụ lục I, mục II.1.c và mục IV",
                title.location,
            )
        check.check_size(title, "national_title", "national_title_size", _("The national title"), rule)
    rule = "Phụ lục I, mục II.1.b"
    motto = _find(check, _canonical(MOTTO))
    if motto is None:
        check.add(
            "motto_missing", _("The motto “%(motto)s” is missing.") % {"motto": MOTTO}, rule, _("Heading")
        )
    else:
        if " ".join(motto.text.replace("–", "-").split()) != MOTTO:
            check.add(
                "motto_format",
                _("The motto is written “%(written)s”; it must read: %(motto)s.")
                % {"written": motto.text[:60], "motto": MOTTO},
                rule,
                motto.location,
            )
        if check.on(Group.TYPOGRAPHY) and not check.all_runs(motto, "bold"):
            check.add("motto_style", _("The motto must be upright and bold."), rule, motto.location)
        check.check_size(motto, "motto", "motto_size", _("The motto"), rule)
        if check.on(Group.LAYOUT) and not _underlined(check, motto):
            check.add(
                "motto_underline_missing",
                _("The motto must have a solid horizontal line under it, as long as the motto."),
                rule,
                motto.location,
            )
    if check.on(Group.TYPOGRAPHY):
        _issuing_body(check)


def _underlined(check: Check, line: Line) -> bool:
    """A rule typed on the next line, a line drawn as a shape, a bottom border or underlined text."""
    index = check.lines.index(line)
    following = check.lines[index + 1 : index + 2]
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
    return check.all_runs(line, "underline")


def _issuing_body(check: Check) -> None:
    """The issuing body is the last line above the rule in the heading's left column (ô 2)."""
    if not check.layout.heading_table:
        return
    column = []
    for line in check.layout.heading:
        if line.column != 1 or line is check.layout.number or line.text.startswith("V/v"):
            break
        column.append(line)
    names = [line for line in column if not line.is_rule]
    if names and not check.all_runs(names[-1], "bold"):
        check.add(
            "issuing_body_style",
            _("The name of the issuing body must be in capitals, upright and bold."),
            "Phụ lục I, mục II.2.b",
            names[-1].location,
        )


def number_and_symbol(check: Check) -> None:
    rule = "Phụ lục I, mục II.3"
    line = check.layout.number
    if line is None:
        check.add(
            "number_missing",
            _("The number and symbol of the document (“Số: …/…”) are missing."),
            rule,
            _("Heading"),
        )
        return
    check.check_size(line, "number", "number_size", _("The number and symbol"), "Phụ lục I, mục II.3.c")
    rule = "Phụ lục I, mục II.3.c"
    match = NUMBER_LINE.match(line.text)
    if match is None:
        if "/" not in line.text:
            problem = _("a slash (/) must separate the number from the symbol")
        else:
            problem = _("it begins with “Số:” (capital S, then a colon)")
        check.add(
            "number_format",
            _("The number line “%(written)s” is malformed: %(problem)s, e.g. “Số: 12/QĐ-UBND”.")
            % {"written": line.text[:60], "problem": problem},
            rule,
            line.location,
        )
        return
    number, symbol = match["number"], match["symbol"].strip()
    if number and int(number) < 10 and not number.startswith("0"):
        check.add(
            "number_leading_zero",
            _("A number below 10 takes a leading zero (“0%(number)s”).") % {"number": number},
            rule,
            line.location,
        )
    # Capitals, except the mixed-case abbreviations Phụ lục III itself prescribes (TTr, CTr, QyĐ).
    mixed = set(ABBREVIATIONS.values())
    groups = symbol.split("-")
    if re.search(r"\s", symbol) or any(g != g.upper() and g not in mixed for g in groups):
        check.add(
            "number_format",
            _("The symbol is written in capitals, its groups joined by hyphens (-), without spaces."),
            rule,
            line.location,
        )
    if check.kind == DocumentKind.ADMINISTRATIVE:
        _abbreviation(check, line, groups[0].strip()[:20])


def _abbreviation(check: Check, line: Line, first: str) -> None:
    title = check.layout.title.text.rstrip(":") if check.layout.title is not None else None
    known = {abbreviation.upper() for abbreviation in ABBREVIATIONS.values()}
    if title in ABBREVIATIONS and first.upper() != ABBREVIATIONS[title].upper():
        check.add(
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
        and check.layout.letter_subject is not None
        and (first.upper() in known or first.upper() == "CV")
    ):
        check.add(
            "wrong_abbreviation",
            _(
                "An official letter (công văn) has no type abbreviation: its symbol is the issuing "
                "body's and the drafting unit's (e.g. “Số: 123/UBND-VP”), not “%(written)s”."
            )
            % {"written": first},
            "Phụ lục I, mục II.3.b",
            line.location,
        )


def place_and_date(check: Check) -> None:
    rule = "Phụ lục I, mục II.4"
    line = next(
        (
            line
            for line in check.layout.heading
            if DATE_LIKE.search(line.text) or ("," in line.text and NUMERIC_DATE.search(line.text))
        ),
        None,
    )
    number = check.layout.number
    if line is None and number is not None and not number.text.startswith("Số"):
        return  # a law states its date of passing at its end, not in the heading
    if line is None and check.layout.title is not None and check.layout.title.text.rstrip(":") == "BIÊN BẢN":
        return  # Mẫu 1.9 (Phụ lục III): a biên bản states its time under the title, not in the heading
    if line is None:
        check.add("date_missing", _("The place and date of issue are missing."), rule, _("Heading"))
        return
    match = DATE_LINE.match(line.text)
    numeric = NUMERIC_DATE.search(line.text)
    if match is None and numeric is not None:
        day, month = int(numeric["day"]), int(numeric["month"])
        spoken = "ngày " if re.search(r"ngày\s*$", line.text[: numeric.start()]) else ""
        written = f"{day:02d}" + (f" tháng {month:02d}" if month < 3 else f" tháng {month}")
        check.add(
            "date_format",
            _("“%(written)s” must be written: ngày %(date)s năm %(year)s.")
            % {"written": spoken + numeric.group(0), "date": written, "year": numeric["year"]},
            "Phụ lục I, mục II.4.b-c",
            line.location,
        )
    elif match is None:
        check.add(
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
        _date_zeros(check, line, match["day"] or "", match["month"] or "")
    if check.on(Group.TYPOGRAPHY) and not check.all_runs(line, "italic"):
        check.add(
            "date_style",
            _("The place and date of issue must be in italics."),
            "Phụ lục I, mục II.4.c",
            line.location,
        )
    check.check_size(line, "date", "date_size", _("The place and date"), "Phụ lục I, mục II.4.c")
    if check.on(Group.LAYOUT) and number is not None and (number.table, number.row) != (line.table, line.row):
        check.add(
            "date_misplaced",
            _("The place and date must be on the same line as the number and symbol (box 4)."),
            "Phụ lục I, mục II.4.c",
            line.location,
        )


def _date_zeros(check: Check, line: Line, day: str, month: str) -> None:
    rule = "Phụ lục I, mục II.4.b"
    if day and int(day) < 10 and not day.startswith("0"):
        check.add(
            "date_leading_zero",
            _("A day below 10 takes a leading zero (“ngày 0%(day)s”).") % {"day": day},
            rule,
            line.location,
        )
    if month and int(month) < 3 and not month.startswith("0"):
        check.add(
            "date_leading_zero",
            _("January and February take a leading zero (“tháng 0%(month)s”).") % {"month": month},
            rule,
            line.location,
        )
    elif month and int(month) >= 3 and month.startswith("0"):
        check.add(
            "date_format",
            _("Only January and February take a leading zero; write “tháng %(month)s”.")
            % {"month": int(month)},
            rule,
            line.location,
        )


def type_and_summary(check: Check) -> None:
    layout = check.layout
    if layout.title is None and layout.letter_subject is None:
        check.add(
            "title_missing",
            _(
                "The type and summary of the document are missing "
                "(an official letter: the summary after “V/v”)."
            ),
            "Phụ lục I, mục II.5",
            _("After the heading"),
        )
    if check.kind != DocumentKind.ADMINISTRATIVE:
        return
    subject = layout.subject
    if check.on(Group.TYPOGRAPHY) and subject is not None and not check.all_runs(subject, "bold"):
        check.add(
            "subject_style",
            _("The summary under the document's type must be upright and bold."),
            "Phụ lục I, mục II.5.b",
            subject.location,
        )
    title = layout.title.text if layout.title is not None else ""
    needs_salutation = title == "TỜ TRÌNH" or (layout.title is None and layout.letter_subject is not None)
    if needs_salutation and not any(line.text.startswith("Kính gửi") for line in check.lines):
        check.add(
            "salutation_missing",
            _(
                "An official letter or a submission (tờ trình) is addressed “Kính gửi:” "
                "followed by its recipients."
            ),
            "Phụ lục I, mục II.9.b",
            _("After the heading"),
        )
