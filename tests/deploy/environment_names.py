"""The names of the environment variables the app reads, found in its source (for the .env.example test)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[A-Z][A-Z0-9_]+$")


def _environ(node) -> bool:
    """Whether an expression is `environ` or `os.environ`."""
    return (isinstance(node, ast.Name) and node.id == "environ") or \
        (isinstance(node, ast.Attribute) and node.attr == "environ")


def _strings(node) -> set[str]:
    """Upper-case string constants anywhere under `node`."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and NAME.match(n.value)}


def names_read(path: Path) -> set[str]:
    """Variables one Python file reads: environ["X"], environ.get("X"), os.getenv("X"), helpers given
    `environ` and a name, and the names a `for name in (...)` loop reads with environ.get(name)."""
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _environ(node.value):
            names |= _strings(node.slice)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and _environ(func.value) and node.args:
                names |= _strings(node.args[0])
            elif isinstance(func, ast.Attribute) and func.attr == "getenv" and node.args:
                names |= _strings(node.args[0])
            elif any(_environ(arg) for arg in node.args):  # a helper such as _number(environ, "NAME", int)
                names |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                          and NAME.match(a.value)}
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            loop_var = node.target.id
            reads = any(isinstance(n, ast.Subscript) and _environ(n.value) and isinstance(n.slice, ast.Name)
                        and n.slice.id == loop_var for n in ast.walk(node)) or \
                any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get"
                    and _environ(n.func.value) and n.args and isinstance(n.args[0], ast.Name)
                    and n.args[0].id == loop_var for n in ast.walk(node))
            if reads:
                names |= _strings(node.iter)
    return names


def app_names() -> set[str]:
    """Every variable the app's Python code reads (config/, mutualaid/, wsgi.py)."""
    files = [ROOT / "wsgi.py", *sorted((ROOT / "config").rglob("*.py")), *sorted((ROOT / "mutualaid").rglob("*.py"))]
    return set().union(*(names_read(path) for path in files))


def shell_names(path: Path) -> set[str]:
    """Upper-case variables a shell script reads (${NAME...} or $NAME)."""
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", path.read_text()))


def example_names(path: Path) -> set[str]:
    """Variables an env file sets or shows commented out (`NAME=` or `# NAME=`)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), re.MULTILINE))
