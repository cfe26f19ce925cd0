"""A document under format check and the deviations found in it; the checks of each part
(nd30_check_page, nd30_check_heading, nd30_check_closing) add theirs here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from assistants.documents.nd30 import SIZES
from assistants.documents.nd30_check_kind import NEEDS_FORMATTING, RULES_FOR, Group, Layout
from assistants.documents.nd30_read import Line, Read, Styles


@dataclass
class Deviation:
    code: str
    message_vi: str
    rule: str
    location: str
    count: int = 1  # the places where the same finding was seen

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Check:
    """One document under check: what it is, the groups of checks that apply to it, its formatting
    and the deviations found so far (each once, with how many places it was seen)."""

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
