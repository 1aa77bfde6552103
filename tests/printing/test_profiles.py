"""Printer profiles: the shipped ones hold the facts of their models; a bad file names file and key."""
from __future__ import annotations

import pytest

from kiosk.config import default_profiles_dir
from kiosk.receipt.profiles import ProfileError, list_profiles, load_profile, read_profile_file

GOOD = """name = "{name}"
description = "test"
paper_width_mm = 80
print_width_mm = 72
width_dots = 576
dots_per_mm = 8.0
native_chinese = true
native_qr = true
cutter = true
status_support = true
escpos_profile = "default"
"""


def test_shipped_profiles_have_their_models_facts():
    profiles = {p.name: p for p in list_profiles(default_profiles_dir())}
    assert {"generic-80mm", "generic-58mm", "epson-tm-t88", "xprinter-xp-80c"} <= set(profiles)
    assert profiles["generic-80mm"].width_dots == 576 and profiles["generic-80mm"].text_columns == 48
    assert profiles["generic-58mm"].width_dots == 384 and profiles["generic-58mm"].text_columns == 32
    tm = profiles["epson-tm-t88"]
    assert (tm.width_dots, tm.native_chinese, tm.native_qr, tm.text_columns) == (512, False, True, 42)
    assert round(tm.dots_per_mm * 25.4) == 180
    xp = profiles["xprinter-xp-80c"]
    assert xp.native_chinese and xp.native_qr and xp.native_charset == "gb18030"
    assert (tm.nv_graphics, xp.nv_graphics, profiles["generic-80mm"].nv_graphics) == ("gs_l", "fs_q", "none")
    hprt, red = profiles["hprt-tp809"], profiles["hprt-tp809-red"]
    assert hprt.nv_graphics == "gs_l" and hprt.nv_capacity_bytes >= 65536 and hprt.native_chinese
    assert red.two_colour_paper and not hprt.two_colour_paper


@pytest.mark.parametrize("change,expected", [
    (lambda t: t.replace("width_dots = 576\n", ""), "missing required key 'width_dots'"),
    (lambda t: t.replace("cutter = true", 'cutter = "yes"'), "key 'cutter' must be true or false"),
    (lambda t: t + "widht = 3\n", "unknown key 'widht'"),
    (lambda t: t.replace("width_dots = 576", "width_dots = 577"), "key 'width_dots' must be a multiple of 8"),
    (lambda t: t.replace('"default"', '"TM-T88X"'), "key 'escpos_profile'"),
    (lambda t: t + "native_charset = \"big5\"\n", "key 'native_charset'"),
    (lambda t: t.replace('name = "model"', 'name = "other"'), "must match the file name"),
    (lambda t: t + "= broken", "not valid TOML"),
    (lambda t: t + 'nv_graphics = "gs-l"\n', "key 'nv_graphics' must be one of none, gs_l, fs_q"),
    (lambda t: t + 'nv_graphics = "gs_l"\n', "key 'nv_capacity_bytes' must be from 1024"),
    (lambda t: t + "nv_capacity_bytes = 65536\n", "but nv_graphics is \"none\""),
    (lambda t: t + 'two_colour_paper = "red"\n', "key 'two_colour_paper' must be true or false"),
])
def test_bad_profile_file_is_named_with_its_key(tmp_path, change, expected):
    path = tmp_path / "model.toml"
    path.write_text(change(GOOD.format(name="model")), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        read_profile_file(path)
    assert str(path) in str(info.value) and expected in str(info.value)


def test_unknown_profile_name_suggests_a_close_one(tmp_path):
    (tmp_path / "generic-80mm.toml").write_text(GOOD.format(name="generic-80mm"), encoding="utf-8")
    with pytest.raises(ProfileError, match="did you mean 'generic-80mm'"):
        load_profile("generic-80", tmp_path)
