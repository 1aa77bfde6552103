"""A headless stand-in for the citizen's phone: the same HTTP requests the phone-simulator page makes.

Used by the headless demo and the tests to scan, approve or deny a login code."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests


class PhoneError(Exception):
    """The phone page refused the action (unknown, expired or already used code); `status` is the HTTP status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SampleCitizenInfo:
    id: str
    name: str
    note: str


class PhoneSimulator:
    """Plays the citizen's phone against the reference server's /phone pages."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        if urlsplit(self.base_url).hostname in ("127.0.0.1", "localhost", "::1"):
            self.session.trust_env = False

    def scan(self, user_code: str) -> None:
        """Open the verification page for the code, as scanning the QR does; central marks it scanned."""
        self._check(self.session.get(f"{self.base_url}/phone", params={"user_code": user_code},
                                     timeout=self.timeout), "scan")

    def approve(self, user_code: str, citizen_id: str | None = None) -> None:
        """Confirm the login as a sample citizen (the first one when not named)."""
        if citizen_id is None:
            citizen_id = self.sample_citizens()[0].id
        self._check(self.session.post(f"{self.base_url}/phone/approve",
                                      data={"user_code": user_code, "citizen_id": citizen_id},
                                      timeout=self.timeout), "approve")

    def deny(self, user_code: str) -> None:
        self._check(self.session.post(f"{self.base_url}/phone/deny", data={"user_code": user_code},
                                      timeout=self.timeout), "deny")

    def sample_citizens(self) -> list[SampleCitizenInfo]:
        resp = self.session.get(f"{self.base_url}/phone/citizens", timeout=self.timeout)
        self._check(resp, "list citizens")
        return [SampleCitizenInfo(c["id"], c["name"], c.get("note", "")) for c in resp.json()]

    def sample_citizen_ids(self) -> list[str]:
        return [c.id for c in self.sample_citizens()]

    def close(self) -> None:
        self.session.close()

    @staticmethod
    def _check(resp: requests.Response, action: str) -> None:
        if resp.status_code != 200:
            reasons = {404: "unknown code", 409: "code already used", 410: "code expired", 400: "bad request"}
            raise PhoneError(f"phone {action} refused: {reasons.get(resp.status_code, f'HTTP {resp.status_code}')}",
                             resp.status_code)
