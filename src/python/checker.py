"""flowc's long-lived Python checker (driven by src/python/validate.ts).

Reads one JSON request per line on stdin: {"id": n, "files": [{"path": ..., "content": ...}]}
and answers one JSON line on stdout: {"id": n, "results": [{"path": ..., "error"?: ...}]}.
A file passes when it compiles and black (the pinned version, default mode) would not change it.
A LangFlow component's own source (a `# flowc-nodes:` line in its first lines; run with lfx) is
LangFlow's code, not flowc's: it must compile, import only what is installed and define a
component class, and black does not judge it.
One process serves every check, so black's start-up is paid once, not per file or per build.
"""

import ast
import importlib.util
import json
import re
import sys

import black

MODE = black.Mode()


def check(path: str, content: str) -> str | None:
    nodes = re.search(
        r"^# flowc-nodes: (.+)$", "\n".join(content.splitlines()[:6]), re.M
    )
    if nodes:
        error = check_component(path, content)
        ids = nodes.group(1).split()
        label = f"node {ids[0]}" if len(ids) == 1 else f"nodes {', '.join(ids)}"
        return f"{label}: {error}" if error else None
    try:
        compile(content, path, "exec", dont_inherit=True)
    except SyntaxError as err:
        return f"does not compile: line {err.lineno}: {err.msg}"
    except ValueError as err:  # e.g. NUL bytes
        return f"does not compile: {err}"
    try:
        formatted = black.format_file_contents(content, fast=True, mode=MODE)
    except black.NothingChanged:
        return None
    except Exception as err:  # black.InvalidInput and friends
        return f"black cannot format it: {err}"
    before, after = content.splitlines(), formatted.splitlines()
    for line, (a, b) in enumerate(zip(before, after), start=1):
        if a != b:
            return f"not black-clean: line {line}: {a.strip()!r} → black writes {b.strip()!r}"
    line = min(len(before), len(after)) + 1
    return f"not black-clean: black adds or removes lines from line {line}"


def check_component(path: str, content: str) -> str | None:
    """A component source: parses, what it imports is installed and there, and it defines a
    Component class."""
    try:
        tree = ast.parse(content, path)
    except SyntaxError as err:
        return f"its component source does not parse: line {err.lineno}: {err.msg}"
    # Top-level imports: those under `if TYPE_CHECKING:` or `try:` do not run, or are optional
    # by the component's own choice (required_imports below judges the ones it insists on).
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if resolve(alias.name) is None:
                    return not_installed(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = resolve(node.module)
            if module is None:
                return not_installed(node.module)
            missing = missing_names(module, [a.name for a in node.names])
            if missing and node.module.startswith("langchain."):
                classic = resolve(
                    node.module.replace("langchain.", "langchain_classic.", 1)
                )
                missing = missing_names(classic, missing) if classic else missing
            if missing:
                return (
                    f"its component source imports {', '.join(missing)} from "
                    f"{node.module}, which has no such name in the installed version"
                )
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    if not any("Component" in base_name(b) for c in classes for b in c.bases):
        return (
            "its component source defines no component class (a subclass of Component)"
        )
    for where, module in required_imports(tree):
        # langflow.* is LangFlow's server (storage, users): lfx runs that code only inside it.
        if module.split(".")[0] != "langflow" and resolve(module) is None:
            return (
                f"its component source requires {module} (in {where}), which is not "
                "installed in the host's Python environment"
            )
    return None


def required_imports(tree: ast.Module) -> list[tuple[str, str]]:
    """Imports the component itself says it cannot do without, as (where, module): those in a
    `try:` whose ImportError handler raises again ("please install X"). A plain import inside a
    method may sit on a path the flow never takes (another storage, another mode), and one
    under a `try:` that carries on is optional: neither is judged."""
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{where}.{child.name}" if where else child.name)
            elif isinstance(child, ast.Try) and reraises_import_error(child):
                for statement in child.body:
                    if isinstance(statement, ast.Import):
                        found.extend(
                            (where or "module", a.name) for a in statement.names
                        )
                    elif isinstance(statement, ast.ImportFrom) and statement.module:
                        if not statement.level:
                            found.append((where or "module", statement.module))
                visit(child, where)
            else:
                visit(child, where)

    visit(tree, "")
    return found


def reraises_import_error(node: ast.Try) -> bool:
    """An `except ImportError` (or ModuleNotFoundError, Exception) whose body raises."""
    for handler in node.handlers:
        caught = ast.unparse(handler.type) if handler.type else "BaseException"
        if any(
            n in caught for n in ("ImportError", "ModuleNotFoundError", "Exception")
        ):
            if any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
                return True
    return False


def resolve(module: str) -> str | None:
    """The module lfx would import for `module`: itself, else the fallbacks lfx's loader
    applies to old component code (langflow.* → lfx.*, langchain.* → langchain_classic.*).
    """
    candidates = [module]
    if module.startswith("langflow."):
        candidates.append(module.replace("langflow.", "lfx.", 1))
    if module.startswith("langchain."):
        candidates.append(module.replace("langchain.", "langchain_classic.", 1))
    return next((m for m in candidates if installed(m)), None)


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def not_installed(module: str) -> str:
    return (
        f"its component source imports {module}, which is not installed in the "
        "host's Python environment"
    )


def missing_names(module: str, names: list[str]) -> list[str]:
    """Names `from module import ...` would not find (importing the module to look)."""
    try:
        loaded = importlib.import_module(module)
    except Exception:  # its own import fails: the run would say why
        return []
    return [
        name
        for name in names
        if name != "*"
        and not hasattr(loaded, name)
        and not installed(f"{module}.{name}")
    ]


def base_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def main() -> None:
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        results = []
        for item in request["files"]:
            error = check(item["path"], item["content"])
            results.append(
                {"path": item["path"]}
                if error is None
                else {"path": item["path"], "error": error}
            )
        sys.stdout.write(json.dumps({"id": request["id"], "results": results}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
