"""Setting one string key in one table of a TOML file's text with tomlkit, keeping every other line and comment.

The edit is proven by parsing before and after: only that key may change, or nothing is returned."""
from __future__ import annotations

import re
import tomllib
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import InlineTable, String, Table

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_LONE_LF = re.compile(r"(?<!\r)\n")


class TomlEditError(ValueError):
    """The key cannot be placed safely (odd layout); the file should be edited by hand."""


def set_string_key(text: str, table: str, key: str, value: str) -> str:
    """`text` with `key = "value"` in `[table]` (replaced in place keeping its comment, or added after the
    table's last key, or a new table at the end). Raises TomlEditError when the result would differ in
    anything else."""
    if not _BARE_KEY.match(key) or not all(_BARE_KEY.match(part) for part in table.split(".")):
        raise TomlEditError(f"only bare table and key names are supported, got [{table}] {key}")
    try:
        before = tomllib.loads(text)
        document = tomlkit.parse(text)
    except (tomllib.TOMLDecodeError, TOMLKitError) as exc:
        raise TomlEditError(f"the file is not valid TOML: {exc}") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    section = _find_table(document, table.split("."))
    new = tomlkit.string(value)
    new.trivia.trail = newline
    if section is None:
        parent = document
        for part in table.split(".")[:-1]:
            parent = parent.setdefault(part, tomlkit.table(is_super_table=True))
        added = tomlkit.table()
        added.add(key, new)
        added.add(tomlkit.nl())   # a blank line before whatever table follows it
        parent.add(table.split(".")[-1], added)
    elif key in section:
        old = section.value.item(key)
        if not isinstance(old, String) or old.type.is_multiline():
            raise TomlEditError(f"the existing value of '{table}.{key}' is not a one-line string")
        section[key] = new   # tomlkit keeps the old line's indent and trailing comment
    else:
        body = section.value.body
        last_key = max((i for i, (k, _) in enumerate(body) if k is not None), default=None)
        if last_key is not None and last_key + 1 < len(body):
            # After the last key, not after the blank lines and comments that lead into the next table.
            # tomlkit has no public insert; _insert_at has kept its signature across the pinned range.
            section.value._insert_at(last_key + 1, key, new)
        else:
            section.add(key, new)
    result = tomlkit.dumps(document)
    if newline == "\r\n":
        result = _LONE_LF.sub("\r\n", result)
    if section is None and result.endswith(newline * 2):
        result = result[:-len(newline)]   # the new table was the last one: no blank line at the end
    try:
        after = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        raise TomlEditError(f"the edited file would not be valid TOML: {exc}") from None
    expected = dict(before)
    current = dict(_nest_get(before, table.split(".")) or {})
    current[key] = value
    _nest_set(expected, table.split("."), current)
    if after != expected:
        raise TomlEditError(f"setting '{table}.{key}' would change other values")
    return result


def _find_table(document: tomlkit.TOMLDocument, path: list[str]) -> Table | None:
    """The [table] at `path`, None when absent; an inline table or a non-table there is refused."""
    node: Any = document
    for depth, part in enumerate(path):
        if part not in node:
            return None
        node = node[part]
        if isinstance(node, InlineTable) or not isinstance(node, Table):
            raise TomlEditError(f"[{'.'.join(path[:depth + 1])}] is not a plain table (an inline table or a "
                                f"value); edit the file by hand")
    return node


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
