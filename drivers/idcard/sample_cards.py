"""Sample cards for the simulator: fictional people, valid check characters, every layout.

These are the *device side's* cards, so this module builds the 256-byte text block itself from the
spec's layout tables (idcard_mrz.md §4) and shares no code with the host parser in
``drivers/idcard/record.py``: golden frames and the tests compare the two.

Nobody here is real. Names are common given names on invented surnames/addresses ("示例路" means
"example road"); ID numbers are built on real area codes with invented birth dates and sequence
numbers, and their check characters were computed with the GB 11643 rule. Photos are random bytes,
never a real picture. Ages below are as of 2026-11-28.

| key               | layout | facts                                                                 |
|-------------------|--------|-----------------------------------------------------------------------|
| adult / guardian  | resident | 王小明, M, born 1985-06-15 (41), valid to 2035-07-01, 1024 B fingerprints |
| child             | resident | 王小雨, F, born 2019-03-08 (7; under 16 until 2035-03-08), valid to 2029-04-01 |
| elder             | resident | 李德华, M, born 1958-09-01 (68), long-term (长期), 512 B fingerprints, |
|                   |          | appended address                                               |
| expired           | resident | 陈美玲, F, born 1990-01-20, expired 2020-01-20, ethnic code 97 |
| bad_checksum      | resident | 赵一鸣, F, born 1987-04-22, ID number with a wrong check character |
| residence_permit  | J        | 张家豪, M, born 1992-03-14, HK resident (810000...), permit H60123456, issue 01 |
| foreigner         | Y (2023) | 玛丽亚 / GARCIA LOPEZ MARIA FERNANDA DE LOS ANGELES, F, ESP, born 1990-05-20 |
| foreigner_2017    | I (2017) | SMITH JOHN WILLIAM, M, USA, born 1987-04-22, no Chinese name |
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

TEXT_LEN = 256
PHOTO_LEN = 1024


@dataclass(frozen=True)
class SampleCard:
    """One card as the simulated chip holds it. Dates are the card's own ``YYYYMMDD`` strings."""

    key: str
    marker: str  # " " resident, "J" residence permit, "I" foreigner 2017, "Y" foreigner 2023
    name: str  # Chinese name ("" for none)
    sex_code: str  # "1" male, "2" female
    birth: str
    id_number: str
    valid_from: str
    valid_until: str  # YYYYMMDD or 长期
    ethnic_code: str = ""
    address: str = ""
    authority: str = ""
    name_en: str = ""
    nationality: str = ""
    permit_number: str = ""
    issue_count: str = ""
    renewal_count: str = ""
    card_version: str = ""
    authority_code: str = ""
    fingerprint_len: int = 0
    appended_address: str | None = None

    def text_block(self) -> bytes:
        """The 256-byte UCS-2LE block exactly as the chip returns it (space padded)."""
        block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))

        def put(offset: int, size: int, value: str) -> None:
            raw = value.encode("utf-16-le")
            if len(raw) > size:
                raise ValueError(f"{self.key}: {value!r} does not fit {size} bytes at {offset}")
            block[offset:offset + len(raw)] = raw

        if self.marker in (" ", "J"):
            put(0, 30, self.name)
            put(30, 2, self.sex_code)
            put(32, 4, self.ethnic_code)
            put(36, 16, self.birth)
            put(52, 70, self.address)
            put(122, 36, self.id_number)
            put(158, 30, self.authority)
            put(188, 16, self.valid_from)
            put(204, 16, self.valid_until)
            if self.marker == "J":
                put(220, 18, self.permit_number)
                put(238, 4, self.issue_count)
        elif self.marker == "I":
            put(0, 120, self.name_en)
            put(120, 2, self.sex_code)
            put(122, 30, self.id_number)
            put(152, 6, self.nationality)
            put(158, 30, self.name)
            put(188, 16, self.valid_from)
            put(204, 16, self.valid_until)
            put(220, 16, self.birth)
            put(236, 4, self.card_version)
            put(240, 8, self.authority_code)
        elif self.marker == "Y":
            put(0, 30, self.name)
            put(30, 2, self.sex_code)
            put(32, 4, self.renewal_count)
            put(36, 16, self.birth)
            put(52, 70, self.name_en[:35])
            put(122, 36, self.id_number)
            put(188, 16, self.valid_from)
            put(204, 16, self.valid_until)
            put(220, 22, self.name_en[35:])
            put(242, 6, self.nationality)
        else:
            raise ValueError(f"{self.key}: unknown marker {self.marker!r}")
        put(248, 2, self.marker)
        return bytes(block)

    def photo(self) -> bytes:
        """1024 deterministic pseudo-random bytes standing in for the WLT photo."""
        out = bytearray()
        counter = 0
        while len(out) < PHOTO_LEN:
            out += hashlib.sha256(f"wlt:{self.key}:{counter}".encode()).digest()
            counter += 1
        return bytes(out[:PHOTO_LEN])

    def fingerprint(self) -> bytes:
        out = bytearray()
        counter = 0
        while len(out) < self.fingerprint_len:
            out += hashlib.sha256(f"fp:{self.key}:{counter}".encode()).digest()
            counter += 1
        return bytes(out[:self.fingerprint_len])


_ADULT = SampleCard(
    key="adult", marker=" ", name="王小明", sex_code="1", ethnic_code="01", birth="19850615",
    address="北京市朝阳区示例路1号院2号楼301室", id_number="110105198506150356",
    authority="北京市公安局朝阳分局", valid_from="20150701", valid_until="20350701", fingerprint_len=1024,
)

SAMPLE_CARDS: dict[str, SampleCard] = {
    "adult": _ADULT,
    "guardian": _ADULT,
    "child": SampleCard(
        key="child", marker=" ", name="王小雨", sex_code="2", ethnic_code="01", birth="20190308",
        address="北京市朝阳区示例路1号院2号楼301室", id_number="110105201903080245",
        authority="北京市公安局朝阳分局", valid_from="20240401", valid_until="20290401",
    ),
    "elder": SampleCard(
        key="elder", marker=" ", name="李德华", sex_code="1", ethnic_code="03", birth="19580901",
        address="上海市徐汇区样板路88弄8号", id_number="310104195809010411",
        authority="上海市公安局徐汇分局", valid_from="20100315", valid_until="长期", fingerprint_len=512,
        appended_address="上海市徐汇区新址路9号1201室",
    ),
    "expired": SampleCard(
        key="expired", marker=" ", name="陈美玲", sex_code="2", ethnic_code="97", birth="19900120",
        address="广东省广州市天河区示范街6号", id_number="440106199001200626",
        authority="广州市公安局天河区分局", valid_from="20100120", valid_until="20200120", fingerprint_len=1024,
    ),
    "bad_checksum": SampleCard(
        key="bad_checksum", marker=" ", name="赵一鸣", sex_code="2", ethnic_code="01", birth="19870422",
        address="北京市朝阳区示例路3号", id_number="110105198704220184",  # correct would end in 3
        authority="北京市公安局朝阳分局", valid_from="20170501", valid_until="20370501",
    ),
    "residence_permit": SampleCard(
        key="residence_permit", marker="J", name="张家豪", sex_code="1", birth="19920314",
        address="广东省深圳市福田区示例大道100号", id_number="810000199203140030",
        authority="深圳市公安局福田分局", valid_from="20220901", valid_until="20270901",
        permit_number="H60123456", issue_count="01",
    ),
    "foreigner": SampleCard(
        key="foreigner", marker="Y", name="玛丽亚", name_en="GARCIA LOPEZ MARIA FERNANDA DE LOS ANGELES",
        sex_code="2", birth="19900520", id_number="933100199005200042", nationality="ESP",
        valid_from="20231201", valid_until="20331201", renewal_count="00",
    ),
    "foreigner_2017": SampleCard(
        key="foreigner_2017", marker="I", name="", name_en="SMITH JOHN WILLIAM", sex_code="1",
        birth="19870422", id_number="USA110087042201", nationality="USA", valid_from="20180501",
        valid_until="20280501", card_version="01", authority_code="1100",
    ),
}
