"""The backend's layers, held by its imports: settings < lib < system < the domains, lowest
first in the order of `backend.domains.PLUGINS` < the top (the app factory, the `portal`
command, demo data, Piccolo's conf). An import may only go to its own layer or lower, and no
modules import each other in a loop. Every import counts, those inside functions and under
TYPE_CHECKING too: they are dependencies all the same. See docs/architecture.md."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from backend.domains import PLUGINS
from backend.settings import ROOT

BACKEND = ROOT / "backend"
DOMAINS = [p.__name__.split(".")[1] for p in PLUGINS if p.__name__ != "backend.system.plugin"]
LAYERS: list[str] = ["settings", "lib", "system", *DOMAINS]
TOP = {"domains", "demo", "piccolo_conf", "asgi", "cli"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in BACKEND.rglob("*.py"):
        if "piccolo_migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """The backend modules `module` imports, with the line of each import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1]])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in MODULES:
                    yield target, node.lineno
                elif base in MODULES:
                    yield base, node.lineno


GRAPH = {m: sorted(set(_imports(m, p))) for m, p in MODULES.items()}


def _rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1  # the package itself: sets PICCOLO_CONF, imports nothing of ours
    room = parts[1]
    if room in TOP:
        return len(LAYERS)
    assert room in LAYERS, f"{module}: not in a layer; add its domain to backend.domains"
    return LAYERS.index(room)


def test_every_import_goes_down_or_stays_in_its_layer() -> None:
    upward = [
        f"{module}:{line} imports {target}"
        for module, targets in GRAPH.items()
        for target, line in targets
        if _rank(target) > _rank(module)
    ]
    assert upward == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    return found


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert _cycles() == []


def test_the_rule_sees_an_upward_import_and_a_loop() -> None:
    """The checks above can fail: an import from lib into a domain is upward, and two
    modules importing each other are a loop."""
    assert _rank("backend.lib.db") < _rank("backend.applications.services")
    GRAPH["backend.lib.db"].append(("backend.lib.errors", 1))
    GRAPH["backend.lib.errors"].append(("backend.lib.db", 1))
    try:
        assert ["backend.lib.db", "backend.lib.errors"] in _cycles()
    finally:
        GRAPH["backend.lib.db"].pop()
        GRAPH["backend.lib.errors"].pop()


def test_every_domain_plugs_in_through_one_module() -> None:
    """A domain package has its plug-in module, and `backend.domains` loads them all."""
    packages = {p.parent.name for p in BACKEND.glob("*/__init__.py")}
    assert packages - {"lib", "settings"} == {"system", *DOMAINS}
    for domain in ["system", *DOMAINS]:
        assert (BACKEND / domain / "plugin.py").is_file(), domain


def test_test_packages_share_builders_through_support_only() -> None:
    """Tests mirror the backend; what several packages need lives in tests/support/, never in
    another package's conftest.py or test module."""
    tests = ROOT / "tests"
    borrowed = []
    for path in tests.rglob("*.py"):
        package = ".".join(path.relative_to(ROOT).parts[:2])  # tests.<package> (or a file)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
                source = node.module or ""
                if not source.startswith(("tests.support.", package + ".")):
                    borrowed.append(f"{path.relative_to(ROOT)}:{node.lineno} from {source}")
    assert borrowed == []


SHAPE = ["tables", "schemas", "services", "controllers", "errors", "piccolo_app", "plugin"]
"""Every domain has these (a module, or a package split by job)..."""
EXEMPT = {"privacy": {"tables", "errors"}}
"""...but privacy keeps no rows and refuses nothing of its own: it asks each domain for its
part of a citizen's data, and each domain refuses an erasure in its own words."""

LONG_FILE = 420
"""Lines: past this a file does several jobs (demo data and migrations aside)."""


def test_every_domain_has_the_same_shape() -> None:
    missing = [
        f"{domain}/{part}"
        for domain in DOMAINS
        for part in SHAPE
        if part not in EXEMPT.get(domain, set())
        if not (BACKEND / domain / f"{part}.py").is_file()
        and not (BACKEND / domain / part).is_dir()
    ]
    assert missing == []


def test_no_hand_written_file_does_several_jobs() -> None:
    long = [
        f"{path.relative_to(ROOT)}: {lines}"
        for path in BACKEND.rglob("*.py")
        if "piccolo_migrations" not in path.parts and path.name != "demo_data.py"
        if (lines := len(path.read_text().splitlines())) > LONG_FILE
    ]
    assert long == []
