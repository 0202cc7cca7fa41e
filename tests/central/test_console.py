"""The staff console driven in headless Chromium (Debian's): sign in, see the fleet, advance an
application (and the kiosk then sees the new stage), edit notices; and the console's defences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select

from central.models import SmsMessage
from kiosk.domain.progress_code import format_application_no, make_progress_payload, new_access_token
from kiosk.services.api_types import DeviceHealth
from tests.central.harness import STAFF_PASSWORD, STAFF_USER, CentralHarness, application_body

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        except Exception as exc:
            pytest.fail(f"cannot start {CHROMIUM} (Debian package 'chromium', installed by `make test`): {exc}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, url: str, password: str = STAFF_PASSWORD) -> None:
    page.goto(f"{url}/console/fleet")
    assert "/console/login" in page.url  # not signed in: sent to the sign-in page
    page.fill("#username", STAFF_USER)
    page.fill("#password", password)
    page.click("#sign-in")


def test_sign_in_advance_an_application_and_the_kiosk_sees_it(sqlite_harness: CentralHarness, page: Page) -> None:
    assert sqlite_harness.server is not None
    url = sqlite_harness.server.url
    api = sqlite_harness.client()
    number = format_application_no("KIOSK001", date(2026, 11, 28), 42)
    token = new_access_token()
    api.submit_application(application_body(number, token), "row-console-01")
    api.heartbeat({"printer": DeviceHealth("degraded", ("MediaLow",)), "payment": DeviceHealth("ok")},
                  outbox={"ready": 0, "failed": 0})

    sign_in(page, url)
    page.wait_for_url(f"{url}/console/fleet")
    assert page.get_attribute("tr[data-kiosk=KIOSK001]", "data-level") == "warning"
    assert page.get_attribute("[data-kiosk=KIOSK001] [data-device=printer]", "data-level") == "warning"
    assert "paper low" in page.inner_text("[data-kiosk=KIOSK001] [data-device=printer]")
    assert page.get_attribute("tr[data-kiosk=KIOSK002]", "data-level") == "fault"  # never reported

    page.click("text=申请 Applications")
    page.fill("#no", number.lower())
    page.click("#find")
    page.wait_for_url(f"{url}/console/applications/{number}")
    assert page.get_attribute("#stage", "data-stage") == "received"
    page.select_option("#stage-select", "under_review")
    page.click("#move")
    page.wait_for_url(f"{url}/console/applications/{number}?moved=under_review")
    assert page.get_attribute("#stage", "data-stage") == "under_review"

    progress = api.progress(make_progress_payload(number, token))
    assert progress is not None and progress.stage == "under_review"
    assert [e.stage for e in progress.timeline] == ["received", "under_review"]

    page.select_option("#stage-select", "approved")
    page.click("#move")
    page.select_option("#stage-select", "in_production")
    page.click("#move")
    page.wait_for_url("**moved=in_production")
    page.select_option("#stage-select", "posted")
    page.click("#move")  # without a tracking number
    assert "tracking number" in page.inner_text("[role=alert]")
    page.select_option("#stage-select", "posted")
    page.fill("#tracking_no", "EMS9876543210CN")
    page.click("#move")
    page.wait_for_url("**moved=posted")
    progress = api.progress(make_progress_payload(number, token))
    assert progress is not None and (progress.stage, progress.tracking_no) == ("posted", "EMS9876543210CN")


def test_notices_edited_in_the_console_reach_the_kiosks(sqlite_harness: CentralHarness, page: Page) -> None:
    assert sqlite_harness.server is not None
    url = sqlite_harness.server.url
    sign_in(page, url)
    page.goto(f"{url}/console/notices")
    new = page.locator("#new-notice")
    new.locator("input[name=title_zh]").fill("端午节假期安排")
    new.locator("input[name=title_en]").fill("Dragon Boat Festival hours")
    new.locator("textarea[name=body_zh]").fill("6月19日休息。")
    new.locator("textarea[name=body_en]").fill("Closed on 19 June.")
    page.click("#add-notice")
    page.wait_for_url(f"{url}/console/notices")
    notices = sqlite_harness.client().notices()
    assert [(n.title_zh, n.title_en, n.body_en) for n in notices] == [
        ("端午节假期安排", "Dragon Boat Festival hours", "Closed on 19 June.")]
    edited = page.locator(f"fieldset[data-notice='{notices[0].id}']")
    edited.locator("input[name=active]").uncheck()
    edited.locator("button:has-text('Save')").click()
    page.wait_for_url(f"{url}/console/notices")
    assert sqlite_harness.client().notices() == []


def test_a_wrong_password_is_refused(sqlite_harness: CentralHarness, page: Page) -> None:
    assert sqlite_harness.server is not None
    sign_in(page, sqlite_harness.server.url, password="wrong password")
    assert "/console/login" in page.url
    assert "Wrong user name or password" in page.inner_text("[role=alert]")


def test_posts_without_the_csrf_token_are_refused(sqlite_harness: CentralHarness, page: Page) -> None:
    assert sqlite_harness.server is not None
    url = sqlite_harness.server.url
    number = format_application_no("KIOSK001", date(2026, 11, 28), 43)
    sqlite_harness.client().submit_application(application_body(number, new_access_token()), "row-console-02")
    sign_in(page, url)
    page.wait_for_url(f"{url}/console/fleet")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert "kc_session" in cookies
    forged = requests.post(f"{url}/console/applications/{number}/stage", data={"stage": "under_review"},
                           cookies={"kc_session": cookies["kc_session"]}, timeout=10, allow_redirects=False)
    assert forged.status_code == 403
    stale = requests.post(f"{url}/console/applications/{number}/stage",
                          data={"stage": "under_review", "csrf_token": "guess"},
                          cookies={"kc_session": cookies["kc_session"]}, timeout=10, allow_redirects=False)
    assert stale.status_code == 403
    view = sqlite_harness.central.applications.staff_view(number)
    assert view is not None and view.stage == "received"
    unsigned = requests.get(f"{url}/console/fleet", timeout=10, allow_redirects=False)
    assert unsigned.status_code == 303 and unsigned.headers["Location"].startswith("/console/login")


def test_session_cookie_is_httponly_and_strict_and_pages_refuse_framing(sqlite_harness: CentralHarness,
                                                                        page: Page) -> None:
    assert sqlite_harness.server is not None
    url = sqlite_harness.server.url
    sign_in(page, url)
    page.wait_for_url(f"{url}/console/fleet")
    session = next(c for c in page.context.cookies() if c["name"] == "kc_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    response = page.goto(f"{url}/console/fleet")
    assert response is not None
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.click("text=退出 Sign out")
    page.wait_for_url(f"{url}/console/login")
    page.goto(f"{url}/console/fleet")
    assert "/console/login" in page.url


def test_pay_at_the_counter_the_console_takes_cash_and_the_timeline_shows_it(sqlite_harness: CentralHarness,
                                                                             page: Page) -> None:
    assert sqlite_harness.server is not None
    url = sqlite_harness.server.url
    api = sqlite_harness.client()
    number = format_application_no("KIOSK001", date(2026, 11, 28), 43)
    token = new_access_token()
    receipt = api.submit_application(application_body(number, token, payment_method="counter", payments=[]),
                                     "row-console-counter")
    assert receipt.stage == "awaiting_payment"
    progress = api.progress(make_progress_payload(number, token))
    assert progress is not None and (progress.stage, progress.amount_due_fen) == ("awaiting_payment", 12000)
    assert [(e.stage, e.payment_method) for e in progress.timeline] == [("awaiting_payment", "counter")]
    with sqlite_harness.central.database.read() as session:  # "received" is told once the fee is paid
        assert session.scalars(select(SmsMessage).where(SmsMessage.application_no == number)).all() == []

    sign_in(page, url)
    page.wait_for_url(f"{url}/console/fleet")
    page.goto(f"{url}/console/applications/{number}")
    assert page.get_attribute("#stage", "data-stage") == "awaiting_payment"
    assert [o.strip() for o in page.locator("#stage-select option").all_inner_texts()] == ["不予批准 Rejected"]
    page.fill("#amount", "60.00")  # not the fee
    page.click("#mark-paid")
    assert "not 60.00" in page.inner_text("[role=alert]")
    page.fill("#amount", "120")
    page.fill("#receipt_no", "C0001234")
    page.click("#mark-paid")
    page.wait_for_url("**moved=received")
    assert page.get_attribute("#stage", "data-stage") == "received"
    assert "现金 cash" in page.inner_text("#timeline") and "C0001234" in page.inner_text("table")
    assert page.locator("#counter-payment").count() == 0

    progress = api.progress(make_progress_payload(number, token))
    assert progress is not None and (progress.stage, progress.amount_due_fen) == ("received", 0)
    assert [(e.stage, e.payment_method) for e in progress.timeline] == [("awaiting_payment", "counter"),
                                                                        ("received", "cash")]
    summary = api.application(number)
    assert summary is not None and (summary.paid_fen, summary.payment_method) == (12000, "counter")
    assert sqlite_harness.sms.wait_for(lambda sent: any(number in m.text for m in sent), 15)
