"""Province / city / district picker for postal addresses: three columns of big buttons.

Picking is faster and safer than typing region names with a pinyin keyboard, and it yields the
GB/T 2260 codes the application needs. Data: :mod:`kiosk.regions` (offline JSON). Where a city has
no districts (东莞) the choice may stop at the city.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import ObjectProperty
from kivy.uix.floatlayout import FloatLayout

from kiosk.regions import Region, find, provinces
from kiosk.ui.widgets.common import KButton


class RegionPicker(FloatLayout):
    """A sheet; ``on_done(path)`` gets (province, city[, district]) Regions."""

    province = ObjectProperty(None, allownone=True)
    city = ObjectProperty(None, allownone=True)
    district = ObjectProperty(None, allownone=True)

    def __init__(self, on_done: Callable[[tuple[Region, ...]], None], initial_code: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_done = on_done
        path = find(initial_code) if initial_code else ()
        self.province = path[0] if len(path) > 0 else None
        self.city = path[1] if len(path) > 1 else None
        self.district = path[2] if len(path) > 2 else None
        self.bind(province=lambda *_: self.refresh(), city=lambda *_: self.refresh())
        App.get_running_app().bind(lang=lambda *_: self.refresh())
        self.refresh()

    @property
    def complete(self) -> bool:
        if self.city is None:
            return False
        return self.district is not None or not self.city.children

    def label(self, region: Region) -> str:
        app = App.get_running_app()
        if app.lang.startswith("zh"):
            return region.name
        return f"{region.name}  {region.pinyin}"

    def refresh(self) -> None:
        self._fill(self.ids.provcol.grid, provinces(), self.province, self._pick_province, "prov")
        cities = self.province.children if self.province else ()
        self._fill(self.ids.citycol.grid, cities, self.city, self._pick_city, "city")
        self._fill(self.ids.distcol.grid, self.city.children if self.city else (), self.district, self._pick_district,
                   "dist")
        self.ids.done.disabled = not self.complete

    def _fill(self, grid: Any, regions: tuple[Region, ...], chosen: Region | None,
              action: Callable[[Region], None], prefix: str) -> None:
        grid.clear_widgets()
        app = App.get_running_app()
        for region in regions:
            button = KButton(text=self.label(region), kind="choice", selected=region is chosen,
                             widget_id=f"{prefix}_{region.code}", font_size=app.theme.body,
                             height=app.theme.target * 0.85)
            button.bind(on_release=lambda _b, r=region: action(r))
            grid.add_widget(button)

    def _pick_province(self, region: Region) -> None:
        self.district = None
        self.city = None
        self.province = region
        if len(region.children) == 1:  # municipalities: the only "city" is the municipality itself
            self.city = region.children[0]

    def _pick_city(self, region: Region) -> None:
        self.district = None
        self.city = region
        self.refresh()

    def _pick_district(self, region: Region) -> None:
        self.district = region
        self.refresh()

    def done(self) -> None:
        if self.complete:
            path = tuple(r for r in (self.province, self.city, self.district) if r is not None)
            self.on_done(path)

    def cancel(self) -> None:
        App.get_running_app().close_sheet(self)
