"""Where the tasks run: a local process pool (the default, nothing to install) or a Dask cluster.

Both yield one RepoResult per job, in the order they finish; a task that raises or whose worker is lost
for good becomes a failed result for its repository, so one bad repository never stops an audit.
"""

from __future__ import annotations

import abc
from collections.abc import Generator, Iterator, Sequence
from typing import Any

from scanner.audit import AuditError
from scanner.audit.task import AuditJob, audit_repository, failed
from scanner.store.records import RepoResult

DASK_RETRIES = 2
"""How many times Dask runs a task again after it raised; a worker that dies mid-task is handled by the
scheduler itself (the task moves to another worker, up to `distributed.scheduler.allowed-failures`)."""


class Executor(abc.ABC):
    @abc.abstractmethod
    def results(self, jobs: Sequence[AuditJob]) -> Iterator[RepoResult]:
        """One result per job, as each finishes."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release what the executor holds (a client connection)."""


def internal_failure(job: AuditJob, exc: BaseException) -> RepoResult:
    return failed(job, f"internal error: {type(exc).__name__}: {exc}")


class LocalPool(Executor):
    """A pool of local processes, one repository each. A pool broken by a dying worker (the OOM killer, a
    kill) is replaced and the repositories it had not finished are audited again; if that breaks too, each
    is audited alone, so that a repository that kills its worker every time fails alone."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)

    def results(self, jobs: Sequence[AuditJob]) -> Iterator[RepoResult]:
        lost = yield from self._round(list(jobs), self.workers)
        if lost:
            lost = yield from self._round(lost, self.workers)
        for job in lost:
            if (yield from self._round([job], 1)):
                yield failed(job, "the process auditing it died each time it was started")

    def _round(self, jobs: list[AuditJob], workers: int) -> Generator[RepoResult, None, list[AuditJob]]:
        """Results of one pool; the jobs a broken pool lost are returned, not yielded."""
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        lost: list[AuditJob] = []
        if not jobs:
            return lost
        pool = ProcessPoolExecutor(min(workers, len(jobs)))
        try:
            futures = {pool.submit(audit_repository, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield future.result()
                except BrokenProcessPool:
                    lost.append(job)
                except Exception as exc:  # noqa: BLE001 - a bug in one task must not end the audit
                    yield internal_failure(job, exc)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return lost

    def close(self) -> None:
        """Each `results()` call shuts its own pools down."""


class DaskCluster(Executor):
    """Tasks on an existing Dask cluster; only results come back here, where the store is."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise AuditError("--dask needs Dask: pip install 'leakstop[dask]'") from None
        try:
            # the wait for the scheduler is Dask's own setting: distributed.comm.timeouts.connect (30 s)
            self.client: Any = Client(address)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise AuditError(f"--dask {address}: cannot reach the scheduler: {exc}") from exc

    def results(self, jobs: Sequence[AuditJob]) -> Iterator[RepoResult]:
        from distributed import as_completed

        if not jobs:
            return
        futures = self.client.map(audit_repository, list(jobs), retries=DASK_RETRIES, pure=False)
        by_key = {future.key: job for future, job in zip(futures, jobs)}
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                job = by_key[future.key]
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, or a task's own bug
                    yield internal_failure(job, exc)
        finally:
            self.client.cancel(futures)

    def close(self) -> None:
        self.client.close()


def executor_for(workers: int, dask_address: str) -> Executor:
    return DaskCluster(dask_address) if dask_address else LocalPool(workers)
