"""Log lines for the staff screen: the last n lines from the end of the file, personal data masked."""
from __future__ import annotations

import logging

from kiosk.ops.logs import PersonalDataFilter, last_lines


def test_last_lines_come_oldest_first_from_the_end_of_a_long_file(tmp_path):
    path = tmp_path / "kiosk.log"
    path.write_text("".join(f"line {i}\n" for i in range(20_000)))
    assert last_lines(path, 3) == ["line 19997", "line 19998", "line 19999"]
    assert last_lines(path, 0) == []


def test_short_file_and_missing_file(tmp_path):
    path = tmp_path / "kiosk.log"
    path.write_text("only\n")
    assert last_lines(path, 10) == ["only"]
    assert last_lines(tmp_path / "none.log", 10) == []


def test_lines_are_masked_before_they_are_shown(tmp_path):
    path = tmp_path / "kiosk.log"
    path.write_text("submit by 340102195204121234 tel 13812345678\n", encoding="utf-8")
    assert last_lines(path, 1) == ["submit by 340102********1234 tel 138****5678"]


def test_filter_masks_personal_data_in_records(caplog):
    logger = logging.getLogger("kiosk.test.logs")
    handler_filter = PersonalDataFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        with caplog.at_level(logging.INFO, logger="kiosk.test.logs"):
            logger.info("lookup for %s", "13812345678")
            logger.info("printer %s ready", "xp-80c")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert caplog.messages == ["lookup for 138****5678", "printer xp-80c ready"]
