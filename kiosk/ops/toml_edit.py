"""Setting one string key in one table of a TOML file's text, keeping every other line and comment as it was.

The edit is proven by parsing before and after: only that key may change, or nothing is returned."""
from __future__ import annotations

import json
import re
import tomllib

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class TomlEditError(ValueError):
    """The key cannot be placed safely by a line edit (odd layout); the file should be edited by hand."""


def _table_name(line: str) -> str | None:
    """The name of the table a header line opens ("ui", "printer.usb"), or None for any other line."""
    if _ARRAY_HEADER.match(line):
        return "[["  # an array of tables: never the one we want, but it ends the previous table
    match = _HEADER.match(line.rstrip("\r\n"))
    if not match:
        return None
    return ".".join(part.strip().strip('"').strip("'") for part in match.group(1).split("."))


def toml_string(value: str) -> str:
    """`value` as a TOML basic string (JSON escaping is valid TOML for the characters it produces)."""
    return json.dumps(value, ensure_ascii=False)


def set_string_key(text: str, table: str, key: str, value: str) -> str:
    """`text` with `key = "value"` in `[table]` (replaced in place, or added after the table's last key,
    or a new table at the end). Raises TomlEditError when the result would differ in anything else."""
    if not _BARE_KEY.match(key) or not all(_BARE_KEY.match(part) for part in table.split(".")):
        raise TomlEditError(f"only bare table and key names are supported, got [{table}] {key}")
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlEditError(f"the file is not valid TOML: {exc}") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    assignment = re.compile(rf"^(\s*){re.escape(key)}\s*=\s*"
                            r"(\"(?:[^\"\\\r\n]|\\.)*\"|'[^'\r\n]*')(\s*(#.*)?)$")
    key_line = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    current: str | None = ""
    start = end = None  # the [table] header line index and the index just past its last line
    last_content = None
    for index, line in enumerate(lines):
        name = _table_name(line)
        if name is not None:
            if current == table and start is not None and end is None:
                end = index
            current = name
            if name == table:
                if start is not None:
                    raise TomlEditError(f"table [{table}] appears twice")
                start, last_content = index, index
            continue
        if current == table and start is not None and end is None:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                last_content = index
    if start is not None and end is None:
        end = len(lines)
    new_line = f"{key} = {toml_string(value)}{newline}"
    if start is None:
        if _nest_get(before, table.split(".")) is not None:
            raise TomlEditError(f"table [{table}] is defined in a way a line edit cannot extend")
        tail = [] if not lines or not lines[-1].strip() else [newline]
        lines += tail + [f"[{table}]{newline}", new_line]
    else:
        matches = [i for i in range(start + 1, end) if key_line.match(lines[i])]
        if len(matches) > 1:
            raise TomlEditError(f"key '{table}.{key}' appears more than once")
        if matches:
            i = matches[0]
            found = assignment.match(lines[i].rstrip("\r\n"))
            if not found:
                raise TomlEditError(f"the existing value of '{table}.{key}' is not a one-line string")
            lines[i] = f"{found.group(1)}{key} = {toml_string(value)}{found.group(3)}{newline}"
        else:
            lines.insert(last_content + 1, new_line)
    result = "".join(lines)
    try:
        after = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        raise TomlEditError(f"the edited file would not be valid TOML: {exc}") from None
    expected = dict(before)
    section = dict(_nest_get(before, table.split(".")) or {})
    section[key] = value
    _nest_set(expected, table.split("."), section)
    if after != expected:
        raise TomlEditError(f"setting '{table}.{key}' by a line edit would change other values")
    return result


def _nest_get(tree: dict, path: list[str]):
    for part in path:
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def _nest_set(tree: dict, path: list[str], value: dict) -> None:
    for part in path[:-1]:
        tree[part] = dict(tree.get(part, {}))
        tree = tree[part]
    tree[path[-1]] = value
