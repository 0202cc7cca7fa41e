"""``/v1/catalogue`` and ``/v1/notices``: what the kiosk shows before anyone files anything."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from central.catalogue import CatalogueUnavailable
from central.notices import active_notices
from central.routes.deps import ERRORS, CentralDep
from central.schemas import NoticesOut

router = APIRouter(tags=["information"], responses=ERRORS)


@router.get("/catalogue", responses={
    200: {"description": "config/catalogue.json, byte for byte", "content": {"application/json": {
        "schema": {"type": "object", "additionalProperties": True}}}},
    304: {"description": "unchanged since the ETag given in If-None-Match"},
    503: {"description": "no catalogue is configured on the server (or it is not a JSON object)"}})
def catalogue(central: CentralDep,
              if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None) -> Response:
    """The document catalogue and fee schedule, opaque to the central service."""
    try:
        document = central.catalogue.current()
    except CatalogueUnavailable as exc:
        return JSONResponse({"detail": f"catalogue unavailable: {exc}"}, status_code=503)
    headers = {"ETag": document.etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and document.etag in (t.strip() for t in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type="application/json", headers=headers)


@router.get("/notices", response_model=NoticesOut)
def notices(central: CentralDep) -> NoticesOut:
    """Notices to scroll on the attract screen today, each in Chinese and English."""
    return NoticesOut(notices=active_notices(central.database, central.today()))
