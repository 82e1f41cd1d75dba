"""Typed settings read from environment variables.

Every field has a docstring; the README's configuration table lists each one (a test checks).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

__all__ = ["ROOT", "Settings", "SettingsError", "get_settings"]

ROOT = Path(__file__).resolve().parent.parent
"""Repository root: `var/` and `pwa/` are found from here, never from the working directory."""


class SettingsError(ValueError):
    """A setting from the environment is missing or malformed."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Portal configuration. Field docstrings double as documentation."""

    database_url: str = ""
    """`postgres://user:pass@host:5432/db` selects PostgreSQL; empty means the SQLite file
    `var/portal.sqlite3` (absolute path, so the working directory never matters)."""

    db_pool_min: int = 2
    """PostgreSQL pool: connections kept open per app process."""

    db_pool_max: int = 20
    """PostgreSQL pool: most connections per app process."""

    db_transaction_pooler: bool = False
    """DATABASE_URL leads to a pooler in transaction mode (PgBouncer `pool_mode =
    transaction`): asyncpg keeps no prepared statements between queries
    (`statement_cache_size=0`), and workers do not LISTEN for queued work (a pooler cannot
    keep a listening session) but find it at their next poll (`portal worker --idle-sleep`).
    Run `portal migrate` against PostgreSQL or HAProxy directly: it holds a session lock."""

    var_dir: str = str(ROOT / "var")
    """Directory for the SQLite file, uploaded documents and generated keys."""

    host: str = "127.0.0.1"
    """Address `portal serve` binds to."""

    port: int = 8000
    """Port `portal serve` binds to."""

    public_origin: str = "http://localhost:8000"
    """The origin citizens use (scheme://host[:port]). WebAuthn checks it, links and
    receipts print it. Cookies are `Secure` unless its host is localhost, *.localhost or
    127.0.0.1."""

    rp_id: str = ""
    """WebAuthn relying-party id; empty means the host of PUBLIC_ORIGIN. Passkeys are bound
    to it: changing it orphans every registered passkey."""

    hot_cache: bool = True
    """Each app process answers unchanged dashboards from memory (system.hotcache); another
    process's change is seen within 0.1 s. False: every request reads the database."""

    id_mask_key: str = ""
    """Key (base64url, 32 bytes) of the keyed hash that makes up answers for ID numbers with
    no account (sign-in's passkey ids), so that no answer tells whether one exists. Empty:
    made on first use in `VAR_DIR/id_mask.key`. Every node must share it."""

    staff_daily_limit: int = 30
    """Per operator per 24 hours: recovery codes issued, ID-card checks recorded and in-person
    consents, each counted on its own. Past it the next one is refused and an alert is kept
    for admins (`GET /api/v1/admin/alerts`, `portal audit alerts`)."""

    embedded_worker: bool | None = None
    """Deliver the outbox (pushes, webhooks) and housekeep inside the app process. Unset: yes
    on SQLite (one server, `make run`), no on PostgreSQL, where `portal worker` processes do
    it. `portal serve --workers N` (N > 1) turns it off: run `portal worker` beside them."""

    log_level: str = "INFO"
    """Python log level for the `portal` logger (DEBUG, INFO, WARNING, ERROR)."""

    log_json: bool = True
    """One JSON object per log line (for log shippers); false prints plain text."""

    debug: bool = False
    """Litestar debug mode. Never in production: it widens error bodies."""

    pwa_dir: str = str(ROOT / "pwa")
    """Directory the PWA is served from (read once at start-up, hashed into the build id).
    Only tests point it elsewhere, to deploy a changed copy."""

    vapid_private_key: str = ""
    """Web Push VAPID private key (PEM, or base64url of the raw key or DER). Empty: a key
    pair is generated on first use and kept in VAR_DIR/vapid_private.pem (mode 0600). Every
    app node and worker must use the same key: browsers subscribe with its public half."""

    vapid_subject: str = "mailto:ops@portal.example.go.th"
    """Contact for push service operators (VAPID `sub` claim): a mailto: or https: URL."""

    document_max_bytes: int = 10 * 1024 * 1024
    """Largest document a citizen may upload to the wallet, in bytes (default 10 MiB: a
    multi-page scan or a full-resolution phone photo). Larger uploads are refused with 413,
    from Content-Length before reading when the client sends it, else while streaming."""

    push_service_hosts: str = (
        "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,"
        "web.push.apple.com"
    )
    """Push services a browser's subscription may point at: comma-separated host names,
    `*.` matching any subdomain. Endpoints must be https on port 443 at one of them: the worker
    POSTs to whatever URL is registered, so nothing else (an internal host) is accepted."""

    push_allow_loopback_http: bool = False
    """Also accept `http://127.0.0.1:<port>` push endpoints: the tests' and benchmarks' local
    push service. Never in production."""

    agency_secret_key: str = ""
    """Key (base64url of 32 random bytes) that encrypts agency API and webhook secrets in
    the database. Empty: generated on first use and kept in VAR_DIR/agency_secret.key (mode
    0600). Every app node and worker must share it; losing it invalidates every agency
    credential (they must be created again). Several keys, comma-separated: the first
    encrypts, every one decrypts (rotation, `portal agency-key`)."""

    national_id_keys: str = ""
    """Keys (base64url of 32 random bytes) that encrypt national ID numbers in the database
    (AES-256-GCM). Several, comma-separated: the first encrypts, every one decrypts
    (rotation, `portal national-id-key`). Empty: generated on first use and kept in
    VAR_DIR/national_id.key (mode 0600). Every app node and worker must share them; losing
    them loses every stored ID number: back them up like the database, apart from it."""

    national_id_index_key: str = ""
    """Key (base64url, 32 bytes) of the keyed hash (HMAC-SHA256) that finds an account by its
    ID number without storing the number: lookups and the one-account-per-number rule use it.
    Empty: generated on first use in VAR_DIR/national_id_index.key. Every node must share
    it, and it never changes (a different key finds no one)."""

    agency_webhook_allow_private: bool = False
    """Allow agency webhook URLs on loopback, private and link-local addresses. Off in
    production (a webhook must not reach the portal's own network); tests and a laptop demo
    turn it on."""

    metrics_token: str = ""
    """Bearer token that `GET /metrics` (Prometheus) requires. Empty: no metrics endpoint
    (404). A secret: give it to Prometheus only."""

    digital_id_issuer: str = ""
    """OpenID Connect issuer URL of the national digital ID (ThaiD), found by discovery.
    Empty: verification by digital ID is off and the PWA does not offer it. Must be https
    (http only on loopback, for tests)."""

    digital_id_client_id: str = ""
    """The portal's client id at the digital-ID provider."""

    digital_id_client_secret: str = ""
    """The portal's client secret at the digital-ID provider (a secret: never log it)."""

    digital_id_claim: str = "pid"
    """The ID token claim holding the 13-digit national ID number."""

    digital_id_name: str = "ThaiD"
    """The provider's name as citizens know it (buttons, activity log)."""

    @property
    def digital_id_on(self) -> bool:
        return bool(self.digital_id_issuer and self.digital_id_client_id)

    @property
    def push_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.push_service_hosts.split(",") if h.strip())

    @property
    def runs_embedded_worker(self) -> bool:
        """Whether the app process delivers the outbox itself (see `embedded_worker`)."""
        if self.embedded_worker is not None:
            return self.embedded_worker
        return not self.is_postgres

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.var_dir).resolve() / "portal.sqlite3"

    @property
    def effective_rp_id(self) -> str:
        return self.rp_id or (urlsplit(self.public_origin).hostname or "localhost")

    @property
    def secure_cookies(self) -> bool:
        # Browsers treat localhost and *.localhost as secure contexts even over plain HTTP.
        host = urlsplit(self.public_origin).hostname or ""
        return not (host in {"localhost", "127.0.0.1", "::1"} or host.endswith(".localhost"))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build from `environ` (default `os.environ`); upper-case names, e.g. DATABASE_URL."""
        env = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        for name in cls.__struct_fields__:
            value = env.get(name.upper())
            if value is not None:
                raw[name] = value
        try:
            settings = msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"invalid setting: {exc}") from exc
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.database_url and not (
            self.is_postgres or self.database_url.startswith("sqlite:///")
        ):
            raise SettingsError("DATABASE_URL must start with postgres:// or sqlite:///")
        origin = urlsplit(self.public_origin)
        if origin.scheme not in {"http", "https"} or not origin.hostname or origin.path:
            raise SettingsError("PUBLIC_ORIGIN must look like https://portal.example.go.th")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        if self.db_pool_min < 1 or self.db_pool_max < self.db_pool_min:
            raise SettingsError("DB_POOL_MIN must be ≥ 1 and ≤ DB_POOL_MAX")
        if not self.push_hosts or any(
            not re.fullmatch(r"(\*\.)?[a-z0-9.-]+", host) for host in self.push_hosts
        ):
            raise SettingsError("PUSH_SERVICE_HOSTS must list host names, e.g. fcm.googleapis.com")
        if self.digital_id_issuer:
            issuer = urlsplit(self.digital_id_issuer)
            loopback = issuer.hostname in {"127.0.0.1", "localhost", "::1"}
            if not (issuer.scheme == "https" or (issuer.scheme == "http" and loopback)):
                raise SettingsError("DIGITAL_ID_ISSUER must be an https URL")
            if not self.digital_id_client_id or not self.digital_id_claim:
                raise SettingsError("DIGITAL_ID_CLIENT_ID and DIGITAL_ID_CLAIM must be set")


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call `get_settings.cache_clear()`."""
    return Settings.from_env()
