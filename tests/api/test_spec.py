"""The OpenAPI document is generated from the code: every API route is in it with an
operationId, who may call it, and the schemas its data is loaded and written with. The
interactive documentation is served by the app itself (no CDN, no inline script)."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from api.auth import TokenAccessRule

OPERATIONS = {"listCraftsmen", "getCraftsman", "listNominations", "createNomination", "getNomination",
              "updateNomination", "submitNomination", "listJudgeAssignments", "submitMarks",
              "listPublishedEvents", "getEventResults", "listStudios", "getStudio", "verifyCertificate",
              "listIndicators", "getIndicator"}


def _operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_the_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.0")
    validate(document)


def test_every_api_route_is_an_operation_with_a_unique_operation_id(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    ids = [op["operationId"] for _path, _method, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert set(ids) >= OPERATIONS
    documented = {(path, method) for path, method, _op in _operations(document)}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "api_operation", None) is None:
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented


def test_token_operations_declare_bearer_security_and_401_403(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    guarded = {view.api_operation.operation_id: isinstance(view.access_rule, TokenAccessRule)
               for view in app.view_functions.values() if hasattr(view, "api_operation")}
    for _path, _method, op in _operations(document):
        if guarded[op["operationId"]]:
            assert op["security"] == [{"bearerAuth": []}]
            assert {"401", "403"} <= set(op["responses"])
        else:
            assert op["security"] == []
        assert {"400", "429", "500"} <= set(op["responses"])


def test_errors_share_one_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    error = document["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"code", "message", "message_en", "details"}
    for response in document["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_list_operations_share_paging_and_sorting(client):
    document = client.get("/api/v1/openapi.json").get_json()
    lists = [op for _p, _m, op in _operations(document) if op["operationId"].startswith("list")]
    assert lists
    for op in lists:
        names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        assert {"page", "per_page", "sort"} <= names
        per_page = next(p for p in op["parameters"] if p["name"] == "per_page")
        assert per_page["schema"]["maximum"] == 100
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert {"data", "meta", "links"} <= set(document["components"]["schemas"][schema]["properties"])


def test_interactive_docs_are_served_locally_without_inline_scripts(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/api/v1/docs/assets/' in attrs and not body.strip() for attrs, body in scripts)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "api-docs.js", "api-docs.css"):
        asset = client.get(f"/api/v1/docs/assets/{name}")
        assert asset.status_code == 200 and asset.data
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_api_root_points_at_the_document(client):
    body = client.get("/api/v1/").get_json()
    assert body["openapi"] == "/api/v1/openapi.json" and body["docs"] == "/api/v1/docs"
