"""Every text a person reads, looked up in the gettext catalogues under kiosk/locale (zh_CN the default, en).

`tr(key, locale, **params)` looks a string up; a missing key is a programming error, never blank or the key itself."""
from __future__ import annotations

import gettext
import threading
from pathlib import Path

from kiosk.locale import LOCALE_DIR, REFERENCE_LOCALE, available_locales, mo_path, po_path

DEFAULT_LOCALE = REFERENCE_LOCALE
LOCALES = available_locales(LOCALE_DIR)


class MissingString(KeyError):
    """The code asked for a key that no catalogue has: a programming error, raised loudly."""


class UnknownLocale(ValueError):
    """A locale with no catalogue (the known ones are listed in the message)."""


class _Missing(gettext.NullTranslations):
    """The last fallback: a key the reference catalogue lacks raises instead of showing the key."""

    def __init__(self, locale_dir: Path):
        super().__init__()
        self.locale_dir = locale_dir

    def gettext(self, message: str) -> str:
        raise MissingString(f"no text for {message!r} in {po_path(self.locale_dir, REFERENCE_LOCALE)}")


class Catalogues:
    """The catalogues of one locale folder, each read once, on first use, then kept."""

    def __init__(self, locale_dir: Path = LOCALE_DIR, locales: tuple[str, ...] | None = None):
        self.locale_dir = Path(locale_dir)
        self.locales = available_locales(self.locale_dir) if locales is None else locales
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._lock = threading.RLock()   # loading en loads zh_CN, its fallback

    def resolve(self, locale: str) -> str:
        """The catalogue's name for `locale`: itself, or the one of the same language ('en_US' → 'en')."""
        if locale in self.locales:
            return locale
        language = locale.replace("-", "_").split("_")[0].lower()
        for known in self.locales:
            if known.split("_")[0].lower() == language:
                return known
        raise UnknownLocale(f"no catalogue for locale {locale!r}; known: {', '.join(self.locales)}")

    def catalogue(self, locale: str) -> gettext.NullTranslations:
        locale = self.resolve(locale)
        found = self._loaded.get(locale)
        if found is None:
            with self._lock:
                found = self._loaded.get(locale)
                if found is None:
                    found = self._load(locale)
                    self._loaded[locale] = found
        return found

    def _load(self, locale: str) -> gettext.NullTranslations:
        mo = mo_path(self.locale_dir, locale)
        if mo.exists():
            with mo.open("rb") as f:
                translations = gettext.GNUTranslations(f)
        else:   # a language added as a .po only: compile it in memory (Babel is needed only here)
            import io

            from kiosk.locale.build import compile_locale
            translations = gettext.GNUTranslations(io.BytesIO(compile_locale(self.locale_dir, locale)))
        if locale == REFERENCE_LOCALE or REFERENCE_LOCALE not in self.locales:
            translations.add_fallback(_Missing(self.locale_dir))
        else:   # an untranslated entry shows the reference text
            translations.add_fallback(self.catalogue(REFERENCE_LOCALE))
        return translations

    def tr(self, key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
        text = self.catalogue(locale).gettext(key)
        return text.format(**params) if params else text


_CATALOGUES = Catalogues(LOCALE_DIR, LOCALES)


def tr(key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
    """The string for `key` in `locale`, with {placeholders} filled from `params`."""
    return _CATALOGUES.tr(key, locale, **params)
