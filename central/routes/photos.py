"""``/v1/photos/reusable``: a recent photo offered again to applicants aged 60 and over."""

from __future__ import annotations

from fastapi import APIRouter

from central.photos import reusable_photo
from central.routes.deps import ERRORS, CentralDep
from central.schemas import ReusablePhotoIn, ReusablePhotoOut

router = APIRouter(tags=["photos"], responses=ERRORS)


@router.post("/photos/reusable", response_model=ReusablePhotoOut)
def reusable(body: ReusablePhotoIn, central: CentralDep) -> ReusablePhotoOut:
    """Whether the applicant may reuse a photo and, if one from the last five years is on file, the
    photo. POST, because an ID number must never appear in a URL (and so in access logs)."""
    return reusable_photo(central.database, central.sealer, body.id_number, central.today())
