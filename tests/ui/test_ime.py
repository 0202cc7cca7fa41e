"""The pinyin input method: syllable splitting, ranked and de-duplicated candidates, consumption."""

from __future__ import annotations

import pytest

from kiosk.ime import Candidate, consume, shared_engine, split
from kiosk.ime.syllables import Split, completions


@pytest.mark.parametrize(("typed", "expected"), [
    ("nihao", Split(("ni", "hao"))),
    ("xian", Split(("xian",))),            # fewest syllables wins ...
    ("xi'an", Split(("xi", "an"))),        # ... unless the person types the boundary
    ("beijingsh", Split(("bei", "jing"), "sh")),
    ("zh", Split((), "zh")),
    ("lue", Split(("lue",))),
    ("NiHao", Split(("ni", "hao"))),
])
def test_split(typed: str, expected: Split) -> None:
    assert split(typed) == expected


@pytest.mark.parametrize("typed", ["", "zz", "ni1", "v", "'"])
def test_split_rejects_what_is_not_pinyin(typed: str) -> None:
    assert split(typed) is None


def test_a_partial_syllable_is_not_allowed_before_an_apostrophe() -> None:
    assert split("zh'an") is None


def test_completions_are_real_syllables_shortest_first() -> None:
    assert completions("zh")[:4] == ["zha", "zhe", "zhi", "zhu"]


@pytest.mark.parametrize(("typed", "first"), [
    ("nihao", "你好"), ("zhifu", "支付"), ("beijingshi", "北京市"), ("zhangsan", "张三"),
    ("xi'an", "西安"), ("guangdongsheng", "广东省"), ("lue", "略"), ("beijingsh", "北京市"),
])
def test_the_best_candidate(typed: str, first: str) -> None:
    assert shared_engine().candidates(typed)[0].text == first


def test_candidates_have_no_duplicates_and_respect_the_limit() -> None:
    found = shared_engine().candidates("nihao", limit=10)
    texts = [c.text for c in found]
    assert len(texts) == len(set(texts)) == 10


def test_single_characters_for_the_first_syllable_are_offered() -> None:
    found = shared_engine().candidates("wangxiaoming")
    assert Candidate("王", 1) in found
    assert found[0] == Candidate("王小明", 3)


def test_common_simplified_characters_come_before_rare_ones() -> None:
    texts = [c.text for c in shared_engine().candidates("zhong", limit=20)]
    assert "中" in texts
    if "種" in texts:  # the traditional form, not in GB2312
        assert texts.index("種") > texts.index("种")


def test_consume_leaves_the_unconverted_syllables() -> None:
    assert consume("nihao", Candidate("你", 1)) == "hao"
    assert consume("nihao", Candidate("你好", 2)) == ""
    assert consume("beijingsh", Candidate("北", 1)) == "jing'sh"
    assert split(consume("beijingsh", Candidate("北", 1))) == Split(("jing",), "sh")


def test_preload_is_idempotent_and_the_engine_becomes_ready() -> None:
    engine = shared_engine()
    thread = engine.preload()
    assert engine.preload() is thread
    thread.join(timeout=10)
    assert engine.ready
