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
ENTRY_POINTS = {"app.main", "app.cli", "app.cli_ops", "app.cli_common"}
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


def _is_lifecycle(name: str) -> bool:
    """Only a domain's `lifecycle.py` (app.<domain>.lifecycle) may change a state: one state machine per domain."""
    parts = name.split(".")
    return len(parts) == 3 and parts[0] == "app" and parts[2] == "lifecycle"


def _state_assignments(tree: ast.Module) -> list[int]:
    """Lines that change a `state`: `x.state = …` (also augmented, annotated or unpacked), `setattr(x, "state", …)`
    and an SQL `….values(state=…)`."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(
                isinstance(leaf, ast.Attribute) and leaf.attr == "state" and isinstance(leaf.ctx, ast.Store)
                for target in targets
                for leaf in ast.walk(target)
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Name)
                and func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "state"
            ) or (
                isinstance(func, ast.Attribute)
                and func.attr == "values"
                and any(keyword.arg == "state" for keyword in node.keywords)
            ):
                lines.append(node.lineno)
    return lines


def _state_outside_lifecycle(trees: dict[str, ast.Module]) -> list[str]:
    return [
        f"{name}:{line}" for name, tree in trees.items() if not _is_lifecycle(name) for line in _state_assignments(tree)
    ]


def test_only_lifecycle_modules_assign_state() -> None:
    assert _state_outside_lifecycle(TREES) == []


def test_the_state_rule_catches_an_assignment_outside_lifecycle() -> None:
    """The rule above would fail on a service, a second `<thing>_lifecycle.py` or a nested module assigning a state."""
    assigning = {
        "app.documents.service": "def approve(revision):\n    revision.state = 'approved'\n",
        "app.documents.recognition_lifecycle": "def start(row):\n    row.state = 'running'\n",
        "app.documents.sub.lifecycle": "def go(row):\n    row.state, row.at = 'x', 1\n",
        "app.jobs.execution": "def fail(job):\n    setattr(job, 'state', 'failed')\n",
        "app.jobs.runner": "def claim(s):\n    s.execute(update(Job).values(state='running'))\n",
        "app.audits.service": "def close(audit):\n    audit.state += ''\n",
    }
    trees = {name: ast.parse(source) for name, source in assigning.items()}
    assert _state_outside_lifecycle(trees) == [f"{name}:2" for name in assigning]
    allowed = {"app.documents.lifecycle": ast.parse("def go(revision):\n    revision.state = 'approved'\n")}
    reading = {"app.documents.service": ast.parse("def shown(revision):\n    return {'state': revision.state}\n")}
    assert _state_outside_lifecycle(allowed | reading) == []


def test_documents_imports_no_domain_that_plugs_into_it() -> None:
    """Recognition and previews sit above documents and reach it through documents/hooks.py, never the reverse."""
    above = ("app.recognition", "app.previews")
    wrong = [(s, d) for s, d in _edges() if s.startswith("app.documents") and d.startswith(above)]
    assert wrong == []
