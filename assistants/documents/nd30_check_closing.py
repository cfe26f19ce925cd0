"""The format checks of the end of a document: the signature block (signing authority, position,
the signer's name) and "Nơi nhận" (Nghị định 30/2020, Phụ lục I, mục II.7 and II.9).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from assistants.documents.nd30 import SIGNING_AUTHORITIES
from assistants.documents.nd30_check_findings import Check
from assistants.documents.nd30_check_kind import Group, all_capitals
from assistants.documents.nd30_read import Line

AUTHORITY_LIKE = re.compile(
    r"^(?P<written>T\s*[/.]?\s*U\s*[/.]?\s*Q|T\s*[/.]?\s*[ML]|K\s*[/.]?\s*T|Q)(?P<dot>\.?)\s+\S"
)
RECIPIENTS_LABEL = re.compile(r"^Nơi nhận\s*:?$", re.IGNORECASE)


def recipients_label(check: Check) -> Line | None:
    """The first "Nơi nhận:" standing on its own line with a list under it; a sentence or a table
    column that begins with the words is not the label."""
    labels = [
        line
        for line in check.lines
        if RECIPIENTS_LABEL.match(line.text)
        and (listed := _listed(check, line))
        and listed[0].text.startswith("-")
    ]
    # The first: a decree's annexed forms that follow have their own.
    return labels[0] if labels else None


def _listed(check: Check, label: Line) -> list[Line]:
    """The lines under the label in its cell (a converter's text interleaves the two columns)."""
    index = check.lines.index(label)
    found: list[Line] = []
    for line in check.lines[index + 1 : index + 80]:
        if line.container != label.container:
            continue
        if all_capitals(line.text) or AUTHORITY_LIKE.match(line.text) or len(found) >= 40:
            break
        found.append(line)
    return found


def recipients(check: Check, label: Line | None) -> None:
    rule = "Phụ lục I, mục II.9.d"
    if label is None:
        check.add(
            "recipients_missing",
            _("The “Nơi nhận:” part (the recipients and the line “Lưu: VT, …”) is missing."),
            "Phụ lục I, mục II.9",
            _("End of the document"),
        )
        return
    if check.on(Group.TYPOGRAPHY) and not (check.all_runs(label, "italic") and check.all_runs(label, "bold")):
        check.add(
            "recipients_label_style",
            _("The words “Nơi nhận:” must be bold italics."),
            rule,
            label.location,
        )
    check.check_size(label, "recipients_label", "recipients_label_size", _("“Nơi nhận:”"), rule)
    listed = _listed(check, label)
    for line in listed:
        check.check_size(line, "recipients_list", "recipients_list_size", _("The list of recipients"), rule)
    if not any(re.match(r"^-\s*Lưu\s*:", line.text) for line in listed):
        check.add(
            "recipients_archive_missing",
            _("The last line of the recipients must be “- Lưu: VT, …”."),
            rule,
            label.location,
        )


def signature(check: Check, label: Line | None) -> None:
    rule = "Phụ lục I, mục II.7"
    if label is not None and label.table is not None:
        block = [
            line
            for line in check.lines
            if (line.table, line.row) == (label.table, label.row) and line.column != label.column
        ]
        if not block:
            check.add(
                "signature_missing",
                _("The signer's authority, position and name are missing to the right of “Nơi nhận”."),
                rule,
                label.location,
            )
        elif not any(_is_name(line.text) for line in block):
            check.add(
                "signer_name_missing",
                _("The signer's full name is missing under the position (in lower case, bold)."),
                "Phụ lục I, mục II.7.c và II.7.đ",
                block[-1].location,
            )
        for line in block:
            check.check_size(
                line, "signature", "signature_size", _("The signature block"), "Phụ lục I, mục II.7.đ"
            )
    for line in check.lines:
        match = AUTHORITY_LIKE.match(line.text)
        if match is None or not all_capitals(line.text):
            continue
        written = match["written"] + match["dot"]
        if written not in SIGNING_AUTHORITIES:
            letters = re.sub(r"[^A-Z]", "", match["written"]) + "."
            check.add(
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
        and not all_capitals(text)
        and all(word[0].isupper() for word in words)
        and not re.search(r"[()\d:;]", text)
    )
