"""Row locks are written in one place per domain and say what they lock (issue 10).

An AST scan of quanzi/ (migrations left out) refuses a `select_for_update(…)` call that:

- (a) is outside a module named `locks.py` (each domain's lock helper, whose docstring states
  the domain's lock order);
- (b) has no `no_key=True` and no comment `# full lock: <reason>` on its line or the line
  before (plain FOR UPDATE conflicts with the FOR KEY SHARE locks that inserts of rows pointing
  at the locked row take, so it is kept only where the transaction deletes the row or changes a
  key);
- (c) has no `of=` argument (without it a select_related join locks the joined rows too; the
  rule asks for it always, which is simpler to keep than "when the chain joins").

The checks are functions of the source, so that they can be run on any text.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "quanzi"
FULL_LOCK = re.compile(r"#\s*full lock:\s*\S")


def _full_lock_lines(source: str) -> set[int]:
    """The lines holding a `# full lock: <reason>` comment."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {
        token.start[0]
        for token in tokens
        if token.type == tokenize.COMMENT and FULL_LOCK.match(token.string)
    }


def _says_full_lock(lines: list[str], full_lock: set[int], line: int, statement: int) -> bool:
    """Whether the call's line, or the comment lines right above it or above its statement,
    hold a `# full lock: <reason>` comment."""
    if line in full_lock:
        return True
    for start in (line, statement):
        above = start - 1
        while above >= 1 and lines[above - 1].lstrip().startswith("#"):
            if above in full_lock:
                return True
            above -= 1
    return False


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def lock_violations(source: str, *, in_locks_module: bool) -> list[tuple[int, str]]:
    """Each (line, what is wrong) of the `select_for_update` calls in `source`."""
    tree = ast.parse(source)
    lines = source.splitlines()
    full_lock = _full_lock_lines(source)
    found = []
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.stmt):
            continue
        for node in _own_nodes(statement):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
            ):
                continue
            line = node.func.end_lineno or node.lineno  # the line of `.select_for_update(`
            keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
            if not in_locks_module:
                found.append((line, "select_for_update outside a locks.py module"))
            if not _is_true(keywords.get("no_key")) and not _says_full_lock(
                lines, full_lock, line, statement.lineno
            ):
                found.append((line, "neither no_key=True nor a '# full lock: <reason>' comment"))
            if "of" not in keywords:
                found.append((line, "no of= argument"))
    return sorted(found)


def _own_nodes(statement: ast.stmt) -> list[ast.AST]:
    """The nodes of a statement that are not inside a statement nested in it."""
    own: list[ast.AST] = []
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                own.append(child)
                pending.append(child)
    return own


def tree_violations(root: Path = ROOT) -> list[str]:
    """Every violation under `root` as "path:line: what" (migrations left out)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        source = path.read_text(encoding="utf-8")
        if "select_for_update" not in source:
            continue
        name = path.relative_to(root.parent).as_posix()
        for line, what in lock_violations(source, in_locks_module=path.name == "locks.py"):
            found.append(f"{name}:{line}: {what}")
    return found


# --- The checker itself ----------------------------------------------------------------------


def test_a_well_written_lock_passes() -> None:
    # given a helper with of= and no_key=True, and one kept full with its reason
    source = (
        "def lock_a(pk):\n"
        "    return A.objects.select_for_update(of=('self',), no_key=True).get(pk=pk)\n"
        "def lock_b(pk):\n"
        "    # full lock: the row is deleted\n"
        "    return (\n"
        "        B.objects.select_for_update(of=('self',))\n"
        "        .select_related('c')\n"
        "        .get(pk=pk)\n"
        "    )\n"
    )
    # when it is checked as a locks.py module / then nothing is found
    assert lock_violations(source, in_locks_module=True) == []


def test_each_rule_is_reported_with_its_line() -> None:
    # given a plain lock in a service module
    source = "x = 1\ndef f(pk):\n    return A.objects.select_for_update().get(pk=pk)\n"
    # when it is checked / then all three rules name line 3
    assert lock_violations(source, in_locks_module=False) == [
        (3, "neither no_key=True nor a '# full lock: <reason>' comment"),
        (3, "no of= argument"),
        (3, "select_for_update outside a locks.py module"),
    ]


def test_a_full_lock_needs_its_comment_and_a_reason() -> None:
    # given full locks with a reasonless comment, a comment two lines up and no_key=False
    source = (
        "# full lock:\n"
        "a = A.objects.select_for_update(of=('self',))\n"
        "# full lock: deleted\n"
        "\n"
        "b = B.objects.select_for_update(of=('self',))\n"
        "c = C.objects.select_for_update(of=('self',), no_key=False)  # full lock: key changes\n"
    )
    # when it is checked / then the first two are refused, the commented one passes
    assert lock_violations(source, in_locks_module=True) == [
        (2, "neither no_key=True nor a '# full lock: <reason>' comment"),
        (5, "neither no_key=True nor a '# full lock: <reason>' comment"),
    ]


def test_the_tree_is_scanned_by_file_and_line(tmp_path: Path) -> None:
    # given a package with a good helper, a bad one, a bad service call and a migration
    package = tmp_path / "quanzi"
    (package / "shop" / "migrations").mkdir(parents=True)
    (package / "shop" / "locks.py").write_text(
        "a = A.objects.select_for_update(of=('self',), no_key=True)\n"
        "b = B.objects.select_for_update(no_key=True)\n"
    )
    (package / "shop" / "services.py").write_text(
        "\n\nc = C.objects.select_for_update(of=('self',), no_key=True)\n"
    )
    (package / "shop" / "migrations" / "0001_initial.py").write_text(
        "d = D.objects.select_for_update()\n"
    )
    # when the tree is scanned / then each violation is named by its file and line
    assert tree_violations(package) == [
        "quanzi/shop/locks.py:2: no of= argument",
        "quanzi/shop/services.py:3: select_for_update outside a locks.py module",
    ]


# --- The project ---------------------------------------------------------------------------------


def test_every_row_lock_is_in_a_locks_module_and_says_what_it_locks() -> None:
    # given the project's sources / when they are scanned
    found = tree_violations()
    # then every select_for_update is in a locks.py, with of= and no_key=True or its reason
    assert found == [], f"{len(found)} lock violations:\n" + "\n".join(found)
