"""What text recognition plugs into documents (app/documents/hooks.py), so documents never imports it: a new
revision's scan is queued for OCR in the upload's transaction, and each revision's public shape carries its
recognition. Registered on import; `app.jobs.catalog` imports this module."""

from app.documents import hooks
from app.recognition import job, queries

hooks.on_revision_created(job.queue_if_needed)
hooks.on_revision_read("recognition", queries.recognition_parts)
