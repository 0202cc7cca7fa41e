"""How to pay: the ways the session offers (their devices work), each a large tile with what to do.

The view brings ``methods`` (card / code / counter, in order) and the amount. A tap chooses at once
(one tap, like the collection tiles): the session goes to the terminal, the payment-code screen or
files the application for the counter."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.formatting import format_money
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.pay_pictures import PaymentPicture  # noqa: F401  (used by the .kv)

TILES = {
    "card": (N_("Bank card"), N_("Insert, tap or swipe your card on the terminal to the right.")),
    "code": (N_("Mobile payment code"), N_("Open WeChat Pay, Alipay or UnionPay and show the payment code "
                                           "under the scanner.")),
    "counter": (N_("Pay at the counter"), N_("Pay in cash at the counter with your receipt.")),
}


class PayMethodScreen(KioskScreen):
    def offered(self, _view: Any, method: str) -> bool:
        return method in (self.v("methods") or ())

    def tile_text(self, method: str, lang: str) -> str:
        title, line = TILES[method]
        return (f"[b]{self.app.tr(title, lang)}[/b]\n\n[size={int(self.app.theme.small)}]"
                f"{self.app.tr(line, lang)}[/size]")

    def amount(self, _view: Any, lang: str) -> str:
        return self.app.trf("Amount to pay: {amount}", lang, amount=format_money(self.v("amount_fen", 0), lang))

    def choose(self, method: str) -> None:
        self.post(ev.PaymentMethodChosen(method))  # type: ignore[arg-type]
