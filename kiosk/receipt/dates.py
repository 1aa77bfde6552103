"""Dates and times as people read them on the slip and the screens: 2026年12月03日 12:09 / 3 Dec 2026 12:09.

One function, `format_when`, reads what central sends (ISO 8601 with or without a time and offset, or an already
written 2026年12月03日) and writes it in the terminal's time zone; text it cannot read is returned unchanged."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:(\d{1,2})[:：](\d{2}))?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TimeZoneError(ValueError):
    """A time zone name the system does not know; the message names it."""


def time_zone(name: str | None) -> ZoneInfo:
    """The zone called `name` (IANA, such as Asia/Shanghai); DEFAULT_TIME_ZONE when empty."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneError(f"unknown time zone {name!r} (an IANA name such as \"Asia/Shanghai\")") from None


def _parse(value: str, zone: ZoneInfo) -> tuple[dt.datetime, bool] | None:
    """(moment in `zone`, whether it has a time of day), or None when `value` is not a date we read."""
    text = value.strip()
    match = _CHINESE_DATE.match(text)
    if match:
        year, month, day, hour, minute = match.groups()
        try:
            moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=zone)
        except ValueError:
            return None
        return moment, hour is not None
    if _ISO_DATE.match(text):
        try:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), zone), False
        except ValueError:
            return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    return moment, True


def format_when(value: str | dt.datetime | dt.date, locale: str = "zh_CN", zone: str | ZoneInfo | None = None,
                with_time: bool | None = None) -> str:
    """`value` as 2026年12月03日 12:09 (zh_CN) or 3 Dec 2026 12:09 (en), in the terminal's time zone.

    A date without a time (or `with_time=False`) drops the time; an aware datetime is converted to `zone`, a
    naive one is taken as already in it; a string that is not a date comes back unchanged."""
    tz = zone if isinstance(zone, ZoneInfo) else time_zone(zone)
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
        has_time = True
    elif isinstance(value, dt.date):
        moment, has_time = dt.datetime.combine(value, dt.time(), tz), False
    else:
        parsed = _parse(value, tz)
        if parsed is None:
            return value
        moment, has_time = parsed
    show_time = has_time if with_time is None else with_time
    if locale.startswith("zh"):
        text = f"{moment.year}年{moment.month:02d}月{moment.day:02d}日"
    else:
        text = f"{moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"
    return f"{text} {moment.hour:02d}:{moment.minute:02d}" if show_time else text
