"""Every module that registers a job handler, imported here so that a job found in the database always has its
handler, whichever process picks it up. The entry points (app/main.py, `carbonms worker`) import this module.
A module that gains a handler is added below, and so is a module that plugs into documents' hooks (every process
that runs documents' services then runs them with the same hooks)."""

from app.jobs import scheduled  # noqa: F401
from app.previews import hooks as preview_hooks  # noqa: F401
from app.previews import service as previews  # noqa: F401
from app.recognition import hooks as recognition_hooks  # noqa: F401
from app.recognition import job as recognition  # noqa: F401
