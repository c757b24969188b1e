"""The gateway reads other services only through their published schemas, never their rules."""
import ast
from pathlib import Path

from shared.config import ROOT


def test_the_gateway_imports_no_rules_store_or_models_of_another_service():
    reached = set()
    for path in Path(ROOT, "services", "gateway").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("services."):
                parts = node.module.split(".")
                if parts[1] != "gateway":
                    reached.add((path.name, node.module))
    assert {module for _, module in reached} <= {f"services.{name}.schemas" for name in
                                                  ("auth", "employer", "accounts", "contributions", "progress")}, reached
