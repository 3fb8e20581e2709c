"""One OpenAPI name per schema.

django-ninja files every pydantic model of every operation under `components/schemas/<class
name>`, one operation after the other: two classes with the same name silently share one entry,
the last one written wins, and the document describes (say) the group-buy campaign body with the
bargain's fields. These tests walk every model the operations of the NinjaAPI can reach — request
bodies, query and path schemas, responses, nested fields — and check that the names are unique and
that the document describes each body and response with the class its view declares.
"""

from __future__ import annotations

import inspect
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from ninja.constants import NOT_SET
from ninja.openapi.schema import REF_TEMPLATE
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from quanzi.api import api

DOCUMENT = api.get_openapi_schema()
COMPONENTS: dict[str, Any] = DOCUMENT["components"]["schemas"]


def _operations() -> Iterator[Operation]:
    # The routers as mounted (what ninja itself walks to write the document).
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


OPERATIONS = {api.get_openapi_operation_id(op): op for op in _operations()}
DOCUMENTED = {op["operationId"]: op for path in DOCUMENT["paths"].values() for op in path.values()}


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic classes an annotation names: `X`, `list[X]`, `X | None`, `Query[X]`…"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _fields(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for field in model.model_fields.values():
        yield from _models_in(field.annotation)


def _reachable(op: Operation) -> set[type[BaseModel]]:
    """Every model an operation's parameters and responses reach, nested fields included.
    ninja's own wrappers (one per parameter source, one per response) are left out: they are
    inlined, never filed under a name."""
    wrappers = [*op.models, *(m for m in op.response_models.values() if m not in (None, NOT_SET))]
    found: set[type[BaseModel]] = set()
    todo = [model for wrapper in wrappers for model in _fields(wrapper)]
    while todo:
        model = todo.pop()
        if model not in found:
            found.add(model)
            todo.extend(_fields(model))
    return found


def _name(model: type[BaseModel]) -> str:
    return str(model.model_config.get("title") or model.__name__)


def _where(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def test_no_two_schema_classes_share_a_name() -> None:
    # given every model reachable from every operation of the API
    by_name: dict[str, set[type[BaseModel]]] = defaultdict(set)
    for op in OPERATIONS.values():
        for model in _reachable(op):
            by_name[model.__name__].add(model)
            by_name[_name(model)].add(model)
    # when models are grouped by the name the document files them under
    shared = {name: sorted(map(_where, ms)) for name, ms in by_name.items() if len(ms) > 1}
    # then no name stands for two classes
    assert shared == {}


def _declared_bodies(op: Operation) -> dict[str, type[BaseModel]]:
    """The JSON body parameters of the view: name → the class in its signature."""
    hints = typing.get_type_hints(op.view_func, include_extras=True)
    body_params = {
        name
        for model in op.models
        if model.__ninja_param_source__ == "body"  # type: ignore[attr-defined]
        for name in model.model_fields
    }
    out = {}
    for name in inspect.signature(op.view_func).parameters:
        hint = hints.get(name)
        if name in body_params and isinstance(hint, type) and issubclass(hint, BaseModel):
            out[name] = hint
    return out


def _component(model: type[BaseModel], mode: typing.Literal["validation", "serialization"]) -> Any:
    """The schema the class itself describes, as the document would file it."""
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
    )
    schema.pop("$defs", None)
    return schema


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_the_document_describes_what_the_view_declares(operation_id: str) -> None:
    # given an operation and the classes its view declares for its body and its responses
    op = OPERATIONS[operation_id]
    documented = DOCUMENTED[operation_id]
    # when the generated document is read
    problems = []
    for model in _declared_bodies(op).values():
        body = documented["requestBody"]["content"]["application/json"]["schema"]
        # then the body is a reference to that class, filed with that class's fields
        if body != _ref(model):
            problems.append(f"body is {body}, the view declares {_where(model)}")
        elif COMPONENTS[model.__name__] != _component(model, "validation"):
            problems.append(f"body {model.__name__} is filed with another class's fields")
    for status, wrapper in op.response_models.items():
        if wrapper in (None, NOT_SET) or status is Ellipsis:
            continue
        declared = wrapper.model_fields["response"].annotation
        model = next(_models_in(declared), None)
        if model is None:  # a plain type (`dict[str, str]`): nothing filed under a name
            continue
        content = documented["responses"][status].get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        # ... and each response refers to its declared class (directly or as a list's items)
        if _ref(model) not in (schema, schema.get("items")):
            problems.append(f"{status} is {schema}, the view declares {declared}")
        elif COMPONENTS[model.__name__] != _component(model, "serialization"):
            problems.append(f"{status} {model.__name__} is filed with another class's fields")
    assert problems == []
