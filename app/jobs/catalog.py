"""Every module that registers a job handler, imported here so that a job found in the database always has its
handler, whichever process picks it up. The entry points (app/main.py, `carbonms worker`) import this module.
A module that gains a handler is added below."""

from app.documents import (
    previews,  # noqa: F401
    recognition,  # noqa: F401
)
from app.jobs import scheduled  # noqa: F401
