"""Settings read from the environment (prefix CARBONMS_) with embedded defaults: SQLite + ./var."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARBONMS_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str = ""  # empty: SQLite file inside data_dir
    secret_key: str = ""  # empty: a random key kept in data_dir/secret_key
    max_upload_mb: int = Field(default=50, ge=1, le=10_000)
    clause_map_path: Path = Path(__file__).resolve().parent.parent / "clause_map.yaml"
    session_hours: int = 12
    # Password guessing (sign-in, e-signatures, password change; app/users/throttle.py): failures within the window
    # count per (user name, client address) and per client address; past the free ones each further attempt waits,
    # from login_backoff_seconds doubling per failure up to login_backoff_max_seconds. No lock-out of the owner.
    login_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=60, ge=1)
    login_backoff_seconds: float = Field(default=1.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    # Origins besides the request's own scheme://host[:port] that may call /api/* with the session cookie
    # (comma-separated, e.g. "https://carbon.example.org"), for a proxy that rewrites the Host header.
    allowed_origins: str = ""
    default_language: str = "zh"
    # argon2 cost; tests lower it (never in production) so fixtures stay fast.
    # Index committed changes on a background thread (the request returns at once); tests index inline.
    search_index_async: bool = True
    # How long the background indexer gathers committed changes into one batch (search lags by about this much).
    search_index_batch_seconds: float = Field(default=1.0, ge=0, le=60)
    # Where the search index lives: "whoosh" (files in data_dir/index, one process writes) or "postgres" (PostgreSQL
    # full-text search inside the database, for several processes; refused on SQLite). See app/search/backend.py.
    search_backend: str = "whoosh"
    # Background jobs (app/jobs: recognition, previews, ...): run on threads in this process by default; tests run
    # them inline right after the commit. With redis_url set, a Redis queue carries them to `carbonms worker`.
    jobs_async: bool = True
    jobs_threads: int = Field(default=1, ge=1, le=32)
    # How often the runner looks for jobs whose retry time has come (and for jobs a dead process left behind).
    jobs_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    redis_url: str = ""
    # The Redis queue's name (rq); several installations, or test runs, may share one Redis with different names.
    jobs_queue: str = Field(default="carbonms", min_length=1, max_length=100)
    # A running job's lease: its runner renews it every third of this; a job whose lease ran out (its process died)
    # is queued again by any runner. Longer than the longest pause a busy database may cause, far shorter than a day.
    jobs_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # The daily reminders (`carbonms remind`'s work, job kind daily_reminders) are queued once per park and day, from
    # this hour of the park's local time on, by `carbonms worker` and by the in-process runner alike.
    reminders_hour: int = Field(default=7, ge=0, le=23)
    # Whether this process's runner (in-process sweep, `carbonms worker`) queues the scheduled jobs at all.
    jobs_schedule: bool = True
    # Where blobs live (app/blobs): empty = the local folder data_dir/blobs; file:///path another folder;
    # s3://bucket?endpoint=http://host:port S3-compatible object storage (credentials: s3://KEY:SECRET@bucket or
    # boto3's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
    blob_url: str = ""
    # The read-through cache of object storage (data_dir/cache/blobs) is kept under this many MiB: least recently
    # used files are evicted (app/blobs/cache.py).
    blob_cache_mb: int = Field(default=1024, ge=1)
    # OWASP's recommended argon2id floor (19 MiB, 2 passes): e-signatures re-verify passwords often, and on a
    # 2-core server a 64 MiB hash per signature makes concurrent signers queue for seconds.
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    # Route handlers running at once (the rest queue in arrival order; see app/admission.py), and how long a request
    # may wait for its turn before it is told 503. About two per core: more only makes the write-lock holder slower.
    max_active_requests: int = Field(default=4, ge=1, le=256)
    admission_timeout_seconds: float = Field(default=30.0, gt=0)
    # A PDF with more pages is refused at upload (422): every page costs time to extract and to stamp.
    max_pdf_pages: int = Field(default=2000, ge=1, le=1_000_000)
    # A scanned PDF with more pages is not recognised (识别失败, with the reason): Tesseract takes seconds per page.
    ocr_max_pages: int = Field(default=200, ge=1, le=100_000)
    # Controlled copies stamped at once, outside the admission gate (see app/reports/copy_cache.py). Stamping is
    # CPU-bound Python: more than one or two only takes the interpreter away from every other request.
    max_active_stamps: int = Field(default=2, ge=1, le=16)
    # The audit trail's keys and anchors live outside the database (empty: files in data_dir, made on `init`).
    trail_key_file: Path | None = None  # HMAC-SHA256 key of every event's hash
    anchor_key_file: Path | None = None  # Ed25519 private key signing the anchors; its public half beside it (.pub)
    anchor_file: Path | None = None  # append-only JSON lines: the signed chain heads
    # Anchor the chain head after the commit that crosses every multiple of this many events (0: only from cron).
    anchor_every: int = Field(default=1000, ge=0)
    # Slow clients (app/uploads): a request body arriving slower than this many bytes per second, measured over each
    # window, is cut off with 408; so is a request whose headers are not complete after header_timeout_seconds.
    upload_min_rate_bytes: int = Field(default=10 * 1024, ge=0)
    upload_rate_window_seconds: float = Field(default=30.0, gt=0)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    # Uploads one user may have in flight at once (later ones get 429).
    max_uploads_per_user: int = Field(default=4, ge=1, le=256)
    # Previews of each revision (app/previews/service.py): page images of the first pages and a thumbnail, made by a
    # background job (pdftoppm; LibreOffice for .docx/.xlsx) within the timeout. Tests switch them off except their own.
    previews_enabled: bool = True
    preview_max_pages: int = Field(default=20, ge=1, le=500)
    preview_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    # The archival check (四性检测, app/archival): the formats a kept file may have, as codes (PDF, OFD, DOCX, XLSX,
    # PNG, JPEG, TXT), comma-separated; a file of another format fails the check's 可用性 "format allowed".
    archival_allowed_formats: str = "PDF,OFD,DOCX,XLSX,PNG,JPEG,TXT"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'carbonms.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def resolved_trail_key_file(self) -> Path:
        return self.trail_key_file or self.data_dir / "trail_key"

    @property
    def resolved_anchor_key_file(self) -> Path:
        return self.anchor_key_file or self.data_dir / "anchor_key"

    @property
    def resolved_anchor_file(self) -> Path:
        return self.anchor_file or self.data_dir / "anchors.jsonl"

    @property
    def allowed_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            import secrets

            self.data_dir.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
