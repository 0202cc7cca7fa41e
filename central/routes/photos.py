"""``/v1/photos/reusable`` and ``/v1/applicants/lookup``: what the service knows about an applicant."""

from __future__ import annotations

from fastapi import APIRouter

from central.photos import prior_items, reusable_photo
from central.routes.deps import ERRORS, CentralDep
from central.schemas import ApplicantLookupIn, ApplicantLookupOut, ReusablePhotoIn, ReusablePhotoOut

router = APIRouter(tags=["applicants"], responses=ERRORS)


@router.post("/photos/reusable", response_model=ReusablePhotoOut)
def reusable(body: ReusablePhotoIn, central: CentralDep) -> ReusablePhotoOut:
    """Whether the applicant may reuse a photo and, if one from the last five years is on file, the
    photo. POST, because an ID number must never appear in a URL (and so in access logs)."""
    return reusable_photo(central.database, central.sealer, body.id_number, central.today())


@router.post("/applicants/lookup", response_model=ApplicantLookupOut)
def lookup(body: ApplicantLookupIn, central: CentralDep) -> ApplicantLookupOut:
    """The item codes issued to this person before (for "first time" rules) and the photo offer."""
    return ApplicantLookupOut(prior_items=prior_items(central.database, central.sealer, body.id_number),
                              photo=reusable_photo(central.database, central.sealer, body.id_number, central.today()))
