"""Numbers, money, dates, times and codes as words, in Mandarin (``zh``) and English (``en``).

Pure functions, so the dynamic parts of a prompt are spoken the way a person says them rather than
the way a speech engine guesses from digits ("120" is "一百二十" in a sentence but "一 二 零" in an
application number). The speech engine gets the words; the golden tables in
tests/kiosk/voice/test_numbers.py are the specification.

Mandarin conventions chosen (and why):

* 十 alone at the very start (十五, 十万) but 一十 inside (一百一十): standard spoken form.
* 零 once for any run of zeros between non-zero digits, also across 万/亿 groups (一万零五).
* 两 for a leading 2 before 千, 万 and 亿 (两千, 两万), for the hour (两点) and for a count before
  a measure word (两次, :func:`count_words`), 二 everywhere else (二百, 十二, 二元): what
  announcements in service halls say.
* Money: 元 / 角 / 分 (十五元五角, 十五元零五分); a whole amount has no 整.
* Codes (application numbers) digit by digit with 一 (not 幺), Latin letters left for the engine
  to spell, a pause (comma) every four characters so a listener can write them down.

English: British usage ("one hundred and twenty"), amounts in yuan and fen, dates "the third of
December", times "two thirty in the afternoon", codes spelled with "zero" and a pause every four.
"""

from __future__ import annotations

from datetime import date, datetime, time

ZH_DIGITS = "零一二三四五六七八九"
_ZH_GROUPS = ("", "万", "亿", "万亿")

EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_GROUPS = ("", "thousand", "million", "billion", "trillion")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
_EN_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                     "nine": "ninth", "twelve": "twelfth"}


def base_language(lang: str) -> str:
    """``zh_CN`` -> ``zh``, ``en_GB`` -> ``en`` (the word rules are per language, not per region)."""
    return lang.replace("-", "_").split("_", maxsplit=1)[0].lower()


def _groups(n: int, size: int, most: int) -> list[tuple[int, int]]:
    """(power, group) from the highest group down: 1234567 by 1000 -> (2, 1), (1, 234), (0, 567)."""
    groups: list[int] = []
    while n:
        groups.append(n % size)
        n //= size
    if len(groups) > most:
        raise ValueError("number too large to speak")
    return [(index, groups[index]) for index in range(len(groups) - 1, -1, -1)]


# --------------------------------------------------------------------------------------------------
# Mandarin

def _zh_group(n: int) -> str:
    """1..9999 with inner zeros (一千零五十); no leading 零."""
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(ZH_DIGITS[digit] + unit)
    return "".join(out)


def zh_integer(n: int) -> str:
    """An integer as Mandarin words: 120 -> 一百二十, 10005 -> 一万零五, 20000 -> 两万."""
    if n < 0:
        return "负" + zh_integer(-n)
    if n == 0:
        return "零"
    out: list[str] = []
    pending_zero = False
    for index, group in _groups(n, 10000, len(_ZH_GROUPS)):
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out.append("零")
        pending_zero = False
        out.append(_zh_group(group) + _ZH_GROUPS[index])
    text = "".join(out)
    if text.startswith("一十"):
        text = text[1:]
    if text.startswith("二") and len(text) > 1 and text[1] in "千万亿":
        text = "两" + text[1:]
    return text


def zh_money(fen: int) -> str:
    """Fen as 元/角/分: 12000 -> 一百二十元, 1550 -> 十五元五角, 1505 -> 十五元零五分, 5 -> 五分."""
    if fen < 0:
        return "负" + zh_money(-fen)
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    parts: list[str] = []
    if yuan:
        parts.append(zh_integer(yuan) + "元")
    if jiao:
        parts.append(ZH_DIGITS[jiao] + "角")
    if cents:
        if yuan and not jiao:
            parts.append("零")
        parts.append(ZH_DIGITS[cents] + "分")
    return "".join(parts) or "零元"


def zh_digits(code: str, group: int = 4) -> str:
    """A code read one character at a time: digits as 零一二..., other characters as they are,
    a comma every ``group`` characters."""
    spoken = [ZH_DIGITS[int(ch)] if ch.isdigit() and ch.isascii() else ch.upper() for ch in code if ch.isalnum()]
    return _grouped(spoken, group, " ", "，")


def zh_year(year: int) -> str:
    return "".join(ZH_DIGITS[int(d)] for d in str(year)) + "年"


def zh_date(day: date, with_year: bool = False) -> str:
    """12月3日 -> 十二月三日; with the year 二零二六年十二月三日."""
    text = f"{zh_integer(day.month)}月{zh_integer(day.day)}日"
    return zh_year(day.year) + text if with_year else text


def zh_time(moment: time) -> str:
    """09:00 -> 上午九点, 14:30 -> 下午两点三十分, 12:05 -> 中午十二点零五分."""
    hour, minute = moment.hour, moment.minute
    if hour < 6:
        period = "凌晨"
    elif hour < 12:
        period = "上午"
    elif hour < 13:
        period = "中午"
    elif hour < 18:
        period = "下午"
    else:
        period = "晚上"
    twelve = hour % 12 or 12
    hour_words = "两" if twelve == 2 else zh_integer(twelve)
    text = f"{period}{hour_words}点"
    if minute:
        text += ("零" if minute < 10 else "") + zh_integer(minute) + "分"
    return text


def zh_counter(counter: str) -> str:
    """Counter "5" -> 五号窗口; a counter with letters ("A3") is spelled: A三号窗口."""
    if counter.isdigit():
        return zh_integer(int(counter)) + "号窗口"
    return zh_digits(counter, group=0) + "号窗口"


# --------------------------------------------------------------------------------------------------
# English

def _en_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words: list[str] = []
    if hundreds:
        words.append(f"{EN_ONES[hundreds]} hundred")
    if rest:
        if hundreds:
            words.append("and")
        if rest < 20:
            words.append(EN_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(EN_TENS[tens] + (f"-{EN_ONES[ones]}" if ones else ""))
    return " ".join(words)


def en_integer(n: int) -> str:
    """An integer as British English words: 120 -> one hundred and twenty, 1005 -> one thousand and five."""
    if n < 0:
        return "minus " + en_integer(-n)
    if n == 0:
        return "zero"
    words: list[str] = []
    for index, group in _groups(n, 1000, len(_EN_GROUPS)):
        if not group:
            continue
        if index == 0 and words and group < 100:
            words.append("and")
        words.append(_en_below_thousand(group) + (f" {_EN_GROUPS[index]}" if index else ""))
    return " ".join(words)


def en_ordinal(n: int) -> str:
    """3 -> third, 21 -> twenty-first, 12 -> twelfth, 40 -> fortieth."""
    words = en_integer(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _EN_ORDINAL_WORDS:
        last = _EN_ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def en_money(fen: int) -> str:
    """Fen as yuan and fen: 12000 -> one hundred and twenty yuan, 1550 -> fifteen yuan and fifty fen."""
    if fen < 0:
        return "minus " + en_money(-fen)
    yuan, cents = divmod(fen, 100)
    if not cents:
        return f"{en_integer(yuan)} yuan"
    fen_words = f"{en_integer(cents)} fen"
    return f"{en_integer(yuan)} yuan and {fen_words}" if yuan else fen_words


def en_digits(code: str, group: int = 4) -> str:
    """A code spelled: digits as words ("zero"), letters as capitals, a comma every ``group``."""
    spoken = [EN_ONES[int(ch)] if ch.isdigit() and ch.isascii() else ch.upper() for ch in code if ch.isalnum()]
    return _grouped(spoken, group, " ", ", ")


def en_year(year: int) -> str:
    """2026 -> twenty twenty-six, 2005 -> two thousand and five, 1999 -> nineteen ninety-nine."""
    if 2000 <= year <= 2009 or year < 1000 or year % 1000 == 0:
        return en_integer(year)
    high, low = divmod(year, 100)
    if low == 0:
        return f"{en_integer(high)} hundred"
    return f"{en_integer(high)} {'oh ' if low < 10 else ''}{en_integer(low)}"


def en_date(day: date, with_year: bool = False) -> str:
    """3 December -> the third of December (with the year: ... twenty twenty-six)."""
    text = f"the {en_ordinal(day.day)} of {EN_MONTHS[day.month - 1]}"
    return f"{text} {en_year(day.year)}" if with_year else text


def en_time(moment: time) -> str:
    """09:00 -> nine o'clock in the morning, 14:30 -> two thirty in the afternoon, 12:00 -> twelve noon."""
    hour, minute = moment.hour, moment.minute
    if hour == 12 and minute == 0:
        return "twelve noon"
    if hour == 0 and minute == 0:
        return "midnight"
    twelve = hour % 12 or 12
    if minute == 0:
        clock = f"{en_integer(twelve)} o'clock"
    else:
        clock = f"{en_integer(twelve)} {'oh ' if minute < 10 else ''}{en_integer(minute)}"
    period = "in the morning" if hour < 12 else "in the afternoon" if hour < 18 else "in the evening"
    return f"{clock} {period}"


def en_counter(counter: str) -> str:
    """Counter "5" -> counter five; "A3" -> counter A three."""
    if counter.isdigit():
        return f"counter {en_integer(int(counter))}"
    return "counter " + en_digits(counter, group=0)


# --------------------------------------------------------------------------------------------------
# Per language

def _grouped(spoken: list[str], group: int, join: str, pause: str) -> str:
    if group <= 0:
        return join.join(spoken)
    chunks = [join.join(spoken[i:i + group]) for i in range(0, len(spoken), group)]
    return pause.join(chunks)


def _pick(lang: str) -> str:
    base = base_language(lang)
    if base not in ("zh", "en"):
        raise ValueError(f"no number words for language {lang!r}")
    return base


def integer_words(n: int, lang: str) -> str:
    return zh_integer(n) if _pick(lang) == "zh" else en_integer(n)


def count_words(n: int, lang: str) -> str:
    """A number of things, said before a measure word: 2 -> 两 (两次), otherwise as integer_words."""
    if _pick(lang) == "zh":
        return "两" if n == 2 else zh_integer(n)
    return en_integer(n)


def money_words(fen: int, lang: str) -> str:
    return zh_money(fen) if _pick(lang) == "zh" else en_money(fen)


def digits_words(code: str, lang: str, group: int = 4) -> str:
    return zh_digits(code, group) if _pick(lang) == "zh" else en_digits(code, group)


def date_words(day: date | datetime, lang: str, with_year: bool = False) -> str:
    day = day.date() if isinstance(day, datetime) else day
    return zh_date(day, with_year) if _pick(lang) == "zh" else en_date(day, with_year)


def time_words(moment: time | datetime, lang: str) -> str:
    moment = moment.time() if isinstance(moment, datetime) else moment
    return zh_time(moment) if _pick(lang) == "zh" else en_time(moment)


def counter_words(counter: str, lang: str) -> str:
    return zh_counter(counter) if _pick(lang) == "zh" else en_counter(counter)
