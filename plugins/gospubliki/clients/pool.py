"""A pool of credentials working through a shared queue of units, one thread per credential.

Network-neutral: a *slot* is whatever a client needs per credential (for VK a ``VkApi`` per
token), a *unit* is one request's worth of work (a getById batch, an execute batch). Workers take
units from one queue, so work spreads over the credentials by itself. When a unit raises
:class:`~gospubliki.clients.errors.CredentialStopped` its credential is retired for the rest of the
run, the unit (or the part named in :class:`StopAndRequeue`) goes back to the queue for the other
credentials, and the worker moves on to a spare credential if there is one. When every credential
is retired while work is left, :class:`CredentialsExhausted` names the units that were not done.
Any other exception stops all workers and is re-raised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gospubliki.clients.errors import CredentialStopped, NoCredentialsLeft

log = logging.getLogger(__name__)


class StopAndRequeue(CredentialStopped):
    """Retire the credential, but re-queue only ``requeue`` (the part of the unit not done)."""

    def __init__(self, cause: CredentialStopped, requeue: Sequence[Any]):
        super().__init__(cause.network, cause.code, cause.message, page_key=cause.page_key)
        self.requeue = list(requeue)


class CredentialsExhausted(NoCredentialsLeft):
    """Every credential is retired; ``pending`` are the units left undone, ``partial`` is whatever
    the client had already read (set by the client that re-raises it)."""

    def __init__(self, message: str, pending: Sequence[Any], partial: Any = None):
        super().__init__(message)
        self.pending = list(pending)
        self.partial = partial


class CredentialPool:
    """Credentials (slots) shared by successive :meth:`run` calls; retired ones stay retired.

    :param slots: one per credential, in order of use.
    :param labels: printable names of the credentials (never the secrets themselves).
    :param max_parallel: how many credentials work at once; the others are spares.
    """

    def __init__(self, slots: Sequence[Any], labels: Sequence[str], *, max_parallel: int, network: str):
        if not slots:
            raise NoCredentialsLeft(f"{network}: no credentials configured")
        self.network = network
        self._slots = list(zip(labels, slots, strict=True))
        self.max_parallel = max(1, max_parallel)
        self.stopped: dict[str, str] = {}  # label -> reason

    @property
    def slots(self) -> list[Any]:
        """Every slot, retired or not."""
        return [slot for _, slot in self._slots]

    @property
    def active(self) -> list[tuple[str, Any]]:
        return [(label, slot) for label, slot in self._slots if label not in self.stopped]

    def run(
        self, units: Iterable[Any], work: Callable[[Any, Any], Iterable[Any] | None], *, what: str
    ) -> None:
        """Do every unit with ``work(slot, unit)``; units it returns are queued too.

        :raises CredentialsExhausted: when units are left and no credential is.
        """
        run = _Run(self, deque(units), work, what)
        run.go()


class _Run:
    """State of one :meth:`CredentialPool.run`: the queue, the spare credentials, progress."""

    def __init__(self, pool: CredentialPool, pending: deque, work: Callable, what: str):
        self.pool, self.pending, self.work, self.what = pool, pending, work, what
        self.cond = threading.Condition()
        self.spares = deque(pool.active)
        self.in_flight = 0
        self.done = 0
        self.error: BaseException | None = None
        self.next_log = 0.0

    def go(self) -> None:
        if not self.pending:
            return
        started = [self.spares.popleft() for _ in range(min(self.pool.max_parallel, len(self.spares)))]
        threads = [
            threading.Thread(
                target=self.worker, args=(cred,), name=f"{self.pool.network}-{cred[0]}", daemon=True
            )
            for cred in started
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if self.error is not None:
            raise self.error
        self.progress(force=True)
        if self.pending:
            raise CredentialsExhausted(
                f"{self.pool.network}: every credential is stopped ({self._stopped_text()}); "
                f"{len(self.pending)} {self.what} batches not done",
                list(self.pending),
            )

    def _stopped_text(self) -> str:
        return (
            "; ".join(f"{label}: {reason}" for label, reason in self.pool.stopped.items())
            or "none configured"
        )

    def take(self):
        with self.cond:
            while not self.pending and self.in_flight and self.error is None:
                self.cond.wait()
            if self.error is not None or not self.pending:
                self.cond.notify_all()
                return None
            self.in_flight += 1
            return self.pending.popleft()

    def worker(self, cred: tuple[str, Any]) -> None:
        label, slot = cred
        while (unit := self.take()) is not None:
            try:
                follow = list(self.work(slot, unit) or ())
            except CredentialStopped as exc:
                with self.cond:
                    self.pending.extendleft(reversed(getattr(exc, "requeue", [unit])))
                    self.in_flight -= 1
                    self.pool.stopped[label] = str(exc)
                    log.warning("%s: credential %s stopped for this run: %s", self.pool.network, label, exc)
                    cred = self.spares.popleft() if self.spares else None
                    self.cond.notify_all()
                if cred is None:
                    return
                label, slot = cred
                continue
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                with self.cond:
                    self.error = self.error or exc
                    self.in_flight -= 1
                    self.cond.notify_all()
                return
            with self.cond:
                self.pending.extend(follow)
                self.in_flight -= 1
                self.done += 1
                self.cond.notify_all()
            self.progress()

    def progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now >= self.next_log:
            self.next_log = now + 10.0
            with self.cond:
                done, left = self.done, len(self.pending) + self.in_flight
            log.info("%s %s: batches done %d / %d", self.pool.network, self.what, done, done + left)
