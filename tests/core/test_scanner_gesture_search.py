"""Qt-free helpers of the citizen's screens: the card scanner's burst, the staff corner gesture, item search.

Key timings and tap times are given explicitly, so each rule is proven without a display."""
from kiosk.core.corner_taps import CornerTaps
from kiosk.core.item_search import search_items
from kiosk.core.scanner import WedgeClassifier
from tests.core.samples import sample_item


def feed(classifier, text, start=0.0, gap=8.0, enter_gap=None):
    t = start
    result = None
    for ch in text:
        assert classifier.feed(ch, t) is None
        t += gap
    result = classifier.feed("\r", t - gap + (enter_gap if enter_gap is not None else gap))
    return result


def test_a_fast_burst_ending_in_enter_is_a_scanned_code():
    assert feed(WedgeClassifier(), "ESSC1-7F3A9C2E51D84B60") == "ESSC1-7F3A9C2E51D84B60"


def test_a_person_typing_the_same_characters_is_not_a_scan():
    assert feed(WedgeClassifier(), "ESSC1-7F3A9C2E51D84B60", gap=180) is None


def test_one_slow_key_inside_a_burst_starts_a_new_burst():
    c = WedgeClassifier()
    for i, ch in enumerate("abc"):
        c.feed(ch, i * 200.0)                      # typed by hand
    assert feed(c, "XYZ12345", start=1000.0) == "XYZ12345"   # the scanner's burst alone


def test_a_short_burst_or_a_slow_enter_is_not_a_code():
    assert feed(WedgeClassifier(), "ab12") is None
    assert feed(WedgeClassifier(), "ABCDEFGH", enter_gap=400) is None


def test_reset_forgets_a_burst_in_progress():
    c = WedgeClassifier()
    for i, ch in enumerate("ABCDEFG"):
        c.feed(ch, i * 5.0)
    assert c.pending == 7
    c.reset()
    assert c.pending == 0 and c.feed("\r", 40.0) is None


def test_five_corner_taps_within_three_seconds_trigger_once():
    taps = CornerTaps()
    assert [taps.tap(10, 20, t) for t in (0.0, 0.5, 1.0, 1.5, 2.0)] == [False] * 4 + [True]
    assert taps.tap(10, 20, 2.1) is False          # counting starts again


def test_slow_taps_or_a_tap_elsewhere_do_not_trigger():
    taps = CornerTaps()
    assert not any(taps.tap(5, 5, t) for t in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0) if t < 3.5)
    taps = CornerTaps()
    results = [taps.tap(5, 5, 0.1 * i) for i in range(4)] + [taps.tap(900, 500, 0.5), taps.tap(5, 5, 0.6)]
    assert not any(results)


def test_search_finds_items_by_name_keyword_and_spread_out_pinyin_initials():
    social = sample_item()                                            # keywords: sbcbjfzm, 社保
    tax = sample_item(id="tax", name_zh="个人所得税完税证明", name_en="Tax certificate", keywords=["grsdswszm"])
    items = [tax, social]
    assert search_items(items, "sbjf") == [social]                   # s-b-(c-b)-j-f
    assert search_items(items, "缴费") == [social]
    assert search_items(items, "certificate") == [tax, social]
    assert search_items(items, "wszm") == [tax]                      # contiguous part of the initials
    assert search_items(items, "bcf") == []                          # spread-out initials must start alike
    assert search_items(items, "") == items


def test_direct_matches_rank_before_initials_matches():
    a = sample_item(id="a", name_zh="社保卡挂失", name_en="Card", keywords=["sbkgs"])
    b = sample_item(id="b", name_zh="其他", name_en="Other", keywords=["sgx", "sbk"])
    assert search_items([a, b], "sbk") == [b, a]    # b's keyword is exactly "sbk", a's only starts so
    assert search_items([a, b], "sbkg") == [a]
    assert search_items([b, a], "sbg")[0] is a      # only a matches, by initials
