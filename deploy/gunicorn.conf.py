"""gunicorn settings for the app (``gunicorn --config deploy/gunicorn.conf.py wsgi:app``).

The address comes from ``--bind`` (one systemd instance per port); the worker count from
``WEB_CONCURRENCY`` (default: 2 per CPU core, at least 2). Requests are logged by the app
itself (JSON with the request id), so gunicorn's access log stays off.
"""

import gc
import os

# os.cpu_count, not multiprocessing's: whatever the master imports, every worker forked from it
# carries too.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, 2 * (os.cpu_count() or 1))))
worker_class = "sync"
timeout = 60
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). Replacing one
# stalls the requests queued on it while the next boots, so it must be rare under load: at
# 2,000 a busy competition day (300 saves/s over 4 workers) replaced a worker every few
# seconds and the slowest saves waited 0.6 s instead of 0.16 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
# The app is created once, in the master, and the workers are forked from it: they share its
# memory (modules, models, routes) instead of each building its own, and a replaced worker
# starts at once. Each worker opens its own database connections (core.db_pool). A code
# upgrade restarts the unit (README, "Upgrade and rollback"); a HUP only restarts the workers.
preload_app = True
accesslog = None
errorlog = "-"
# Trust X-Forwarded-* only from the local nginx; the app's TRUSTED_PROXY_HOPS does the rest.
forwarded_allow_ips = "127.0.0.1"


def pre_fork(server, worker):
    """What the master built is never collected: a worker's garbage collector then leaves those
    objects, and the memory pages they share with the master, untouched."""
    gc.freeze()


def child_exit(server, worker):
    """Drop a finished worker's live gauges from the shared Prometheus folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
