"""The money path has one direction (issue 10): payments sits below the domains that use it.

- (a) no module outside quanzi/payments imports a private name (one starting with "_") of
  quanzi.payments, nor reads one off an imported payments module — imports inside functions
  included;
- (b) no module outside quanzi/payments writes payments' rows: a chain such as
  `Payment.objects.create(…)` / `Refund.objects.filter(…).update(…)` on Payment, PaymentOrder,
  Refund, Payout or WebhookEvent, or `.save()` / `.delete()` on a variable assigned from such a
  chain or constructor in the same function (what a plain AST walk can see: a row reached
  through a related manager, `payment.parts.update(…)`, is not followed);
- (c) quanzi.payments imports nothing above it, and quanzi.ledger only core and the documented
  downward ones (grimp sees imports inside functions and under TYPE_CHECKING too).

The checks are functions of the source, so that they can be run on any tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2] / "quanzi"
PAYMENTS = "quanzi.payments"
MODELS = {"Payment", "PaymentOrder", "Refund", "Payout", "WebhookEvent"}
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}
WRITES_ON_ROW = {"save", "delete", "update"}  # on a row or a queryset of rows

# The layers below each package, bottom to top: core → accounts → stores → catalog → ledger →
# payments. The ledger's store console checks access with stores.services.access_store and
# names accounts.User in types (quanzi/ledger/store_accounts.py): documented downward imports.
ALLOWED = {
    "quanzi.payments": (
        "quanzi.payments",
        "quanzi.ledger",
        "quanzi.catalog",
        "quanzi.stores",
        "quanzi.accounts",
        "quanzi.core",
    ),
    "quanzi.ledger": ("quanzi.ledger", "quanzi.stores", "quanzi.accounts", "quanzi.core"),
}


def _outside_payments(root: Path = ROOT) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if (root / "payments") not in path.parents:
            yield path


def _is_payments_module(root: Path, dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative).is_dir()


def private_payment_imports(source: str, root: Path = ROOT) -> list[str]:
    """Where `source` takes a private name of quanzi.payments (line: what)."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to a payments module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PAYMENTS):
            for alias in node.names:
                if alias.name.startswith("_") or any(
                    part.startswith("_") and part != "__init__"
                    for part in (node.module or "").split(".")
                ):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                elif _is_payments_module(root, f"{node.module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PAYMENTS):
                    if any(part.startswith("_") for part in alias.name.split(".")):
                        found.append(f"{node.lineno}: import {alias.name}")
                    modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")):
            continue
        if ast.unparse(node.value) in modules:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _chain(node: ast.expr) -> tuple[str | None, list[str]]:
    """The model an attribute/call chain starts from (`Payment`, or `models.Payment`) and the
    attribute names after it."""
    attrs: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    attrs.reverse()
    root = node.id if isinstance(node, ast.Name) else None
    if root not in MODELS and attrs and attrs[0] in MODELS:
        root, attrs = attrs[0], attrs[1:]
    return root, attrs


def _from_model(node: ast.expr) -> bool:
    """Whether an expression gives payments rows: `Payment(…)` or `Payment.objects.…(…)`."""
    root, attrs = _chain(node)
    return root in MODELS and isinstance(node, ast.Call) and (not attrs or attrs[0] == "objects")


def payment_writes(source: str) -> list[str]:
    """Where `source` writes payments rows (line: the call)."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root, attrs = _chain(node.func)
            if root in MODELS and "objects" in attrs and attrs[-1] in WRITES:
                found.add(f"{node.lineno}: {ast.unparse(node.func)}(…)")
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        rows = {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and _from_model(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in rows
                and node.func.attr in WRITES_ON_ROW
            ):
                found.add(f"{node.lineno}: {ast.unparse(node.func)}(…)")
    return sorted(found)


def upward_imports(graph: grimp.ImportGraph, package: str) -> list[str]:
    """The imports of `package`'s modules that leave the layers allowed below it."""
    allowed = ALLOWED[package]
    found = []
    for module in sorted(graph.find_descendants(package) | {package}):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not any(imported == a or imported.startswith(a + ".") for a in allowed):
                found.append(f"{module} → {imported}")
    return found


def _offenders(check: Callable[[str], list[str]]) -> dict[str, list[str]]:
    out = {}
    for path in _outside_payments():
        found = check(path.read_text())
        if found:
            out[str(path.relative_to(ROOT.parent))] = found
    return out


def test_no_private_name_of_payments_is_used_outside_payments() -> None:
    assert _offenders(private_payment_imports) == {}


def test_only_payments_writes_payments_rows() -> None:
    assert _offenders(payment_writes) == {}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("quanzi")


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_payments_and_ledger_import_nothing_above_them(
    graph: grimp.ImportGraph, package: str
) -> None:
    assert upward_imports(graph, package) == []
