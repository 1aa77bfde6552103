"""Taps from the catalogue to a printed slip, for every item of the catalogue, counted by doing them: each is a
real click on the real screen (an item row, a year preset, 下一步, 提交); prefilled values and the first choice
of a list need no tap. Common items need at most 6 taps, every item at most 8.

The table this prints (pytest -s) is the one in docs/visit-flow.md."""
from __future__ import annotations

from kiosk.core.session import Stage
from kiosk.core.year_presets import year_fields
from kiosk_devtools.list_rows import ListRow
from tests.ui.conftest import wait_until

COMMON = {"sb-cbjfzm", "yb-jfjlcx", "gjj-jczm", "sw-wszm", "bdc-djxxcx", "hz-hjzm"}


class Finger:
    """Taps like a citizen and counts them."""

    def __init__(self) -> None:
        self.taps = 0

    def tap(self, target) -> None:
        self.taps += 1
        target.click()


def slip_for(kiosk, item) -> int:
    k, finger = kiosk, Finger()
    finger.tap(ListRow(k.w.catalog.items, item.id))
    wait_until(lambda: k.stage == Stage.ITEM, what=f"{item.id} opens")
    if year_fields(item.form):
        finger.tap(k.w.item.preset_buttons[2 if len(year_fields(item.form)) == 2 else 0])   # 近3年 / 今年
    finger.tap(k.w.item.next_button)
    wait_until(lambda: k.stage == Stage.CONFIRM, what=f"{item.id} confirm: {k.w.item._problems}")
    finger.tap(k.w.confirm.submit_button)
    wait_until(lambda: k.stage == Stage.RATING, timeout=20, what=f"{item.id} printed")
    assert k.c.visit.print_ok or k.c.visit.result.document is None
    return finger.taps


def test_every_item_reaches_its_slip_in_few_taps(kiosk):
    k = kiosk
    k.c.flow.submit_grace = 0.0
    table = []
    for item in k.c.terminal.items():
        k.log_in()
        table.append((item.id, item.name_zh, slip_for(k, item)))
        k.w.rating.skip_button.click()
        k.w.done.finish_button.click()
        wait_until(lambda: k.stage == Stage.HOME, what="home")
    print("\n| item | taps |\n| --- | --- |")
    for item_id, name, taps in table:
        print(f"| {name} (`{item_id}`) | {taps} |")
    assert all(taps <= 8 for _, _, taps in table), table
    assert all(taps <= 6 for item_id, _, taps in table if item_id in COMMON), table
