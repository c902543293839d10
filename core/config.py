"""Configuration: every default in one place.

Three profiles are chosen by the ``APP_CONFIG`` environment variable:

* ``production`` (the default, used by ``gunicorn wsgi:app``): every secret must come from
  the environment; a missing or known default value stops the start with a clear message.
* ``development`` (``make run``): secrets are generated once and kept in ``instance/``.
* ``testing``: fixed throwaway secrets, an isolated database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"

#: Values that must never reach production (documented examples, test fixtures).
KNOWN_DEFAULT_SECRETS = frozenset(
    {"", "dev", "change-me", "changeme", "secret", "testing-secret-key", "development"}
)
TESTING_DATA_KEY = "0aEF6q8bB7yK8bRZbq2qTbZ2b0oFvXjv5dZ1lM9o8Ec="
TESTING_LOOKUP_KEY = "testing-id-lookup-key-not-for-production-use"


class ConfigurationError(RuntimeError):
    """Raised when the app is started with a configuration it must refuse."""


class BaseConfig:
    """Settings shared by every profile."""

    #: hide_parameters: a failed statement's values (password hashes, personal data) never
    #: reach an exception message or the log.
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    #: A pooled connection unused for longer than this is pinged before a request gets it
    #: (core/db_pool.py); busy connections are not, so requests run no housekeeping query.
    DATABASE_PING_IDLE_SECONDS = 10
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # i18n: Simplified Chinese first, English second.
    LANGUAGES = {"zh": "简体中文", "en": "English"}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    # UI assets are served by the app itself (no CDN).
    BOOTSTRAP_SERVE_LOCAL = True

    # Sessions: signed cookies, so app processes stay stateless.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    PREFERRED_URL_SCHEME = "http"

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024

    # Rate limits (Flask-Limiter). Use redis://... when more than one process serves: with
    # memory:// every process counts on its own. Production refuses memory:// unless
    # RATELIMIT_SINGLE_PROCESS=true says that exactly one process serves.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_SINGLE_PROCESS = False
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_IP = "30 per 5 minutes"
    LOGIN_RATE_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    #: Objections to a public notice: per address, and in total (stored objections only).
    OBJECTION_RATE_LIMIT_PER_IP = "5 per hour"
    OBJECTION_RATE_LIMIT_TOTAL = "500 per day"
    #: ID numbers found registered at another enterprise, per account and window: past the
    #: limit the account's registrations are refused without any lookup (no ID-number oracle).
    DUPLICATE_ID_HIT_LIMIT = 10
    DUPLICATE_ID_HIT_WINDOW_HOURS = 24

    #: Excel imports: refused before parsing when the archive unpacks to more than this, or
    #: (while streaming) when the first sheet has more data rows than this.
    EXCEL_IMPORT_MAX_UNCOMPRESSED_MB = 20
    EXCEL_IMPORT_MAX_ROWS = 10000

    PASSWORD_MIN_LENGTH = 10
    #: werkzeug hashing method; scrypt is memory-hard. Tests use a cheap one for speed.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    PAGE_SIZE = 50
    #: How lists of Chinese names are ordered: "pinyin" or "strokes" (姓氏笔画).
    NAME_ORDER = "pinyin"

    # Security headers. No inline scripts or styles anywhere.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    HSTS_ENABLED = False
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    #: Rate limits key on the client address, so behind a proxy this must be set.
    TRUSTED_PROXY_HOPS = 0

    #: Feature packages loaded by the app factory, in order.
    FEATURES = ("craftsmen", "competitions", "innovation_studios", "certificates", "indicators", "api")

    #: Uploaded files (nomination evidence, ...) live here, outside the web root.
    UPLOAD_FOLDER = str(PROJECT_ROOT / "instance" / "uploads")
    UPLOAD_MAX_FILE_BYTES = 10 * 1024 * 1024
    UPLOAD_MAX_TOTAL_BYTES = 50 * 1024 * 1024

    SECRET_KEY: str | None = None
    DATA_ENCRYPTION_KEY: str | None = None
    #: Keys the ID-number lookup hash; independent of DATA_ENCRYPTION_KEY's rotation.
    ID_LOOKUP_KEY: str | None = None

    #: Redis (``redis://host:6379/0``): the default for the job queue and the rate limits when
    #: they are not set on their own.
    REDIS_URL: str | None = None
    #: The job queue (Huey): ``redis://…`` in production, ``sqlite:///…`` on one machine,
    #: ``immediate`` to run jobs at once in the caller (tests). Default: REDIS_URL, else a
    #: SQLite file in ``instance/``.
    HUEY_URL: str | None = None
    #: A queued job older than this makes ``/readyz`` report the queue as lagging.
    QUEUE_LAG_LIMIT_SECONDS = 300
    #: Worker imports with more rows than this run as a background job with a progress page.
    WORKER_IMPORT_INLINE_ROWS = 200

    #: Where stored files live: ``local`` (UPLOAD_FOLDER) or ``s3`` (S3-compatible object storage).
    STORAGE_BACKEND = "local"
    S3_ENDPOINT_URL: str | None = None
    S3_BUCKET: str | None = None
    S3_ACCESS_KEY_ID: str | None = None
    S3_SECRET_ACCESS_KEY: str | None = None
    S3_REGION = "us-east-1"
    #: A key prefix inside the bucket (e.g. ``craftsman/``), for a bucket shared with others.
    S3_PREFIX = ""

    #: Health and metrics: seconds each readiness check may take; addresses that may read
    #: ``/metrics`` (comma-separated addresses or networks).
    READINESS_TIMEOUT_SECONDS = 2
    METRICS_ALLOWED_IPS = "127.0.0.1,::1"
    #: Visitor pages each app process keeps rendered (see core.public_cache); 0: none.
    PUBLIC_PAGE_CACHE_ENTRIES = 64
    #: ... and at most this many bytes of them (each worker keeps its own: this is what the
    #: store may add to a worker's memory; the public pages weigh 5-50 KB each).
    PUBLIC_PAGE_CACHE_BYTES = 2 * 1024 * 1024
    #: Seconds a process reuses the data versions it read (changes by other processes show
    #: within this time; its own at once); 0: read them on every visitor request.
    PUBLIC_CACHE_VERSION_SECONDS = 1
    #: ``json`` (one object per line, production) or ``text``.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    #: Seconds to wait for a PostgreSQL connection before giving up.
    DATABASE_CONNECT_TIMEOUT = 3
    #: ``flask backup create`` writes here unless told otherwise.
    BACKUP_FOLDER = str(PROJECT_ROOT / "instance" / "backups")
    # Notification emails (Flask-Mailman over SMTP); see the README for the variables.
    MAIL_BACKEND = "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "北京市职工技能人才服务平台 <noreply@localhost>"


class ProductionConfig(BaseConfig):
    """Production: everything sensitive comes from the environment."""

    ENV_NAME = "production"
    LOG_FORMAT = "json"


class DevelopmentConfig(BaseConfig):
    """Local development with ``make run``: SQLite in ``instance/``."""

    ENV_NAME = "development"
    DEBUG = False


class TestingConfig(BaseConfig):
    """The test suite: fixed secrets, no real users."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - refused by production checks
    DATA_ENCRYPTION_KEY = TESTING_DATA_KEY
    ID_LOOKUP_KEY = TESTING_LOOKUP_KEY
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    HUEY_URL = "immediate"
    #: Tests empty tables behind the sessions' backs: read the data versions every time.
    PUBLIC_CACHE_VERSION_SECONDS = 0
    #: Pages are rendered on every request unless a test turns the store on.
    PUBLIC_PAGE_CACHE_ENTRIES = 0
    #: Emails stay in memory unless a test points them at its own SMTP server.
    MAIL_BACKEND = "locmem"


PROFILES = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def _read_or_create_secret(path: Path, factory) -> str:
    """Return the secret stored in ``path``, creating it on first use (development only)."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = factory()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


def load_config(app, profile: str | None = None, overrides: dict | None = None) -> None:
    """Fill ``app.config`` for ``profile`` and refuse unsafe production settings."""
    profile = profile or os.environ.get("APP_CONFIG", "production")
    if profile not in PROFILES:
        raise ConfigurationError(
            f"未知的 APP_CONFIG“{profile}”，可选值：{', '.join(PROFILES)}"
        )
    app.config.from_object(PROFILES[profile])
    instance = Path(app.instance_path)

    for name in ("SECRET_KEY", "DATA_ENCRYPTION_KEY", "ID_LOOKUP_KEY", "DATABASE_URL",
                 "RATELIMIT_STORAGE_URI", "PDF_FONT_PATH", "UPLOAD_FOLDER", "TRUSTED_PROXY_HOPS",
                 "EXCEL_IMPORT_MAX_UNCOMPRESSED_MB", "EXCEL_IMPORT_MAX_ROWS", *DEPLOYMENT_SETTINGS):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name in ("NAME_ORDER", "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD",
                 "MAIL_DEFAULT_SENDER", "MAIL_BACKEND"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name].lower() in {"1", "true", "yes"}

    if profile == "development":
        app.config.setdefault("SECRET_KEY", None)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _read_or_create_secret(
                instance / "secret_key", lambda: secrets.token_urlsafe(48)
            )
        if not app.config.get("DATA_ENCRYPTION_KEY"):
            app.config["DATA_ENCRYPTION_KEY"] = _read_or_create_secret(
                instance / "data_encryption_key", lambda: Fernet.generate_key().decode()
            )
        if not app.config.get("ID_LOOKUP_KEY"):
            app.config["ID_LOOKUP_KEY"] = _read_or_create_secret(
                instance / "id_lookup_key", lambda: secrets.token_urlsafe(48)
            )

    if not app.config.get("DATABASE_URL"):
        if profile == "production":
            raise ConfigurationError("生产环境必须设置 DATABASE_URL（PostgreSQL 连接串）。")
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'craftsman.sqlite3'}"

    if overrides:
        app.config.update(overrides)
    apply_https_settings(app.config, os.environ)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    _derive_deployment_settings(app.config, instance)

    if os.environ.get("RATELIMIT_SINGLE_PROCESS"):
        app.config["RATELIMIT_SINGLE_PROCESS"] = _truthy(os.environ["RATELIMIT_SINGLE_PROCESS"])
    if profile == "production":
        check_production_secrets(app.config)
        check_rate_limit_storage(app.config, os.environ)


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in {"1", "true", "yes"}


def check_rate_limit_storage(config, environ) -> None:
    """Refuse process-local rate-limit counters unless exactly one process is said to serve.

    With ``memory://`` each gunicorn worker keeps its own counters: four workers let four
    times the login guesses through. Shared storage (Redis) is the answer; a deployment that
    truly runs one process says so with ``RATELIMIT_SINGLE_PROCESS=true`` and is warned at
    every start.
    """
    uri = (config.get("RATELIMIT_STORAGE_URI") or "memory://").strip()
    if not uri.startswith("memory://"):
        return
    try:
        workers = int(environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        workers = 2
    if not config.get("RATELIMIT_SINGLE_PROCESS") or workers > 1:
        raise ConfigurationError(
            "拒绝启动：限流计数保存在进程内存中（RATELIMIT_STORAGE_URI=memory://），多个进程"
            "（如 gunicorn 的多个 worker）各自计数，登录尝试次数等限制会成倍放宽。请设置 "
            "RATELIMIT_STORAGE_URI=redis://主机:6379 使用共享的 Redis；确实只有一个进程提供服务时，"
            "可设置 RATELIMIT_SINGLE_PROCESS=true 明确确认（WEB_CONCURRENCY 大于 1 时仍拒绝）。")
    import logging

    logging.getLogger("core.config").warning(
        "RATE LIMITS ARE PER PROCESS: RATELIMIT_STORAGE_URI=memory:// with "
        "RATELIMIT_SINGLE_PROCESS=true. Start exactly one process, or use redis://.")


def apply_https_settings(config, environ) -> None:
    """Secure cookies and HSTS when the site is served over HTTPS.

    ``SESSION_COOKIE_SECURE=true`` turns them on, ``false`` off; unset, they follow
    ``PUBLIC_BASE_URL``: an ``https://`` address means the site is only reached over HTTPS.
    """
    explicit = (environ.get("SESSION_COOKIE_SECURE") or "").strip().lower()
    if explicit in {"1", "true", "yes"}:
        secure = True
    elif explicit in {"0", "false", "no"}:
        secure = False
    else:
        base = config.get("PUBLIC_BASE_URL") or environ.get("PUBLIC_BASE_URL") or ""
        secure = bool(config.get("SESSION_COOKIE_SECURE")) or base.strip().lower().startswith("https://")
    if secure:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["HSTS_ENABLED"] = True
        config["PREFERRED_URL_SCHEME"] = "https"


#: Settings of a deployment read from the environment (see deploy/craftsman.env.example).
DEPLOYMENT_SETTINGS = (
    "REDIS_URL", "HUEY_URL", "QUEUE_LAG_LIMIT_SECONDS", "WORKER_IMPORT_INLINE_ROWS",
    "STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
    "S3_REGION", "S3_PREFIX", "READINESS_TIMEOUT_SECONDS", "METRICS_ALLOWED_IPS", "LOG_FORMAT",
    "LOG_LEVEL", "DATABASE_CONNECT_TIMEOUT", "BACKUP_FOLDER", "PUBLIC_PAGE_CACHE_ENTRIES",
    "PUBLIC_PAGE_CACHE_BYTES", "PUBLIC_CACHE_VERSION_SECONDS",
)


def _derive_deployment_settings(config, instance: Path) -> None:
    """Defaults that depend on other settings: Redis for the queue (and the rate limits unless
    they name their own storage), a short PostgreSQL connect timeout."""
    redis_url = config.get("REDIS_URL")
    if not config.get("HUEY_URL"):
        config["HUEY_URL"] = redis_url or f"sqlite:///{instance / 'huey.sqlite3'}"
    if redis_url and config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://" \
            and not os.environ.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = redis_url
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", int(config.get("DATABASE_CONNECT_TIMEOUT") or 3))
        options["connect_args"] = connect_args
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    for name in ("QUEUE_LAG_LIMIT_SECONDS", "WORKER_IMPORT_INLINE_ROWS", "READINESS_TIMEOUT_SECONDS",
                 "DATABASE_CONNECT_TIMEOUT"):
        config[name] = int(config[name])


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_production_secrets(config) -> None:
    """Refuse to start production with a missing or known default secret."""
    secret = config.get("SECRET_KEY") or ""
    if secret in KNOWN_DEFAULT_SECRETS or len(secret) < 32:
        raise ConfigurationError(
            "拒绝启动：SECRET_KEY 未设置、是默认值或过短（至少 32 个字符）。"
            "请在环境变量中设置随机的 SECRET_KEY。"
        )
    data_key = config.get("DATA_ENCRYPTION_KEY") or ""
    if not data_key or data_key == TESTING_DATA_KEY:
        raise ConfigurationError(
            "拒绝启动：DATA_ENCRYPTION_KEY 未设置或是测试用默认值。请用 "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            " 生成并设置。"
        )
    try:
        for key in data_key.split(","):
            Fernet(key.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            "拒绝启动：DATA_ENCRYPTION_KEY 不是有效的 Fernet 密钥（32 字节 URL 安全 Base64）。"
        ) from exc
    lookup_key = config.get("ID_LOOKUP_KEY") or ""
    if lookup_key in KNOWN_DEFAULT_SECRETS or lookup_key == TESTING_LOOKUP_KEY or len(lookup_key) < 32:
        raise ConfigurationError(
            "拒绝启动：ID_LOOKUP_KEY 未设置、是默认值或过短（至少 32 个字符）。它是身份证号查重哈希的"
            "密钥，与 DATA_ENCRYPTION_KEY 相互独立、轮换加密密钥时保持不变；请用 "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))' 生成并设置。"
            "已有数据请在设置后运行 flask reencrypt-personal-data。"
        )
