"""The map of the code holds: which module may import which (README, "How it works").

Imports are read from the source (type-only and function-level ones included), so a cycle or a
forbidden reach fails here before it surprises anyone at run time.
"""

import ast
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "digest", "subscriptions")
TOPICS = "digest.topics"
# What one app may use of the other: its data and its state-changing API, never its views,
# forms or private helpers. The topics package and core/ are shared by both.
PUBLIC = {
    "digest": ("digest.models", "digest.actions"),
    "subscriptions": ("subscriptions.models", "subscriptions.actions"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    paths = (p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    return {_module_name(p): p for p in paths if "migrations" not in p.parts}


@cache
def _imported_names(module: str) -> frozenset[str]:
    """Every dotted name `module` imports, as written (`from a import b` gives a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(_modules()[module].read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _project_imports(module: str) -> set[str]:
    return {name for name in _imported_names(module) if name in _modules()}


def _reachable(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for name in _project_imports(todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def _cycles() -> list[list[str]]:
    """Groups of modules that import each other, directly or around a loop (Tarjan's SCCs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for name in _project_imports(module):
            if name not in index:
                visit(name)
                low[module] = min(low[module], low[name])
            elif name in stack:
                low[module] = min(low[module], index[name])
        if low[module] == index[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in _modules():
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert _cycles() == []


def test_the_topics_package_imports_nothing_of_the_project_and_nothing_of_django() -> None:
    for module in _modules():
        if module.startswith(TOPICS):
            names = _imported_names(module)
            outside = {n for n in names if n.split(".")[0] in PACKAGES and not n.startswith(TOPICS)}
            assert outside == set(), module
            assert {n for n in names if n.split(".")[0] == "django"} == set(), module


def test_each_app_uses_only_the_other_apps_models_and_actions() -> None:
    for module in _modules():
        app = module.split(".")[0]
        other = {"digest": "subscriptions", "subscriptions": "digest"}.get(app)
        if other is None:
            continue
        for name in _project_imports(module):
            if name.startswith(f"{other}.") and not name.startswith(TOPICS):
                assert name.startswith(PUBLIC[other]), f"{module} imports {name}"


def test_models_reach_no_matching_code() -> None:
    for module in ("digest.models", "subscriptions.models"):
        assert not any(name.startswith(TOPICS) for name in _reachable(module)), module


def test_the_checks_see_real_imports() -> None:
    """Guards the guard: the walker finds imports that are known to exist."""
    assert "digest.topics.query" in _project_imports("digest.topics.compiling")
    assert "subscriptions.actions" in _reachable("digest.webhooks")
