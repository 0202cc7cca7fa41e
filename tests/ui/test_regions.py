"""The province/city/district data for the postal-address picker, corners included."""

from __future__ import annotations

from kiosk.regions import DIRECT_UNITS, build_tree, find, provinces


def test_thirty_one_mainland_provinces_with_cities_and_districts() -> None:
    regions = provinces()
    assert len(regions) == 31
    assert {r.name for r in regions} >= {"北京市", "广东省", "新疆维吾尔自治区"}
    assert not {r.name for r in regions} & {"台湾省", "香港特别行政区", "澳门特别行政区"}
    assert sum(len(c.children) for r in regions for c in r.children) > 2800


def test_codes_nest_and_are_unique() -> None:
    seen = set()
    for province in provinces():
        assert province.code.endswith("0000")
        for city in province.children:
            assert city.code[:2] == province.code[:2]
            for district in city.children:
                assert district.code[:2] == province.code[:2]
                seen.add(district.code)
    assert len(seen) > 2800


def test_municipality_has_one_city_level_named_after_it() -> None:
    beijing = find("110000")[0]
    assert [c.name for c in beijing.children] == ["北京市"]
    assert any(d.name == "海淀区" for d in beijing.children[0].children)


def test_directly_administered_county_units_and_cities_without_districts() -> None:
    path = find("429004")
    assert [r.name for r in path] == ["湖北省", DIRECT_UNITS, "仙桃市"]
    dongguan = find("441900")
    assert [r.name for r in dongguan] == ["广东省", "东莞市"]
    assert dongguan[-1].children == ()


def test_pinyin_for_the_english_screen() -> None:
    assert find("110000")[0].pinyin == "Beijingshi"


def test_unknown_code() -> None:
    assert find("999999") == ()


def test_build_tree_from_a_flat_table() -> None:
    flat = {"110000": "北京市", "110101": "东城区", "420000": "湖北省", "420100": "武汉市",
            "420102": "江岸区", "429004": "仙桃市", "810000": "香港特别行政区"}
    tree = build_tree(flat)
    assert [p[1] for p in tree] == ["北京市", "湖北省"]
    assert tree[0][3][0][:2] == ["110100", "北京市"]
    assert [c[1] for c in tree[1][3]] == ["武汉市", DIRECT_UNITS]
