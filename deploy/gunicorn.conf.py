"""gunicorn settings for the app (``gunicorn --config deploy/gunicorn.conf.py wsgi:app``).

The address comes from ``--bind`` (one systemd instance per port); the worker count from
``WEB_CONCURRENCY`` (default: 2 per CPU core, at least 2). Requests are logged by the app
itself (JSON with the request id), so gunicorn's access log stays off.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", max(2, 2 * multiprocessing.cpu_count())))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
# Trust X-Forwarded-* only from the local nginx; the app's TRUSTED_PROXY_HOPS does the rest.
forwarded_allow_ips = "127.0.0.1"


def child_exit(server, worker):
    """Drop a finished worker's live gauges from the shared Prometheus folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
