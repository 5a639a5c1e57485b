"""Worker processes for the demo generator: batches are built while the one before is written.

Building a batch (history, scoring, seals, audit entries, encoding) is pure CPU work and about
two thirds of the generator's time; writing it is the database's. Forked processes build batches
with app.demo.batch_rows while the generator writes and chains; with `processes=0` the same
calls run in the generator's own process (small counts, tests, systems without fork).

A forked worker never touches the database: it inherits the app (for the evidence keys) and
leaves the parent's connections alone; it ends with os._exit (multiprocessing's own exit), so
no inherited connection is closed or rolled back from the child.
"""

from __future__ import annotations

import gc
import multiprocessing
import traceback
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from app.demo import batch_rows

DRAFT, FINISH = "draft", "finish"


class BatchWorkers:
    """Drafts and finishes batches, in worker processes or inline; results by batch number."""

    def __init__(self, ctx: SimpleNamespace, processes: int, postgres: bool) -> None:
        self.ctx = ctx
        self.postgres = postgres
        self._drafts: dict[int, batch_rows.Draft] = {}
        self._results: dict[tuple[str, int], Any] = {}
        self._queues: list[tuple[Any, Any, Any]] = []
        if processes and "fork" in multiprocessing.get_all_start_methods():
            forking = multiprocessing.get_context("fork")
            for _ in range(processes):
                orders, results = forking.SimpleQueue(), forking.Queue()
                process = forking.Process(target=_serve, args=(ctx, postgres, orders, results))
                process.daemon = True
                process.start()
                self._queues.append((orders, results, process))

    def __enter__(self) -> BatchWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        for orders, _results, process in self._queues:
            if exc[0] is None:
                orders.put(None)
                process.join()
            else:
                process.terminate()

    def draft(self, number: int, indexes: list[int], user_ids: list[int]) -> None:
        """Start building batch `number` (people `indexes`, with these user ids)."""
        self._ask(number, (DRAFT, number, indexes, user_ids))

    def finish(self, number: int, ids: dict[str, list[int]], key_id: str) -> None:
        """Give batch `number` its ids: its rows and audit entries are built next."""
        self._ask(number, (FINISH, number, ids, key_id))

    def result(self, kind: str, number: int) -> Any:
        """The counts of a drafted batch (kind DRAFT) or the finished batch (FINISH)."""
        if not self._queues:
            return self._results.pop((kind, number))
        _orders, results, _process = self._queues[number % len(self._queues)]
        while (kind, number) not in self._results:
            answer = results.get()
            if answer[0] == "error":
                raise RuntimeError(f"demo generator worker failed:\n{answer[1]}")
            self._results[(answer[0], answer[1])] = answer[2]
        return self._results.pop((kind, number))

    def _ask(self, number: int, request: tuple) -> None:
        if self._queues:
            self._queues[number % len(self._queues)][0].put(request)
        else:
            kind, _number, answer = _handle(request, self._drafts, self.ctx, self.postgres)
            self._results[(kind, number)] = answer


def _handle(request: tuple, drafts: dict, ctx: SimpleNamespace, postgres: bool) -> tuple:
    # A batch is hundreds of thousands of small dicts and strings without cycles: the cyclic
    # garbage collector would walk them over and over as they are made (about a tenth of the
    # work). It is off while one is built and collects, if it needs to, between requests.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(request, drafts, ctx, postgres)
    finally:
        if enabled:
            gc.enable()


def _build(request: tuple, drafts: dict, ctx: SimpleNamespace, postgres: bool) -> tuple:
    kind, number, *args = request
    if kind == DRAFT:
        drafts[number] = batch_rows.draft(ctx, *args)
        return kind, number, drafts[number].counts()
    ids, key_id = args
    return kind, number, batch_rows.finish(drafts.pop(number), ids, key_id, postgres, ctx)


def _serve(ctx: SimpleNamespace, postgres: bool, orders: Any, results: Any) -> None:
    drafts: dict[int, batch_rows.Draft] = {}
    while (request := orders.get()) is not None:
        try:
            results.put(_handle(request, drafts, ctx, postgres))
        except Exception:  # noqa: BLE001 - handed to the generator, which raises it
            results.put(("error", request[1], traceback.format_exc()))
            return
    results.close()
    results.join_thread()


def default_processes(count: int, cpu_count: Callable[[], int | None] = multiprocessing.cpu_count):
    """Worker processes for `count` people: none for small counts (forking costs more)."""
    return 0 if count < 2000 else max(1, min(2, cpu_count() or 1))
