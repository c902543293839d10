"""The length of the application's functions, read from its source (no app is started).

Every ``def`` (methods and nested functions too) in the Python files git tracks outside
``tests/``, ``bench/`` and ``migrations/`` counts with its lines from ``def`` to its last line
(decorators not counted). View functions are those with a route decorator (``@bp.get``,
``@bp.post``, ``@bp.route``…). Percentiles are nearest-rank.

    .venv/bin/python bench/bench_code_shape.py [CHECKOUT]
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

EXCLUDED = ("tests/", "bench/", "migrations/")
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route"}


def application_files(root: Path) -> list[Path]:
    # git from PATH, on a checkout named by whoever runs the benchmark
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "*.py"],  # noqa: S603, S607
                            check=True, capture_output=True, text=True).stdout.split()
    return [root / name for name in listed if not name.startswith(EXCLUDED)]


def _is_view(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
            return True
    return False


def function_lengths(files: list[Path]) -> tuple[list[int], list[int]]:
    """Lengths of all functions, and of the view functions among them."""
    everything, views = [], []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                everything.append(length)
                if _is_view(node):
                    views.append(length)
    return everything, views


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    everything, views = function_lengths(application_files(root))
    print(f"functions: {len(everything)} count")
    print(f"function_length_median: {percentile(everything, 0.5)} lines")
    print(f"function_length_p90: {percentile(everything, 0.9)} lines")
    print(f"function_length_max: {max(everything)} lines")
    print(f"view_functions: {len(views)} count")
    print(f"view_length_median: {percentile(views, 0.5)} lines")
    print(f"view_length_p90: {percentile(views, 0.9)} lines")


if __name__ == "__main__":
    main()
