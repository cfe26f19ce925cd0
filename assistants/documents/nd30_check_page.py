"""The format checks of the page and the body: paper size and margins, the font, and the body's
size, alignment, first-line indent and line spacing (Nghị định 30/2020, Phụ lục I, mục I and II.6).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING

from assistants.documents.nd30 import (
    FONT,
    MARGIN_TOLERANCE_MM,
    MARGINS_MM,
    PAGE_HEIGHT_MM,
    PAGE_TOLERANCE_MM,
    PAGE_WIDTH_MM,
    SIZES,
)
from assistants.documents.nd30_check_findings import Check
from assistants.documents.nd30_check_kind import all_capitals
from assistants.documents.nd30_read import Line

EMU_PER_MM = 36000
EMU_PER_CM = 360000


def page(check: Check) -> None:
    assert check.read.document is not None
    section = check.read.document.sections[0]
    width = (section.page_width or 0) / EMU_PER_MM
    height = (section.page_height or 0) / EMU_PER_MM
    short, long = sorted((width, height))
    if abs(short - PAGE_WIDTH_MM) > PAGE_TOLERANCE_MM or abs(long - PAGE_HEIGHT_MM) > PAGE_TOLERANCE_MM:
        check.add(
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
            check.add(
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


def fonts(check: Check) -> None:
    assert check.styles is not None
    wrong: dict[str, str] = {}
    for line in check.lines:
        assert line.paragraph is not None
        for run in line.runs:
            name = check.styles.font(run, line.paragraph) or _("unknown")
            # "Times New Roman Bold" and the like are faces of the same family.
            if not name.strip().lower().startswith(FONT.lower()):
                wrong.setdefault(name, line.location)
    for name, location in wrong.items():
        check.add(
            "font",
            _("The font “%(name)s” is used; the document must use Times New Roman (Unicode, TCVN 6909:2001).")
            % {"name": name[:60]},
            "Phụ lục I, mục I.4",
            location,
        )


def _body(check: Check) -> list[Line]:
    """Paragraphs of the body: outside tables, not titles, headings, rules or the salutation."""
    found, salutation = [], False
    for line in check.lines:
        if line.table is not None or not line.first or line.is_rule:
            continue
        if line is check.layout.title or line is check.layout.subject:
            continue
        if line.text.startswith("Kính gửi"):
            salutation = True
            continue
        if salutation and line.text.startswith("-"):
            continue
        salutation = False
        if all_capitals(line.text) or check.all_runs(line, "bold"):
            continue
        found.append(line)
    return found


def body_size(check: Check) -> None:
    least, most, _default = SIZES["body"]
    wrong = [
        (line, size)
        for line in check.lines
        if line.table is None and not line.is_rule
        for size in sorted(check.sizes(line))
        if not least <= size <= most
    ]
    if wrong:
        line, size = wrong[0]
        check.add(
            "body_size",
            _("The body uses font size %(size)s (%(count)s places); the rule is %(least)s to %(most)s.")
            % {"size": f"{size:g}", "count": len(wrong), "least": f"{least:g}", "most": f"{most:g}"},
            "Phụ lục I, mục II.5.b và II.6.e",
            line.location,
        )


def body_layout(check: Check) -> None:
    assert check.styles is not None
    rule = "Phụ lục I, mục II.6.e"
    for line in _body(check):
        assert line.paragraph is not None
        alignment = check.styles.paragraph_format(line.paragraph, "alignment")
        if alignment not in (WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.DISTRIBUTE):
            check.add(
                "body_alignment",
                _("The body must be justified (aligned on both margins)."),
                rule,
                line.location,
            )
        indent = check.styles.paragraph_format(line.paragraph, "first_line_indent")
        if indent is None or indent < 0.5 * EMU_PER_CM:
            check.add(
                "body_indent",
                _("The first line of each paragraph of the body is indented 1 cm or 1.27 cm."),
                rule,
                line.location,
            )
        spacing = check.styles.paragraph_format(line.paragraph, "line_spacing")
        spacing_rule = check.styles.paragraph_format(line.paragraph, "line_spacing_rule")
        if (isinstance(spacing, float) and spacing > 1.51) or spacing_rule == WD_LINE_SPACING.DOUBLE:
            check.add(
                "body_line_spacing",
                _("The line spacing of the body is at least single and at most 1.5 lines."),
                rule,
                line.location,
            )
