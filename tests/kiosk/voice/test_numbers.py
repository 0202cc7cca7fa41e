"""Golden tables: numbers, money, dates, times and codes as they are spoken in each language."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from kiosk.voice import numbers as n

ZH_INTEGERS = [
    (0, "零"), (1, "一"), (2, "二"), (10, "十"), (11, "十一"), (15, "十五"), (20, "二十"), (21, "二十一"),
    (100, "一百"), (101, "一百零一"), (110, "一百一十"), (112, "一百一十二"), (120, "一百二十"),
    (200, "二百"), (999, "九百九十九"), (1000, "一千"), (1005, "一千零五"), (1050, "一千零五十"),
    (1500, "一千五百"), (2000, "两千"), (2200, "两千二百"), (10000, "一万"), (10005, "一万零五"),
    (10010, "一万零一十"), (12000, "一万二千"), (20000, "两万"), (22000, "两万二千"), (100000, "十万"),
    (100500, "十万零五百"), (120000, "十二万"), (1000000, "一百万"), (1001000, "一百万一千"),
    (10000000, "一千万"), (100000000, "一亿"), (100000001, "一亿零一"), (200000000, "两亿"),
    (-15, "负十五"),
]


@pytest.mark.parametrize(("value", "words"), ZH_INTEGERS)
def test_mandarin_integers(value: int, words: str) -> None:
    assert n.zh_integer(value) == words


EN_INTEGERS = [
    (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (21, "twenty-one"), (99, "ninety-nine"),
    (100, "one hundred"), (101, "one hundred and one"), (120, "one hundred and twenty"),
    (1000, "one thousand"), (1005, "one thousand and five"), (1200, "one thousand two hundred"),
    (1234, "one thousand two hundred and thirty-four"), (20000, "twenty thousand"),
    (1000001, "one million and one"), (2500000, "two million five hundred thousand"), (-3, "minus three"),
]


@pytest.mark.parametrize(("value", "words"), EN_INTEGERS)
def test_english_integers(value: int, words: str) -> None:
    assert n.en_integer(value) == words


MONEY = [  # fen, zh, en
    (12000, "一百二十元", "one hundred and twenty yuan"),
    (6000, "六十元", "sixty yuan"),
    (1500, "十五元", "fifteen yuan"),
    (1550, "十五元五角", "fifteen yuan and fifty fen"),
    (1505, "十五元零五分", "fifteen yuan and five fen"),
    (1555, "十五元五角五分", "fifteen yuan and fifty-five fen"),
    (5, "五分", "five fen"),
    (50, "五角", "fifty fen"),
    (0, "零元", "zero yuan"),
    (20000, "二百元", "two hundred yuan"),
    (950000, "九千五百元", "nine thousand five hundred yuan"),
]


@pytest.mark.parametrize(("fen", "zh", "en"), MONEY)
def test_money(fen: int, zh: str, en: str) -> None:
    assert n.money_words(fen, "zh_CN") == zh
    assert n.money_words(fen, "en") == en


DATES = [  # day, zh, en, zh with year, en with year
    (date(2026, 12, 3), "十二月三日", "the third of December", "二零二六年十二月三日",
     "the third of December twenty twenty-six"),
    (date(2026, 1, 1), "一月一日", "the first of January", "二零二六年一月一日",
     "the first of January twenty twenty-six"),
    (date(2005, 11, 22), "十一月二十二日", "the twenty-second of November", "二零零五年十一月二十二日",
     "the twenty-second of November two thousand and five"),
    (date(1999, 5, 31), "五月三十一日", "the thirty-first of May", "一九九九年五月三十一日",
     "the thirty-first of May nineteen ninety-nine"),
    (date(2030, 6, 12), "六月十二日", "the twelfth of June", "二零三零年六月十二日",
     "the twelfth of June twenty thirty"),
]


@pytest.mark.parametrize(("day", "zh", "en", "zh_year", "en_year"), DATES)
def test_dates(day: date, zh: str, en: str, zh_year: str, en_year: str) -> None:
    assert n.date_words(day, "zh_CN") == zh
    assert n.date_words(day, "en") == en
    assert n.date_words(day, "zh_CN", with_year=True) == zh_year
    assert n.date_words(datetime.combine(day, time(9)), "en", with_year=True) == en_year


def test_ordinals_and_years() -> None:
    assert [n.en_ordinal(i) for i in (1, 2, 3, 4, 5, 8, 9, 11, 12, 20, 21, 30, 40, 100)] == [
        "first", "second", "third", "fourth", "fifth", "eighth", "ninth", "eleventh", "twelfth", "twentieth",
        "twenty-first", "thirtieth", "fortieth", "one hundredth"]
    assert [n.en_year(y) for y in (2000, 2009, 2010, 1905, 1900, 2100)] == [
        "two thousand", "two thousand and nine", "twenty ten", "nineteen oh five", "nineteen hundred",
        "twenty-one hundred"]


TIMES = [  # time, zh, en
    (time(9, 0), "上午九点", "nine o'clock in the morning"),
    (time(9, 5), "上午九点零五分", "nine oh five in the morning"),
    (time(14, 30), "下午两点三十分", "two thirty in the afternoon"),
    (time(12, 0), "中午十二点", "twelve noon"),
    (time(12, 15), "中午十二点十五分", "twelve fifteen in the afternoon"),
    (time(19, 45), "晚上七点四十五分", "seven forty-five in the evening"),
    (time(0, 0), "凌晨十二点", "midnight"),
]


@pytest.mark.parametrize(("moment", "zh", "en"), TIMES)
def test_times(moment: time, zh: str, en: str) -> None:
    assert n.time_words(moment, "zh_CN") == zh
    assert n.time_words(moment, "en") == en


def test_codes_are_read_digit_by_digit_with_a_pause_every_four() -> None:
    assert n.digits_words("KIOSK0012611270007", "zh_CN") == (
        "K I O S，K 零 零 一，二 六 一 一，二 七 零 零，零 七")
    assert n.digits_words("120", "en") == "one two zero"
    assert n.digits_words("A-1203", "en", group=0) == "A one two zero three"
    assert n.digits_words("5101", "zh_CN") == "五 一 零 一"


def test_counts_before_a_measure_word() -> None:
    assert [n.count_words(i, "zh_CN") for i in (1, 2, 3, 12, 20)] == ["一", "两", "三", "十二", "二十"]
    assert n.count_words(2, "en") == "two"


def test_counters() -> None:
    assert n.counter_words("5", "zh_CN") == "五号窗口"
    assert n.counter_words("12", "zh_CN") == "十二号窗口"
    assert n.counter_words("5", "en") == "counter five"
    assert n.counter_words("A3", "en") == "counter A three"
    assert n.counter_words("A3", "zh_CN") == "A 三号窗口"


def test_an_unknown_language_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="fr"):
        n.integer_words(5, "fr")
    assert n.base_language("zh_CN") == "zh" and n.base_language("en-GB") == "en"
