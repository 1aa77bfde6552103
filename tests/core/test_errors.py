"""One root for the kiosk's own errors; old import places still work; broad catches only at thread tops."""
import ast
from pathlib import Path

import pytest

import kiosk
from kiosk.central import errors as central_errors
from kiosk.config import ConfigError, load_config
from kiosk.shared.store import StoreError, open_db
from kiosk.errors import CentralError, KioskError, PrinterError
from kiosk.printing.connections import LinkError
from kiosk.receipt.profiles import ProfileError, load_profile


def test_the_four_families_share_one_root_and_keep_their_old_import_places():
    for family in (ConfigError, StoreError, CentralError, PrinterError):
        assert issubclass(family, KioskError)
    assert central_errors.CentralError is CentralError
    for child in (central_errors.CentralUnavailable, central_errors.CentralRefused, central_errors.LoginExpired,
                  central_errors.InvalidAnswer):
        assert issubclass(child, CentralError)
    assert issubclass(ProfileError, PrinterError) and issubclass(LinkError, PrinterError)


def test_device_flow_answers_are_no_longer_exceptions():
    for gone in ("LoginPending", "SlowDown", "LoginDenied"):
        assert not hasattr(central_errors, gone)


def test_real_failures_are_caught_by_the_root(tmp_path):
    with pytest.raises(KioskError, match="nope.toml"):
        load_config(tmp_path / "nope.toml")
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(KioskError, match="cannot"):
        open_db(tmp_path / "file" / "kiosk.db")
    with pytest.raises(KioskError):
        load_profile("no-such-printer", tmp_path)


def _broad_handlers():
    for path in sorted(Path(kiosk.__file__).parent.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines), str(path))):
            if isinstance(node, ast.ExceptHandler):
                name = node.type.id if isinstance(node.type, ast.Name) else None
                if node.type is None or name in ("Exception", "BaseException"):
                    yield path, node, name, lines[node.lineno - 1]


def test_broad_catches_are_only_at_thread_tops_and_say_so():
    found = list(_broad_handlers())
    assert found, "the scan found no handler at all: it is not looking at the package"
    for path, node, name, line in found:
        where = f"{path.name}:{node.lineno}"
        assert node.type is not None, f"{where}: bare 'except:'"
        if name == "BaseException":
            assert isinstance(node.body[-1], ast.Raise), f"{where}: 'except BaseException' must re-raise"
        else:
            assert "# thread top" in line, f"{where}: 'except Exception' outside a thread top, or without saying why"
