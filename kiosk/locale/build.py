"""Babel's side of the catalogues: read and write the .po files, compile them to .mo, find stale .mo files.

Run `python -m kiosk.locale.build` after editing a .po (`--check` only reports), `--init LANG` to start a language."""
from __future__ import annotations

import argparse
import io
import string
import sys
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from kiosk.locale import DOMAIN, LOCALE_DIR, REFERENCE_LOCALE, available_locales, mo_path, po_path

HEADER = ("# Texts of the self-service kiosk: screens, staff panel, printer advice, slips.\n"
          "# msgid is the key the code asks for; zh_CN is the reference, other languages carry its text\n"
          "# as a '#.' comment. Edit with `python -m kiosk.locale.add`, then commit the .po and the .mo.\n#")


class CatalogError(Exception):
    """A catalogue cannot be read or a string cannot be added; the message says which file and key."""


def placeholders(text: str) -> set[str]:
    """The {names} a text expects, e.g. {'code'} for '核对码：{code}'."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise CatalogError(f"{text!r} is not a valid format string: {exc}") from None


def note(locale: str, text: str) -> str:
    """A '#.' comment giving another language's text on one line (a .po comment cannot hold a newline)."""
    return f"{locale}: " + " ".join(text.split("\n"))


def text_of(catalog: Catalog | None, key: str) -> str | None:
    """The text `catalog` has for `key`; None when it has no such entry (or there is no catalogue)."""
    message = catalog.get(key) if catalog is not None else None
    return None if message is None else str(message.string or "")


def new_catalog(locale: str) -> Catalog:
    return Catalog(locale=locale, domain=DOMAIN, header_comment=HEADER, project="kiosk",
                   charset="utf-8", fuzzy=False)


def read_catalog(locale_dir: Path, locale: str) -> Catalog:
    path = po_path(locale_dir, locale)
    try:
        with path.open("rb") as f:
            return read_po(f, locale=locale, domain=DOMAIN, abort_invalid=True)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from None
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"{path}: not a valid .po file: {exc}") from None


def write_catalog(locale_dir: Path, locale: str, catalog: Catalog) -> Path:
    """Write the .po sorted by key, without source locations, so that two branches' additions merge line by line."""
    path = po_path(locale_dir, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, no_location=True, sort_output=True, omit_header=False)
    path.write_bytes(buffer.getvalue())
    return path


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_locale(locale_dir: Path, locale: str) -> bytes:
    """The .mo bytes of one language's .po (untranslated entries are left out: they fall back to zh_CN)."""
    return mo_bytes(read_catalog(locale_dir, locale))


def stale_locales(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Languages whose .mo is missing or differs from what their .po compiles to."""
    stale = []
    for locale in available_locales(locale_dir):
        if not po_path(locale_dir, locale).exists():
            continue
        mo = mo_path(locale_dir, locale)
        if not mo.exists() or mo.read_bytes() != compile_locale(locale_dir, locale):
            stale.append(locale)
    return stale


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Rewrite every stale .mo; returns the languages written."""
    written = stale_locales(locale_dir)
    for locale in written:
        mo_path(locale_dir, locale).write_bytes(compile_locale(locale_dir, locale))
    return written


def init_locale(locale_dir: Path, locale: str) -> Path:
    """Start a language: every reference key with an empty text, the zh_CN and en texts as comments."""
    if po_path(locale_dir, locale).exists():
        raise CatalogError(f"{po_path(locale_dir, locale)} already exists")
    try:
        catalog = new_catalog(locale)
    except (UnknownLocaleError, ValueError) as exc:
        raise CatalogError(f"{locale!r} is not a language Babel knows (e.g. fr, ug, zh_TW): {exc}") from None
    reference = read_catalog(locale_dir, REFERENCE_LOCALE)
    english = read_catalog(locale_dir, "en") if "en" in available_locales(locale_dir) else None
    for message in reference:
        if not message.id:
            continue
        notes = [note(REFERENCE_LOCALE, str(message.string))]
        english_text = text_of(english, str(message.id))
        if english_text is not None:
            notes.append(note("en", english_text))
        catalog.add(str(message.id), "", auto_comments=notes)
    return write_catalog(locale_dir, locale, catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.locale.build", description=__doc__)
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("--check", action="store_true", help="only report .mo files that are out of date")
    parser.add_argument("--init", metavar="LANG", help="create LANG/LC_MESSAGES/kiosk.po to translate")
    args = parser.parse_args(argv)
    try:
        if args.init:
            print(f"created {init_locale(args.locale_dir, args.init)}; translate it, then run without --init")
            return 0
        if args.check:
            stale = stale_locales(args.locale_dir)
            for locale in stale:
                print(f"{mo_path(args.locale_dir, locale)} is out of date: run python -m kiosk.locale.build")
            return 1 if stale else 0
        written = compile_all(args.locale_dir)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("compiled " + ", ".join(written) if written else "every .mo is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
