"""Liveness, readiness, metrics and request ids."""

from __future__ import annotations

import json
import logging

from core import create_app, metrics
from core.logs import JsonFormatter


def test_healthz_answers_without_touching_the_database(app, client):
    from sqlalchemy import event

    from core.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert statements == []


def test_healthz_answers_when_the_database_is_unreachable_and_readyz_says_why(tmp_path):
    broken = create_app("testing", {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                                    "UPLOAD_FOLDER": str(tmp_path)})
    client = broken.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    checks = ready.get_json()["checks"]
    assert ready.status_code == 503 and checks["database"]["status"].startswith("failed")
    assert checks["storage"]["status"] == "ok" and checks["redis"]["status"] == "ok"
    assert checks["database"]["ms"] < 5000
    assert "nobody" not in ready.get_data(as_text=True)  # no connection details in the answer


def test_readyz_reports_an_unreachable_redis(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"]["status"].startswith("failed")


def test_readyz_reports_a_queue_that_lags(app, world, client):
    from datetime import timedelta

    from core.extensions import db
    from core.jobs.models import BackgroundJob
    from core.timeutil import utcnow

    with app.app_context():
        db.session.add(BackgroundJob(kind="people.import_workers", created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["queue"]["status"].startswith("failed")


def test_metrics_are_served_only_to_configured_addresses(app, client):
    client.get("/healthz")
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'craftsman_http_requests_total{endpoint="main.healthz",method="GET",status="200"}' in body
    assert "craftsman_http_request_duration_seconds_bucket" in body
    assert "craftsman_queue_depth" in body and "craftsman_queue_lag_seconds" in body
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def test_metric_addresses_may_be_networks():
    assert metrics.allowed("10.1.2.3", "127.0.0.1, 10.0.0.0/8")
    assert not metrics.allowed("11.0.0.1", "127.0.0.1, 10.0.0.0/8")
    assert not metrics.allowed("not-an-address", "0.0.0.0/0")


def test_every_response_carries_a_request_id_and_keeps_the_proxys(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert given.headers["X-Request-ID"] == "nginx-0123456789abcdef"
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert odd.headers["X-Request-ID"] != "<script>"


def test_a_request_is_logged_as_one_json_object_with_its_request_id(app, client, caplog):
    with caplog.at_level(logging.INFO, logger="craftsman.access"):
        response = client.get("/healthz", headers={"X-Request-ID": "req-0123456789"})
    [record] = [r for r in caplog.records if r.name == "craftsman.access"]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == response.headers["X-Request-ID"] == "req-0123456789"
    assert (entry["method"], entry["path"], entry["status"], entry["endpoint"]) == (
        "GET", "/healthz", 200, "main.healthz")
    assert entry["duration_ms"] >= 0


def test_job_runs_are_timed_and_failures_counted_in_the_metrics(app, client):
    from core import jobs

    with app.app_context():
        jobs.enqueue("jobs.recover")  # a job that finds nothing to do
    body = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'craftsman_job_duration_seconds_count{job="jobs.recover",outcome="ok"}' in body


def test_the_worker_command_refuses_a_queue_in_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker"])
    assert result.exit_code != 0 and "immediate" in result.output


def test_healthz_is_answered_in_front_of_the_app_with_the_security_headers(app, client):
    response = client.get("/healthz")
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == app.config["CONTENT_SECURITY_POLICY"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response.headers
    head = client.head("/healthz")
    assert head.status_code == 200 and head.get_data() == b""
    assert client.post("/healthz").status_code in (404, 405)
