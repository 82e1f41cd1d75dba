"""The scripts a phone gets are the sources without their comments (backend.lib.static's
`strip_comments`), and still the same programs: TypeScript's parser, printing both syntax
trees without comments, finds them identical (node and TypeScript come with `make lint`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.lib.static import APP, SCREEN_IMPORTS, load_bundle, screen_imports, strip_comments
from backend.settings import ROOT

PWA = ROOT / "pwa"
TYPESCRIPT = ROOT / ".tools" / "node" / "node_modules" / "typescript"


@pytest.mark.skipif(
    shutil.which("node") is None or not TYPESCRIPT.exists(), reason="make node-tools"
)
def test_served_scripts_are_the_same_programs_as_their_sources() -> None:
    bundle = load_bundle(PWA)
    pairs = [
        [name, (PWA / name).read_text(encoding="utf-8"), asset.encodings["identity"].decode()]
        for name, asset in bundle.assets.items()
        if name.endswith(".js")
    ]
    # app.js as served has the screens' imports written in: so does the source compared.
    sources = {p.relative_to(PWA).as_posix(): p.read_bytes() for p in PWA.rglob("*.js")}
    imports = json.dumps(screen_imports(sources), separators=(",", ":"))
    for pair in pairs:
        if pair[0] == APP:
            pair[1] = pair[1].replace(SCREEN_IMPORTS, imports)
    sw = (PWA / "sw.js").read_text(encoding="utf-8")
    pairs.append(["sw.js", sw, strip_comments(sw)])
    assert len(pairs) > 30
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("same_program.cjs")), str(TYPESCRIPT)],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == []
    served = sum(len(served) for _, _, served in pairs)
    assert served < 0.75 * sum(len(source) for _, source, _ in pairs)
