"""The staff console: server-rendered pages under ``/console`` (not part of the kiosk API or its schema).

Every page needs a signed-in staff member; every POST carries the session's CSRF token. Pages are
plain HTML forms (no JavaScript needed), so they work on any browser in the back office.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from central.applications import StageChangeError, UnknownApplication
from central.console.staff_auth import StaffContext, csrf_ok
from central.context import Central
from central.fleet import fleet
from central.notices import NoticeFields, all_notices, delete_notice, save_notice
from central.outreach import OutreachRefused
from central.stages import LABELS, Stage
from wire.progress_code import InvalidApplicationNumber, parse_application_no

SESSION_COOKIE = "kc_session"
LOGIN_CSRF_COOKIE = "kc_login_csrf"
COOKIE_PATH = "/console"

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.globals["stage_label"] = lambda s: "{} {}".format(*LABELS[Stage(s)])
templates.env.globals["method_label"] = lambda m: METHOD_LABELS.get(m or "", m or "")
METHOD_LABELS = {"card": "银行卡 bank card", "code": "付款码 payment code", "counter": "窗口缴费 at the counter",
                 "cash": "现金 cash", "wechat": "微信支付 WeChat Pay", "alipay": "支付宝 Alipay",
                 "unionpay": "云闪付 UnionPay"}

router = APIRouter(prefix="/console", include_in_schema=False)

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
}


class SignInRequired(Exception):
    """Raised by :func:`current_staff`; the app turns it into a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def central_of(request: Request) -> Central:
    return request.app.state.central


def current_staff(request: Request) -> StaffContext:
    staff = central_of(request).staff.session(request.cookies.get(SESSION_COOKIE))
    if staff is None:
        raise SignInRequired(request.url.path)
    return staff


Staff = Annotated[StaffContext, Depends(current_staff)]


def page(request: Request, template: str, status: int = 200, **context: object) -> HTMLResponse:
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def require_csrf(staff: StaffContext, token: str | None) -> None:
    if not csrf_ok(staff.csrf_token, token):
        raise HTTPException(403, "the form is out of date; reload the page and try again")


def _safe_next(next_path: str | None) -> str:
    """Only redirect back into the console after signing in (no open redirect)."""
    if next_path and next_path.startswith("/console/") and "//" not in next_path and "\\" not in next_path:
        return next_path
    return "/console/fleet"


# ---------------------------------------------------------------------------------------------------
# Signing in and out


def _login_page(request: Request, *, next_path: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status, csrf_token=token, next_path=next_path, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path=COOKIE_PATH,
                        secure=central_of(request).settings.secure_cookies, max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", csrf_token: Annotated[str, Form(max_length=100)] = "",
          next_path: Annotated[str, Form(max_length=300)] = "") -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf_ok(expected, csrf_token):
        return _login_page(request, next_path=_safe_next(next_path), status=403,
                           error="The sign-in form expired; please try again. 页面已过期，请重试。")
    central = central_of(request)
    result = central.staff.sign_in(username.strip(), password)
    if result is None:
        return _login_page(request, next_path=_safe_next(next_path), status=401,
                           error="Wrong user name or password (or the account is locked for 15 minutes). "
                                 "用户名或密码错误。")
    token, _staff = result
    response = redirect(_safe_next(next_path))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path=COOKIE_PATH,
                        secure=central.settings.secure_cookies)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(request: Request, staff: Staff, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    require_csrf(staff, csrf_token)
    central_of(request).staff.sign_out(request.cookies.get(SESSION_COOKIE))
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("")
@router.get("/")
def home() -> Response:
    return redirect("/console/fleet")


# ---------------------------------------------------------------------------------------------------
# Fleet


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, staff: Staff) -> HTMLResponse:
    central = central_of(request)
    return page(request, "fleet.html", staff=staff, kiosks=fleet(central.database, central.clock()),
                now=central.clock())


# ---------------------------------------------------------------------------------------------------
# Applications


@router.get("/applications", response_class=HTMLResponse)
def find_application(request: Request, staff: Staff, no: str = "") -> Response:
    if not no.strip():
        return page(request, "find.html", staff=staff, query="", error=None)
    try:
        number = str(parse_application_no(no))
    except InvalidApplicationNumber:
        return page(request, "find.html", 404, staff=staff, query=no[:40],
                    error="Not an application number. 不是有效的申请编号。")
    if central_of(request).applications.staff_view(number) is None:
        return page(request, "find.html", 404, staff=staff, query=number,
                    error="No application with this number. 没有此编号的申请。")
    return redirect(f"/console/applications/{quote(number)}")


def _application_page(request: Request, staff: StaffContext, number: str, *, error: str | None = None,
                      status: int = 200, moved: str | None = None) -> HTMLResponse:
    view = central_of(request).applications.staff_view(number)
    if view is None:
        return page(request, "find.html", 404, staff=staff, query=number,
                    error="No application with this number. 没有此编号的申请。")
    return page(request, "application.html", status, staff=staff, app=view, error=error, moved=moved)


@router.get("/applications/{number}", response_class=HTMLResponse)
def application_page(request: Request, number: str, staff: Staff, moved: str | None = None) -> HTMLResponse:
    return _application_page(request, staff, number[:40], moved=moved if moved in set(Stage) else None)


@router.post("/applications/{number}/stage")
def move_application(request: Request, number: str, staff: Staff, *,
                     stage: Annotated[str, Form(max_length=32)] = "",
                     tracking_no: Annotated[str, Form(max_length=64)] = "",
                     reason: Annotated[str, Form(max_length=500)] = "",
                     csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    require_csrf(staff, csrf_token)
    try:
        target = Stage(stage)
    except ValueError:
        return _application_page(request, staff, number[:40], error="Choose a stage. 请选择阶段。", status=422)
    try:
        central_of(request).applications.advance(number, target, actor=staff.actor, tracking_no=tracking_no,
                                                 reason=reason)
    except UnknownApplication:
        return page(request, "find.html", 404, staff=staff, query=number[:40],
                    error="No application with this number. 没有此编号的申请。")
    except StageChangeError as exc:
        return _application_page(request, staff, number, error=str(exc), status=409)
    return redirect(f"/console/applications/{quote(number)}?moved={target.value}")


@router.post("/applications/{number}/counter-payment")
def counter_payment(request: Request, number: str, staff: Staff, *,
                    amount: Annotated[str, Form(max_length=12)] = "",
                    receipt_no: Annotated[str, Form(max_length=16)] = "",
                    csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    """The applicant paid the fee in cash at the counter: record it and start the application."""
    require_csrf(staff, csrf_token)
    try:
        amount_fen = yuan_to_fen(amount)
    except ValueError:
        return _application_page(request, staff, number[:40], error="Enter the amount in yuan, e.g. 120.00. "
                                 "请输入金额（元），例如 120.00。", status=422)
    try:
        central_of(request).applications.record_counter_payment(number, amount_fen=amount_fen, actor=staff.actor,
                                                                receipt_no=receipt_no)
    except UnknownApplication:
        return page(request, "find.html", 404, staff=staff, query=number[:40],
                    error="No application with this number. 没有此编号的申请。")
    except StageChangeError as exc:
        return _application_page(request, staff, number, error=str(exc), status=409)
    return redirect(f"/console/applications/{quote(number)}?moved={Stage.RECEIVED.value}")


def yuan_to_fen(text: str) -> int:
    """``120``, ``120.0`` or ``120.00`` yuan as fen; anything else is a ValueError."""
    value = text.strip()
    whole, _, cents = value.partition(".")
    if not whole.isdigit() or len(whole) > 7 or (cents and not (cents.isdigit() and len(cents) <= 2)):
        raise ValueError(f"not an amount: {value[:12]!r}")
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


# ---------------------------------------------------------------------------------------------------
# Notices


def _notices_page(request: Request, staff: StaffContext, *, error: str | None = None,
                  status: int = 200) -> HTMLResponse:
    return page(request, "notices.html", status, staff=staff, notices=all_notices(central_of(request).database),
                error=error)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, staff: Staff) -> HTMLResponse:
    return _notices_page(request, staff)


def _parse_day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@router.post("/notices")
@router.post("/notices/{notice_id}")
def save_notice_form(request: Request, staff: Staff, notice_id: int | None = None, *,
                     title_zh: Annotated[str, Form(max_length=200)] = "",
                     title_en: Annotated[str, Form(max_length=200)] = "",
                     body_zh: Annotated[str, Form(max_length=4000)] = "",
                     body_en: Annotated[str, Form(max_length=4000)] = "",
                     active: Annotated[str, Form(max_length=10)] = "",
                     starts_on: Annotated[str, Form(max_length=10)] = "",
                     ends_on: Annotated[str, Form(max_length=10)] = "",
                     position: Annotated[str, Form(max_length=6)] = "0",
                     csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    require_csrf(staff, csrf_token)
    central = central_of(request)
    try:
        fields = NoticeFields(title_zh=title_zh.strip(), title_en=title_en.strip(), body_zh=body_zh.strip(),
                              body_en=body_en.strip(), active=bool(active), starts_on=_parse_day(starts_on),
                              ends_on=_parse_day(ends_on), position=int(position or 0))
        if not -1000 <= fields.position <= 1000:
            raise ValueError("the position is -1000 to 1000")
        save_notice(central.database, notice_id, fields, actor=staff.actor, now=central.clock())
    except LookupError:
        return _notices_page(request, staff, error="That notice no longer exists. 该公告已不存在。", status=404)
    except ValueError as exc:
        return _notices_page(request, staff, error=str(exc), status=422)
    return redirect("/console/notices")


@router.post("/notices/{notice_id}/delete")
def delete_notice_form(request: Request, staff: Staff, notice_id: int,
                       csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    require_csrf(staff, csrf_token)
    delete_notice(central_of(request).database, notice_id)
    return redirect("/console/notices")


# ---------------------------------------------------------------------------------------------------
# Outreach batches

MAX_BATCH_UPLOAD = 64 * 1024 * 1024


def _outreach_page(request: Request, staff: StaffContext, *, error: str | None = None, imported: str | None = None,
                   status: int = 200) -> HTMLResponse:
    return page(request, "outreach.html", status, staff=staff, batches=central_of(request).outreach.batches(),
                error=error, imported=imported)


@router.get("/outreach", response_class=HTMLResponse)
def outreach_page(request: Request, staff: Staff) -> HTMLResponse:
    return _outreach_page(request, staff)


@router.post("/outreach/import", response_class=HTMLResponse)
async def import_batch_form(request: Request, staff: Staff, file: Annotated[UploadFile, File()],
                            csrf_token: Annotated[str, Form(max_length=100)] = "") -> HTMLResponse:
    """A batch file brought on a USB stick, imported from the back office's browser (idempotent)."""
    require_csrf(staff, csrf_token)
    data = await file.read(MAX_BATCH_UPLOAD + 1)
    if len(data) > MAX_BATCH_UPLOAD:
        return _outreach_page(request, staff, error="The file is too large. 文件过大。", status=413)
    try:
        report = central_of(request).outreach.import_file(data)
    except OutreachRefused as exc:
        return _outreach_page(request, staff, status=422,
                              error=f"Refused, nothing imported 已拒绝，未导入: {exc.code}: {exc}")
    return _outreach_page(request, staff, imported=f"{report.batch_id}: {report.new} new 新导入, "
                                                   f"{report.already} already held 已有")


@router.get("/outreach/{batch_id}", response_class=HTMLResponse)
def outreach_batch_page(request: Request, batch_id: str, staff: Staff) -> HTMLResponse:
    found = central_of(request).outreach.batch(batch_id[:24])
    if found is None:
        return _outreach_page(request, staff, error="No batch with this id. 没有此批次。", status=404)
    summary, entries = found
    return page(request, "outreach_batch.html", staff=staff, batch=summary, entries=entries)
