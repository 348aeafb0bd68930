"""The package's imports, read from its source (no import runs): stages import only from
stages below them, no module imports itself through others (no loop, including imports
inside functions), and no private name (``_x``) is imported across modules.

The stages, from the bottom: shared records and settings, text handling, the models
(embedding, the trained judge), the store, ingestion, retrieval, answering, evaluation and
the web server, the chat page, the command line. ``assistant/training`` (the training
script, run on its own) is left out. Also here: every package says what it offers and is
shipped, and every module-level cache is listed in ``assistant/caches.py``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

# Lowest first. A module's stage is its longest listed prefix.
STAGES: list[tuple[str, ...]] = [
    (
        "assistant.config",
        "assistant.errors",
        "assistant.records",
        "assistant.article_ids",
        "assistant.packaged",
        "assistant.caches",
    ),
    ("assistant.text",),
    ("assistant.embed", "assistant.judge"),
    ("assistant.store",),
    ("assistant.ingestion",),
    ("assistant.retrieval",),
    ("assistant.answering",),
    ("assistant.evaluate", "assistant.web"),
    ("assistant.ui",),
    ("assistant.cli",),
    # The package's API, and the export command kept at its old path (README, model card).
    ("assistant", "assistant.export_encoder"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        if rel[0] in ("training", "weights"):
            continue
        found[module_name(path)] = path
    return found


MODULES = modules()


def stage(module: str) -> int:
    best, rank = -1, -1
    for n, names in enumerate(STAGES):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), n
    assert rank >= 0, f"{module} is in no stage: add it to STAGES"
    return rank


def imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for each import of the package."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("assistant")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "assistant" or target.startswith("assistant.")):
                continue
            names = [a.name for a in node.names]
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            found += [(m, [], node.lineno) for m in submodules]
            rest = [n for n in names if f"{target}.{n}" not in MODULES]
            if rest or not submodules:
                found.append((target, rest, node.lineno))
    return found


GRAPH = {m: imports(m, p) for m, p in MODULES.items()}


def test_every_import_names_a_module_of_the_package():
    unknown = [
        f"{m}:{line} imports {target}"
        for m, edges in GRAPH.items()
        for target, _, line in edges
        if target not in MODULES and not target.startswith("assistant.training")
    ]
    assert not unknown


def test_nothing_is_imported_from_a_higher_stage():
    upward = [
        f"{m}:{line} imports {target}"
        for m, edges in GRAPH.items()
        for target, _, line in edges
        if target in MODULES and stage(target) > stage(m)
    ]
    assert not upward


def test_no_import_loops():
    edges = {m: sorted({t for t, _, _ in GRAPH[m] if t in MODULES and t != m}) for m in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    loops: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for t in edges[m]:
            if state.get(t) == 1:
                loops.append(" -> ".join(path[path.index(t) :] + [t]))
            elif t not in state:
                visit(t)
        path.pop()
        state[m] = 2

    for m in MODULES:
        if m not in state:
            visit(m)
    assert not loops


def test_no_private_name_is_imported_across_modules():
    private = [
        f"{m}:{line} imports {name} from {target}"
        for m, edges in GRAPH.items()
        for target, names, line in edges
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private


@pytest.mark.parametrize("module", sorted(m for m in MODULES if MODULES[m].name == "__init__.py"))
def test_every_package_says_what_it_offers(module):
    assert ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8")))


def test_every_package_is_shipped():
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = set(pyproject["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages <= shipped, sorted(packages - shipped)


def module_caches(module: str, path: Path) -> list[str]:
    """Module-level caches: mutable containers assigned at the top of a module, and
    functions memoised with ``functools.cache`` / ``lru_cache``, as ``module.name``."""
    short = module.removeprefix("assistant.")
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                name = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(name, ast.Name) and name.id in ("cache", "lru_cache"):
                    found.append(f"{short}.{node.name}")
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            empty = isinstance(value, ast.Dict) and not value.keys
            made = isinstance(value, ast.Call) and ast.unparse(value.func).split(".")[-1] in (
                "dict",
                "set",
                "OrderedDict",
                "WeakKeyDictionary",
                "WeakValueDictionary",
            )
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if empty or made:
                found += [f"{short}.{t.id}" for t in targets if isinstance(t, ast.Name)]
    return found


def test_every_module_level_cache_is_documented_in_one_place():
    text = MODULES["assistant.caches"].read_text(encoding="utf-8")
    documented = ast.get_docstring(ast.parse(text)) or ""
    caches = [c for m, p in MODULES.items() for c in module_caches(m, p)]
    assert caches  # the scan finds them
    missing = [
        c
        for c in caches
        if f"``{c}``" not in documented
        and not (f"``{c.rsplit('.', 1)[0]}``" in documented and f"``{c.rsplit('.', 1)[1]}``" in documented)
    ]
    assert not missing
