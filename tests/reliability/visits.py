"""A citizen's visit as far as the confirm screen, for the fault matrix, the kill driver and the soak run.

Login by the citizen's card code (one request) or by the RFC 8628 device flow with the phone simulator."""
from __future__ import annotations

import datetime as _dt

from central_server.citizens import SAMPLE_CITIZENS
from kiosk.central.models import CatalogItem, CitizenProfile
from kiosk.core.session import Visit
from kiosk.terminal import Terminal

OFFLINE_ITEM = "hz-hjzm"        # 户籍证明: the sample catalogue marks it offline_ok
ONLINE_ITEM = "sb-cbjfzm"       # 社保参保缴费证明: needs central


def form_values(item: CatalogItem, profile: CitizenProfile) -> dict[str, str]:
    """What a citizen would type: profile prefills, the first choice, last year."""
    values = {}
    for f in item.form:
        if f.prefill:
            values[f.key] = profile.value_of(f.prefill)
        elif f.type == "choice":
            values[f.key] = f.choices[0]
        elif f.type == "year":
            values[f.key] = str(_dt.date.today().year - 1)
        elif f.type == "phone":
            values[f.key] = profile.phone
        elif f.type == "date":
            values[f.key] = _dt.date.today().isoformat()
        elif f.type == "digits":
            values[f.key] = "12"
        else:
            values[f.key] = "示范"
    return values


def logged_in_visit(terminal: Terminal, item_id: str, citizen=SAMPLE_CITIZENS[0]) -> Visit:
    """A visit as far as the confirm screen: logged in (card code), item chosen, form filled."""
    token = terminal.client.login_with_code(citizen.card_code)
    profile = terminal.fetch_profile(token)
    item = terminal.item(item_id)
    if item is None:
        raise LookupError(f"the catalogue has no item {item_id!r}")
    return Visit(token=token, profile=profile, item=item, values=form_values(item, profile))
