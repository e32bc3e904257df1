"""One family of errors that carry their HTTP status and a bilingual, user-facing message."""

from typing import Any


class AppError(Exception):
    status_code = 400
    code = "error"

    def __init__(
        self,
        message_zh: str,
        message_en: str = "",
        *,
        audit: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        # An audit payload asks the session handler to record this refusal after the rollback.
        self.audit = audit
        self.headers = headers

    def to_dict(self) -> dict[str, Any]:
        return {
            "detail": f"{self.message_zh} / {self.message_en}",
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "code": self.code,
        }


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class StaleVersion(Conflict):
    code = "stale_version"


class Gone(AppError):
    """The thing existed and is gone for good (a file destroyed at the end of its retention)."""

    status_code = 410
    code = "gone"


class TooLarge(AppError):
    status_code = 413
    code = "too_large"


class Unsupported(AppError):
    status_code = 415
    code = "unsupported_media_type"


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


class Busy(AppError):
    status_code = 503
    code = "busy"


class InternalError(AppError):
    status_code = 500
    code = "internal"
