"""`kiosk outbox`: lists what waits for central without personal data, and `--replay` sends it now."""
import subprocess
import sys
from pathlib import Path

from kiosk.core.outbox import Outbox
from kiosk.shared.store import open_db

REPO = Path(__file__).resolve().parents[2]


def run_outbox(config, *extra):
    return subprocess.run([sys.executable, "-m", "kiosk", "outbox", "--config", str(config), *extra], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_outbox_lists_then_replays_a_waiting_submission(tmp_path):
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace('dir = "var"', f'dir = "{tmp_path / "data"}"')
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    outbox = Outbox(open_db(tmp_path / "data" / "kiosk.sqlite3"))
    outbox.add("submission", {"item_id": "hz-hjzm",
                              "values": {"name": "张伟", "id_number": "340102198503127314", "purpose": "就业"},
                              "applicant": {"name": "张伟", "id_number": "340102198503127314"}}, "key-offline-1")
    listed = run_outbox(config)
    assert listed.returncode == 0, listed.stderr
    assert "pending 1" in listed.stdout and "submission" in listed.stdout
    assert "张伟" not in listed.stdout and "340102198503127314" not in listed.stdout
    replayed = run_outbox(config, "--replay")
    assert replayed.returncode == 0, replayed.stderr
    assert "1 were waiting, 0 still waiting" in replayed.stdout
    assert "done 1, pending 0" in replayed.stdout
    entry = outbox.get("key-offline-1")
    assert entry.state == "done" and entry.reference and entry.payload == {}
