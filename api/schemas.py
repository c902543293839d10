"""Schemas shared by every operation: the error shape, list meta and links, and the list
envelope built for each item schema."""

from __future__ import annotations

from api import fields as f


class ErrorBody(f.ApiSchema):
    code = f.String(required=True, metadata={
        "description": "稳定的错误代码 / A stable error code, e.g. not_found, validation_failed"})
    message = f.String(required=True, metadata={"description": "中文说明 / Chinese message"})
    message_en = f.String(required=True, metadata={"description": "English message"})
    details = f.Raw(required=True, allow_none=True, metadata={
        "description": "更多信息（如校验失败的字段）或 null / More information or null"})


class Error(f.ApiSchema):
    """Every error answer: ``{"error": {...}}``."""

    error = f.Nested(ErrorBody, required=True)


class Meta(f.ApiSchema):
    total = f.Integer(required=True, metadata={"description": "符合条件的总条数 / Matching items"})
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)
    pages = f.Integer(required=True, metadata={"description": "总页数 / Number of pages"})


class Links(f.ApiSchema):
    self = f.String(required=True)
    first = f.String(required=True)
    last = f.String(required=True)
    prev = f.String(required=True, allow_none=True)
    next = f.String(required=True, allow_none=True)


def list_of(item_schema, name: str, **extra_fields):
    """The list envelope of ``item_schema``: ``{"data": [...], "meta": ..., "links": ...}``."""
    attrs = {"data": f.List(f.Nested(item_schema), required=True),
             "meta": f.Nested(Meta, required=True), "links": f.Nested(Links, required=True),
             "__doc__": f"A page of {item_schema.__name__} items.", **extra_fields}
    return type(name, (f.ApiSchema,), attrs)


class Ref(f.ApiSchema):
    """A record named by id and name."""

    id = f.Integer(required=True)
    name = f.String(required=True)
