"""Sample citizens the reference server knows: fictional people with checksum-valid ID numbers.

Seeded into a new database; the phone simulator lets a tester log in as any of them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleCitizen:
    id: str
    name: str
    id_number: str
    phone: str
    card_code: str  # what the QR of this citizen's electronic social security card carries
    note: str = ""


SAMPLE_CITIZENS: tuple[SampleCitizen, ...] = (
    SampleCitizen("C001", "张伟", "340102198503127314", "13805511234", "ESSC1-7F3A9C2E51D84B60", "在职职工"),
    SampleCitizen("C002", "李秀英", "340104194808172022", "13955102876", "ESSC1-2B8D4E6F90A1C357", "退休老人，77岁"),
    SampleCitizen("C003", "王芳", "340111199205065427", "15855163390", "ESSC1-C4E1A7B35D9F0286", "灵活就业"),
    SampleCitizen("C004", "陈建国", "340122196002201818", "13365519021", "ESSC1-91D0F2C6A8E4B73D", "企业退休人员"),
    SampleCitizen("C005", "刘洋", "340103197811090033", "18705607745", "ESSC1-5A6C8E0B2D4F1397", "个体工商户"),
)
