"""The tests' own layout: code shared between test modules lives in tests/helpers, never in another test module."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_test_modules_import_shared_code_from_tests_helpers_only() -> None:
    wrong = {
        f"{path.relative_to(TESTS)}: {module}"
        for path in TESTS.rglob("*.py")
        for module in _imported_modules(path)
        if (module == "tests" or module.startswith("tests."))
        and not (module == "tests.helpers" or module.startswith("tests.helpers."))
    }
    assert wrong == set()


def test_helpers_hold_no_tests() -> None:
    assert list((TESTS / "helpers").glob("test_*.py")) == []
