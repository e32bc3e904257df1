"""The web interface: server-rendered pages on the same services as the API (no JavaScript framework).

Every page needs a signed-in user (signed out → /login); every POST carries the CSRF token (csrf.verify_csrf).
"""

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from app.web import (
    pages_admin,
    pages_archival,
    pages_audit_forms,
    pages_audits,
    pages_auth,
    pages_distribution,
    pages_documents,
    pages_inventory,
    pages_inventory_data,
    pages_jobs,
    pages_nonconformities,
    pages_parks,
    pages_performance,
    pages_performance_calc,
    pages_performance_monitor,
    pages_performance_targets,
    pages_previews,
    pages_readiness,
    pages_recognition,
    pages_registers,
    pages_reports,
    pages_retention,
    pages_reviews,
)
from app.web.csrf import verify_csrf

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
# pages_nonconformities last: its step route (/nonconformities/{id}/{action}) must not shadow the others.
for module in (
    pages_auth,
    pages_readiness,
    pages_reports,
    pages_documents,
    pages_distribution,
    pages_previews,
    pages_recognition,
    pages_admin,
    pages_audits,
    pages_reviews,
    pages_audit_forms,
    pages_parks,
    pages_inventory,
    pages_inventory_data,
    pages_performance,
    pages_registers,
    pages_performance_calc,
    pages_performance_targets,
    pages_performance_monitor,
    pages_jobs,
    pages_retention,
    pages_archival,
    pages_nonconformities,
):
    router.include_router(module.router)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for it at the root, signed in or not; the layout links it too."""
    return FileResponse(
        STATIC_DIR / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)
