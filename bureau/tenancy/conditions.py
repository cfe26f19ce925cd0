"""Access rules written once, in the two forms the code needs them: a `Q` for the ORM, and a SQL
fragment for the statements the chat turn writes out by hand (assistants/chat/prepare.py,
assistants/conversations/services.py). Both forms come from the same function, side by side, and
tests/security/test_conditions.py checks that they select the same rows for every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

TABLE = "{t}"  # stands for the table's alias in `Condition.sql`


@dataclass(frozen=True)
class Condition:
    q: Q
    sql: str  # columns written as {t}."column"; values as %s placeholders
    params: tuple[Any, ...] = ()

    def where(self, alias: str) -> tuple[str, list[Any]]:
        """The SQL fragment for a table aliased `alias`, and its parameters in order."""
        return "(" + self.sql.replace(TABLE, alias) + ")", list(self.params)


NOTHING = Condition(q=Q(pk__in=[]), sql="FALSE")


def id_list(values: Any) -> list[int]:
    """A list of ids for `= ANY(%s::bigint[])`: a set or frozenset would not adapt to an array."""
    return sorted(int(v) for v in values)
