"""Error codes are members of each domain's StrEnum (`<domain>/errors.py`, CoreCode in
quanzi/core/errors.py), never string literals, and the API document lists every one of them as
the enum of the error body's `code` (clients branch on codes; schemathesis checks every answer
against that list)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from quanzi.api import api as root_api
from quanzi.core.errors import error_code_enums
from quanzi.orders.models import OrderStatus
from tests.factories import UserFactory
from tests.payments.helpers import make_order

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "quanzi"


def test_no_error_code_is_a_string_literal():
    # given every module of the package (migrations aside)
    modules = [path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts]
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in modules}
    # when the code given to an error is looked for as a string literal
    errors = domain_error_names(trees.values())
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path, tree in trees.items()
        for line, what in literal_codes(tree, errors)
    ]
    # then there is none: each code is a member of its domain's enum
    assert not found, "error codes written as strings (use the domain's Code enum):\n" + (
        "\n".join(found)
    )


def test_the_error_schema_lists_every_registered_code():
    # given the registered enums of error codes, one per domain
    enums = error_code_enums()
    # when the API document is built
    listed = set(error_code_enum())
    # then every value of every enum is in the enum of ErrorOut's `code`, each in one enum only
    missing = [
        f"{enum.__name__}.{code.name}" for enum in enums for code in enum if code not in listed
    ]
    assert not missing, missing
    values = [str(code) for enum in enums for code in enum]
    assert len(values) == len(set(values)), sorted({v for v in values if values.count(v) > 1})
    assert {enum.__name__ for enum in enums} >= {"CoreCode", "OrderCode", "PaymentCode"}


@pytest.mark.django_db
def test_a_code_a_real_endpoint_answers_is_listed(api):
    # given a buyer's order that is paid already
    buyer = UserFactory()
    order = make_order(buyer)
    order.status = OrderStatus.PAID
    order.save()
    # when they try to pay it again
    answer = api(buyer).post("payments", {"order_ids": [order.pk]})
    # then the refusal's code is one the document lists
    assert (answer.status_code, answer.json()["code"]) == (409, "not_payable")
    assert "not_payable" in error_code_enum()


def error_code_enum() -> list[str]:
    schema = root_api.get_openapi_schema()
    code = schema["components"]["schemas"]["ErrorOut"]["properties"]["code"]
    assert code["type"] == "string" and code["description"]
    return list(code["enum"])


def domain_error_names(trees: Iterable[ast.Module]) -> set[str]:
    """Names of DomainError and of every class of the package deriving from it (by name)."""
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    names = {"DomainError"}
    grown = True
    while grown:
        grown = False
        for node in classes:
            if node.name not in names and any(callee_name(base) in names for base in node.bases):
                names.add(node.name)
                grown = True
    return names


def literal_codes(tree: ast.Module, errors: set[str]) -> Iterator[tuple[int, str]]:
    """The string literals given as an error's code: `code="…"` to a DomainError subclass or to
    any call inside a `raise`; `…_code="…"` to any call (the cleaners' codes of
    quanzi.core.validation); a class-level `code = "…"` of a DomainError subclass; the `code` of
    a `{"detail": …, "code": "…"}` body. A WebSocket close code is an int: never matched."""
    in_raise = {
        id(call)
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            erroring = callee_name(node.func) in errors or id(node) in in_raise
            for keyword in node.keywords:
                named = (keyword.arg == "code" and erroring) or str(keyword.arg).endswith("_code")
                if named and is_text(keyword.value):
                    yield keyword.value.lineno, f"{keyword.arg}={ast.unparse(keyword.value)}"
        elif isinstance(node, ast.ClassDef) and any(
            callee_name(base) in errors for base in node.bases
        ):
            for statement in node.body:
                target = statement.targets[0] if isinstance(statement, ast.Assign) else None
                if isinstance(statement, ast.AnnAssign):
                    target = statement.target
                value = getattr(statement, "value", None)
                if isinstance(target, ast.Name) and target.id == "code" and is_text(value):
                    yield statement.lineno, f"{node.name}.code = {ast.unparse(value)}"
        elif isinstance(node, ast.Dict):
            body = {
                key.value: value
                for key, value in zip(node.keys, node.values, strict=True)
                if is_text(key)
            }
            if "detail" in body and is_text(body.get("code")):
                yield node.lineno, f'"code": {ast.unparse(body["code"])}'


def callee_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def is_text(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
