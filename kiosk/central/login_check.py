"""`kiosk login-check`: one RFC 8628 login in a terminal window, for technicians checking a site.

Prints the QR as text and the user code, polls until approved, denied or expired; works with any conformant server."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, TextIO

import qrcode

from kiosk.central.client import CentralClient
from kiosk.central.device_flow import DeviceFlow, LoginState
from kiosk.central.errors import CentralRefused, CentralUnavailable, InvalidAnswer
from kiosk.central.signing import SecretFileError, load_secret
from kiosk.config import Config

MESSAGES = {
    LoginState.PENDING: "waiting for the phone to scan the code ...",
    LoginState.SCANNED: "scanned; waiting for the citizen to confirm on the phone (已扫码，请在手机上确认)",
}


class LoginCheckError(Exception):
    """The check could not run at all (no server, refused client, bad secret); the message says why."""


def print_qr(text: str, out: TextIO) -> None:
    """The QR code of `text` drawn with block characters."""
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    qr.print_ascii(out=out, invert=True)


def run_login_check(config: Config, *, central_url: str | None = None, client_id: str | None = None,
                    secret_file: str | None = None, out: TextIO,
                    sleep: Callable[[float], None] = time.sleep) -> int:
    """Run one device-flow login; returns 0 only when the citizen approved and a token came back."""
    client_id = client_id or config.terminal.id
    embedded = None
    try:
        if central_url:
            url, secret = central_url, _secret(secret_file)
        elif config.is_embedded_central:
            from kiosk.central.embedded import start_embedded_central

            embedded = start_embedded_central(config)
            url, secret = embedded.base_url, embedded.secret
            print(f"embedded central on {url}; open {url}/phone in a browser to play the phone", file=out)
        else:
            url = config.central.base_url
            secret = _secret(secret_file or str(config.resolve(config.central.credentials_file)))
        try:
            client = CentralClient.from_config(config, secret, url, client_id)
        except ValueError as exc:
            raise LoginCheckError(str(exc)) from None
        try:
            return _check(client, url, out, sleep)
        finally:
            client.close()
    finally:
        if embedded is not None:
            embedded.stop()


def _secret(path: str | None) -> bytes:
    if not path:
        return b""
    try:
        return load_secret(Path(path))
    except SecretFileError as exc:
        raise LoginCheckError(str(exc)) from None


def _check(client: CentralClient, url: str, out: TextIO, sleep: Callable[[float], None]) -> int:
    flow = DeviceFlow(client, sleep=sleep)
    try:
        auth = flow.start()
    except CentralUnavailable as exc:
        raise LoginCheckError(f"the authorization server at {url} cannot be reached: {exc}") from None
    except CentralRefused as exc:
        raise LoginCheckError(f"the authorization server refused the device authorization request "
                              f"({exc.reason or exc.status}): {exc}") from None
    except InvalidAnswer as exc:
        raise LoginCheckError(f"the answer is not an RFC 8628 device authorization response: {exc}") from None
    print_qr(auth.verification_uri_complete, out)
    print(f"scan the QR, or open {auth.verification_uri} and enter the code:  {auth.user_code}", file=out)
    print(f"the code expires in {auth.expires_in} s; polling every {auth.interval} s", file=out, flush=True)
    last_state = ""
    unreachable = False
    while True:
        try:
            progress = flow.poll()
        except (CentralUnavailable, InvalidAnswer) as exc:
            if not unreachable:
                print(f"poll failed ({exc}); trying again", file=out, flush=True)
            unreachable = True
            if flow.seconds_left() <= 0:
                print("expired: the code ran out while the server could not be reached", file=out)
                return 1
            continue
        except CentralRefused as exc:
            print(f"refused: the token endpoint answered {exc.reason or exc.status}: {exc}", file=out)
            return 1
        unreachable = False
        if progress.state in MESSAGES:
            if progress.state != last_state:
                print(MESSAGES[progress.state], file=out, flush=True)
            last_state = progress.state
            continue
        if progress.state is LoginState.APPROVED and progress.token is not None:
            lifetime = progress.token.expires_in
            print(f"approved: received a {progress.token.token_type} token valid for {lifetime} s "
                  f"({lifetime / 60:.0f} min)", file=out)
            _revoke_quietly(client, progress.token)
            return 0
        if progress.state is LoginState.DENIED:
            print("denied: the login was refused on the phone (access_denied)", file=out)
            return 1
        print("expired: nobody confirmed the code in time (expired_token)", file=out)
        return 1


def _revoke_quietly(client: CentralClient, token) -> None:
    """A check should leave no live login behind; servers without revocation are fine too."""
    if not client.secret:
        return
    try:
        client.revoke(token)
    except (CentralUnavailable, CentralRefused, InvalidAnswer):
        pass
