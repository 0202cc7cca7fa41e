"""The FastAPI application: kiosk API under ``/v1`` (signed), staff console under ``/console``.

``create_app(settings)`` builds one; ``app_from_environment()`` is the factory uvicorn calls in each
worker process (settings travel in ``KIOSK_CENTRAL_*`` variables). The schema is migrated by the
``serve`` command before workers start, not here, so workers never race each other to migrate.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from central.console.routes import SignInRequired
from central.console.routes import router as console_router
from central.context import Central
from central.kiosk_auth import KioskAuthMiddleware
from central.routes import kiosk_api
from central.settings import CentralSettings
from central.sms import SmsSender

API_VERSION = "1.0"

DESCRIPTION = """
Reference central service for the exit-entry kiosks.

Every request under `/v1/` is signed by a kiosk: headers `X-Kiosk-Id`, `X-Kiosk-Timestamp`
(Unix seconds, within ±5 minutes), `X-Kiosk-Nonce` (fresh hex) and `X-Kiosk-Signature`
(hex HMAC-SHA256 of the canonical request with the kiosk's secret). See docs/central.md.
A missing, wrong, stale or replayed signature is `401 {"detail": "unauthorized"}`.
"""


def create_app(settings: CentralSettings, *, sms_sender: SmsSender | None = None,
               central: Central | None = None) -> FastAPI:
    central = central or Central.build(settings, sms_sender=sms_sender)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        central.sms.start()
        # Everything built so far (modules, routes, schemas, the ORM's mappers) lives as long as the
        # process: move it out of the collector's reach, so that a full collection, which otherwise
        # walks all of it while a request waits, only looks at what requests allocate.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            central.sms.stop()
            central.database.dispose()

    app = FastAPI(title="Exit-entry kiosk central service", version=API_VERSION, description=DESCRIPTION,
                  lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.central = central
    app.include_router(kiosk_api())
    app.include_router(console_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/console/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # The traceback goes to the log (uvicorn logs it); the caller learns nothing about internals.
        return JSONResponse({"detail": "internal error"}, status_code=500)

    app.add_middleware(KioskAuthMiddleware, verifier=central.verifier)
    return app


def app_from_environment() -> FastAPI:
    return create_app(CentralSettings.from_environment())
