"""Where a batch's tasks run: here one after another, in local worker processes, or on a Dask cluster.

Each engine takes ``(index, source, output)`` tasks and yields ``(index,
FileOutcome)`` as files finish, in whatever order they finish.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from poseio._batch._records import FAILED, FileOutcome
from poseio._batch._tasks import convert_task
from poseio._errors import InvalidOptionError, MissingDependencyError
from poseio._storage._remote import is_url

Task = tuple[int, str, str]
Outcomes = Iterator[tuple[int, FileOutcome]]


def here(tasks: list[Task], plan: Mapping[str, Any]) -> Outcomes:
    """Run the tasks one after another in this process."""
    for index, source, output in tasks:
        yield index, convert_task(source, output, plan)


# --- local worker processes ---------------------------------------------------------------

_started = None  # in a worker: where it says which task it starts (see `in_processes`)


def _context() -> multiprocessing.context.BaseContext:
    """A start method whose workers import only poseio, not what the caller had imported (no fork)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Workers are forked from a server that has imported poseio once, so each starts quickly.
        context.set_forkserver_preload(["poseio._batch._engines"])
        return context
    return multiprocessing.get_context("spawn")


def _remember(started: Any) -> None:
    global _started
    _started = started


def _tracked_task(index: int, source: str, output: str, plan: Mapping[str, Any]) -> FileOutcome:
    # Said before the work, so that when this process dies the batch knows which file killed it.
    _started.put(index)
    return convert_task(source, output, plan)


def in_processes(tasks: list[Task], plan: Mapping[str, Any], jobs: int) -> Outcomes:
    """Run the tasks in ``jobs`` worker processes.

    A worker that dies (a crash in a reader's C library, killed for memory)
    breaks the pool. The files it and the others were converting are then
    converted again, each alone in a new worker, so that only the file that
    kills a worker fails; the rest go on in a new pool.
    """
    context = _context()
    # By index: each finished task leaves at once, however long the batch.
    waiting = {task[0]: task for task in tasks}
    while waiting:
        before = len(waiting)
        suspects: list[Task] = []
        yield from _pool_run(waiting, plan, jobs, context, suspects)
        for task in suspects:
            yield task[0], _alone(task, plan, context)
        if waiting and not suspects and len(waiting) == before:
            # The pool broke before any task started: workers cannot start here at all.
            for index, source, output in waiting.values():
                yield index, FileOutcome(source, FAILED, output, error="WorkerDied", message=_NO_WORKERS)
            return


_NO_WORKERS = (
    "the worker processes died before converting anything; try --jobs 1 (jobs=1) to see why. From a script, "
    "call convert_many under 'if __name__ == \"__main__\":', as each worker process imports the script"
)


def _pool_run(
    waiting: dict[int, Task], plan: Mapping[str, Any], jobs: int, context: Any, suspects: list[Task]
) -> Outcomes:
    """Run ``waiting`` in one pool, removing each task from it as it finishes.

    When the pool breaks, the tasks in progress move to ``suspects``; the others stay waiting.
    """
    started = context.SimpleQueue()
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_remember, initargs=(started,))
    in_progress: set[int] = set()
    try:
        futures = {pool.submit(_tracked_task, *task, plan): task for task in waiting.values()}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                # Every future ends now; keep the results that came in before the break.
                pool.shutdown(wait=True)
                done, pending = done | pending, set()
            # Read the start marks as they come: a full pipe would block the workers.
            while not started.empty():
                in_progress.add(started.get())
            for future in done:
                task = futures[future]
                error = future.exception()
                if isinstance(error, BrokenProcessPool):
                    continue
                del waiting[task[0]]
                in_progress.discard(task[0])
                # Only what cannot travel between processes raises here: convert_task returns its failures.
                yield task[0], future.result() if error is None else _failed(task, error)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                suspects.extend(waiting.pop(index) for index in sorted(in_progress & waiting.keys()))
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        started.close()


def _alone(task: Task, plan: Mapping[str, Any], context: Any) -> FileOutcome:
    """Convert one file in a worker of its own: if that worker dies too, this file killed it."""
    index, source, output = task
    started = context.SimpleQueue()
    with ProcessPoolExecutor(1, mp_context=context, initializer=_remember, initargs=(started,)) as pool:
        try:
            return pool.submit(_tracked_task, index, source, output, plan).result()
        except BrokenProcessPool:
            return FileOutcome(
                source,
                FAILED,
                output,
                error="WorkerDied",
                message=f"{source}: the worker process converting it died (a crash, or killed for memory); "
                "convert it alone with 'poseio convert' to see more",
            )
        finally:
            started.close()


def _as_given(outcome: FileOutcome, task: Task) -> FileOutcome:
    """The outcome of a task sent with absolute paths, reported with the paths the user gave, like the others."""
    message = outcome.message
    if message and message.startswith(outcome.source) and outcome.source != task[1]:
        message = task[1] + message[len(outcome.source) :]
    return attrs.evolve(outcome, source=task[1], output=task[2], message=message)


def _failed(task: Task, error: BaseException) -> FileOutcome:
    lines = str(error).strip().splitlines() or [""]
    return FileOutcome(task[1], FAILED, task[2], error=f"unexpected {type(error).__name__}", message=lines[0])


# --- Dask -----------------------------------------------------------------------------------


def distributed_module() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "converting on a Dask cluster needs dask.distributed; install it with: pip install 'poseio[dask]'",
            name="distributed",
        ) from exc
    return distributed


def check_address(address: str) -> None:
    """Refuse what is neither a scheduler's address nor an existing scheduler file, before anything is done.

    A ``distributed.Client`` made for an address it cannot parse waits out its
    connect timeout twice while failing, and complains again at exit.
    """
    advice = "give the scheduler's address (tcp://host:8786) or its scheduler file (scheduler.json)"
    if _is_scheduler_file(address):
        if not os.path.isfile(address):
            raise InvalidOptionError(f"{address}: no such scheduler file; {advice}")
        return
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme != "inproc":  # an in-process cluster's address has no host and port
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise InvalidOptionError(f"{address!r} is not a scheduler address ({exc}); {advice}") from exc


def _is_scheduler_file(address: str) -> bool:
    return address.lower().endswith(".json")


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, which convert_many has passed through `check_address`."""
    where = {"scheduler_file": address} if _is_scheduler_file(address) else {"address": address}
    try:
        # Waits as long as dask's distributed.comm.timeouts.connect says (30 s unless configured).
        return distributed.Client(**where, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InvalidOptionError(
            f"cannot reach a Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
            "check the address (tcp://host:8786) or scheduler file, and that the scheduler is running"
        ) from exc


def on_dask(tasks: list[Task], plan: Mapping[str, Any], client: Any) -> Outcomes:
    """Run the tasks on a Dask cluster: ``client`` is a ``distributed.Client`` or a scheduler's address.

    Each task is `convert_task` with its plain arguments; the workers need
    poseio and the plugins installed, and must see the input and output paths.
    """
    distributed = distributed_module()
    own = isinstance(client, str)
    if own:
        client = _connect(distributed, client)
    batch = uuid.uuid4().hex[:12]
    futures: dict[Any, Task] = {}
    try:
        for task in tasks:
            index, source, output = task
            # Absolute paths: a worker's current folder is wherever it was started, not ours.
            future = client.submit(
                convert_task,
                source if is_url(source) else os.path.abspath(source),
                os.path.abspath(output),
                dict(plan),
                key=f"poseio-convert-{batch}-{index}",
                pure=False,
            )
            futures[future] = task
        for future in distributed.as_completed(list(futures), loop=client.loop):
            task = futures[future]
            try:
                outcome = _as_given(future.result(), task)
            except Exception as exc:  # noqa: BLE001 - a task the cluster lost (KilledWorker) fails alone
                outcome = _failed(task, exc)
            future.release()
            yield task[0], outcome
    finally:
        unfinished = [f for f in futures if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        if own:
            client.close()
