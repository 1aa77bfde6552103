"""An icon for each catalogue category, from the Font Awesome set qtawesome ships, found by the category's name.

Provinces name their categories differently, so the match is by words in the Chinese name, with a folder icon for
a category no word matches."""
from __future__ import annotations

import functools

from PySide6.QtGui import QIcon

# (words in the Chinese name, Font Awesome 5 solid icon); the first match wins.
ICONS = (
    (("社保", "社会保险", "养老"), "fa5s.user-shield"),
    (("医保", "医疗"), "fa5s.notes-medical"),
    (("公积金",), "fa5s.piggy-bank"),
    (("税",), "fa5s.file-invoice-dollar"),
    (("不动产", "房产"), "fa5s.building"),
    (("户政", "户籍", "户口", "身份证"), "fa5s.id-card"),
    (("出入境", "护照"), "fa5s.passport"),
    (("交通", "驾驶", "车"), "fa5s.car"),
    (("婚姻",), "fa5s.ring"),
    (("民政", "救助"), "fa5s.hands-helping"),
    (("残疾",), "fa5s.wheelchair"),
    (("教育", "学"), "fa5s.graduation-cap"),
    (("就业", "人才", "人社"), "fa5s.briefcase"),
    (("市场", "企业", "工商"), "fa5s.store"),
    (("卫生", "健康"), "fa5s.heartbeat"),
    (("退役", "军人"), "fa5s.medal"),
    (("住房", "租赁"), "fa5s.home"),
    (("水", "电", "气"), "fa5s.bolt"),
    (("公证", "法律", "司法"), "fa5s.balance-scale"),
    (("文化", "旅游", "体育"), "fa5s.landmark"),
    (("农业", "农村"), "fa5s.tractor"),
)
ALL_ITEMS = "fa5s.th-large"
OTHER = "fa5s.folder-open"


def icon_name(name_zh: str) -> str:
    """The Font Awesome name for a category called `name_zh` ("" for 全部事项, the list of every item)."""
    if not name_zh:
        return ALL_ITEMS
    return next((icon for words, icon in ICONS if any(word in name_zh for word in words)), OTHER)


_loaded = False   # qtawesome loads its fonts (0.3 s) once the first screen is painted, not before


def load_icons() -> None:
    """Allow icons from now on (the window calls this after its first paint)."""
    global _loaded
    _loaded = True


def category_icon(name_zh: str, colour: str) -> QIcon:
    """The category's icon in `colour`; an empty icon until load_icons() (the buttons are redrawn then)."""
    return _icon(name_zh, colour) if _loaded else QIcon()


def _icon(name_zh: str, colour: str) -> QIcon:
    return named_icon(icon_name(name_zh), colour)


def named_icon(name: str, colour: str) -> QIcon:
    """A Font Awesome icon by its qtawesome name; an empty icon until load_icons()."""
    return _font_icon(name, colour) if _loaded else QIcon()


@functools.lru_cache(maxsize=128)
def _font_icon(name: str, colour: str) -> QIcon:
    import qtawesome

    return qtawesome.icon(name, color=colour)
