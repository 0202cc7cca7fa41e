"""Receipts and slips, printed by the simulated printer and read back from the PNG."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time

import cv2
import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from drivers.printer.images import raster_from_image
from drivers.printer.protocol import encode_job, text_columns
from drivers.printer.simulator import Page, PrinterSimulator
from kiosk.config import config_files, load_config
from kiosk.services.printing.layouts import (
    AppointmentSlip,
    HallHeader,
    ProgressSlip,
    ProgressStage,
    ReceiptItem,
    ReconciliationSlip,
    Totals,
    _wrap,
    commands_for,
    format_fen,
    receipt_commands,
    specimen_receipt,
)

NOW = datetime(2026, 11, 28, 10, 42)
HALL = HallHeader("市公安局出入境管理支队 出入境服务大厅", "Exit-Entry Administration Service Hall", "KIOSK001")


@pytest.fixture(params=[576, 384])
def printer(request: pytest.FixtureRequest) -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator(request.param)
    yield sim
    sim.close()


def print_out(sim: PrinterSimulator, commands: list) -> Page:
    sim.receive(encode_job(commands))
    (page,) = sim.pages
    assert page.complete
    assert sim.skipped == []  # every command understood, every glyph in the printer's font
    return page


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("postal", [False, True])
def test_the_receipt_qr_scans_back_to_the_exact_payload(printer: PrinterSimulator, language: str,
                                                        postal: bool) -> None:
    receipt = specimen_receipt(NOW, language, postal=postal)  # type: ignore[arg-type]
    page = print_out(printer, receipt_commands(receipt, HALL, paper_width_dots=printer.width))
    assert page.width == printer.width
    found = [(str(r.format), r.text, r.ec_level) for r in zxingcpp.read_barcodes(page.image())]
    assert found == [("QR Code", receipt.progress_payload, "M")]


def test_opencv_reads_the_same_qr_code() -> None:
    sim = PrinterSimulator()
    receipt = specimen_receipt(NOW)
    page = print_out(sim, receipt_commands(receipt, HALL))
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(np.array(page.image().convert("L")))
    assert text == receipt.progress_payload
    sim.close()


def test_the_receipt_says_what_the_applicant_needs_and_masks_the_rest() -> None:
    sim = PrinterSimulator()
    receipt = specimen_receipt(NOW, postal=True)
    page = print_out(sim, receipt_commands(receipt, HALL))
    text = page.text
    for expected in ("市公安局出入境管理支队 出入境服务大厅", "Exit-Entry Administration Service Hall", "受理回执",
                     "Application Receipt", "KIOSK0012611280007", "张*明", "1101**********002X", "普通护照",
                     "Ordinary passport", "￥120.00", "622848*********0018", "000123", "123456789012",
                     "KIOSK0012611280007P1", "邮寄送达", "By post", "广东省广州市天河区体育西路123号", "138****5678",
                     "2026-12-07", "扫码查询办理进度", "请妥善保管本回执"):
        assert expected in text, expected
    for secret in ("张小明", "11010519491231002X", "6228480402564890018", "13812345678"):
        assert secret not in text


def test_an_english_receipt_leads_in_english_with_chinese_beneath() -> None:
    sim = PrinterSimulator()
    lines = print_out(sim, receipt_commands(specimen_receipt(NOW, "en"), HALL)).text.splitlines()
    title = lines.index("Application Receipt")
    assert lines[title + 1] == "受理回执"
    item = next(n for n, line in enumerate(lines) if line.startswith("Ordinary passport"))
    assert lines[item].endswith("￥120.00") and lines[item + 1].strip() == "普通护照"
    assert "Keep this receipt. Show it with your ID card to" in lines
    sim.close()


def test_the_standard_receipt_fits_the_byte_budget() -> None:
    """Issue 5: at most 1.5 KB on the wire for the standard passport receipt."""
    for language in ("zh_CN", "en"):
        assert len(encode_job(receipt_commands(specimen_receipt(NOW, language), HALL))) <= 1536  # type: ignore[arg-type]


def test_several_items_a_green_channel_and_a_total() -> None:
    sim = PrinterSimulator()
    receipt = replace(specimen_receipt(NOW), green_channel=True, items=(
        ReceiptItem("往来港澳通行证", "Exit-Entry Permit for Hong Kong and Macao", 6000),
        ReceiptItem("香港签注 一次有效 三个月", "Hong Kong endorsement, single entry, 3 months", 1500),
        ReceiptItem("澳门签注 一次有效 三个月", "Macao endorsement, single entry, 3 months", 1500),
    ))
    text = print_out(sim, receipt_commands(receipt, HALL)).text
    assert receipt.total_fen == 9000
    assert "￥90.00" in text and text.count("￥15.00") == 2 and "加急（绿色通道）" in text
    sim.close()


def test_a_name_outside_the_printer_font_prints_with_a_box() -> None:
    sim = PrinterSimulator()
    receipt = replace(specimen_receipt(NOW), applicant_name="王𠀀明")
    assert "王*明" in print_out(sim, receipt_commands(receipt, HALL)).text
    receipt = replace(specimen_receipt(NOW), applicant_name="𠀀明")
    sim.pages.clear()
    assert "□*" in print_out(sim, receipt_commands(receipt, HALL)).text
    sim.close()


def test_personal_data_stays_out_of_repr() -> None:
    text = repr(specimen_receipt(NOW, postal=True))
    for secret in ("张小明", "11010519491231002X", "6228480402564890018", "13812345678", "体育西路"):
        assert secret not in text


def test_the_hall_name_comes_from_config() -> None:
    config = load_config(config_files(simulated=True))
    hall = HallHeader.from_config(config.kiosk)
    assert (hall.name_zh, hall.name_en, hall.kiosk_id) == (config.kiosk.hall_name_zh, config.kiosk.hall_name_en,
                                                           config.kiosk.id)


# -- the other slips --------------------------------------------------------------------------------

PROGRESS = ProgressSlip(
    "KIOSK0012611280007", "zh_CN", "已邮寄", "Posted",
    (ProgressStage("已受理", "Received", date(2026, 11, 28)),
     ProgressStage("审核中", "Under review", date(2026, 11, 30)),
     ProgressStage("已审批", "Approved", date(2026, 12, 2)),
     ProgressStage("已邮寄", "Posted", date(2026, 12, 5)),
     ProgressStage("已签收", "Delivered", None)),
    printed_at=NOW, expected_date=date(2026, 12, 7), collection="postal", tracking_no="EMS1234567890CN",
    items=(("港澳签注（个人旅游，香港，3个月一次有效）", "Hong Kong/Macao endorsement (individual tour, Hong Kong, "
            "3 months, single entry)"),))

APPOINTMENT = AppointmentSlip(
    "A20261201-015", "en", "外国人护照报失证明", "Certificate of a lost passport (foreigners)",
    date(2026, 12, 1), time(9, 30), time(10, 0), "SMITH JOHN", "E12345678", NOW, counter="5",
    bring=(("护照复印件", "A copy of the passport"), ("报失证明", "The police loss report")),
    check_in_payload="APPT1:A20261201-015")

RECONCILIATION = ReconciliationSlip("KIOSK001", date(2026, 11, 28), NOW, Totals(12, 144000), Totals(1, 12000),
                                    terminal=Totals(11, 132000), applications_filed=12, applications_queued=2)


def test_progress_slip(printer: PrinterSimulator) -> None:
    text = print_out(printer, commands_for(PROGRESS, HALL, paper_width_dots=printer.width)).text
    for expected in ("办理进度", "KIOSK0012611280007", "已邮寄", "● 已受理", "○ 已签收", "2026-12-05",
                     "EMS1234567890CN", "· 港澳签注（个人旅游，香港"):
        assert expected in text, expected


def test_appointment_slip(printer: PrinterSimulator) -> None:
    page = print_out(printer, commands_for(APPOINTMENT, HALL, paper_width_dots=printer.width))
    for expected in ("Appointment", "A20261201-015", "S**** J***", "E1*****78", "2026-12-01", "09:30 - 10:00",
                     "Counter 5", "A copy of the passport"):
        assert expected in page.text, expected
    assert [r.text for r in zxingcpp.read_barcodes(page.image())] == ["APPT1:A20261201-015"]


def test_reconciliation_slip_balanced_and_not(printer: PrinterSimulator) -> None:
    assert RECONCILIATION.balanced and RECONCILIATION.net == Totals(11, 132000)
    text = print_out(printer, commands_for(RECONCILIATION, HALL, paper_width_dots=printer.width)).text
    assert "账务相符" in text and "11 / ￥1320.00" in text
    unresolved = replace(RECONCILIATION, unresolved=("KIOSK0012611280009P1",), terminal=None)
    assert not unresolved.balanced
    printer.pages.clear()
    text = print_out(printer, commands_for(unresolved, HALL, paper_width_dots=printer.width)).text
    assert "账务不符，请核查" in text and "KIOSK0012611280009P1" in text and "终端未报告" in text


def test_nothing_else_is_printable() -> None:
    with pytest.raises(TypeError):
        commands_for("receipt", HALL)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="384 or 576"):
        receipt_commands(specimen_receipt(NOW), HALL, paper_width_dots=512)


# -- formatting -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fen", "text"), [(12000, "￥120.00"), (5, "￥0.05"), (0, "￥0.00"), (-1500, "-￥15.00"),
                                           (123456789, "￥1234567.89")])
def test_format_fen(fen: int, text: str) -> None:
    assert format_fen(fen) == text


def test_wrap_keeps_words_and_closing_punctuation_together() -> None:
    assert _wrap("Keep this receipt safe please", 12) == ["Keep this", "receipt safe", "please"]
    assert _wrap("请妥善保管本回执，凭回执领取", 16) == ["请妥善保管本回", "执，凭回执领取"]
    assert _wrap("x" * 30, 12) == ["x" * 12, "x" * 12, "x" * 6]


_PRINTABLE = st.text(alphabet=st.sampled_from(list("出入境服务大厅广州市天河区路号，。（）ABCxyz0123-/ ")), max_size=80)


@settings(max_examples=80, deadline=None)
@given(text=_PRINTABLE, columns=st.integers(min_value=4, max_value=48))
def test_wrapped_lines_always_fit(text: str, columns: int) -> None:
    lines = _wrap(text, columns)
    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=25, deadline=None)
@given(name=st.text(alphabet=st.characters(codec="gb18030", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                    min_size=1, max_size=12),
       address=_PRINTABLE.filter(str.strip))
def test_any_name_and_address_encode(name: str, address: str) -> None:
    receipt = specimen_receipt(NOW, postal=True)
    receipt = replace(receipt, applicant_name=name,
                      collection=replace(receipt.collection, address=address, recipient=name))
    for width in (384, 576):
        encode_job(receipt_commands(receipt, HALL, paper_width_dots=width))  # never LocalProtocolError


def test_a_logo_prints_centred_above_the_hall_name() -> None:
    logo = raster_from_image(Image.new("L", (96, 48), 0), dither=False)
    hall = replace(HALL, logo=logo)
    sim = PrinterSimulator()
    page = print_out(sim, receipt_commands(specimen_receipt(NOW), hall))
    lines = page.text.splitlines()
    assert lines[1] == "[IMAGE 96x48]" and lines[3].startswith("市公安局")
    image = page.image().convert("L")
    assert image.getpixel((288, 30 + 24)) == 0 and image.getpixel((200, 30 + 24)) == 255  # centred, 96 wide
    sim.close()


@pytest.mark.parametrize(("postal", "says_collect"), [(False, True), (True, False)])
def test_only_pickup_receipts_tell_how_to_collect(postal: bool, says_collect: bool) -> None:
    sim = PrinterSimulator()
    text = print_out(sim, receipt_commands(specimen_receipt(NOW, postal=postal), HALL)).text
    assert ("凭回执和身份证领取证件" in text) == says_collect
    assert ("证件制作完成后将邮寄至上述地址。" in text) == postal
    sim.close()


# -- the way it was paid -------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_counter_receipt_carries_a_code128_the_counter_scans(printer: PrinterSimulator, language: str) -> None:
    """Not paid yet: the counter's scanner reads the application number from the bar code, on
    either paper width, and the progress QR is still there."""
    from kiosk.services.printing.layouts import CardPayment

    receipt = specimen_receipt(NOW, language)  # type: ignore[arg-type]
    receipt = replace(receipt, payment=CardPayment(receipt.total_fen, "", "", "", receipt.application_no, NOW,
                                                   method="counter"))
    page = print_out(printer, receipt_commands(receipt, HALL, paper_width_dots=printer.width))
    found = sorted((str(r.format), r.text) for r in zxingcpp.read_barcodes(page.image()))
    assert found == [("Code 128", receipt.application_no), ("QR Code", receipt.progress_payload)]
    assert page.barcodes == (receipt.application_no,)
    said = ((("未付款", "缴费窗口扫此条码")) if language == "zh_CN"
            else ("Not paid yet", "The counter scans this bar code"))
    assert all(words in page.text.replace("\n", " ") for words in said)


@pytest.mark.parametrize(("language", "name"), [("zh_CN", "微信支付"), ("en", "WeChat Pay")])
def test_a_code_receipt_names_the_wallet_in_the_applicants_language(language: str, name: str) -> None:
    from kiosk.services.printing.receipt_building import application_receipt
    from kiosk.session import commands as c
    from tests.kiosk.outbox_fixtures import domain_application

    application = domain_application()
    command = c.PrintReceipt("KIOSK0012611280007", application.fees, "pickup", application.expected_ready,
                             "EEK1:KIOSK0012611280007:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE", language=language,
                             payment={"method": "code", "ecr_ref": "KIOSK0012611280007W1", "amount_fen": 13500,
                                      "wallet": "wechat", "code_masked": "1345************89",
                                      "gateway_txn_id": "4200001234202611281234567890"})
    receipt = application_receipt(command, application, NOW)
    assert receipt.payment.method == "code" and receipt.payment.card_number == f"{name} 1345************89"
    sim = PrinterSimulator()
    page = print_out(sim, receipt_commands(receipt, HALL))
    sim.close()
    assert name in page.text and "4200001234202611281234567890" in page.text
