"""What the OpenAPI document says each view answers, errors included (drf-spectacular's
``extend_schema``): one wording of each error for every operation."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema

ERRORS = {
    400: OpenApiResponse(description="Invalid input (or filter): each field named with what is wrong."),
    401: OpenApiResponse(description="No API key, or an unknown or revoked one."),
    403: OpenApiResponse(description="A read-only key or a viewer trying to change something."),
    404: OpenApiResponse(description="No such object in your organizations."),
    409: OpenApiResponse(
        description="The same Idempotency-Key was used with a different body, or what is to be created exists "
        "already (a creator in the brand's pipeline: the body says where)."
    ),
    413: OpenApiResponse(description="A body larger than the API reads (DATA_UPLOAD_MAX_MEMORY_SIZE)."),
    415: OpenApiResponse(description="A body in a media type the API does not read (send JSON)."),
    429: OpenApiResponse(description="Too many requests for this key: wait as long as Retry-After says."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


READ_ERRORS = errors(400, 401, 404, 429)  # 400: a filter's value is not of its kind
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 413, 415, 429)


def answers(serializer, *, create=False, update=False):
    """The documented answers of a view's list and retrieve (and create, partial update), errors
    included: ``extend_schema_view(**answers(...))``, overriding any of them by name."""
    schemas = {
        "list": extend_schema(responses={200: serializer(many=True), **READ_ERRORS}),
        "retrieve": extend_schema(responses={200: serializer, **READ_ERRORS}),
    }
    if create:
        schemas["create"] = extend_schema(responses={201: serializer, **WRITE_ERRORS})
    if update:
        schemas["partial_update"] = extend_schema(responses={200: serializer, **WRITE_ERRORS})
    return schemas
