"""Property tests: the config loader, the parsing of central's answers, the receipt layout and the visit
state machine hold for any input hypothesis can make (example counts kept modest for a fast suite)."""
from __future__ import annotations

import json
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from central_server.documents import SAMPLE_CATALOG_PATH
from kiosk.central.errors import InvalidAnswer
from kiosk.central.models import (Catalog, CitizenProfile, DeviceAuthorization, Document, HeartbeatAnswer,
                                  SubmissionResult, Token)
from kiosk.config import Config, ConfigError, default_profiles_dir, parse_config
from kiosk.core.session import TRANSITIONS, EndReason, Event, InvalidTransition, Session, Stage
from kiosk.receipt.escpos_render import render_escpos
from kiosk.receipt.glyphs import display_width
from kiosk.receipt.layout import TextLine, layout_receipt
from kiosk.receipt.model import Receipt, ReceiptField
from kiosk.receipt.profiles import load_profile
from kiosk_devtools.escpos_decode import decode_partial

from tests.reliability.visits import ONLINE_ITEM

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- config loader --------------------------------------------------------------------------------

_keys = st.sampled_from(["id", "name", "hall", "base_url", "credentials_file", "read_timeout", "profile",
                         "connection", "locale", "idle_timeout", "idle_warning", "dir", "host", "port", "typo"])
_scalars = st.one_of(st.text(max_size=20), st.integers(-10**6, 10**6), st.booleans(),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)   # a JSON string is a valid TOML basic string


@st.composite
def toml_documents(draw) -> str:
    sections = draw(st.lists(st.sampled_from(["terminal", "central", "printer", "ui", "data", "printer.network",
                                              "nonsense"]), max_size=5, unique=True))
    lines = []
    for section in sections:
        lines.append(f"[{section}]")
        for key, value in draw(st.dictionaries(_keys, _scalars, max_size=5)).items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines)


@FAST
@given(st.one_of(toml_documents(), st.text(max_size=200)))
def test_any_config_text_gives_a_config_or_a_config_error_naming_the_file(text):
    try:
        config = parse_config(text, "prop.toml", Path("."))
    except ConfigError as exc:
        assert exc.problems and all(p.startswith("prop.toml") for p in exc.problems)
    else:
        assert isinstance(config, Config) and config.terminal.id.strip()


# --- central's answers ----------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=5)),
    max_leaves=25)

SAMPLE = json.loads(SAMPLE_CATALOG_PATH.read_text(encoding="utf-8"))
PUBLIC_SAMPLE = {"version": SAMPLE["version"], "categories": SAMPLE["categories"],
                 "items": [{k: v for k, v in it.items() if k != "document"} for it in SAMPLE["items"][:2]]}


@st.composite
def damaged(draw, value):
    """`value` with one node somewhere replaced by arbitrary JSON (or removed from its object)."""
    if isinstance(value, (dict, list)) and value and draw(st.integers(0, 3)):
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        key = draw(st.sampled_from(keys))
        copy = dict(value) if isinstance(value, dict) else list(value)
        if isinstance(copy, dict) and draw(st.booleans()):
            del copy[key]
        else:
            copy[key] = draw(damaged(value[key]))
        return copy
    return draw(json_values)


MODELS = (Catalog, CitizenProfile, DeviceAuthorization, Document, HeartbeatAnswer, SubmissionResult, Token)


@FAST
@given(st.sampled_from(MODELS), st.one_of(json_values, damaged(PUBLIC_SAMPLE)))
def test_any_json_parses_to_a_model_or_invalid_answer_and_nothing_else(model, value):
    try:
        parsed = model.from_json(value)
    except InvalidAnswer as exc:
        assert str(exc)
    else:
        assert isinstance(parsed, model)


# --- receipt layout -------------------------------------------------------------------------------

PROFILES = [load_profile(name, default_profiles_dir()) for name in ("xprinter-xp-80c", "generic-58mm")]
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="?"), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PROFILES), texts, texts, texts)
def test_any_unicode_text_lays_out_within_the_width_and_never_prints_a_question_mark(profile, title, label, value):
    receipt = Receipt(title=title, fields=(ReceiptField(label, value),), issuer=value, seal_text="示范中心",
                      issued_at="2026年1月1日", verification_code="ABCD", verification_url="https://v.example/ABCD",
                      notes=(title + value,))
    layout = layout_receipt(receipt, profile)
    for item in layout.items:
        if isinstance(item, TextLine):
            assert display_width(item.text) * item.scale <= profile.text_columns
            assert item.width_dots <= profile.width_dots
    data = render_escpos(receipt, profile)
    decoded = decode_partial(data, profile.width_dots)
    assert not any("?" in line for line in decoded.text_lines)


# --- the visit state machine ----------------------------------------------------------------------

EVENTS = sorted(TRANSITIONS, key=lambda e: e.value) + ["end_visit", "set_login", "set_item", "fill", "result"]


@FAST
@given(st.lists(st.sampled_from(EVENTS), max_size=40))
def test_no_sequence_of_events_reaches_an_invalid_stage_or_leaves_citizen_data_behind(events):
    from kiosk.central.models import (Catalog as _Catalog, CitizenProfile as _Profile, SubmissionResult as _Result,
                                      Token as _Token)

    item = _Catalog.from_json(PUBLIC_SAMPLE).item(PUBLIC_SAMPLE["items"][0]["id"])
    session = Session()
    for event in events:
        before = session.stage
        try:
            if event == "end_visit":
                session.end_visit(EndReason.IDLE)
            elif event == "set_login":         # refused, storing nothing, outside the login screen
                held = (session.visit.token, session.visit.profile)
                try:
                    session.set_login(_Token("t", 60), _Profile("张伟", "340102198503127314", "13805511234"))
                except InvalidTransition:
                    assert before != Stage.LOGIN and (session.visit.token, session.visit.profile) == held
                    raise
            elif event == "set_item":
                session.set_item(item)
            elif event == "fill":               # typing happens on the item screen
                if session.stage == Stage.ITEM:
                    session.visit.values["name"] = "张伟"
            elif event == "result":             # central's answer arrives while submitting
                if session.stage == Stage.SUBMITTING:
                    session.visit.result = _Result("N1", "issued", None)
            else:
                session.fire(event)
        except InvalidTransition:
            assert session.stage == before                     # a refused event changes nothing
        assert isinstance(session.stage, Stage)
        if event == "end_visit" or (event == Event.FINISH and before == Stage.DONE):
            assert session.stage in (Stage.HOME, Stage.OUT_OF_SERVICE)
            assert session.visit.is_empty and not session.visit.values
        if session.stage in (Stage.HOME, Stage.OUT_OF_SERVICE):
            assert session.visit.is_empty
