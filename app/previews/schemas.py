"""The JSON shape of a revision's previews, for the API and the pages alike."""

from pydantic import BaseModel


class PreviewImage(BaseModel):
    page: int
    width: int
    height: int
    url: str


class PreviewsPublic(BaseModel):
    revision_id: int
    state: str | None  # None: no preview was ever made (an older revision, or previews switched off)
    state_zh: str
    state_en: str
    reason: str
    reason_zh: str
    reason_en: str
    pages_total: int | None
    pages: list[PreviewImage]
    thumbnail: PreviewImage | None
    allowed_actions: list[str]
