"""flowc's long-lived Python checker (driven by src/python/validate.ts).

Reads one JSON request per line on stdin: {"id": n, "files": [{"path": ..., "content": ...}]}
and answers one JSON line on stdout: {"id": n, "results": [{"path": ..., "error"?: ...}]}.
A file passes when it compiles and black (the pinned version, default mode) would not change it.
One process serves every check, so black's start-up is paid once, not per file or per build.
"""

import json
import sys

import black

MODE = black.Mode()


def check(path: str, content: str) -> str | None:
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
