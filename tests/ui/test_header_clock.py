"""The header clock reads like the slip ("2026年12月03日 12:09", "3 Dec 2026 12:09") in the terminal's configured
time zone, whatever zone the machine itself is set to."""
from __future__ import annotations


def test_the_header_clock_reads_like_the_slip_in_the_terminals_time_zone(qapp):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kiosk.ui.header import Header
    from kiosk.ui.screens.base import UiContext

    ctx = UiContext()
    moment = dt.datetime(2026, 12, 3, 4, 9, tzinfo=ZoneInfo("UTC"))       # 12:09 in Shanghai
    header = Header(ctx, "大厅", "1号", clock=lambda: moment, zone="Asia/Shanghai")
    header.tick()
    assert header.time.text() == "2026年12月03日 星期四 12:09"
    ctx.locale = "en"
    header.tick()
    assert header.time.text() == "Thu 3 Dec 2026 12:09"
