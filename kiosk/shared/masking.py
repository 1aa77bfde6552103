"""Masking of personal data for paper and screen: ID numbers, phone numbers, names.

An ID number keeps its first 6 and last 4 characters, a phone 3 + 4, a name the family name."""
from __future__ import annotations

# Two-character family names (复姓) that keep both characters when a name is masked.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 万俟 闻人 呼延 澹台 公冶 申屠".split()
)


def mask_id_number(value: str) -> str:
    """340102195204121234 → 340102********1234; too short to keep 6 + 4 → all masked."""
    text = value.strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; shorter numbers keep at most a third on each side."""
    text = value.strip()
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    keep = len(text) // 3
    return text[:keep] + "*" * (len(text) - 2 * keep) + (text[-keep:] if keep else "")


def mask_name(value: str) -> str:
    """张桂英 → 张**, 欧阳修 → 欧阳*; a Latin name keeps its first word's initial."""
    text = value.strip()
    if not text:
        return text
    if text.isascii():
        first, _, rest = text.partition(" ")
        return first[0] + "*" * (len(first) - 1) + (" " + "*" * len(rest) if rest else "")
    keep = 2 if text[:2] in COMPOUND_SURNAMES and len(text) > 2 else 1
    return text[:keep] + "*" * (len(text) - keep)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}


def mask_value(kind: str, value: str) -> str:
    """Mask `value` as `kind` ("" means no masking); an unknown kind is an error, never a silent pass."""
    if not kind:
        return value
    try:
        return MASKERS[kind](value)
    except KeyError:
        raise ValueError(f"unknown mask kind {kind!r} (known: {', '.join(MASKERS)})") from None
