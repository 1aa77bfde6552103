"""Adding or changing a string in every catalogue at once, and taking in an old-style (zh, en) STRINGS table.

`python -m kiosk.locale.add KEY "中文" "English"`; `--from-table FILE [--base FILE]` merges a branch's STRINGS."""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog

from kiosk.locale import LOCALE_DIR, REFERENCE_LOCALE, available_locales, mo_path
from kiosk.locale.build import CatalogError, compile_locale, note, placeholders, read_catalog, text_of, write_catalog

KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def load_all(locale_dir: Path) -> dict[str, Catalog]:
    return {locale: read_catalog(locale_dir, locale) for locale in available_locales(locale_dir)}


def put(catalogs: dict[str, Catalog], key: str, texts: dict[str, str], replace: bool = False) -> bool:
    """Set `key` to `texts` (language → text) in every catalogue; False when it was already so.

    The reference text is required; other languages not in `texts` keep their text (or stay untranslated)."""
    if not KEY.match(key):
        raise CatalogError(f"key {key!r} must be dotted lower-case words, e.g. 'staff.reprint'")
    if REFERENCE_LOCALE not in texts or not texts[REFERENCE_LOCALE].strip():
        raise CatalogError(f"{key}: the {REFERENCE_LOCALE} text is required")
    unknown = set(texts) - set(catalogs)
    if unknown:
        raise CatalogError(f"{key}: no catalogue for {', '.join(sorted(unknown))}; known: {', '.join(catalogs)}")
    wanted = placeholders(texts[REFERENCE_LOCALE])
    for locale, text in texts.items():
        if placeholders(text) != wanted:
            raise CatalogError(f"{key}: the {locale} text has placeholders {sorted(placeholders(text))}, "
                               f"the {REFERENCE_LOCALE} text {sorted(wanted)}")
    changed = False
    for locale, catalog in catalogs.items():
        old = catalog.get(key)
        old_text = text_of(catalog, key)
        text = texts.get(locale, old_text or "")
        if old_text and old_text != text and not replace:
            raise CatalogError(f"{key} already reads {old_text!r} in {locale}, not {text!r}; "
                               f"pass --replace to change it")
        notes = [] if locale == REFERENCE_LOCALE else [note(REFERENCE_LOCALE, texts[REFERENCE_LOCALE])]
        if locale not in (REFERENCE_LOCALE, "en") and "en" in texts:
            notes.append(note("en", texts["en"]))
        if old is None or old.string != text or list(old.auto_comments) != notes:
            if old is not None:
                del catalog[key]   # Catalog.add would merge into the old entry and keep its text
            catalog.add(key, text, auto_comments=notes)
            changed = True
    return changed


def save_all(locale_dir: Path, catalogs: dict[str, Catalog]) -> None:
    """Write every .po and recompile its .mo, so that the running code sees the change."""
    for locale, catalog in catalogs.items():
        write_catalog(locale_dir, locale, catalog)
        mo_path(locale_dir, locale).write_bytes(compile_locale(locale_dir, locale))


def table_from_python(path: Path) -> dict[str, tuple[str, str]]:
    """The `STRINGS = {key: (zh, en)}` literal of an old i18n.py, read without running the file."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read a Python file: {exc}") from None
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id == "STRINGS" and value is not None:
            try:
                table = ast.literal_eval(value)
            except ValueError as exc:
                raise CatalogError(f"{path}: STRINGS is not a plain literal: {exc}") from None
            bad = [k for k, v in table.items() if not (isinstance(v, tuple) and len(v) == 2)]
            if bad:
                raise CatalogError(f"{path}: STRINGS entries must be (zh, en) pairs; not: {', '.join(bad[:5])}")
            return table
    raise CatalogError(f"{path}: no STRINGS = {{...}} table found")


def merge_table(locale_dir: Path, table: dict[str, tuple[str, str]], replace: bool = False,
                base: dict[str, tuple[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """Put the (zh, en) pairs of a branch's `table` in the catalogues; returns (keys written, conflicts).

    With `base` (the table the branch started from) this is a three-way merge: a pair the branch left as it
    was is skipped, a pair only the branch changed is taken. A key whose text differs on both sides (or, with
    no base, differs at all) is a conflict: reported, left as the catalogue has it, unless `replace`."""
    catalogs = load_all(locale_dir)
    reference, english = catalogs[REFERENCE_LOCALE], catalogs.get("en")
    written, conflicts = [], []
    for key, pair in table.items():
        if base is not None and base.get(key) == pair:
            continue
        current = text_of(reference, key)
        ours = None if current is None else (current, text_of(english, key) or "")
        if ours is not None and ours != pair and not replace and (base is None or base.get(key) != ours):
            conflicts.append(key)
            continue
        if put(catalogs, key, {REFERENCE_LOCALE: pair[0], "en": pair[1]}, replace=True):
            written.append(key)
    if written:
        save_all(locale_dir, catalogs)
    return written, conflicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.locale.add", description=__doc__)
    parser.add_argument("key", nargs="?", help="dotted key, e.g. staff.reprint")
    parser.add_argument("zh", nargs="?", help=f"the {REFERENCE_LOCALE} text")
    parser.add_argument("en", nargs="?", help="the English text")
    parser.add_argument("--text", action="append", default=[], metavar="LANG=TEXT",
                        help="the text in another language (repeatable)")
    parser.add_argument("--from-table", type=Path, metavar="FILE",
                        help="take every (zh, en) pair of the STRINGS table in FILE (an old kiosk/i18n.py)")
    parser.add_argument("--base", type=Path, metavar="FILE",
                        help="with --from-table: the i18n.py the branch started from (git merge-base), so that "
                             "only the branch's own changes are taken")
    parser.add_argument("--replace", action="store_true", help="change a key that already has another text")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    args = parser.parse_args(argv)
    try:
        if args.from_table:
            base = table_from_python(args.base) if args.base else None
            changed, conflicts = merge_table(args.locale_dir, table_from_python(args.from_table), args.replace, base)
            print(f"{len(changed)} strings added or changed" + (": " + ", ".join(changed) if changed else ""))
            for key in conflicts:
                print(f"conflict: {key} reads differently here and in {args.from_table}; kept this side's text "
                      f"(decide, then use --replace or add it by hand)", file=sys.stderr)
            return 1 if conflicts else 0
        if not (args.key and args.zh and args.en):
            parser.error("give KEY, the Chinese text and the English text (or --from-table FILE)")
        texts = {REFERENCE_LOCALE: args.zh, "en": args.en}
        for item in args.text:
            locale, sep, text = item.partition("=")
            if not sep:
                parser.error(f"--text expects LANG=TEXT, got {item!r}")
            texts[locale] = text
        catalogs = load_all(args.locale_dir)
        if put(catalogs, args.key, texts, args.replace):
            save_all(args.locale_dir, catalogs)
            print(f"{args.key}: written to {', '.join(catalogs)}")
        else:
            print(f"{args.key}: already so, nothing changed")
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
