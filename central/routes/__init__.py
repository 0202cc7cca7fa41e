"""The kiosk API under ``/v1/``: one router per group of resources, every request signed by a kiosk
(``central.kiosk_auth`` authenticates before any of these run)."""

from __future__ import annotations

from fastapi import APIRouter

from central.routes import (
    accommodation,
    applications,
    appointments,
    code_payments,
    information,
    kiosk_reports,
    outreach,
    photos,
    surveys,
)


def kiosk_api() -> APIRouter:
    router = APIRouter(prefix="/v1")
    for module in (applications, information, appointments, surveys, kiosk_reports, photos, accommodation,
                   code_payments, outreach):
        router.include_router(module.router)
    return router
