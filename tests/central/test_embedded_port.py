"""The embedded central (the demo's and a first try's) listens on the same port after a restart, so the hall page
staff opened stays where it was; a taken port or a damaged port file falls back to a free port."""
from __future__ import annotations


def test_the_embedded_central_keeps_its_port_across_restarts(tmp_path):
    from central_server.embedded import start_embedded_central

    first = start_embedded_central(tmp_path / "central", "T-1", "1号", "大厅")
    url = first.base_url
    first.stop()
    again = start_embedded_central(tmp_path / "central", "T-1", "1号", "大厅")
    try:
        assert again.base_url == url                     # the hall page is where staff bookmarked it
    finally:
        again.stop()
    (tmp_path / "central" / "port").write_text("not a port\n", encoding="ascii")
    third = start_embedded_central(tmp_path / "central", "T-1", "1号", "大厅")
    try:
        assert third.base_url.startswith("http://127.0.0.1:")
    finally:
        third.stop()
