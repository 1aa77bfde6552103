"""Request signing and terminal secret files."""
from __future__ import annotations

import os
import stat

import pytest

from kiosk.central.signing import (SecretFileError, SignatureRejected, create_secret_file, load_secret,
                                   sign_request, verify_signature)

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_750_000_000.0
PATH = "/api/v1/submissions?x=1"
BODY = b'{"a":1}'
KEY = "key-1"
AUTH = "Bearer citizen-token"


def _signed(body=BODY, path=PATH, now=NOW, key=KEY, auth=AUTH):
    return sign_request(SECRET, "T-1", "POST", path, body, now=now, idempotency_key=key, authorization=auth)


def _verify(h, secret=SECRET, method="POST", path=PATH, body=BODY, now=NOW, key=KEY, auth=AUTH, nonce=None):
    return verify_signature(secret, method, path, h.timestamp, h.nonce if nonce is None else nonce, h.signature,
                            body, now=now, idempotency_key=key, authorization=auth)


def test_a_signature_made_with_the_secret_verifies():
    h = _signed()
    assert _verify(h, now=NOW + 10) == int(NOW)
    assert h.signature.startswith("v2=") and h.as_dict()["X-Terminal-Id"] == "T-1"
    assert len(h.as_dict()["X-Nonce"]) >= 16


def test_every_signature_has_its_own_nonce_so_a_retry_is_a_new_signature():
    first, second = _signed(), _signed()
    assert first.timestamp == second.timestamp
    assert first.nonce != second.nonce and first.signature != second.signature


@pytest.mark.parametrize("change", [
    {"body": b'{"a":2}'},                       # body changed
    {"path": "/api/v1/submissions?x=2"},        # query changed
    {"method": "PUT"},                          # method changed
    {"secret": b"x" * 32},                      # another secret
    {"key": "key-2"},                           # a new Idempotency-Key on a captured request
    {"key": ""},                                # the Idempotency-Key removed
    {"auth": "Bearer another-token"},           # another citizen's token
    {"auth": ""},                               # the token removed
    {"nonce": "A" * 22},                        # another nonce
])
def test_any_change_to_the_signed_request_is_rejected_as_bad_signature(change):
    h = _signed()
    with pytest.raises(SignatureRejected) as err:
        _verify(h, **change)
    assert err.value.reason == "bad_signature"


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_a_timestamp_outside_five_minutes_is_rejected_as_clock_skew(skew):
    h = _signed(now=NOW + skew)
    with pytest.raises(SignatureRejected) as err:
        _verify(h)
    assert err.value.reason == "clock_skew"


def test_a_timestamp_within_five_minutes_is_accepted():
    _verify(_signed(now=NOW - 299))


@pytest.mark.parametrize("timestamp", ["yesterday", "-5", "1e9", " 1750000000", "9" * 40])
def test_a_timestamp_that_is_not_whole_seconds_is_rejected(timestamp):
    with pytest.raises(SignatureRejected) as err:
        verify_signature(SECRET, "POST", "/", timestamp, "n" * 22, "v2=00", b"", now=NOW)
    assert err.value.reason == "bad_timestamp"


@pytest.mark.parametrize("nonce", ["", "short", "n" * 65, "bad nonce with spaces!"])
def test_a_malformed_nonce_is_rejected(nonce):
    with pytest.raises(SignatureRejected) as err:
        verify_signature(SECRET, "POST", "/", str(int(NOW)), nonce, "v2=00", b"", now=NOW)
    assert err.value.reason == "bad_nonce"


def test_created_secret_file_is_private_and_loads_back(tmp_path):
    path = tmp_path / "sub" / "terminal.secret"
    secret = create_secret_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(path) == secret and len(secret) == 64


def test_creating_a_secret_never_overwrites_an_existing_one(tmp_path):
    path = tmp_path / "terminal.secret"
    first = create_secret_file(path)
    with pytest.raises(SecretFileError, match="already exists"):
        create_secret_file(path)
    assert load_secret(path) == first


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_secret_file_readable_by_others_is_refused_naming_the_file(tmp_path, mode):
    path = tmp_path / "terminal.secret"
    create_secret_file(path)
    os.chmod(path, mode)
    with pytest.raises(SecretFileError) as err:
        load_secret(path)
    assert str(path) in str(err.value) and "chmod 600" in str(err.value)


def test_a_missing_or_short_secret_file_is_refused(tmp_path):
    with pytest.raises(SecretFileError, match="does not exist"):
        load_secret(tmp_path / "nope")
    short = tmp_path / "short"
    short.write_bytes(b"abc\n")
    os.chmod(short, 0o600)
    with pytest.raises(SecretFileError, match="too short"):
        load_secret(short)
