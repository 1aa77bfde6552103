"""A province's catalogue on the wire: gzip-compressed, checked by its ETag, and within the catalogue's own cap
(larger than any other answer's) after decompression."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.central.errors import AnswerTooLarge
from tests.central.conftest import start_central

PROVINCE = Path(__file__).resolve().parents[1] / "fixtures" / "catalog-2100.json"


@pytest.fixture
def province_central(tmp_path, new_database):
    server = start_central(tmp_path / "central", catalog_path=PROVINCE, database=new_database())
    yield server
    server.embedded.stop()


def test_the_catalogue_travels_compressed_and_an_unchanged_one_is_not_sent_again(province_central):
    seen = []
    client = province_central.client()
    client.session.hooks["response"].append(lambda resp, *a, **k: seen.append(resp))
    catalog = client.catalog()
    assert len(catalog.items) == 2100
    first = seen[-1]
    assert first.headers["Content-Encoding"] == "gzip"
    wire = int(first.headers["Content-Length"])
    assert wire < len(first.content) / 10, (wire, len(first.content))   # 0.1 MB for 3 MB of JSON
    assert client.catalog(catalog.etag) is None and seen[-1].status_code == 304


def test_the_catalogue_cap_is_larger_than_other_answers_but_still_a_cap(province_central):
    small = province_central.client(max_body=512 * 1024)         # catalogue cap 2 MB: 3 MB is refused
    with pytest.raises(AnswerTooLarge):
        small.catalog()
    roomy = province_central.client(max_body=1024 * 1024)        # catalogue cap 4 MB: it fits
    assert len(roomy.catalog().items) == 2100

