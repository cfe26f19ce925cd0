"""The date and time in Viet Nam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving), with the weekday in
Vietnamese. Given a date, it tells the weekday of that date instead ("2/9/2026 là thứ mấy?")."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistants.tools.base import ToolContext, ToolKind, ToolResult, register

TIME_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# date.weekday(): Monday is 0.
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def weekday_vi(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def date_vi(day: date) -> str:
    """ "Thứ Tư, ngày 25 tháng 11 năm 2026"."""
    return f"{weekday_vi(day)}, ngày {day.day} tháng {day.month} năm {day.year}"


def parse_date(text: str) -> date:
    """ISO (2026-09-02) or the Vietnamese day-first form (2/9/2026, 02-09-2026)."""
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text.strip())


def describe(moment: datetime) -> dict[str, Any]:
    local = moment.astimezone(TIME_ZONE)
    return {
        "iso": local.isoformat(timespec="seconds"),
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "weekday": weekday_vi(local.date()),
        "date_vi": date_vi(local.date()),
        "text_vi": f"{local.strftime('%H:%M')}, {date_vi(local.date())}",
        "timezone": "Asia/Ho_Chi_Minh (UTC+07:00)",
    }


@register
class CurrentDatetime(ToolKind):
    kind = "current_datetime"
    label = "Ngày giờ hiện tại"
    description = (
        "Ngày giờ hiện tại ở Việt Nam (giờ Asia/Ho_Chi_Minh) và thứ trong tuần. "
        "Nếu truyền 'date', cho biết ngày đó là thứ mấy."
    )

    def functions(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": "now",
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        "date": {
                            "type": "string",
                            "description": "Tuỳ chọn: một ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY",
                        }
                    },
                },
            }
        ]

    def run(
        self,
        function_name: str,
        arguments: dict[str, Any],
        *,
        settings: dict[str, Any],
        secret: str,
        context: ToolContext,
    ) -> ToolResult:
        asked = arguments.get("date")
        if asked in (None, ""):
            data = describe(context.now)
            return ToolResult.ok(data, data["text_vi"])
        if not isinstance(asked, str):
            return ToolResult.failed("Tham số 'date' phải là chuỗi ngày, ví dụ 2026-09-02.")
        try:
            day = parse_date(asked)
        except ValueError:
            return ToolResult.failed(f"Không hiểu ngày '{asked[:40]}': dùng YYYY-MM-DD hoặc DD/MM/YYYY.")
        today = context.now.astimezone(TIME_ZONE).date()
        data = {
            "date": day.isoformat(),
            "weekday": weekday_vi(day),
            "date_vi": date_vi(day),
            "days_from_today": (day - today).days,
            "today": describe(context.now),
        }
        return ToolResult.ok(data, data["date_vi"])
