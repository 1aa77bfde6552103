"""Request signing and terminal secret files."""
from __future__ import annotations

import os
import stat

import pytest

from kiosk.central.signing import (SecretFileError, SignatureRejected, create_secret_file, load_secret,
                                   sign_request, verify_signature)

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_750_000_000.0


def _signed(body=b'{"a":1}', path="/api/v1/heartbeat?x=1", now=NOW):
    return sign_request(SECRET, "T-1", "POST", path, body, now=now)


def test_a_signature_made_with_the_secret_verifies():
    h = _signed()
    verify_signature(SECRET, "POST", "/api/v1/heartbeat?x=1", h.timestamp, h.signature, b'{"a":1}', now=NOW + 10)
    assert h.signature.startswith("v1=") and h.as_dict()["X-Terminal-Id"] == "T-1"


@pytest.mark.parametrize("method, path, body, secret", [
    ("POST", "/api/v1/heartbeat?x=1", b'{"a":2}', SECRET),       # body changed
    ("POST", "/api/v1/heartbeat?x=2", b'{"a":1}', SECRET),       # query changed
    ("PUT", "/api/v1/heartbeat?x=1", b'{"a":1}', SECRET),        # method changed
    ("POST", "/api/v1/heartbeat?x=1", b'{"a":1}', b"x" * 32),    # another secret
])
def test_any_change_to_the_signed_request_is_rejected_as_bad_signature(method, path, body, secret):
    h = _signed()
    with pytest.raises(SignatureRejected) as err:
        verify_signature(secret, method, path, h.timestamp, h.signature, body, now=NOW)
    assert err.value.reason == "bad_signature"


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_a_timestamp_outside_five_minutes_is_rejected_as_clock_skew(skew):
    h = _signed(now=NOW + skew)
    with pytest.raises(SignatureRejected) as err:
        verify_signature(SECRET, "POST", "/api/v1/heartbeat?x=1", h.timestamp, h.signature, b'{"a":1}', now=NOW)
    assert err.value.reason == "clock_skew"


def test_a_timestamp_within_five_minutes_is_accepted():
    h = _signed(now=NOW - 299)
    verify_signature(SECRET, "POST", "/api/v1/heartbeat?x=1", h.timestamp, h.signature, b'{"a":1}', now=NOW)


def test_a_timestamp_that_is_not_a_number_is_rejected():
    with pytest.raises(SignatureRejected) as err:
        verify_signature(SECRET, "POST", "/", "yesterday", "v1=00", b"", now=NOW)
    assert err.value.reason == "bad_timestamp"


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
