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

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from assistants.documents import nd30_check_closing as closing
from assistants.documents import nd30_check_heading as heading
from assistants.documents import nd30_check_page as page
from assistants.documents.nd30_check_findings import Check, Deviation
from assistants.documents.nd30_check_kind import RULES_FOR, DocumentKind, Group, group_label, kind_label
from assistants.documents.nd30_read import NotReadable, Read, read_document

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


def _deviations(check: Check) -> list[Deviation]:
    if check.on(Group.PAGE):
        page.page(check)
    if check.on(Group.FONT):
        page.fonts(check)
    if check.on(Group.HEADING):
        heading.national_title_and_motto(check)
    if check.on(Group.NUMBER):
        heading.number_and_symbol(check)
    if check.on(Group.DATE):
        heading.place_and_date(check)
    if check.on(Group.TITLE):
        heading.type_and_summary(check)
    if check.on(Group.TYPOGRAPHY):
        page.body_size(check)
    if check.on(Group.LAYOUT):
        page.body_layout(check)
    label = closing.recipients_label(check)
    if check.on(Group.RECIPIENTS):
        closing.recipients(check, label)
    if check.on(Group.SIGNATURE):
        closing.signature(check, label)
    return list(check.found.values())


def _result(read: Read) -> CheckResult:
    check = Check(read)
    deviations = _deviations(check)
    applicable = RULES_FOR[check.kind]
    skipped = []
    for group in Group:
        if group not in applicable:
            reason = _("does not apply to a %(kind)s") % {"kind": kind_label(check.kind)}
        elif group not in check.groups:
            reason = _("needs the formatting of a .docx file; a %(source)s is read as text only") % {
                "source": read.source.upper()
            }
        else:
            continue
        skipped.append({"check": group_label(group), "reason": reason})
    return CheckResult(
        kind=check.kind,
        kind_label=kind_label(check.kind),
        source=read.source,
        deviations=deviations,
        checked=[group_label(group) for group in Group if group in check.groups],
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
