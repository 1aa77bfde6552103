"""The gettext catalogues: compiled files match their sources, a new language is one .po, a missing key is loud."""
import shutil
import subprocess
import sys

import pytest

from kiosk.i18n import Catalogues, MissingString, UnknownLocale, tr
from kiosk.locale import LOCALE_DIR, available_locales, mo_path, po_path
from kiosk.locale.add import main as add_main
from kiosk.locale.build import main as build_main, stale_locales

FRENCH_PO = '''msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "home.login"
msgstr "Se connecter par code QR"

msgid "login.user_code"
msgstr "Code de contrôle : {code}"
'''


@pytest.fixture
def locale_dir(tmp_path):
    """A copy of the shipped .po sources only (no .mo), as a fresh checkout of a translator's branch."""
    for locale in ("zh_CN", "en"):
        target = po_path(tmp_path, locale)
        target.parent.mkdir(parents=True)
        shutil.copy(po_path(LOCALE_DIR, locale), target)
    return tmp_path


def test_committed_mo_files_are_compiled_from_the_current_po_files():
    assert available_locales() == ("zh_CN", "en")
    assert stale_locales() == [], "run: python -m kiosk.locale.build"
    assert build_main(["--check"]) == 0


def test_check_reports_a_po_edited_after_its_mo(locale_dir, capsys):
    assert build_main(["--locale-dir", str(locale_dir)]) == 0
    assert build_main(["--locale-dir", str(locale_dir), "--check"]) == 0
    po = po_path(locale_dir, "en")
    po.write_text(po.read_text(encoding="utf-8").replace('"Log out"', '"Sign out"'), encoding="utf-8")
    assert build_main(["--locale-dir", str(locale_dir), "--check"]) == 1
    assert "en/LC_MESSAGES/kiosk.mo is out of date" in capsys.readouterr().out


def test_a_third_language_is_one_po_file(locale_dir):
    po = po_path(locale_dir, "fr")
    po.parent.mkdir(parents=True)
    po.write_text(FRENCH_PO, encoding="utf-8")
    catalogues = Catalogues(locale_dir)
    assert catalogues.locales == ("zh_CN", "en", "fr")
    assert catalogues.tr("home.login", "fr") == "Se connecter par code QR"
    assert catalogues.tr("login.user_code", "fr_FR", code="AB-12") == "Code de contrôle : AB-12"
    # Not yet translated: the reference (zh_CN) text, never the key or a blank.
    assert catalogues.tr("catalog.logout", "fr") == "退出登录"
    assert catalogues.tr("catalog.logout", "en") == "Log out"


def test_init_starts_a_language_with_every_key_and_the_reference_texts_as_comments(locale_dir):
    assert build_main(["--locale-dir", str(locale_dir), "--init", "ug"]) == 0
    text = po_path(locale_dir, "ug").read_text(encoding="utf-8")
    assert 'msgid "catalog.logout"' in text and "#. zh_CN: 退出登录" in text and "#. en: Log out" in text
    assert Catalogues(locale_dir).tr("catalog.logout", "ug") == "退出登录"


def test_a_missing_key_is_a_loud_programming_error_in_every_language():
    for locale in ("zh_CN", "en"):
        with pytest.raises(MissingString, match="no.such.key"):
            tr("no.such.key", locale)
    with pytest.raises(KeyError):
        tr("no.such.key")


def test_an_unknown_locale_is_refused_with_the_known_ones_named():
    with pytest.raises(UnknownLocale, match="zh_CN, en"):
        tr("catalog.logout", "de")
    assert tr("catalog.logout", "en_GB") == "Log out" and tr("catalog.logout", "zh") == "退出登录"


def test_each_catalogue_is_read_once_and_only_when_first_asked_for(locale_dir, monkeypatch):
    build_main(["--locale-dir", str(locale_dir)])
    loads = []
    original = Catalogues._load
    monkeypatch.setattr(Catalogues, "_load", lambda self, locale: loads.append(locale) or original(self, locale))
    catalogues = Catalogues(locale_dir)
    assert loads == []
    for _ in range(3):
        catalogues.tr("catalog.logout", "zh_CN")
    assert loads == ["zh_CN"]
    for _ in range(3):
        catalogues.tr("catalog.logout", "en")
    assert loads == ["zh_CN", "en"]


def test_importing_the_catalogue_module_reads_no_catalogue():
    code = ("import gettext, kiosk.i18n as i; "
            "assert not i._CATALOGUES._loaded, i._CATALOGUES._loaded; print(i.LOCALES)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "('zh_CN', 'en')"


def test_add_puts_a_string_in_every_catalogue_and_recompiles(locale_dir, capsys):
    assert add_main(["staff.new_button", "新按钮 {n}", "New button {n}", "--locale-dir", str(locale_dir)]) == 0
    catalogues = Catalogues(locale_dir)
    assert catalogues.tr("staff.new_button", "zh_CN", n=2) == "新按钮 2"
    assert catalogues.tr("staff.new_button", "en", n=2) == "New button 2"
    assert mo_path(locale_dir, "en").exists()
    assert "#. zh_CN: 新按钮 {n}" in po_path(locale_dir, "en").read_text(encoding="utf-8")
    assert stale_locales(locale_dir) == []


def test_add_refuses_mismatched_placeholders_bad_keys_and_silent_changes(locale_dir, capsys):
    assert add_main(["staff.x", "共 {count} 项", "{n} in all", "--locale-dir", str(locale_dir)]) == 2
    assert "placeholders" in capsys.readouterr().err
    assert add_main(["Staff X", "中", "En", "--locale-dir", str(locale_dir)]) == 2
    assert "dotted lower-case" in capsys.readouterr().err
    assert add_main(["catalog.logout", "登出", "Sign out", "--locale-dir", str(locale_dir)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert add_main(["catalog.logout", "登出", "Sign out", "--replace", "--locale-dir", str(locale_dir)]) == 0
    assert Catalogues(locale_dir).tr("catalog.logout", "en") == "Sign out"


def test_a_branch_strings_table_merges_mechanically(locale_dir, tmp_path, capsys):
    old = tmp_path / "old_i18n.py"
    old.write_text('LOCALES = ("zh_CN", "en")\nSTRINGS: dict[str, tuple[str, str]] = {\n'
                   '    "catalog.logout": ("退出登录", "Log out"),\n'
                   '    "scanner.busy": ("扫码口忙，请稍候", "The scanner is busy, please wait"),\n'
                   '}\n', encoding="utf-8")
    assert add_main(["--from-table", str(old), "--locale-dir", str(locale_dir)]) == 0
    assert "1 strings added or changed: scanner.busy" in capsys.readouterr().out
    assert Catalogues(locale_dir).tr("scanner.busy", "en") == "The scanner is busy, please wait"
    assert add_main(["--from-table", str(old), "--locale-dir", str(locale_dir)]) == 0
    assert "0 strings added" in capsys.readouterr().out


def test_dates_and_label_punctuation_follow_the_language():
    import datetime

    now = datetime.datetime(2026, 5, 1, 9, 5)   # a Friday
    weekday = {locale: tr(f"header.weekday.{now.weekday()}", locale) for locale in ("zh_CN", "en")}
    from kiosk.receipt.dates import format_when

    def clock(locale: str) -> str:
        return tr("header.clock", locale, date=format_when(now, locale, with_time=False), weekday=weekday[locale],
                  time=f"{now:%H:%M}")

    assert clock("zh_CN") == "2026年05月01日 星期五 09:05"
    assert clock("en") == "Fri 1 May 2026 09:05"
    assert tr("common.label_value", "zh_CN", label="姓名", value="张**") == "姓名：张**"
    assert tr("common.label_value", "en", label="Name", value="Zhang **") == "Name: Zhang **"


def test_a_branch_table_merges_three_way_against_the_table_it_started_from(locale_dir, tmp_path, capsys):
    def table(path, entries):
        path.write_text("STRINGS = {\n" + "".join(f"    {k!r}: ({zh!r}, {en!r}),\n" for k, (zh, en) in entries.items())
                        + "}\n", encoding="utf-8")
        return str(path)

    base = table(tmp_path / "base.py", {"catalog.logout": ("退出登录", "Log out"), "header.voice": ("再听一遍", "Hear again")})
    branch = table(tmp_path / "branch.py", {"catalog.logout": ("退出登录", "Log out"),
                                            "header.voice": ("再说一遍", "Say it again"),
                                            "header.volume": ("音量 {step}/3", "Volume {step}/3")})
    # Without the base, the branch's changed text cannot be told from ours having moved on: a conflict.
    assert add_main(["--from-table", branch, "--locale-dir", str(locale_dir)]) == 1
    assert "conflict: header.voice" in capsys.readouterr().err
    catalogues = Catalogues(locale_dir)
    assert catalogues.tr("header.voice", "en") == "Hear again" and catalogues.tr("header.volume", "en", step=2) == "Volume 2/3"
    # With it, only the branch changed header.voice: its text is taken.
    assert add_main(["--from-table", branch, "--base", base, "--locale-dir", str(locale_dir)]) == 0
    assert Catalogues(locale_dir).tr("header.voice", "zh_CN") == "再说一遍"
    # Both sides changed it: still a conflict, and this side's text stays.
    ours = table(tmp_path / "ours.py", {"header.voice": ("重听", "Again")})
    assert add_main(["--from-table", ours, "--base", base, "--locale-dir", str(locale_dir)]) == 1
    assert Catalogues(locale_dir).tr("header.voice", "zh_CN") == "再说一遍"
