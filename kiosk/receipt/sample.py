"""A built-in sample document and the printer test page, for `kiosk printer sample|test` and the benchmark.

The sample person is invented; masking still applies to it as to any document."""
from __future__ import annotations

import time

from kiosk.central.models import Document, DocumentField
from kiosk.receipt.profiles import PrinterProfile
from kiosk.receipt.model import Receipt, ReceiptField

CHINESE_SAMPLE = "政务服务一网通办：全角标点，。；：？！（）《》“”、……￥128.00 龑䶮"
LATIN_SAMPLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 +-*/=%#@&"


def sample_document() -> Document:
    """A typical slip: a social-insurance payment certificate with twenty lines of Chinese."""
    fields = [
        DocumentField("姓名", "欧阳桂英", "name"),
        DocumentField("公民身份号码", "340102195204121234", "id_number"),
        DocumentField("联系电话", "13812345678", "phone"),
        DocumentField("参保地", "安徽省合肥市包河区"),
        DocumentField("参保单位", "合肥市某某科技有限公司（Hefei Example Tech Co., Ltd.）"),
        DocumentField("参保险种", "企业职工基本养老保险、失业保险、工伤保险"),
        DocumentField("参保状态", "正常参保"),
        DocumentField("首次参保时间", "2009年07月"),
        DocumentField("缴费期间", "2019年01月至2024年04月，累计缴费64个月"),
        DocumentField("缴费基数", "￥6,002.00元/月"),
        DocumentField("个人缴费合计", "￥38,412.96元"),
        DocumentField("单位缴费合计", "￥76,825.92元"),
        DocumentField("中断缴费", "无"),
        DocumentField("用途", "办理购房资格审核、子女入学等业务使用"),
    ]
    return Document(
        title="社会保险个人参保缴费证明",
        number="SB-2024-0520-000187",
        fields=tuple(fields),
        issuer="合肥市人力资源和社会保障局",
        seal_text="合肥市人力资源和社会保障局",
        seal_label="业务专用章",
        issued_at="2026-12-03T04:09:00Z",        # as central sends it; printed 2026年12月03日 12:09
        valid_until="2027-03-02",
        verification_code="7K3Q-9XWD-2M4P",
        verification_url="https://verify.example.gov.cn/v/7K3Q9XWD2M4P",
        notes=("本证明仅证明参保人在本统筹区的参保缴费情况，自打印之日起三个月内有效。",
               "本证明可扫描二维码或登录网址核验真伪，涂改无效。"),
    )


def test_page(profile: PrinterProfile, terminal_id: str = "", hall: str = "") -> Receipt:
    """The technician's test page: profile facts, Chinese and Latin samples, the seal, a QR, a cut."""
    fields = [ReceiptField("打印机型号", profile.name)]
    fields += [ReceiptField(name, value) for name, value in profile.facts()]
    fields += [ReceiptField("中文样张", CHINESE_SAMPLE), ReceiptField("Latin", LATIN_SAMPLE)]
    if terminal_id:
        fields.append(ReceiptField("终端编号", terminal_id))
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    return Receipt(
        title="打印机测试页",
        fields=tuple(fields),
        issuer=hall or "政务服务自助终端",
        seal_text=hall or "政务服务自助终端",
        seal_label="测试专用章",
        issued_at=stamp,
        verification_code="TEST-" + time.strftime("%H%M%S"),
        verification_url=f"kiosk-printer-test:{terminal_id or 'terminal'}:{profile.name}",
        notes=("看到此页即表示打印机、纸张和切刀工作正常；中文、印章和二维码应清晰完整。",),
    )
