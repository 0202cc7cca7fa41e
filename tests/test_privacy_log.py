"""No ID number, mobile number or name reaches a log line, however it was passed."""

from __future__ import annotations

import io
import logging

import pytest

from privacy_log import Personal, configure_logging, install_on, mask_text

ID_NUMBER = "11010519491231002X"  # GB 11643 specimen
MOBILE = "13812345678"


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = install_on(logging.StreamHandler(stream))
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.removeHandler(handler)


def test_id_number_in_message_args_and_fstrings_is_masked(captured) -> None:
    logger, stream = captured
    logger.info("card read: %s", ID_NUMBER)
    logger.info(f"card read: {ID_NUMBER.lower()}")
    logger.warning("two: %s,%s", ID_NUMBER, "110105194912310021")
    text = stream.getvalue()
    assert "19491231" not in text
    assert text.count("[ID-NUMBER]") == 4


@pytest.mark.parametrize("mobile", [MOBILE, "+86 138 1234 5678", "86-138-1234-5678", "138 1234 5678"])
def test_mobile_numbers_are_masked_in_the_forms_people_type(captured, mobile: str) -> None:
    logger, stream = captured
    logger.info("sms to %s queued", mobile)
    assert "1234" not in stream.getvalue()
    assert "[PHONE]" in stream.getvalue()


def test_structured_personal_fields_and_wrapped_values(captured) -> None:
    logger, stream = captured
    formatter = logging.Formatter("%(message)s name=%(name_field)s")
    logger.handlers[-1].setFormatter(formatter)
    install_on(logger.handlers[-1])
    logger.info("applicant %s", Personal("张三"), extra={"name_field": "ok"})
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.__dict__.update(person_name="李四", id_number=ID_NUMBER, phone=MOBILE)
    for handler_filter in logger.handlers[-1].filters:
        handler_filter.filter(record)
    assert record.__dict__["person_name"] == "[REDACTED]"
    assert record.name == "x"  # the logger's own name is not personal data
    assert record.__dict__["id_number"] == "[REDACTED]"
    assert record.__dict__["phone"] == "[REDACTED]"
    assert "张三" not in stream.getvalue()
    assert "[REDACTED]" in stream.getvalue()


def test_tracebacks_are_masked(captured) -> None:
    logger, stream = captured
    try:
        raise ValueError(f"bad card {ID_NUMBER} for {MOBILE}")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    assert "Traceback" in text
    assert ID_NUMBER not in text and MOBILE not in text


def test_numbers_that_are_not_personal_survive() -> None:
    line = "order K1-20250115-000123 rrn 501510304551 amount 000000012000 trace 000123 ts 20251128114900"
    assert mask_text(line) == line


def test_configure_logging_is_idempotent_and_masks(tmp_path) -> None:
    log_file = tmp_path / "kiosk.log"
    configure_logging("INFO", log_file)
    logger = configure_logging("INFO", log_file, program="kiosk.test")
    root = logging.getLogger()
    assert sum(getattr(h, "_privacy_log", False) for h in root.handlers) == 2
    logger.info("id %s phone %s", ID_NUMBER, MOBILE)
    for handler in root.handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "[ID-NUMBER]" in text and "[PHONE]" in text and ID_NUMBER not in text
    assert "kiosk.test: id" in text  # the logger name survives
    for handler in list(root.handlers):
        if getattr(handler, "_privacy_log", False):
            root.removeHandler(handler)
            handler.close()
