"""gunicorn settings for `make serve`; every value can be overridden from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("CHARTE_BIND", "127.0.0.1:8000")
# One worker per core plus one (3 on 2 cores): the pages are CPU-bound in Python with short
# database waits, so more workers only add context switches and memory (measured with
# bench/bench_pages.py: 3 workers served more than 5 on 2 cores; 4 served the same pages and no
# more passing quiz submits, 0.24 x reference either way, in full runs on 2026-12-01; the partial
# runs where a fourth worker had seemed to help those submits sent one person's submissions at
# once, queued on that person's lock: bench/README.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# The app refuses, in production, a per-process rate-limit store with several workers: it reads
# the worker count from CHARTE_WORKERS (app/deployment.py). Set here for --preload, and again in
# each worker from the count gunicorn really uses (a `-w` on the command line wins over this file).
os.environ["CHARTE_WORKERS"] = str(workers)


def post_fork(server, worker):
    """Runs in each new worker before it loads the app."""
    os.environ["CHARTE_WORKERS"] = str(server.cfg.workers)


def post_worker_init(worker):
    """Runs in each worker once the app is loaded: its objects (app, content catalogue,
    libraries; about 250,000) move out of the garbage collector's reach. Otherwise every full
    collection walks them all again: on the "to take down" list at 50,000 people one request
    in three paid 150 ms for it (bench/bench_assets.py). Nothing is leaked: they live as long
    as the worker anyway."""
    gc.collect()
    gc.freeze()


threads = int(os.environ.get("CHARTE_THREADS", "1"))
timeout = int(os.environ.get("CHARTE_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# The app writes its own structured access line (charte.access); gunicorn's would duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("CHARTE_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": "WARNING"},
    "loggers": {
        "charte.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
