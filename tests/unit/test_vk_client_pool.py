"""The credential pool: shared queue over threads, retiring credentials, follow-up units."""

from __future__ import annotations

import threading
import time

import pytest

from gospubliki.clients.errors import CredentialStopped, NoCredentialsLeft
from gospubliki.clients.pool import CredentialPool, CredentialsExhausted, StopAndRequeue


class Recorder:
    def __init__(self, bad=(), delay=0.0):
        self.done: dict[int, str] = {}
        self.bad = set(bad)
        self.delay = delay
        self.lock = threading.Lock()
        self.threads: set[str] = set()

    def work(self, slot, unit):
        if slot in self.bad:
            raise CredentialStopped("vk", 5, "User authorization failed")
        time.sleep(self.delay)
        with self.lock:
            assert unit not in self.done, "a unit was done twice"
            self.done[unit] = slot
            self.threads.add(threading.current_thread().name)


def test_work_spreads_over_credentials_in_parallel():
    rec = Recorder(delay=0.01)
    pool = CredentialPool(["a", "b", "c"], ["t1", "t2", "t3"], max_parallel=3, network="vk")
    pool.run(range(60), rec.work, what="test")
    assert sorted(rec.done) == list(range(60))
    assert set(rec.done.values()) == {"a", "b", "c"} and len(rec.threads) == 3


def test_a_stopped_credential_moves_its_work_to_the_others_and_stays_stopped():
    rec = Recorder(bad={"b"}, delay=0.002)
    pool = CredentialPool(["a", "b"], ["t1", "t2"], max_parallel=2, network="vk")
    pool.run(range(30), rec.work, what="test")
    assert sorted(rec.done) == list(range(30)) and set(rec.done.values()) == {"a"}
    assert list(pool.stopped) == ["t2"] and "error 5" in pool.stopped["t2"]
    pool.run(range(30, 35), rec.work, what="again")  # retired for the rest of the run
    assert {rec.done[u] for u in range(30, 35)} == {"a"}


def test_spare_credential_takes_over_when_parallelism_is_bounded():
    rec = Recorder(bad={"a"})
    pool = CredentialPool(["a", "b", "c"], ["t1", "t2", "t3"], max_parallel=1, network="vk")
    pool.run(range(10), rec.work, what="test")
    assert set(rec.done.values()) == {"b"} and len(rec.threads) == 1  # one thread at a time, c unused


def test_no_credentials_left_names_the_pending_units():
    rec = Recorder(bad={"a", "b"})
    pool = CredentialPool(["a", "b"], ["t1", "t2"], max_parallel=2, network="vk")
    with pytest.raises(CredentialsExhausted) as info:
        pool.run(range(7), rec.work, what="test")
    assert isinstance(info.value, NoCredentialsLeft)
    assert sorted(info.value.pending) == list(range(7)) and "every credential is stopped" in str(info.value)


def test_partial_requeue_and_follow_up_units():
    done = []
    lock = threading.Lock()

    def work(slot, unit):
        if slot == "a" and isinstance(unit, tuple) and len(unit) == 3:
            with lock:
                done.append(unit[0])  # first part done, the rest goes back
            raise StopAndRequeue(CredentialStopped("vk", 29, "daily quota"), [unit[1:]])
        with lock:
            done.extend(unit if isinstance(unit, tuple) else [unit])
        return [100 + unit] if isinstance(unit, int) and unit < 100 else None

    pool = CredentialPool(["a", "b"], ["t1", "t2"], max_parallel=1, network="vk")
    pool.run([(1, 2, 3), 5], work, what="test")
    assert sorted(done) == [1, 2, 3, 5, 105]
    assert list(pool.stopped) == ["t1"]


def test_other_errors_stop_the_run():
    def work(slot, unit):
        if unit == 3:
            raise ValueError("bug")

    pool = CredentialPool(["a", "b"], ["t1", "t2"], max_parallel=2, network="vk")
    with pytest.raises(ValueError, match="bug"):
        pool.run(range(10), work, what="test")


def test_no_credentials_configured():
    with pytest.raises(NoCredentialsLeft):
        CredentialPool([], [], max_parallel=2, network="vk")
