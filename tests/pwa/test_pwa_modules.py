"""The PWA's modules: none imports another that imports it back (directly or round a loop),
static or dynamic (`import()`), and no line is over 120 characters. The type check itself
(`tsc --noEmit`, strict, on the JSDoc) runs in `make lint`."""

from __future__ import annotations

import re
from pathlib import Path

from backend.settings import ROOT

PWA = ROOT / "pwa"
IMPORT = re.compile(r"""(?:\bimport\s*\(\s*|\bfrom\s+|^import\s+)['"]([^'"]+)['"]""", re.MULTILINE)
MAX_LINE = 120


def _modules() -> dict[Path, list[Path]]:
    graph: dict[Path, list[Path]] = {}
    for path in [PWA / "sw.js", *sorted((PWA / "js").rglob("*.js"))]:
        targets = []
        for spec in IMPORT.findall(path.read_text()):
            base = PWA if spec.startswith("/") else path.parent
            targets.append((base / spec.lstrip("/")).resolve())
        graph[path.resolve()] = targets
    return graph


def _loops(graph: dict[Path, list[Path]]) -> list[list[str]]:
    loops = []

    def walk(node: Path, trail: list[Path]) -> None:
        for target in graph.get(node, []):
            if target in trail:
                loop = trail[trail.index(target) :]
                loops.append(sorted(str(p.relative_to(PWA)) for p in loop))
            elif target in graph:
                walk(target, [*trail, target])

    for start in graph:
        walk(start, [start])
    return loops


def test_every_import_names_a_module_of_the_pwa() -> None:
    graph = _modules()
    missing = [str(t) for targets in graph.values() for t in targets if not t.exists()]
    assert missing == []
    assert len(graph) > 20


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert _loops(_modules()) == []


def test_a_loop_would_be_seen() -> None:
    a, b = PWA / "js" / "a.js", PWA / "js" / "b.js"
    assert _loops({a: [b], b: [a]}) == [["js/a.js", "js/b.js"], ["js/a.js", "js/b.js"]]


def test_no_line_is_over_120_characters() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [PWA / "sw.js", *(PWA / "js").rglob("*.js")]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > MAX_LINE
    ]
    assert long == []
