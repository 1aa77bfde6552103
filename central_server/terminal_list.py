"""A province's list of terminals to register at once (`kiosk central add-terminals`): CSV with a header row
(id,name,hall) or a JSON array of {"id", "name", "hall"}; every problem is reported with its line or entry.

Checked whole before anything is registered, so a bad line never leaves half a province registered."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")   # as kiosk.config checks terminal.id
FIELDS = ("id", "name", "hall")


class TerminalListError(ValueError):
    """The list cannot be registered; the message names every problem found (up to a screenful)."""


@dataclass(frozen=True)
class ListedTerminal:
    id: str
    name: str
    hall: str


def read_terminal_list(path: Path) -> list[ListedTerminal]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TerminalListError(f"{path}: cannot be read ({exc})") from None
    entries = _json_entries(text, path) if text.lstrip().startswith("[") else _csv_entries(text, path)
    problems: list[str] = []
    seen: dict[str, str] = {}
    listed = []
    for where, entry in entries:
        values = {key: str(entry.get(key) or "").strip() for key in FIELDS}
        missing = [key for key in FIELDS if not values[key]]
        if missing:
            problems.append(f"{where}: {', '.join(missing)} missing")
            continue
        if not TERMINAL_ID.fullmatch(values["id"]):
            problems.append(f"{where}: id {values['id']!r} must be 1 to 64 letters, digits or . _ : -")
            continue
        if values["id"] in seen:
            problems.append(f"{where}: id {values['id']} is listed twice (first at {seen[values['id']]})")
            continue
        seen[values["id"]] = where
        listed.append(ListedTerminal(**values))
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise TerminalListError(f"{path}: nothing registered: " + "; ".join(problems[:20]) + more)
    if not listed:
        raise TerminalListError(f"{path}: lists no terminal")
    return listed


def _csv_entries(text: str, path: Path) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    if not set(FIELDS) <= set(header):
        raise TerminalListError(f"{path}: the first line must name the columns id,name,hall (got {','.join(header)})")
    return [(f"line {reader.line_num}", {k.strip(): v for k, v in row.items() if k}) for row in reader]


def _json_entries(text: str, path: Path) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TerminalListError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise TerminalListError(f"{path}: must be a JSON array of objects with id, name and hall")
    return [(f"entry {index + 1}", entry) for index, entry in enumerate(data)]
