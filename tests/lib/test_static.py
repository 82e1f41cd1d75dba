"""The PWA's static serving: versioned immutable assets, revalidated entry points, ETags,
precompressed brotli/gzip that is never compressed twice, and no 500 for odd paths."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import brotli
import pytest
from litestar.testing import AsyncTestClient

from backend.lib.static import IMMUTABLE, load_bundle, screen_imports, strip_comments
from backend.settings import ROOT

pytestmark = pytest.mark.usefixtures("db")

Client = AsyncTestClient[Any]
PWA = ROOT / "pwa"
BUILD = load_bundle(PWA).build


async def test_index_names_versioned_assets_and_revalidates(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    html = response.text
    assert f'src="/v/{BUILD}/js/app.js"' in html
    assert f'href="/v/{BUILD}/css/app.css"' in html
    assert 'href="/manifest.webmanifest"' in html  # entry points keep their stable URL
    # Strict CSP holds: no inline style at all, and one inline script, boot.js, which the
    # page's policy allows by its hash alone (no 'unsafe-inline').
    assert "<style" not in html and " style=" not in html
    [inline] = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
    assert "const portalBoot" in inline and "__SCREEN_IMPORTS__" not in inline
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    [csp] = response.headers.get_list("content-security-policy")
    assert f"script-src 'self' 'sha256-{digest}';" in csp and "unsafe-inline" not in csp
    assert f"/v/{BUILD}/js/boot.js" not in html  # nothing to fetch before the screen's files

    again = await client.get("/", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]


async def test_the_shell_comes_in_english_too(client: Client) -> None:
    """`/?lang=en`: the shell's words already in English (the service worker opens it for a
    citizen who chose English), so nothing is replaced, and nothing moves, as the app starts."""
    thai, english = (await client.get("/")).text, await client.get("/?lang=en")
    assert english.status_code == 200
    assert english.headers["etag"] != (await client.get("/")).headers["etag"]
    html = english.text
    assert '<html lang="en">' in html and '<html lang="th">' in thai
    assert '<h1 data-i18n="catalog.title">Government services</h1>' in html
    assert 'aria-label="Main menu" data-i18n-label="nav.label"' in html
    assert 'content="Government services from every agency in one place"' in html
    # The language switch offers Thai, in Thai; no other Thai word is left.
    assert 'lang="th" data-i18n="lang.switch">ภาษาไทย</button>' in html
    assert re.findall(r"[\u0E00-\u0E7F]+", html) == ["ภาษาไทย"]
    # Its strings load with the modules; everything else is the same page.
    assert f'<link rel="preload" href="/v/{BUILD}/i18n/en.json" as="fetch" crossorigin>' in html
    same = thai.replace("/i18n/th.json", "/i18n/en.json")
    assert re.sub(r">[^<]*<", "><", re.sub(r'(content|aria-label|lang)="[^"]*"', "", html)) == (
        re.sub(r">[^<]*<", "><", re.sub(r'(content|aria-label|lang)="[^"]*"', "", same))
    )
    assert (await client.get("/?lang=xx")).text == thai


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest", "/offline.html"])
async def test_entry_points_revalidate_with_a_strong_etag(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert (await client.get(path, headers={"if-none-match": etag})).status_code == 304
    assert (await client.get(path, headers={"if-none-match": '"other"'})).status_code == 200


async def test_versioned_assets_are_immutable(client: Client) -> None:
    response = await client.get(f"/v/{BUILD}/js/app.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "etag" not in response.headers  # never revalidated: a validator would be dead weight
    source = strip_comments((PWA / "js" / "app.js").read_text(encoding="utf-8"))
    assert response.text == source
    png = await client.get(f"/v/{BUILD}/icons/icon-192.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


async def test_service_worker_knows_its_build_and_shell(client: Client) -> None:
    source = (await client.get("/sw.js")).text
    assert f"const BUILD = {json.dumps(BUILD)};" in source
    found = re.search(r"const SHELL = (\[.*?\]);", source)
    assert found
    shell = json.loads(found.group(1))
    assert shell[:2] == ["/", "/offline.html"]
    assert f"/v/{BUILD}/js/app.js" in shell and f"/v/{BUILD}/i18n/en.json" in shell
    assert not any(url.endswith(".png") for url in shell)
    assert f"/v/{BUILD}/js/boot.js" not in shell  # the page holds it
    assert f"from '/v/{BUILD}/js/outbox.js'" in source
    for url in shell:  # every URL it will precache exists
        assert (await client.get(url)).status_code == 200, url


@pytest.mark.parametrize(
    ("accept", "coding"), [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("identity", None)]
)
async def test_precompressed_once_per_accept_encoding(
    client: Client, accept: str, coding: str | None
) -> None:
    # httpx would decode the body for us: ask for the raw bytes to prove they are encoded once.
    async with client.stream(
        "GET", f"/v/{BUILD}/js/screens/catalog.js", headers={"accept-encoding": accept}
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers.get("content-encoding") == coding
    assert "accept-encoding" in response.headers["vary"].lower()
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda b: b}[coding]
    source = (PWA / "js" / "screens" / "catalog.js").read_text(encoding="utf-8")
    assert decode(raw) == strip_comments(source).encode()
    assert int(response.headers["content-length"]) == len(raw)


def test_app_names_each_screens_modules_at_once() -> None:
    """boot.js learns which screen modules each screen a route opens imports, however deep, to
    name them all to the browser (modulepreload) before it imports the screen; a helper module
    (passkey.js here) is never opened by a route and needs no list."""
    sources = {
        "js/screens/signin.js": b"import { t } from '../i18n.js';\n"
        b"import {\n  page,\n} from './ui.js';\n"
        b"import { signIn } from './passkey.js';\n"
        b"const later = () => import('./local.js');\n"
        b"export async function render(root) {}\n",
        "js/screens/passkey.js": b"import { problemText } from './ui.js';\n",
        "js/screens/ui.js": b"import { el } from '../views/dom.js';\n",
        "js/app.js": b"import { el } from './views/dom.js';\n",
    }
    assert screen_imports(sources) == {"signin": ["passkey", "ui"]}
    page = load_bundle(PWA).entry_points["/"].encodings["identity"].decode()
    assert '"signin":["passkey","ui"]' in page and "__SCREEN_IMPORTS__" not in page


def test_scripts_are_sent_without_their_comment_lines() -> None:
    source = "\n".join(
        [
            "// @ts-check",
            "/** A block",
            " * over lines. */",
            "/** @type {number} */",
            "const a = /** @type {number} */ (1); // trailing",
            "/** @type {any} */ (globalThis).x = 'http://example.org'; /* kept */",
            "const t = `line",
            "// in a template: kept",
            "`;",
            "  // indented",
            "export { a, t };",
        ]
    )
    lines = strip_comments(source).split("\n")
    assert len(lines) == 11  # line numbers in stack traces still match the source
    assert [n for n, line in enumerate(lines, 1) if line] == [5, 6, 7, 8, 9, 11]
    assert lines[4] == "const a = (1);"
    # After a quote the rest could be inside a string: left alone.
    assert lines[5] == "(globalThis).x = 'http://example.org'; /* kept */"
    assert lines[7] == "// in a template: kept"
    assert strip_comments("f(/* a */ /* b */ x, y); // c ` d") == "f(x, y);"
    with pytest.raises(RuntimeError):
        strip_comments("/* a\n */ const b = 1;")


async def test_served_scripts_are_lighter_and_development_files_absent(client: Client) -> None:
    bundle = load_bundle(PWA)
    source = sum(len(p.read_bytes()) for p in (PWA / "js").rglob("*.js"))
    served = sum(
        len(a.encodings["identity"]) for n, a in bundle.assets.items() if n.endswith(".js")
    )
    assert served < source * 0.8
    assert not any("tsconfig" in name for name in bundle.assets)
    assert (await client.get(f"/v/{BUILD}/tsconfig.json")).status_code == 404


async def test_each_coding_has_its_own_strong_etag(client: Client) -> None:
    br = await client.get("/", headers={"accept-encoding": "br"})
    plain = await client.get("/", headers={"accept-encoding": "identity"})
    assert br.headers["etag"] != plain.headers["etag"]


async def test_manifest_is_installable(client: Client) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["start_url"].startswith("/")
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any")} <= sizes
    assert {("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert icon["src"].startswith(f"/v/{BUILD}/")
        assert (await client.get(icon["src"])).status_code == 200
    assert {s["url"] for s in manifest["shortcuts"]} == {"/#/dashboard", "/track"}


async def test_an_old_build_gets_todays_file_uncached_and_odd_paths_are_404(
    client: Client,
) -> None:
    old = await client.get("/v/0123456789/js/app.js")
    assert old.status_code == 200
    assert old.headers["cache-control"] == "no-cache"
    for path in (f"/v/{BUILD}/js/nope.js", f"/v/{BUILD}/../backend/settings.py", "/v/x/"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


async def test_security_headers_still_apply(client: Client) -> None:
    for path in ("/", "/sw.js"):
        headers = (await client.get(path)).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-type"].count("charset") == 1
    # A module runs under its page's (or worker's) policy: its own would be ignored bytes.
    module = (await client.get(f"/v/{BUILD}/js/app.js")).headers
    for header in ("content-security-policy", "x-frame-options", "referrer-policy"):
        assert header not in module
    # Kept for a year: one request's id would be replayed on every use.
    assert "x-request-id" not in module
    assert "x-request-id" in (await client.get("/")).headers
    assert module["x-content-type-options"] == "nosniff"
    assert module["content-type"] == "text/javascript; charset=utf-8"


def test_build_id_follows_the_content(tmp_path: Path) -> None:
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    first = load_bundle(copy)
    assert first.build == BUILD  # same bytes, same build, wherever they live
    (copy / "css" / "app.css").write_text("body{}", encoding="utf-8")
    second = load_bundle(copy)
    assert second.build != first.build
    assert second.assets["css/app.css"].encodings["identity"] == b"body{}"
