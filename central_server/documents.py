"""The documents the reference server issues: the sample catalogue, its rules, and each slip's content.

Facts on a document (months paid, employer, …) are derived from the ID number, so they are stable per citizen."""
from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import json
import string
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from kiosk.central.models import Catalog
from kiosk.core.forms import check_form, normalise
from kiosk.shared.masking import mask_value

SAMPLE_CATALOG_PATH = Path(__file__).resolve().parent / "data" / "sample-catalog.json"
CHINA_TZ = _dt.timezone(_dt.timedelta(hours=8))
_EMPLOYERS = ("示范市恒信机械制造有限公司", "示范市绿源食品有限责任公司", "示范市城建集团有限公司",
              "示范市第一人民医院", "示范市启明软件科技有限公司", "示范市万家乐商贸有限公司")
_STREETS = ("示范区长江中路", "示范区明光路", "新城区淮河路", "新城区翡翠路", "老城区曙光街")


class SubmissionProblem(Exception):
    """The values of a submission do not fit the item; `reason` is sent back with a 422."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ServedCatalog:
    """The catalogue as served (without document specs), its ETag, and the private document specs."""
    public: dict
    etag: str
    specs: dict[str, dict]
    parsed: Catalog
    body: bytes = b""         # the JSON as sent
    gzipped: bytes = b""      # the same, compressed once for clients that accept gzip


def load_catalog(path: str | Path = SAMPLE_CATALOG_PATH) -> ServedCatalog:
    """Read a catalogue file, check it with the terminal's own parser, and split off document specs."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    specs = {}
    public_items = []
    for item in raw["items"]:
        item = dict(item)
        spec = item.pop("document", None)
        if spec is None:
            raise ValueError(f"{path}: item {item.get('id')!r} has no document spec")
        specs[item["id"]] = spec
        public_items.append(item)
    public = {"version": raw["version"], "categories": raw["categories"], "items": public_items}
    parsed = Catalog.from_json(public)
    body = json.dumps(public, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return ServedCatalog(public, etag, specs, parsed, body, gzip.compress(body, compresslevel=6, mtime=0))


def check_values(catalog: ServedCatalog, item_id: str, values: dict[str, str], applicant: dict[str, str],
                 today: _dt.date) -> dict[str, str]:
    """The values, normalised, after every rule of the item's form; raises SubmissionProblem otherwise."""
    item = catalog.parsed.item(item_id)
    if item is None:
        raise SubmissionProblem("unknown_item", f"no item with id {item_id!r} in the catalogue")
    known = {f.key for f in item.form}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SubmissionProblem("invalid_values", f"fields not in the form of {item_id}: {', '.join(unknown)}")
    problems = check_form(item.form, values, today=today)
    if problems:
        p = problems[0]
        raise SubmissionProblem("invalid_values", f"field {p.field}: {p.key.removeprefix('form.')}")
    cleaned = {f.key: normalise(f, values.get(f.key, "")) for f in item.form}
    for f in item.form:
        if f.prefill not in ("name", "id_number") or not cleaned.get(f.key):
            continue
        if cleaned[f.key].upper() != applicant[f.prefill].upper():
            raise SubmissionProblem("applicant_mismatch", f"field {f.key} must be the applicant's own {f.prefill}")
    if "year_from" in cleaned and "year_to" in cleaned and cleaned["year_from"] and cleaned["year_to"]:
        if int(cleaned["year_from"]) > int(cleaned["year_to"]):
            raise SubmissionProblem("invalid_values", "field year_to: must not be before year_from")
    return cleaned


def _seed(id_number: str, salt: str) -> int:
    return int(hashlib.sha256(f"{salt}:{id_number}".encode()).hexdigest()[:12], 16)


def _facts(kind: str, id_number: str, values: dict[str, str], now: _dt.datetime) -> dict[str, str]:
    """Stable, plausible facts for one citizen and item kind."""
    n = _seed(id_number, kind)
    birth = _dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    work_start = birth.year + 20 + n % 4
    retire = birth.year + 60
    employer = _EMPLOYERS[n % len(_EMPLOYERS)]
    if kind == "social_insurance":
        first, last = int(values["year_from"]), int(values["year_to"])
        years = [y for y in range(first, last + 1) if work_start <= y < retire]
        months = sum(12 if y < now.year else now.month - 1 for y in years)
        state = "正常参保" if now.year < retire else "退休（领取养老待遇）"
        return {"employer": employer if now.year < retire else "示范市社会保险事业管理中心（退休人员）",
                "months": str(months), "state": state}
    if kind == "medical":
        year = int(values["year"])
        months = 12 if year < now.year else max(0, now.month - 1)
        monthly = 180 + n % 220 if birth.year + 60 > year else 0
        scheme = "职工基本医疗保险" if monthly else "职工基本医疗保险（退休，个人免缴）"
        return {"scheme": scheme, "months": str(months), "amount": f"{monthly * months:.2f}"}
    if kind == "medical_enrolment":
        enrolled = _dt.date(max(work_start, 2000), 1 + n % 12, 1)
        return {"scheme": "职工基本医疗保险", "state": "正常参保", "since": enrolled.strftime("%Y年%m月%d日")}
    if kind == "housing_fund":
        since = f"{max(work_start, 2005)}年{1 + n % 12:02d}月"
        return {"employer": employer, "since": since, "monthly": f"{600 + n % 1800}.00"}
    if kind == "tax":
        first, last = int(values["year_from"]), int(values["year_to"])
        span = sum(1 for y in range(first, last + 1) if work_start <= y < retire)
        income = span * (60000 + n % 90000)
        tax = max(0, income - span * 60000) * 0.03
        return {"employer": employer, "income": f"{income:.2f}", "tax": f"{tax:.2f}"}
    if kind == "real_estate":
        if n % 3 == 0:
            result = "经查询，申请人名下在示范市行政区域内无不动产登记记录。"
        else:
            result = f"经查询，申请人名下有不动产1处：{_STREETS[n % len(_STREETS)]}{n % 300 + 1}号住宅，建筑面积{70 + n % 80}平方米。"
        return {"result": result}
    if kind == "household":
        return {"birth_date": birth.strftime("%Y年%m月%d日"),
                "address": f"示范市{_STREETS[n % len(_STREETS)]}{n % 300 + 1}号{1 + n % 6}栋{101 + n % 20}室",
                "relation": ("户主", "配偶", "子女")[n % 3]}
    if kind == "none":
        return {"valid_until": (now + _dt.timedelta(days=5)).strftime("%Y年%m月%d日")}
    raise ValueError(f"unknown facts kind {kind!r}")


class _Formatter(string.Formatter):
    """str.format over namespaces, refusing anything but plain field names."""

    def get_field(self, field_name, args, kwargs):
        if "[" in field_name:
            raise ValueError(f"indexing is not allowed in document templates: {field_name}")
        return super().get_field(field_name, args, kwargs)


def build_document(spec: dict, applicant: dict[str, str], values: dict[str, str], *, number: str,
                   verification_code: str, verification_url: str, now: float) -> dict:
    """The Document (in the API's JSON shape) for one application."""
    when = _dt.datetime.fromtimestamp(now, CHINA_TZ)
    facts = _facts(spec["facts"], applicant["id_number"], values, when)
    names = {"applicant": SimpleNamespace(**applicant), "values": SimpleNamespace(**values),
             "facts": SimpleNamespace(**facts)}
    fmt = _Formatter()
    fields = [{"label": f["label"], "value": fmt.vformat(f["value"], (), names), "mask": f.get("mask", "")}
              for f in spec["fields"]]
    return {
        "title": spec["title"], "number": number, "fields": fields,
        "issuer": spec["issuer"], "seal_text": spec["issuer"], "seal_label": "业务专用章",
        "issued_at": when.isoformat(timespec="seconds"),
        "verification_code": verification_code, "verification_url": verification_url,
        "notes": list(spec.get("notes", [])),
    }


def public_fields(document: dict) -> list[dict[str, str]]:
    """A document's fields with personal values masked, for anyone holding the verification code."""
    return [{"label": f["label"], "value": mask_value(f["mask"], f["value"]) if f.get("mask") else f["value"]}
            for f in document["fields"]]
