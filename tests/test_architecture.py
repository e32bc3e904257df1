"""The shape of app/ (docs/ARCHITECTURE.md), read from the source with `ast`: imports point one way, no cycles.

Every import counts, function-local ones included: a local import only delays a cycle or an upward
dependency to the first call, it does not remove it. Imports under `if TYPE_CHECKING:` do not count.
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
CORE = {"app.db", "app.config", "app.errors", "app.common", "app.admission", "app.timezones", "app.columns"}
CORE.add("app.locks")  # named_lock: one holder across processes (PostgreSQL, Redis or a file lock)
# The blob store (local folder / S3) sits in core: domains store through it, it imports no domain.
CORE |= {"app.hashing", "app.blobs", "app.blobs.store", "app.blobs.local", "app.blobs.s3"}
CORE |= {"app.blobs.cache", "app.blobs.s3_errors"}  # the S3 read-through cache, S3 answers as errors
ENTRY_POINTS = {"app.main", "app.cli"}
# HTTP-layer packages besides the web pages: the upload guard is ASGI middleware that signs the caller in.
HTTP_PACKAGES = ("app.web", "app.uploads")


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(node.test)


def _parse() -> tuple[dict[str, ast.Module], dict[str, set[str]]]:
    trees = {_module_name(path): ast.parse(path.read_text(encoding="utf-8")) for path in sorted(APP.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        targets: set[str] = set()
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If) and _type_checking_only(node):
                stack.extend(node.orelse)
                continue
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from app.x import y` imports the submodule app.x.y when there is one, else a name of app.x
                targets |= {
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in trees else node.module for a in node.names
                }
            stack.extend(ast.iter_child_nodes(node))
        graph[name] = {target for target in targets if target in trees and target != name}
    return trees, graph


TREES, GRAPH = _parse()


def _edges() -> list[tuple[str, str]]:
    return sorted((src, dst) for src, dsts in GRAPH.items() for dst in dsts)


def _is_routes(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("routes")


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == node:
                            break
                    groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return groups


def test_no_import_cycles() -> None:
    graph = {src: set(dsts) for src, dsts in GRAPH.items()}
    assert [group for group in _strongly_connected(graph) if len(group) > 1] == []


def test_only_http_modules_import_deps_or_routes() -> None:
    allowed = {name for name in GRAPH if name.startswith(HTTP_PACKAGES) or name in ENTRY_POINTS or _is_routes(name)}
    wrong = [(s, d) for s, d in _edges() if s not in allowed and (d == "app.deps" or _is_routes(d))]
    assert wrong == []


def test_web_never_imports_api_routes() -> None:
    wrong = [(s, d) for s, d in _edges() if s.startswith("app.web") and _is_routes(d) and not d.startswith("app.web")]
    assert wrong == []


def test_core_imports_no_domain() -> None:
    wrong = [(s, d) for s, d in _edges() if s in CORE and d not in CORE]
    assert wrong == []


def test_only_lifecycle_modules_assign_state() -> None:
    wrong = []
    for name, tree in TREES.items():
        if name.endswith((".lifecycle", "_lifecycle")):  # a second state machine: <thing>_lifecycle.py
            continue
        if name.endswith("_lifecycle"):  # a domain's second state machine, e.g. documents/recognition_lifecycle.py
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                continue
            for target in targets:
                for leaf in ast.walk(target) if target is not None else ():
                    if isinstance(leaf, ast.Attribute) and leaf.attr == "state" and isinstance(leaf.ctx, ast.Store):
                        wrong.append(f"{name}:{node.lineno}")
    assert wrong == []
