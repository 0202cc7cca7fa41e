"""Pay with a mobile payment code: show the code under the scanner, then follow the charge.

One screen for two steps: ``charging`` False (scan the code; a refused scan comes back with a
notice saying why) and True (the central service charges it; ``waiting``: the wallet asks for the
PIN on the phone). Cancel while charging asks the charge to stop; the session waits for its answer."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.formatting import format_money
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.pay_pictures import PaymentPicture  # noqa: F401  (used by the .kv)

WALLETS = {"wechat": N_("WeChat Pay"), "alipay": N_("Alipay"), "unionpay": N_("UnionPay QuickPass")}


class PayCodeScreen(KioskScreen):
    def amount(self, _view: Any, lang: str) -> str:
        return format_money(self.v("amount_fen", 0), lang)

    def instruction(self, _view: Any, lang: str) -> str:
        if self.v("waiting"):
            wallet = WALLETS.get(str(self.v("waiting")), "")
            name = self.app.tr(wallet, lang) if wallet else ""
            return self.app.trf("Please confirm the payment on your phone {wallet}.", lang, wallet=name).replace(
                "  ", " ")
        if self.v("charging"):
            return self.app.tr("Paying. Please keep your phone with you.", lang)
        return self.app.tr("Open the payment code in WeChat Pay, Alipay or UnionPay and hold the phone under "
                           "the scanner.", lang)

    def other_text(self, _view: Any, lang: str) -> str:
        return self.app.tr("Pay another way", lang) if self.v("can_other") and not self.v("charging") else ""

    def other_way(self) -> None:
        self.post(ev.OtherWayToPay())
