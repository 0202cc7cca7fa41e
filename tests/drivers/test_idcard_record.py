"""Text-block parsing for every card layout, checked against the spec's byte fragments."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.errors import RemoteProtocolError
from drivers.idcard.ethnic_groups import ETHNIC_GROUPS, ethnic_group_name
from drivers.idcard.photo import decode_photo, load_photo_decoder
from drivers.idcard.protocol import CardDataRead, IdCardProtocol
from drivers.idcard.record import CardTextError, CardType, parse_card_text
from drivers.idcard.sample_cards import SAMPLE_CARDS
from kiosk.domain.identity import age_on, is_expired, is_valid_id_number
from tests.drivers.test_idcard_protocol import golden

TODAY = date(2026, 11, 28)


def read_event(name: str) -> CardDataRead:
    codec = IdCardProtocol()
    codec.receive_data(golden(name))
    event = codec.next_event()
    assert isinstance(event, CardDataRead)
    return event


def text_of(name: str) -> bytes:
    return read_event(name).text


def test_golden_resident_frame_carries_the_spec_fragments() -> None:
    """The oracle: byte fragments quoted in spec §4.1 sit at the quoted offsets (+14 in the frame)."""
    frame = golden("resp_read_resident")
    assert frame[:14] == bytes.fromhex("AAAAAA9669 0508 000090 0100 0400".replace(" ", ""))
    assert frame[14 + 0:14 + 8] == bytes.fromhex("205F094E20002000")  # 张三 + space padding
    assert frame[14 + 30:14 + 32] == bytes.fromhex("3100")
    assert frame[14 + 32:14 + 36] == bytes.fromhex("30003100")
    assert frame[14 + 36:14 + 52] == bytes.fromhex("31003900340039003100320033003100")
    assert frame[14 + 52:14 + 64] == bytes.fromhex("1753AC4E025E1C4ECE573A53")
    assert frame[14 + 122:14 + 128] == bytes.fromhex("310031003000")
    assert frame[14 + 156:14 + 158] == bytes.fromhex("5800")  # the X
    assert frame[14 + 158:14 + 170] == bytes.fromhex("1753AC4E025E6C51895B405C")
    assert frame[14 + 188:14 + 204] == bytes.fromhex("32003000320030003000310030003100")
    assert frame[14 + 220:14 + 256] == bytes.fromhex("2000") * 18
    assert frame[14 + 248:14 + 250] == bytes.fromhex("2000")


def test_resident_card_worked_example() -> None:
    record = parse_card_text(text_of("resp_read_resident"), read_event("resp_read_resident").photo)
    assert record.card_type is CardType.RESIDENT
    assert record.name == "张三"
    assert record.sex == "M"
    assert (record.ethnicity_code, record.ethnicity) == ("01", "汉")
    assert record.birth_date == date(1949, 12, 31)
    assert record.address == "北京市东城区示例路1号"
    assert record.id_number == "11010519491231002X"
    assert record.authority == "北京市公安局东城分局"
    assert record.valid_from == date(2020, 1, 1)
    assert record.valid_until == date(2040, 1, 1)
    assert not record.long_term
    assert record.nationality is None and record.permit_number is None and record.name_en is None
    assert record.photo == bytes(range(256)) * 4
    assert record.photo_image is None
    assert record.has_fingerprint is None  # read with 30 01: not asked


def test_residence_permit_j() -> None:
    text = text_of("resp_read_permit_j")
    assert text[248:250] == b"J\x00"
    record = parse_card_text(text)
    assert record.card_type is CardType.RESIDENCE_PERMIT
    assert record.name == "陈大文"
    assert record.ethnicity is None and record.ethnicity_code is None
    assert record.id_number == "810000199408230021"
    assert record.permit_number == "H12345678"
    assert record.issue_count == 2
    assert record.valid_until == date(2028, 1, 1)


def test_foreigner_2017_i() -> None:
    text = text_of("resp_read_foreigner_i")
    assert text[248:250] == b"I\x00"
    record = parse_card_text(text)
    assert record.card_type is CardType.FOREIGNER_2017
    assert record.name == "简"
    assert record.name_en == "DOE JANE"
    assert record.sex == "F"
    assert record.id_number == "CAN110080010101"
    assert record.nationality == "CAN"
    assert record.birth_date == date(1980, 1, 1)
    assert record.card_version == "01"
    assert record.authority == "1100"
    assert record.address is None and record.ethnicity is None


def test_foreigner_2023_y_joins_the_split_english_name() -> None:
    text = text_of("resp_read_foreigner_y")
    assert text[248:250] == b"Y\x00"
    record = parse_card_text(text)
    assert record.card_type is CardType.FOREIGNER_2023
    assert record.name == "奥孔科"
    assert record.name_en == "OKONKWO-ADEYEMI CHUKWUEMEKA OLUWASEUN BELLO"
    assert record.id_number == "911100197511300018"
    assert record.nationality == "NGA"
    assert record.renewal_count == 1
    assert record.valid_until is None and record.long_term
    assert record.previous_card_link is None


@pytest.mark.parametrize(("name", "has"), [("resp_read_fingerprint_1024", True), ("resp_read_fingerprint_0", False)])
def test_has_fingerprint(name: str, has: bool) -> None:
    event = read_event(name)
    assert parse_card_text(event.text, event.photo, event.fingerprint).has_fingerprint is has


def test_repr_hides_personal_data() -> None:
    event = read_event("resp_read_resident")
    text = repr(parse_card_text(event.text, event.photo))
    for secret in ("张三", "11010519491231002X", "1949", "示例路"):
        assert secret not in text
    assert "resident" in text
    assert "张三" not in repr(event)


def _with(text: bytes, offset: int, value: str) -> bytes:
    raw = value.encode("utf-16-le")
    return text[:offset] + raw + text[offset + len(raw):]


@pytest.mark.parametrize(
    ("offset", "value", "match"),
    [
        (36, "19491331", "birth date is not a real calendar date"),
        (36, "1949123 ", "birth date is not a YYYYMMDD"),
        (204, "永久有效", "valid-until"),
        (30, "3", "sex code"),
        (32, "57", "ethnic-group code '57'"),
        (248, "Z", "unknown card-type marker U[+]005A"),
        (122, " " * 18, "no ID number"),
    ],
)
def test_layout_violations_are_card_text_errors(offset: int, value: str, match: str) -> None:
    text = _with(text_of("resp_read_resident"), offset, value)
    with pytest.raises(CardTextError, match=match):
        parse_card_text(text)


def test_lone_surrogate_is_a_card_text_error() -> None:
    text = text_of("resp_read_resident")
    text = text[:0] + b"\x00\xd8" + text[2:]
    with pytest.raises(CardTextError, match="not UCS-2"):
        parse_card_text(text)


def test_wrong_block_size() -> None:
    with pytest.raises(CardTextError, match="255 bytes"):
        parse_card_text(text_of("resp_read_resident")[:255])


def test_card_text_error_is_a_remote_protocol_error() -> None:
    assert issubclass(CardTextError, RemoteProtocolError)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_fuzz_text_block_only_raises_card_text_errors(text: bytes) -> None:
    with contextlib.suppress(CardTextError):
        parse_card_text(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.integers(0, 255))
def test_fuzz_single_byte_changes_to_a_real_block(offset: int, value: int) -> None:
    text = bytearray(text_of("resp_read_resident"))
    text[offset] = value
    with contextlib.suppress(CardTextError):
        parse_card_text(bytes(text))


# -- the ethnic table (spec §5.2) -------------------------------------------------------------------

def test_ethnic_table_is_complete_and_has_the_right_spellings() -> None:
    assert set(ETHNIC_GROUPS) == {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}
    assert ethnic_group_name("46") == "德昂"  # not 德昴
    assert ethnic_group_name("36") == "毛南"  # not 毛难
    assert ETHNIC_GROUPS["46"][1] == "Deang"  # not "Maonan"
    assert ethnic_group_name("01") == "汉"
    assert ethnic_group_name("56") == "基诺"
    assert ethnic_group_name("98") == "外国血统中国籍人士"
    assert ethnic_group_name("00") is None
    assert ethnic_group_name("99") is None


# -- simulator's sample cards parsed by the host parser (independent implementations) ---------------

def test_sample_cards_parse_to_their_facts() -> None:
    def parsed(key: str):
        card = SAMPLE_CARDS[key]
        fp = card.fingerprint()
        return parse_card_text(card.text_block(), card.photo(), fp)

    adult = parsed("adult")
    assert adult.name == "王小明" and adult.sex == "M" and adult.has_fingerprint
    assert age_on(adult.birth_date, TODAY) == 41 and not is_expired(adult.valid_until, TODAY)
    assert SAMPLE_CARDS["guardian"] is SAMPLE_CARDS["adult"]

    child = parsed("child")
    assert child.birth_date.year >= 2018
    assert age_on(child.birth_date, date(2034, 12, 31)) < 16  # stays a minor for years
    assert child.has_fingerprint is False

    elder = parsed("elder")
    assert age_on(elder.birth_date, TODAY) >= 60
    assert elder.long_term and elder.valid_until is None

    expired = parsed("expired")
    assert is_expired(expired.valid_until, TODAY)
    assert expired.ethnicity == "其他"

    permit = parsed("residence_permit")
    assert permit.card_type is CardType.RESIDENCE_PERMIT
    assert permit.id_number.startswith("810000") and permit.permit_number == "H60123456"
    assert permit.issue_count == 1

    foreigner = parsed("foreigner")
    assert foreigner.card_type is CardType.FOREIGNER_2023
    assert foreigner.name_en == "GARCIA LOPEZ MARIA FERNANDA DE LOS ANGELES"
    assert foreigner.nationality == "ESP"

    old = parsed("foreigner_2017")
    assert old.card_type is CardType.FOREIGNER_2017
    assert old.name == "SMITH JOHN WILLIAM" and old.name_en == "SMITH JOHN WILLIAM"


@pytest.mark.parametrize("key", sorted(k for k in SAMPLE_CARDS if SAMPLE_CARDS[k].marker in (" ", "J")))
def test_sample_citizen_numbers_have_valid_check_characters_except_the_bad_one(key: str) -> None:
    card = SAMPLE_CARDS[key]
    assert is_valid_id_number(card.id_number) is (key != "bad_checksum")
    assert card.id_number[6:14] == card.birth


def test_sample_photos_are_1024_bytes_and_differ() -> None:
    photos = {SAMPLE_CARDS[k].photo() for k in SAMPLE_CARDS if k != "guardian"}
    assert all(len(photo) == 1024 for photo in photos)
    assert len(photos) == len(SAMPLE_CARDS) - 1


# -- the photo decoder plug-in point ----------------------------------------------------------------

def fake_decoder(wlt: bytes) -> bytes:
    return b"BM" + wlt[:4]


def broken_decoder(wlt: bytes) -> bytes:
    raise OSError("licence expired")


def test_no_decoder_means_no_image() -> None:
    assert load_photo_decoder("") is None
    assert decode_photo(None, b"\x00" * 1024) is None


def test_decoder_loaded_by_name() -> None:
    decoder = load_photo_decoder("tests.drivers.test_idcard_record:fake_decoder")
    assert decode_photo(decoder, bytes(range(4)) * 256) == b"BM\x00\x01\x02\x03"


def test_failing_decoder_yields_no_image() -> None:
    assert decode_photo(broken_decoder, b"\x00" * 1024) is None
    assert decode_photo(lambda _: "not bytes", b"\x00" * 1024) is None  # type: ignore[arg-type,return-value]
    assert decode_photo(fake_decoder, b"short") is None


@pytest.mark.parametrize("spec", ["nocolon", "no.such.module:f", "tests.drivers.test_idcard_record:TODAY", ":f"])
def test_bad_decoder_spec_is_a_clear_value_error(spec: str) -> None:
    with pytest.raises(ValueError, match="photo decoder"):
        load_photo_decoder(spec)
