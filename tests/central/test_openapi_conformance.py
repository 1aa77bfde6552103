"""The reference server checked against docs/central-api.yaml with schemathesis (bounded, about a minute).

Requests are generated from the spec, signed like a terminal's, and every answer must match the spec."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from kiosk.central.signing import sign_headers

from .conftest import STORES, TERMINAL_ID, citizen_token, databases_of, start_central

SPEC = Path(__file__).resolve().parents[2] / "docs" / "central-api.yaml"
schema = schemathesis.openapi.from_path(SPEC)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class TerminalSignature(requests.auth.AuthBase):
    """Signs each prepared request exactly as the terminal client does."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(r.url)
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        r.headers.update(sign_headers(self.secret, TERMINAL_ID, r.method, path, body, r.headers).as_dict())
        return r


@pytest.fixture(scope="module", params=STORES)
def signed_session(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi")
    databases = databases_of(request, request.param, folder)
    server = start_central(folder / "central", database=databases.new())
    client = server.client()
    token = citizen_token(client)
    session = requests.Session()
    session.trust_env = False
    session.auth = TerminalSignature(server.secret)
    session.headers["Authorization"] = f"Bearer {token.access_token}"
    yield server.base_url, session
    client.close()
    session.close()
    server.embedded.stop()
    databases.drop_all()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_of_the_reference_server_matches_the_spec(case, signed_session):
    base_url, session = signed_session
    response = case.call(base_url=base_url, session=session)
    case.validate_response(response, checks=CHECKS)
