"""English mode shows the catalogue's English: item names, the guide (明白卡), form labels and choices; the value
sent to central stays the Chinese choice; where central has no English, the screen says so."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest
from PySide6.QtWidgets import QComboBox

from kiosk.central.errors import InvalidAnswer
from kiosk.central.models import Catalog, FormField

from tests.ui.conftest import wait_until

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_guide_form_and_choices_are_english_and_the_value_sent_is_chinese(kiosk):
    k = kiosk
    k.log_in()
    k.w.header.language_button.click()
    wait_until(lambda: k.c.ctx.en, what="English")
    k.open_first_item()
    item = k.c.visit.item
    guide = k.w.item.guide_body.text()
    assert item.guide.english is not None and item.guide.english.summary in guide
    assert not HAN.search(guide), HAN.findall(guide)
    choice = next((f for f in item.form if f.type == "choice"), None)
    assert choice is not None and choice.choices_en
    combo = k.w.item.inputs[choice.key]
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == list(choice.choices_en)
    combo.setCurrentIndex(1)
    assert k.w.item.values()[choice.key] == choice.choices[1]          # central gets 落户, not the English
    labels = [k.w.item.field_labels[f.key].text() for f in item.form]
    assert not any(HAN.search(text) for text in labels), labels


def test_a_guide_central_has_not_translated_is_marked_in_english_mode(kiosk):
    k = kiosk
    k.log_in()
    k.w.header.language_button.click()
    k.open_first_item()
    item = k.c.visit.item
    untranslated = dataclasses.replace(item, guide=dataclasses.replace(item.guide, english=None))
    k.w.item.item = untranslated
    k.w.item.refresh(None)
    guide = k.w.item.guide_body.text()
    assert "This guide is available in Chinese only." in guide and item.guide.summary in guide
    k.w.header.language_button.click()                  # back to Chinese: no mark
    assert "Chinese only" not in k.w.item.guide_body.text()


def test_english_choices_must_match_the_choices_one_for_one():
    raw = {"key": "purpose", "label_zh": "用途", "type": "choice", "choices": ["购房", "其他"],
           "choices_en": ["Buying a home"]}
    with pytest.raises(InvalidAnswer, match="choices_en: 1 words for 2 choices"):
        FormField.from_json(raw, "item.form[0]")
    raw["choices_en"] = ["Buying a home", "Other"]
    field = FormField.from_json(raw, "item.form[0]")
    assert field.choice_label("其他", en=True) == "Other" and field.choice_label("其他", en=False) == "其他"


def test_the_cached_catalogue_keeps_its_english():
    from central_server.documents import load_catalog
    from kiosk.core.catalog import catalog_to_json

    catalog = load_catalog().parsed
    again = Catalog.from_json(json.loads(json.dumps(catalog_to_json(catalog), ensure_ascii=False)))
    assert again == catalog and all(item.guide.english for item in again.items)
