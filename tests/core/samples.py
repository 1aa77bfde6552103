"""Sample catalogue items for core tests, built through the same parser central answers go through.

Kept small: one item with prefilled and typed fields."""
from kiosk.central.models import CatalogItem

ITEM_JSON = {
    "id": "si-payment-certificate",
    "name_zh": "社保参保缴费证明",
    "name_en": "Social insurance payment certificate",
    "category": "social",
    "keywords": ["sbcbjfzm", "社保"],
    "popularity": 90,
    "guide": {"summary": "打印本人社会保险参保缴费证明。", "eligibility": "本市参保人员", "materials": ["身份证"],
              "time_limit": "即时办结", "fee": "免费", "faq": [{"q": "能打印几年？", "a": "最近十年。"}]},
    "form": [
        {"key": "name", "label_zh": "姓名", "label_en": "Name", "type": "text", "prefill": "name", "mask": "name"},
        {"key": "id_number", "label_zh": "身份证号", "label_en": "ID number", "type": "id_number",
         "prefill": "id_number", "mask": "id_number"},
        {"key": "year_from", "label_zh": "起始年份", "label_en": "From year", "type": "year"},
    ],
}


def sample_item(**overrides) -> CatalogItem:
    return CatalogItem.from_json({**ITEM_JSON, **overrides}, "item")
