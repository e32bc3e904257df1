"""create_app(): routers, one error handler, security headers."""

import gc
import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.admission import admission
from app.config import get_settings
from app.errors import AppError, Busy, Conflict, InternalError, Invalid
from app.events import refusals
from app.jobs import catalog as job_catalog  # noqa: F401  (registers every job handler)
from app.jobs.runner import dispatcher as job_dispatcher
from app.middleware import GuardAndHeaders
from app.uploads.guard import UploadGuard

logger = logging.getLogger("carbonms")


@asynccontextmanager
async def lifespan(_app: FastAPI):
    settings = get_settings()
    for folder in (settings.data_dir, settings.blob_dir, settings.tmp_dir):
        folder.mkdir(parents=True, exist_ok=True)
    from app.documents.storage import remove_leftover_part_files

    remove_leftover_part_files(settings.tmp_dir)  # part files of uploads killed with the previous process
    from app.recognition.engine import log_system_check

    log_system_check()  # says once whether Tesseract (chi_sim) and poppler are there for scanned documents
    from app.search.service import ensure_index

    try:
        ensure_index()  # builds a missing or outdated search index, retries queued revisions
    except Exception:  # search is a helper: the application still starts
        logger.exception("search index not ready")
    try:
        job_dispatcher().start()  # jobs a dead process left running, and what is due
    except Exception:  # background work is retried by the sweep; the application still starts
        logger.exception("background jobs not started")
    # What start-up built lives as long as the process: keep it out of the collector's full passes (latency spikes).
    gc.collect()
    gc.freeze()
    yield


def _validation_message(exc: RequestValidationError) -> dict:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form"))
        problems.append({"field": where, "message": error.get("msg", "")})
    fields = "、".join(p["field"] for p in problems if p["field"]) or "请求"
    return {
        "detail": f"输入有误：{fields} / Invalid input: {', '.join(p['field'] for p in problems) or 'request'}",
        "message_zh": f"输入有误：{fields}",
        "message_en": "Invalid input",
        "code": "invalid",
        "errors": problems,
    }


ERROR_ENVELOPE_SCHEMA = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail", "message_zh", "message_en", "code"],
    "properties": {
        "detail": {"type": "string"},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _document_error_envelope(app: FastAPI) -> None:
    """Document 422 bodies as the envelope the handler really sends, not FastAPI's default list of errors."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = schema.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = ERROR_ENVELOPE_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def create_app() -> FastAPI:
    from app.archival.routes import router as archival_router
    from app.audits.routes import router as audits_router
    from app.clauses.routes import router as clauses_router
    from app.documents.routes import router as documents_router
    from app.documents.routes_distribution import router as distribution_router
    from app.events.routes import router as events_router
    from app.inventory.routes import router as inventory_router
    from app.jobs.routes import router as jobs_router
    from app.nonconformities.routes import router as nonconformities_router
    from app.parks.routes import router as parks_router
    from app.performance.routes import router as performance_router
    from app.performance.routes_monitoring import router as performance_monitoring_router
    from app.performance.routes_overview import router as performance_overview_router
    from app.performance.routes_targets import router as performance_targets_router
    from app.previews.routes import router as previews_router
    from app.readiness.routes import router as readiness_router
    from app.recognition.routes import router as recognition_router
    from app.registers.routes import router as registers_router
    from app.reports.routes import router as reports_router
    from app.retention.routes import router as retention_router
    from app.reviews.routes import router as reviews_router
    from app.search import hooks as _search_hooks  # noqa: F401 - keeps the index in step with commits
    from app.search.routes import router as search_router
    from app.tasks.routes import router as tasks_router
    from app.users.routes import router as users_router
    from app.web import errors as web_errors
    from app.web.routes import router as web_router
    from app.web.routes import static_files

    app = FastAPI(
        dependencies=[Depends(admission, scope="function")],
        title="carbonms",
        description="产业园区碳排放管理体系文件控制与合规证据系统（T/CPQS ZC001—2025）/ "
        "Document control and compliance evidence for park carbon emission management systems",
        version="0.1.0",
        lifespan=lifespan,
    )

    def respond(error: AppError) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=error.status_code, headers=error.headers)

    @app.exception_handler(AppError)
    async def app_error(_request: Request, exc: AppError) -> JSONResponse:
        await run_in_threadpool(refusals.record_refused, exc)  # unless the request session's rollback did
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_message(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: ("页面或资源不存在", "Not found"), 405: ("不支持此请求方法", "Method not allowed")}
        zh, en = messages.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        error = AppError(zh, en, headers=getattr(exc, "headers", None))
        error.status_code, error.code = exc.status_code, "http"
        return respond(error)

    @app.exception_handler(DataError)
    async def data_error(_request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character or an out-of-range number the database cannot store: the input is at fault.
        logger.info("refused input the database cannot store: %s", exc.orig)
        return respond(
            Invalid(
                "输入包含无法保存的字符，或数值超出范围", "The input has characters or numbers that cannot be stored"
            )
        )

    @app.exception_handler(OverflowError)
    async def overflow_error(_request: Request, _exc: OverflowError) -> JSONResponse:
        return respond(Invalid("数值超出范围", "A number is out of range"))

    @app.exception_handler(OperationalError)
    @app.exception_handler(SQLAlchemyTimeoutError)
    async def busy_error(_request: Request, exc: Exception) -> JSONResponse:
        # Lock or pool waits ran out under load: the request may be retried, it is not the user's fault.
        logger.warning("database busy: %s", exc)
        return respond(Busy("系统繁忙，请稍后重试", "The system is busy; please retry", headers={"Retry-After": "5"}))

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        logger.info("integrity conflict: %s", exc.orig)
        return respond(
            Conflict("数据刚被他人修改或已存在，请刷新后重试", "The data was just changed or already exists; reload")
        )

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return respond(InternalError("系统内部错误，请稍后重试", "Internal error"))

    app.add_middleware(UploadGuard)  # inside GuardAndHeaders: its refusals get the security headers too
    app.add_middleware(GuardAndHeaders)
    _document_error_envelope(app)
    for router in (
        users_router,
        documents_router,
        distribution_router,
        previews_router,
        recognition_router,
        clauses_router,
        readiness_router,
        events_router,
        search_router,
        audits_router,
        nonconformities_router,
        reviews_router,
        tasks_router,
        reports_router,
        parks_router,
        inventory_router,
        registers_router,
        performance_router,
        performance_targets_router,
        performance_monitoring_router,
        performance_overview_router,
        jobs_router,
        retention_router,
        archival_router,
    ):
        app.include_router(router)
    app.include_router(web_router)
    app.mount("/static", static_files(), name="static")
    web_errors.install(app)  # web pages render the same errors as HTML
    return app
