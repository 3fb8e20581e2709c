"""What the OpenAPI document says about every operation: the one error body of the API.

Every 4xx of /api/v1/ — a domain error, a validation error, a missing login, a rate limit, an
oversized body — is built by an exception handler of `quanzi.api` as `{"detail", "code", …}`.
The views declare their successful answers (`response=`); `ErrorDocumentingAPI` adds the error
answer to each operation of the document, under the `4XX` range, so that clients (and the
schemathesis run of tests/api/test_fuzz.py) know the shape of every refusal. Its `code` is one
of a closed list: every code of every domain's enum (`quanzi.core.errors.all_error_codes`).
"""

from __future__ import annotations

from typing import Any

from ninja import Field, NinjaAPI
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from quanzi.core.errors import all_error_codes
from quanzi.core.schemas import Schema


def list_error_codes(schema: dict[str, Any]) -> None:
    """The closed list of `code`s, read when the schema is generated (every domain loaded)."""
    schema["enum"] = all_error_codes()


class ErrorOut(Schema):
    """The body of every 4xx answer; domain errors may add more fields of their own."""

    detail: str = Field(description="what went wrong, in the user's language")
    code: str = Field(
        description="stable, for programs: not_found, validation, conflict, …",
        json_schema_extra=list_error_codes,
    )
    field: str | None = Field(default=None, description="the input field at fault, when one is")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="validation (422): one entry per invalid field (`loc`, `msg`, `type`); "
        "catalog import: one entry per invalid row",
    )
    retry_after: int | None = Field(
        default=None, description="rate_limited (429): seconds to wait, as in `Retry-After`"
    )


ERROR_RESPONSE = {
    "description": "Refused: the body says why (`detail`, in the user's language) and `code`.",
    "content": {
        "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=ErrorOut.__name__)}}
    },
}


class ErrorDocumentingAPI(NinjaAPI):
    """A NinjaAPI whose document declares the shared error body for every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"][ErrorOut.__name__] = ErrorOut.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
        )
        for path in schema["paths"].values():
            for operation in path.values():
                operation["responses"].setdefault("4XX", ERROR_RESPONSE)
        return schema
