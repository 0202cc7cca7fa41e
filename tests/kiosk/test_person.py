"""The domain's Person: sex is M, F or X (unspecified), nothing else; personal fields stay out of repr."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from kiosk.domain.eligibility import check_identity
from kiosk.domain.person import SEXES, DocumentType, Person

TODAY = date(2026, 11, 28)


def passport(sex: str) -> Person:
    return Person(name="DE VRIES ALEX", sex=sex, birth_date=date(1999, 9, 9),  # type: ignore[arg-type]
                  document_number="NX1234567", document_type=DocumentType.PASSPORT, valid_until=date(2031, 9, 9),
                  nationality="NLD")


def test_unspecified_sex_is_a_person_like_any_other() -> None:
    person = passport("X")
    assert person.sex == "X" and sorted(SEXES) == ["F", "M", "X"]
    assert check_identity(person, TODAY) is None           # the document is as good as any other
    assert "sex" not in repr(person) and "VRIES" not in repr(person)  # personal fields stay out of repr


@pytest.mark.parametrize("sex", ["", "U", "<", "m", "9", "MALE"])
def test_anything_else_is_refused_at_construction(sex: str) -> None:
    with pytest.raises(ValueError, match="M, F or X"):
        passport(sex)
    with pytest.raises(ValueError):
        dataclasses.replace(passport("F"), sex=sex)
