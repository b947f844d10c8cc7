"""The one validated settings object. The environment is read here and nowhere else.

Every setting has a default that is safe for a first run on one machine; deployments override
them with ``SOCMAP_*`` environment variables (listed in the README) or command-line options.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from geo.errors import ValidationError

# Kent and Medway with a margin of a few kilometres: the area a load checks points against
# while no district boundaries are loaded (with boundaries, the districts and an edge of
# area_edge_metres are the area; geo.ingest._area).
KENT_MEDWAY_BBOX = (-0.02, 50.85, 1.50, 51.56)
# Public period blocks must tile a year exactly, so every block is aligned the same way.
PERIOD_MONTHS = (1, 3, 6, 12)


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The user's cache folder for socmap (``$XDG_CACHE_HOME/socmap``, else
    ``~/.cache/socmap``): downloads kept between runs, never in the install tree."""
    env = os.environ if environ is None else environ
    return Path(env.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "socmap"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValidationError(f"{name}={raw!r}: expected true or false")


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(f"{name}={raw!r}: expected a whole number") from None


def _parse_bbox(name: str, raw: str) -> tuple[float, float, float, float]:
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4:
        raise ValidationError(f"{name}={raw!r}: expected min_lon,min_lat,max_lon,max_lat")
    return parts  # type: ignore[return-value]


def _parse_float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(f"{name}={raw!r}: expected a number") from None


def _parse_list(_name: str, raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _parse_path(_name: str, raw: str) -> Path:
    return Path(raw).expanduser()


def _parse_optional_path(_name: str, raw: str) -> Path | None:
    return Path(raw).expanduser() if raw.strip() else None


def _parse_optional_str(_name: str, raw: str) -> str | None:
    return raw.strip() or None


def _parse_str(_name: str, raw: str) -> str:
    return raw.strip()


_STORE_SCHEMES = ("duckdb", "chdb", "clickhouse", "clickhouses")
_CH_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")


@dataclass(frozen=True)
class StoreTarget:
    """Where the incidents are read from (``SOCMAP_STORE``), parsed and checked.

    ``duckdb`` (the default): the DuckDB file at ``db_path``. ``chdb``: ClickHouse embedded
    in this process, its data in the directory ``path`` (one process at a time). ``clickhouse``
    (``clickhouses`` for TLS): a ClickHouse server. With either ClickHouse kind the DuckDB
    file at ``db_path`` stays the loader's staging copy, and every committed load is
    published from it (docs/clickhouse.md).
    """

    kind: str = "duckdb"
    path: Path | None = None
    host: str | None = None
    port: int | None = None
    database: str = "socmap"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secure: bool = False

    def __str__(self) -> str:  # never the password
        if self.kind == "duckdb":
            return "duckdb"
        if self.kind == "chdb":
            return f"chdb://{self.path}#{self.database}"
        user = f"{self.username}@" if self.username else ""
        scheme = "clickhouses" if self.secure else "clickhouse"
        return f"{scheme}://{user}{self.host}:{self.port}/{self.database}"


def _parse_store(name: str, raw: str) -> StoreTarget:
    text = raw.strip()
    if not text or text == "duckdb":
        return StoreTarget()
    parts = urlsplit(text)
    if parts.scheme not in _STORE_SCHEMES:
        raise ValidationError(
            f"{name}={text!r}: expected duckdb, chdb:///path/to/dir or "
            "clickhouse://host:port/database"
        )
    database = (parts.fragment if parts.scheme == "chdb" else parts.path.strip("/")) or "socmap"
    if not _CH_NAME.match(database):
        raise ValidationError(
            f"{name}: database {database!r}: expected letters, digits and _ (at most 41)"
        )
    if parts.scheme == "chdb":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValidationError(
                f"{name}={text!r}: expected chdb:///absolute/path/to/dir (three slashes)"
            )
        return StoreTarget(kind="chdb", path=Path(unquote(parts.path)), database=database)
    secure = parts.scheme == "clickhouses"
    try:
        port = parts.port or (8443 if secure else 8123)
    except ValueError:
        raise ValidationError(f"{name}={text!r}: the port is not a number 1-65535") from None
    if not parts.hostname:
        raise ValidationError(f"{name}={text!r}: no host (clickhouse://host:8123/socmap)")
    return StoreTarget(
        kind="clickhouse",
        host=parts.hostname,
        port=port,
        database=database,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        secure=secure,
    )


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated on construction.

    Build it with :meth:`from_env` (reads ``SOCMAP_*``) and adjust with :meth:`with_overrides`
    (command-line options win over the environment).
    """

    db_path: Path = Path("data/socmap.duckdb")
    # Where readers read (SOCMAP_STORE); DuckDB at db_path unless a ClickHouse is named.
    store: StoreTarget = field(default_factory=StoreTarget)
    themes_file: Path | None = None
    # Downloads kept between runs (boundary sets in boundaries/SET/): outside the install tree,
    # which may be read-only and is replaced by an upgrade.
    cache_dir: Path = field(default_factory=user_cache_dir)
    region_bbox: tuple[float, float, float, float] = KENT_MEDWAY_BBOX
    # Loading (geo.ingest._options): the forces whose police.uk files the store holds ("Falls
    # within"), how far beyond the loaded district boundaries a point may lie and be kept, and
    # the share of a stored month a new edition may remove before the load is refused.
    forces: tuple[str, ...] = ("Kent Police",)
    area_edge_metres: float = 500.0
    max_month_loss: float = 0.25
    # Disclosure control for the public (Part 1) audience.
    disclosure_k: int = 5
    public_max_res: int = 8
    restricted_categories: tuple[str, ...] = ("modern_slavery",)
    restricted_display: str = "district"  # "district" totals only, or "hidden"
    # The public view's fixed publication periods: blocks of this many months, aligned to
    # the month the reporting year starts (4: April, the financial year councils report on).
    public_period_months: int = 3
    public_year_start: int = 4
    # Who may see what.
    anonymous_access: str = "public"  # "public": anyone sees Part 1; "none": sign in first
    trusted_header: str | None = None  # e.g. X-Remote-User from an SSO proxy; off by default
    trusted_roles_header: str | None = None
    secret_key: str | None = None
    cookie_secure: bool = True
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # Server-side sessions: ended by sign-out, a password change or removing the user, after
    # this long without a request, and this long after sign-in whatever happens.
    session_idle_minutes: int = 30
    session_max_hours: int = 8
    # Reverse proxies in front of the app (addresses or networks). Only a request from one of
    # them may name its user in trusted_header, or say in X-Forwarded-For who the client is
    # (through proxy_count proxies: the client is the proxy_count-th address from the right).
    trusted_proxies: tuple[str, ...] = ()
    proxy_count: int = 0
    # Downloads by visitors who have not signed in, per client address and window (each can
    # cost a browser render; signed-in users are audited by name instead).
    anonymous_export_limit: int = 20
    anonymous_export_window_seconds: int = 3600
    # Serving.
    host: str = "127.0.0.1"
    port: int = 8050
    workers: int = 4
    # Threads per worker (gunicorn's threaded workers; 1: one request at a time per worker).
    # With several, a quick callback is not stuck behind a slow one on the same worker.
    threads: int = 4
    # A low-priority process computes every public view at county level ahead of its readers
    # (dashboard.publisher), after a start and after each load.
    prepare_public: bool = True
    basemap_style: str = "white-bg"
    tile_url: str | None = None
    tile_attribution: str | None = None
    log_level: str = "info"

    def __post_init__(self) -> None:
        self._validate_disclosure()
        self._validate_server()
        self._validate_access()

    def _validate_disclosure(self) -> None:
        # k=2 would label every small count "fewer than 2", which is to say 1.
        if not 3 <= self.disclosure_k <= 100:
            raise ValidationError(f"disclosure k={self.disclosure_k}: expected 3 to 100")
        if not 5 <= self.public_max_res <= 10:
            raise ValidationError(f"public max resolution {self.public_max_res}: expected 5-10")
        if self.restricted_display not in {"district", "hidden"}:
            raise ValidationError(
                f"restricted display {self.restricted_display!r}: expected district or hidden"
            )
        if self.public_period_months not in PERIOD_MONTHS:
            raise ValidationError(
                f"public period of {self.public_period_months} months: expected 1, 3, 6 or 12"
            )
        if not 1 <= self.public_year_start <= 12:
            raise ValidationError(
                f"public year start {self.public_year_start}: expected a month number, 1 to 12"
            )

    def _validate_server(self) -> None:
        if not 1 <= self.login_max_failures <= 1000:
            raise ValidationError(
                f"login max failures {self.login_max_failures}: expected 1 to 1000"
            )
        if not 1 <= self.login_window_seconds <= 86400:
            raise ValidationError(
                f"login window {self.login_window_seconds} s: expected 1 to 86400"
            )
        if self.anonymous_access not in {"public", "none"}:
            raise ValidationError(
                f"anonymous access {self.anonymous_access!r}: expected public or none"
            )
        min_lon, min_lat, max_lon, max_lat = self.region_bbox
        if not (min_lon < max_lon and min_lat < max_lat):
            raise ValidationError(f"region box {self.region_bbox}: min must be below max")
        self._validate_loading()
        if not 1 <= self.port <= 65535:
            raise ValidationError(f"port {self.port}: expected 1-65535")
        if not 1 <= self.workers <= 64:
            raise ValidationError(f"workers {self.workers}: expected 1-64")
        if not 1 <= self.threads <= 64:
            raise ValidationError(f"threads {self.threads}: expected 1-64")
        if self.store.kind == "chdb" and (self.workers > 1 or self.prepare_public):
            # chdb locks its directory to one process: a second worker, or the publisher
            # process, would fail to open the store (docs/clickhouse.md).
            raise ValidationError(
                f"SOCMAP_STORE={self.store}: embedded ClickHouse serves one process; set "
                "SOCMAP_WORKERS=1 and SOCMAP_PREPARE_PUBLIC=false, or use a ClickHouse server"
            )
        if self.basemap_style != "white-bg" and not self.tile_url:
            # Offline deployments can only draw white-bg; a tile style needs its own server.
            raise ValidationError(
                f"basemap style {self.basemap_style!r} needs SOCMAP_TILE_URL (a tile server)"
            )

    def _validate_loading(self) -> None:
        if not self.forces:
            raise ValidationError("SOCMAP_FORCES: name at least one police force")
        if not 0 <= self.area_edge_metres <= 5000:
            raise ValidationError(
                f"area edge {self.area_edge_metres} m: expected 0 to 5000 (metres)"
            )
        if not 0 <= self.max_month_loss < 1:
            raise ValidationError(
                f"largest month loss {self.max_month_loss}: expected a share, 0 to below 1"
            )

    def _validate_access(self) -> None:
        if not 1 <= self.session_idle_minutes <= 1440:
            raise ValidationError(
                f"session idle timeout {self.session_idle_minutes} min: expected 1 to 1440"
            )
        if not 1 <= self.session_max_hours <= 168:
            raise ValidationError(f"session lifetime {self.session_max_hours} h: expected 1-168")
        if self.session_idle_minutes > 60 * self.session_max_hours:
            raise ValidationError(
                f"session idle timeout {self.session_idle_minutes} min is longer than the "
                f"session lifetime of {self.session_max_hours} h"
            )
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValidationError(
                    f"trusted proxy {proxy!r}: expected an IP address or network "
                    "(e.g. 127.0.0.1 or 10.0.0.0/8)"
                ) from None
        if not 0 <= self.proxy_count <= 5:
            raise ValidationError(f"proxy count {self.proxy_count}: expected 0 to 5")
        if self.proxy_count and not self.trusted_proxies:
            raise ValidationError(
                "SOCMAP_PROXY_COUNT needs SOCMAP_TRUSTED_PROXIES: the addresses of the proxies "
                "whose X-Forwarded-For may be believed"
            )
        if self.trusted_header and not self.trusted_proxies:
            # Anyone who can reach the app directly could otherwise name themselves.
            raise ValidationError(
                "SOCMAP_TRUSTED_HEADER needs SOCMAP_TRUSTED_PROXIES: the addresses of the "
                "single-sign-on proxies allowed to send it"
            )
        if not 1 <= self.anonymous_export_limit <= 10000:
            raise ValidationError(
                f"anonymous export limit {self.anonymous_export_limit}: expected 1 to 10000"
            )
        if not 1 <= self.anonymous_export_window_seconds <= 86400:
            raise ValidationError(
                f"anonymous export window {self.anonymous_export_window_seconds} s: "
                "expected 1 to 86400"
            )

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether a direct peer's address is one of :attr:`trusted_proxies`."""
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(p, strict=False) for p in self.trusted_proxies)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``SOCMAP_*`` variables over the defaults."""
        env = os.environ if environ is None else environ
        values = {}
        for name, (var, parse) in _ENV.items():
            if var in env:
                values[name] = parse(var, env[var])
        return cls(**values)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given settings changed; ``None`` values are ignored."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValidationError(f"unknown settings: {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "db_path": ("SOCMAP_DB", _parse_path),
    "store": ("SOCMAP_STORE", _parse_store),
    "cache_dir": ("SOCMAP_CACHE_DIR", _parse_path),
    "themes_file": ("SOCMAP_THEMES", _parse_optional_path),
    "region_bbox": ("SOCMAP_REGION_BBOX", _parse_bbox),
    "forces": ("SOCMAP_FORCES", _parse_list),
    "area_edge_metres": ("SOCMAP_AREA_EDGE_METRES", _parse_float),
    "max_month_loss": ("SOCMAP_MAX_MONTH_LOSS", _parse_float),
    "disclosure_k": ("SOCMAP_DISCLOSURE_K", _parse_int),
    "public_max_res": ("SOCMAP_PUBLIC_MAX_RES", _parse_int),
    "restricted_categories": ("SOCMAP_RESTRICTED_CATEGORIES", _parse_list),
    "restricted_display": ("SOCMAP_RESTRICTED_DISPLAY", _parse_str),
    "public_period_months": ("SOCMAP_PUBLIC_PERIOD_MONTHS", _parse_int),
    "public_year_start": ("SOCMAP_PUBLIC_YEAR_START", _parse_int),
    "anonymous_access": ("SOCMAP_ANONYMOUS_ACCESS", _parse_str),
    "trusted_header": ("SOCMAP_TRUSTED_HEADER", _parse_optional_str),
    "trusted_roles_header": ("SOCMAP_TRUSTED_ROLES_HEADER", _parse_optional_str),
    "secret_key": ("SOCMAP_SECRET_KEY", _parse_optional_str),
    "cookie_secure": ("SOCMAP_COOKIE_SECURE", _parse_bool),
    "login_max_failures": ("SOCMAP_LOGIN_MAX_FAILURES", _parse_int),
    "login_window_seconds": ("SOCMAP_LOGIN_WINDOW_SECONDS", _parse_int),
    "session_idle_minutes": ("SOCMAP_SESSION_IDLE_MINUTES", _parse_int),
    "session_max_hours": ("SOCMAP_SESSION_MAX_HOURS", _parse_int),
    "trusted_proxies": ("SOCMAP_TRUSTED_PROXIES", _parse_list),
    "proxy_count": ("SOCMAP_PROXY_COUNT", _parse_int),
    "anonymous_export_limit": ("SOCMAP_ANONYMOUS_EXPORT_LIMIT", _parse_int),
    "anonymous_export_window_seconds": ("SOCMAP_ANONYMOUS_EXPORT_WINDOW_SECONDS", _parse_int),
    "host": ("SOCMAP_HOST", _parse_str),
    "port": ("SOCMAP_PORT", _parse_int),
    "workers": ("SOCMAP_WORKERS", _parse_int),
    "threads": ("SOCMAP_THREADS", _parse_int),
    "prepare_public": ("SOCMAP_PREPARE_PUBLIC", _parse_bool),
    "basemap_style": ("SOCMAP_BASEMAP_STYLE", _parse_str),
    "tile_url": ("SOCMAP_TILE_URL", _parse_optional_str),
    "tile_attribution": ("SOCMAP_TILE_ATTRIBUTION", _parse_optional_str),
    "log_level": ("SOCMAP_LOG_LEVEL", _parse_str),
}
