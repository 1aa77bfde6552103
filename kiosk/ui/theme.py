"""Look of the kiosk: sizes for standard and elderly mode, colours with checked contrast, the QSS.

Sizes are in pixels; every text/background pair here keeps a contrast of at least 4.5:1."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    body: int
    heading: int
    title: int
    button_text: int
    touch_min: int
    spacing: int


STANDARD = Sizes(body=22, heading=32, title=44, button_text=24, touch_min=64, spacing=16)
ELDERLY = Sizes(body=30, heading=42, title=52, button_text=32, touch_min=76, spacing=20)


@dataclass(frozen=True)
class Palette:
    background: str = "#F3F6FA"
    surface: str = "#FFFFFF"
    text: str = "#1A1F2B"
    muted: str = "#4A5568"
    primary: str = "#0B4FA6"       # government blue; white text on it
    primary_text: str = "#FFFFFF"
    accent: str = "#B42318"        # 呼叫帮办 and seals; white text on it
    accent_text: str = "#FFFFFF"
    success: str = "#146C2E"
    warning_bg: str = "#FFF4CE"
    warning_text: str = "#5C3A00"
    error_text: str = "#A4161A"
    disabled_bg: str = "#E2E6EC"
    disabled_text: str = "#4A5568"
    border: str = "#8A94A6"


PALETTE = Palette()


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an #RRGGBB colour."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Text colour, background colour: the pairs the stylesheet uses.
TEXT_PAIRS = (
    ("text", "background"), ("text", "surface"), ("muted", "surface"), ("muted", "background"),
    ("primary_text", "primary"), ("accent_text", "accent"), ("warning_text", "warning_bg"),
    ("error_text", "surface"), ("disabled_text", "disabled_bg"), ("success", "surface"), ("primary", "surface"),
)


def sizes_for(elderly: bool) -> Sizes:
    return ELDERLY if elderly else STANDARD


FONT_FAMILIES = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif'


def stylesheet(elderly: bool, palette: Palette = PALETTE) -> str:
    """The application's QSS for standard or elderly mode."""
    s = sizes_for(elderly)
    p = palette
    return f"""
* {{ font-family: {FONT_FAMILIES}; }}
QWidget#KioskRoot, QStackedWidget, QWidget#Screen {{ background: {p.background}; color: {p.text}; }}
QLabel {{ color: {p.text}; font-size: {s.body}px; }}
QLabel[role="title"] {{ font-size: {s.title}px; font-weight: 700; }}
QLabel[role="heading"] {{ font-size: {s.heading}px; font-weight: 700; }}
QLabel[role="muted"] {{ color: {p.muted}; font-size: {s.body}px; }}
QLabel[role="error"] {{ color: {p.error_text}; font-size: {s.body}px; font-weight: 700; }}
QLabel[role="notice"] {{ background: {p.warning_bg}; color: {p.warning_text}; font-size: {s.body}px;
    padding: 12px; border-radius: 8px; }}
QLabel[role="success"] {{ color: {p.success}; font-size: {s.heading}px; font-weight: 700; }}
QLabel[role="code"] {{ font-size: {s.heading}px; font-weight: 700; letter-spacing: 4px; }}
QFrame#Card {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 12px; }}
QFrame#Header {{ background: {p.primary}; }}
QFrame#Header QLabel {{ color: {p.primary_text}; }}
QLabel[role="header_title"] {{ font-size: {s.body}px; font-weight: 700; }}
QPushButton {{ font-size: {s.button_text}px; min-height: {s.touch_min}px; min-width: {s.touch_min}px;
    padding: 6px 18px; border-radius: 10px; background: {p.surface}; color: {p.primary};
    border: 2px solid {p.primary}; }}
QPushButton:pressed {{ background: {p.disabled_bg}; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.primary_text}; border: 2px solid {p.primary}; }}
QPushButton[role="help"] {{ background: {p.accent}; color: {p.accent_text}; border: 2px solid {p.accent_text}; }}
QPushButton[role="header"] {{ background: transparent; color: {p.primary_text}; border: 2px solid {p.primary_text};
    padding: 6px 12px; }}
QPushButton[role="rating"] {{ text-align: center; padding: 16px 12px; min-height: {s.touch_min * 2}px;
    font-size: {s.heading}px; background: {p.surface}; color: {p.text}; border: 2px solid {p.border}; }}
QPushButton[role="tile"] {{ text-align: left; padding: 12px 20px; background: {p.surface}; color: {p.text};
    border: 2px solid {p.border}; }}
QLabel[role="tile_name"] {{ color: {p.text}; font-size: {s.button_text}px; font-weight: 600; background: transparent; }}
QLabel[role="tile_reason"] {{ color: {p.error_text}; font-size: {s.body}px; background: transparent; }}
QLabel[role="tile_name"]:disabled, QLabel[role="tile_reason"]:disabled {{ color: {p.disabled_text}; }}
QPushButton[role="category"] {{ padding: 6px 12px; }}
QPushButton[role="category"][selected="true"] {{ background: {p.primary}; color: {p.primary_text}; }}
QPushButton:disabled {{ background: {p.disabled_bg}; color: {p.disabled_text}; border: 2px dashed {p.border}; }}
QLineEdit, QComboBox {{ font-size: {s.body}px; min-height: {s.touch_min}px; padding: 4px 12px;
    background: {p.surface}; color: {p.text}; border: 2px solid {p.border}; border-radius: 8px; }}
QLineEdit:focus {{ border: 3px solid {p.primary}; }}
QLineEdit[readOnly="true"] {{ background: {p.background}; }}
QLineEdit[invalid="true"] {{ border: 3px solid {p.error_text}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ border: none; background: transparent; }}
QComboBox QAbstractItemView {{ font-size: {s.body}px; background: {p.surface}; color: {p.text};
    selection-background-color: {p.primary}; selection-color: {p.primary_text}; }}
QComboBox QAbstractItemView::item {{ min-height: {s.touch_min}px; }}
QComboBox::drop-down {{ width: {s.touch_min}px; }}
QScrollBar:vertical {{ width: {s.spacing * 2}px; background: {p.disabled_bg}; border: none; border-radius: {s.spacing}px;
    margin: 0; }}
QScrollBar::handle:vertical {{ background: {p.border}; min-height: {s.touch_min // 2}px; border-radius: {s.spacing}px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; border: none; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
QListView#item_list QScrollBar:vertical {{ width: {s.touch_min - 16}px; border-radius: {(s.touch_min - 16) // 2}px; }}
QListView#item_list QScrollBar::handle:vertical {{ border-radius: {(s.touch_min - 16) // 2}px; }}
QPlainTextEdit {{ font-size: {s.body}px; background: {p.surface}; color: {p.text}; border: 2px solid {p.border};
    border-radius: 8px; }}
QProgressBar {{ min-height: 24px; border: 1px solid {p.border}; border-radius: 6px; background: {p.surface}; }}
QProgressBar::chunk {{ background: {p.primary}; }}
"""
