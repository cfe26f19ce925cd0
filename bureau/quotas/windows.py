"""The periods quotas count over: a calendar month and a day in the quota time zone
(BUREAU_QUOTA_TIME_ZONE, Asia/Ho_Chi_Minh by default), and a clock minute."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def clock() -> datetime:
    """Now, for the quotas that HTTP requests enforce and read; tests that go through HTTP stop it
    by replacing this function (the services also take `now` directly)."""
    return timezone.now()


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime  # exclusive: when the count resets


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds until a reset, at least one (the value of a Retry-After header)."""
    return max(1, math.ceil((moment - now).total_seconds()))


def quota_zone() -> ZoneInfo:
    return ZoneInfo(settings.BUREAU_QUOTA_TIME_ZONE)


def month_of(now: datetime) -> Window:
    local = now.astimezone(quota_zone())
    start = datetime.combine(local.date().replace(day=1), time(), tzinfo=local.tzinfo)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(following.date(), time(), tzinfo=local.tzinfo)
    return Window(start, end)


def day_of(now: datetime) -> Window:
    local = now.astimezone(quota_zone())
    start = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
    end = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    return Window(start, end)


def minute_of(now: datetime) -> Window:
    start = now.replace(second=0, microsecond=0)
    return Window(start, start + timedelta(minutes=1))


def local_label(moment: datetime) -> str:
    """A reset time as people read it: local clock time and date."""
    return moment.astimezone(quota_zone()).strftime("%H:%M:%S %d/%m/%Y")
