"""Core knows no domain: app/db.py and app/deps.py reach the events domain only through what it registers or exports."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_db_imports_no_domain_not_even_lazily():
    assert not [m for m in _imported_modules(APP / "db.py") if m.startswith("app.") and m not in {"app.config"}]


def test_the_events_domain_registers_its_hooks_with_core():
    import app.events.refusals  # noqa: F401 - registering happens on import
    from app import db
    from app.events import service

    assert service.append_pending in db._before_commit_hooks
    assert [hook.__module__ for hook in db._after_rollback_hooks] == ["app.events.refusals"]


def test_deps_defines_no_refusal_of_its_own():
    tree = ast.parse((APP / "deps.py").read_text(encoding="utf-8"))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert "refusal" not in defined and "record_refusal" not in defined
    assert "app.events.refusals" in _imported_modules(APP / "deps.py")
