"""Prometheus metrics at ``/metrics``: request latency and counts per endpoint, queue depth and
lag, job durations and failures. Only the addresses in ``METRICS_ALLOWED_IPS`` may read them
(anyone else gets 404, as if there were nothing).

With several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder per start, see
deploy/): every process writes its figures there and the scrape adds them up.
"""

from __future__ import annotations

import ipaddress
import os
import time

from flask import Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("craftsman_http_requests_total", "HTTP requests by endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("craftsman_http_request_duration_seconds", "HTTP request latency by endpoint",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
JOB_DURATION = Histogram("craftsman_job_duration_seconds", "Background job run time by job",
                         ["job", "outcome"], buckets=(0.05, 0.25, 1, 5, 15, 60, 300, 1800))
JOB_FAILURES = Counter("craftsman_job_failures_total", "Background job runs that raised, by job", ["job"])


def observe_job(name: str, outcome: str, seconds: float) -> None:
    JOB_DURATION.labels(name, outcome).observe(seconds)
    if outcome != "ok":
        JOB_FAILURES.labels(name).inc()


class QueueCollector:
    """Queue depth and lag, read at scrape time (from the queue and the database)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from core import health

        depth = GaugeMetricFamily("craftsman_queue_depth", "Jobs waiting in the queue")
        lag = GaugeMetricFamily("craftsman_queue_lag_seconds", "Age of the oldest queued job")
        with self.app.app_context():
            try:
                depth.add_metric([], health.queue_depth())
                lag.add_metric([], health.queue_lag_seconds())
            except Exception:  # noqa: BLE001 - a scrape never fails on a missing figure
                from core.extensions import db

                db.session.rollback()
        yield depth
        yield lag


def allowed(address: str | None, setting: str) -> bool:
    """Whether ``address`` is in the comma-separated addresses / networks of ``setting``."""
    try:
        client = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    for entry in (part.strip() for part in (setting or "").split(",")):
        if not entry:
            continue
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def count(endpoint: str, method: str, status: int, seconds: float) -> None:
    """One answered request in the latency histogram and the request counter."""
    LATENCY.labels(endpoint, method).observe(seconds)
    REQUESTS.labels(endpoint, method, str(status)).inc()


def _endpoint() -> str:
    return request.url_rule.endpoint if request.url_rule is not None else "unmatched"


def init_app(app) -> None:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    queue_registry = CollectorRegistry()
    queue_registry.register(QueueCollector(app))

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def count_request(response):
        started = g.get("request_started")
        if started is not None:
            count(_endpoint(), request.method, response.status_code, time.perf_counter() - started)
        return response

    def metrics_view():
        if not allowed(request.remote_addr, current_app.config.get("METRICS_ALLOWED_IPS", "")):
            abort(404)
        body = generate_latest(registry) + generate_latest(queue_registry)
        return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    from core.access import public

    app.add_url_rule("/metrics", "metrics", public(metrics_view))
