"""Serve the PWA from memory: versioned, immutable, precompressed, with no build step.

At start-up `load_bundle()` reads `pwa/` once, hashes it into a short *build id* and keeps every
file in memory with its brotli and gzip copies (the whole shell is a few tens of KB):

- `/v/<build>/<path>` serves any asset with `Cache-Control: public, max-age=31536000,
  immutable`. The ES modules import each other by relative URL, so once `index.html` names
  `/v/<build>/js/app.js` the whole module graph (and `i18n/*.json`, fetched relative to
  `import.meta.url`) is versioned with no build step. A new deploy is a new build id, so a
  phone never mixes old and new files. A stale service worker asking for an older build
  gets today's file with `no-cache` (never a 500; a path that exists nowhere is a JSON 404).
- The entry points keep stable URLs and revalidate (`no-cache` + strong ETag → `304`):
  `/` (index.html), `/sw.js`, `/manifest.webmanifest`, `/offline.html`. In them, every quoted
  absolute path to an asset (`"/css/app.css"`, `'/js/outbox.js'`) becomes its versioned URL.
- `sw.js` gets the build id and the list of shell URLs to precache written into it when it is
  served (`'__BUILD__'` and `['__SHELL__']` in the source), so a new build is also a
  byte-different service worker: that is what makes the browser install the update. Screens
  under `js/screens/` are imported on demand and left out of the install precache (a first
  visit pays only for the screen it opens); they are listed in `['__LAZY__']` for the worker
  to keep once used, and all of them once a citizen signs in.
- JavaScript is sent without its comments (`strip_comments`, those a line-by-line reading is
  sure of): the sources keep their explanations and JSDoc types, a phone does not pay for them
  (a quarter of the bytes, brotli included). A comment line becomes an empty line, so line
  numbers in stack traces still match the sources.
  boot.js gets each screen's imports of other screens written in (`'__SCREEN_IMPORTS__'`),
  so it can name them all to the browser at once.
  Files that only serve development (`tsconfig*.json`) are not served at all.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import brotli  # type: ignore[import-untyped]  # the brotli package ships no type stubs
from litestar import Request, Response, Router, get
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from backend.lib.etag import etag_matches
from backend.lib.middleware import CSP
from backend.lib.scripts import as_sent, screen_imports, strip_comments

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "Bundle",
    "load_bundle",
    "page_stylesheet",
    "pwa_router",
    "screen_imports",
    "strip_comments",
]

IMMUTABLE = "public, max-age=31536000, immutable"
"""A year (RFC 8246 `immutable`): a versioned URL's bytes never change."""
REVALIDATE = "no-cache"
"""Stored, but checked with the server (ETag → 304) before each use."""

VERSIONED = "/v"
ENTRY_POINTS = {
    "/": "index.html",
    "/sw.js": "sw.js",
    "/manifest.webmanifest": "manifest.webmanifest",
    "/offline.html": "offline.html",
}
"""Stable URL → file. Everything else in pwa/ is served only under /v/<build>/."""

NOT_SERVED = ("tsconfig",)
"""Development files in pwa/ (the type checker's settings): never served nor precached."""

NOT_IN_SHELL = (".png",)
"""Install icons: the browser fetches them when installing, the shell never needs them."""

STAFF_ONLY = ("i18n/staff/", "js/staff/", "css/staff.css")
"""The words, parts and looks of staff screens (kiosk check-in, an office's day): never
precached on a citizen's phone; the worker keeps them, as any asset of its build, once a staff
screen has fetched them."""

SHELL_LANGUAGES = ("en",)
"""`/?lang=<code>`: the shell already in that language (Thai is the markup's own), so a phone
that chose English draws English from the first frame: no Thai words replaced as the app
starts, which would move the menu (layout shift) and flash the wrong language."""
_TEXT_KEY = re.compile(
    r"""(<(?P<tag>[a-z][a-z0-9]*)\b(?P<attrs>[^>]*\sdata-i18n="(?P<key>[\w.]+)"[^>]*)>)"""
    r"""(?P<text>[^<]*)(?P<end></(?P=tag)>)"""
)
_ATTRIBUTE_KEY = re.compile(
    r"""<[a-z][^>]*\sdata-i18n-(?P<kind>label|content)="(?P<key>[\w.]+)"[^>]*>"""
)

LAZY = (
    "js/screens/",
    "js/push.js",
    "js/upload.js",
    "js/acting.js",
    "i18n/delegation/",
    "js/visit.js",
    "i18n/appointments/",
    "i18n/more/",
    "i18n/journey/",
    "i18n/enrol/",
)
"""Imported on demand (screens; push.js once a citizen turns notifications on; upload.js when a
document is uploaded; acting for someone and its words; a visit to the office and its words;
the words of the screens after sign-in: statuses' lines of meaning, form checks, My account;
enrolment's own words):
not precached on install, fetched and kept when first used."""

APP = "js/boot.js"
SCREEN_IMPORTS = "'__SCREEN_IMPORTS__'"
"""Marker in boot.js (the page's first script) the server replaces with `screen_imports()`."""

MEDIA_TYPES = {
    # Litestar adds "; charset=utf-8" to text/* itself (naming it here sent it twice).
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
COMPRESSED_TYPES = (".png",)
"""Already compressed: never re-encoded."""

_ACCEPT_ENCODING = "pwa.accept_encoding"
_QUOTED_PATH = re.compile(r"""(?<=["'])/([\w.-]+(?:/[\w.-]+)*)(?=["'])""")


@dataclass(frozen=True, slots=True)
class Asset:
    media_type: str
    encodings: dict[str, bytes]
    """Content coding ("br", "gzip", "identity") → bytes; only codings that save space."""
    digest: str

    def etag(self, coding: str) -> str:
        # A strong validator names the representation, so each coding has its own tag.
        return f'"{self.digest}-{coding}"'

    @classmethod
    def make(cls, name: str, body: bytes) -> Asset:
        suffix = Path(name).suffix
        encodings = {"identity": body}
        if suffix not in COMPRESSED_TYPES:
            for coding, packed in (
                ("br", brotli.compress(body, quality=11)),
                ("gzip", gzip.compress(body, compresslevel=9, mtime=0)),
            ):
                if len(packed) < len(body):
                    encodings[coding] = packed
        digest = hashlib.blake2b(body, digest_size=8).hexdigest()
        return cls(MEDIA_TYPES.get(suffix, "application/octet-stream"), encodings, digest)


@dataclass(frozen=True, slots=True)
class Bundle:
    build: str
    entry_points: dict[str, Asset]
    """Stable URL path → asset."""
    assets: dict[str, Asset]
    """Path under /v/<build>/ (e.g. `js/app.js`) → asset."""
    shell: tuple[str, ...]
    """URLs the service worker precaches."""
    lazy: tuple[str, ...]
    """URLs of on-demand screens, which the service worker keeps once a citizen signs in."""
    shells: dict[str, Asset]
    """Language → `index.html` in it (SHELL_LANGUAGES), served at `/?lang=<code>`."""
    page_csp: str
    """The policy `index.html` is served with: the app's, and its inline boot.js by hash."""

    def versioned(self, path: str) -> str:
        return f"{VERSIONED}/{self.build}/{path}"


def load_bundle(directory: Path) -> Bundle:
    """The bundle for `directory`, built once per content (tests build many apps)."""
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and not p.name.startswith((".", *NOT_SERVED))
    )
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _build_bundle(directory, signature)


def page_stylesheet(pwa_dir: str) -> str:
    """The versioned URL of the PWA's stylesheet, for pages the server renders (receipts,
    /track): cached for a year like the PWA's own copy."""
    return load_bundle(Path(pwa_dir)).versioned("css/app.css")


@functools.lru_cache(maxsize=4)
def _build_bundle(directory: Path, signature: tuple[tuple[str, int, int], ...]) -> Bundle:
    sources = {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in (Path(entry[0]) for entry in signature)
    }
    missing = set(ENTRY_POINTS.values()) - sources.keys()
    if missing:
        raise RuntimeError(f"{directory} lacks {sorted(missing)}")
    content = hashlib.sha256()
    for name, body in sorted(sources.items()):
        content.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    build = content.hexdigest()[:10]

    entry_names = set(ENTRY_POINTS.values())
    asset_names = sorted(sources.keys() - entry_names)
    served = {name: as_sent(name, sources[name]) for name in asset_names}
    served[APP] = _fill(
        served[APP].decode("utf-8"),
        SCREEN_IMPORTS,
        json.dumps(screen_imports(sources), separators=(",", ":")),
    ).encode("utf-8")
    # Comment lines are empty lines in a module (line numbers match the source); inline, the
    # page's own bytes, they go.
    boot = "\n".join(line for line in served[APP].decode("utf-8").splitlines() if line.strip())
    if "</" in boot:
        raise RuntimeError(f"{APP} cannot be written into a <script> element: it holds '</'")
    assets = {name: Asset.make(name, body) for name, body in served.items()}
    shell = (
        "/",
        "/offline.html",
        *(
            f"{VERSIONED}/{build}/{n}"
            for n in asset_names
            if not n.endswith(NOT_IN_SHELL)
            and not n.startswith((*LAZY, *STAFF_ONLY))
            and n != APP  # in index.html itself
        ),
    )
    lazy = tuple(f"{VERSIONED}/{build}/{n}" for n in asset_names if n.startswith(LAZY))

    asset_dirs = {n.split("/", 1)[0] for n in asset_names if "/" in n}

    def rewrite(name: str) -> bytes:
        text = sources[name].decode("utf-8")

        def versioned(match: re.Match[str]) -> str:
            path = match.group(1)
            if path in assets:
                return f"{VERSIONED}/{build}/{path}"
            if path.split("/", 1)[0] in asset_dirs:
                raise RuntimeError(f"{directory / name} names /{path}, which does not exist")
            return match.group(0)

        text = _QUOTED_PATH.sub(versioned, text)
        if name.endswith(".js"):
            text = strip_comments(text)
        if name == "index.html":
            external = f'<script src="{VERSIONED}/{build}/{APP}"></script>'
            text = _fill(text, external, f"<script>{boot}</script>")
        if name == "sw.js":
            text = _fill(text, "'__BUILD__'", json.dumps(build))
            text = _fill(text, "['__SHELL__']", json.dumps(list(shell)))
            text = _fill(text, "['__LAZY__']", json.dumps(list(lazy)))
        return text.encode("utf-8")

    entry_points = {url: Asset.make(name, rewrite(name)) for url, name in ENTRY_POINTS.items()}
    index = rewrite(ENTRY_POINTS["/"]).decode("utf-8")
    shells = {
        lang: Asset.make("index.html", _shell_in(index, sources, lang)) for lang in SHELL_LANGUAGES
    }
    return Bundle(
        build=build,
        entry_points=entry_points,
        assets=assets,
        shell=shell,
        lazy=lazy,
        shells=shells,
        page_csp=page_csp(boot),
    )


def page_csp(*inline_scripts: str) -> str:
    """The app's policy, allowing the page's own inline scripts by their hash (CSP level 2):
    still no 'unsafe-inline', so a script an attacker slips into the markup does not run."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline_scripts
    )
    policy = CSP.replace("script-src 'self'", f"script-src 'self' {hashes}", 1)
    if policy == CSP:
        raise RuntimeError("the app's CSP has no script-src 'self' to extend")
    return policy


def _shell_in(index: str, sources: dict[str, bytes], lang: str) -> bytes:
    strings: dict[str, str] = json.loads(sources[f"i18n/{lang}.json"])
    # The page's strings load with its modules (`<link rel="preload">`): these, not Thai.
    index = index.replace("/i18n/th.json", f"/i18n/{lang}.json")
    return translate_shell(index, strings, lang).encode("utf-8")


def translate_shell(html: str, strings: dict[str, str], lang: str) -> str:
    """The shell's markup in `lang`, as i18n.js's `translate()` would make it: the text of each
    element naming `data-i18n`, its `aria-label` (`data-i18n-label`) or `content`
    (`data-i18n-content`), and the page's `lang`. The language switch names the other
    language: it keeps `lang` on its own text."""

    def text(match: re.Match[str]) -> str:
        key, start = match["key"], match.group(1)
        if key == "lang.switch":
            start = re.sub(r'\slang="\w+"', ' lang="th"', start)
        return f"{start}{escape(strings[key], quote=False)}{match['end']}"

    def attribute(match: re.Match[str]) -> str:
        name = "aria-label" if match["kind"] == "label" else "content"
        value = escape(strings[match["key"]], quote=True)
        tag, count = re.subn(rf'\s{name}="[^"]*"', f' {name}="{value}"', match.group(0))
        if count != 1:
            raise RuntimeError(f'{match.group(0)} needs one {name}="…" to translate')
        return tag

    translated = _ATTRIBUTE_KEY.sub(attribute, _TEXT_KEY.sub(text, html))
    keys = re.findall(r'data-i18n="([\w.]+)"', html)
    if len(keys) != len(_TEXT_KEY.findall(html)):
        raise RuntimeError("an element naming data-i18n holds markup: translate it in the browser")
    return re.sub(r'<html lang="\w+"', f'<html lang="{lang}"', translated, count=1)


def _fill(text: str, marker: str, value: str) -> str:
    if marker not in text:
        raise RuntimeError(f"a script lacks the marker {marker} that the server fills in")
    return text.replace(marker, value)


def _preferred_coding(accept_encoding: str, asset: Asset) -> str:
    offered: set[str] = set()
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if params.replace(" ", "") in {"q=0", "q=0.0", "q=0.00", "q=0.000"}:
            continue
        offered.add(coding.strip())
    for coding in ("br", "gzip"):
        if coding in asset.encodings and (coding in offered or "*" in offered):
            return coding
    return "identity"


def _serve(request: Request[Any, Any, Any], asset: Asset, cache_control: str) -> Response[bytes]:
    coding = _preferred_coding(request.scope["state"].get(_ACCEPT_ENCODING, ""), asset)
    etag = asset.etag(coding)
    headers = {"cache-control": cache_control, "vary": "Accept-Encoding"}
    if cache_control != IMMUTABLE:
        # An immutable response is never revalidated: its ETag would be ~40 bytes of each of
        # a first visit's ~30 responses for nothing.
        headers["etag"] = etag
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    if coding != "identity":
        headers["content-encoding"] = coding
    return Response(asset.encodings[coding], media_type=asset.media_type, headers=headers)


def _keep_accept_encoding(app: ASGIApp) -> ASGIApp:
    """Hide Accept-Encoding from Litestar's CompressionMiddleware on the PWA routes.

    That middleware compresses any body that passes through it, even one that already has a
    Content-Encoding (it never looks), and it runs inside this route-level middleware. These
    routes send bytes compressed once at start-up, so the header moves into scope state, where
    `_serve` reads it, and the middleware sees a client that accepts no coding.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            headers = scope["headers"]
            accepted = [v for k, v in headers if k == b"accept-encoding"]
            scope["headers"] = [(k, v) for k, v in headers if k != b"accept-encoding"]
            scope.setdefault("state", {})[_ACCEPT_ENCODING] = b",".join(accepted).decode("latin-1")
        await app(scope, receive, send)

    return middleware


def pwa_router(directory: Path) -> Router:
    """Routes for the PWA in `directory`, read and compressed now, served from memory."""
    bundle = load_bundle(directory)

    def entry(url: str) -> Any:
        asset = bundle.entry_points[url]
        shells = bundle.shells if url == "/" else {}

        async def handler(request: Request[Any, Any, Any]) -> Response[bytes]:
            response = _serve(
                request, shells.get(request.query_params.get("lang", ""), asset), REVALIDATE
            )
            if url == "/" and response.status_code != 304:
                # Its inline script's hash; the envelope middleware leaves a page's own be.
                response.headers["content-security-policy"] = bundle.page_csp
            return response

        return get(url, name=f"pwa:{url}", include_in_schema=False)(handler)

    @get(f"{VERSIONED}/{{build:str}}/{{path:path}}", name="pwa:versioned", include_in_schema=False)
    async def versioned(
        request: Request[Any, Any, Any], build: FromPath[str], path: FromPath[str]
    ) -> Response[bytes]:
        asset = bundle.assets.get(path.lstrip("/"))
        if asset is None:
            raise NotFoundException(f"no such file in build {bundle.build}")
        # An older build's URL (a stale service worker) gets today's bytes, not to be kept.
        return _serve(request, asset, IMMUTABLE if build == bundle.build else REVALIDATE)

    return Router(
        path="/",
        route_handlers=[*(entry(url) for url in ENTRY_POINTS), versioned],
        middleware=[_keep_accept_encoding],
    )
