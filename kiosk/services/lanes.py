"""Worker lanes: one thread and one bounded queue per device or service, so slow work never runs on
the caller's (the UI's) thread and the commands for one device run in the order they were given.

Why lanes and not a pool: the session's commands for one device must not overtake each other
(``StopIdReader`` then ``StartIdReader`` when a step is re-entered; ``StopCamera`` before
``WipePersonalData`` drops the photos), while different devices must not wait for each other (a
20-second central-service timeout must not delay the printer). A lane per device gives both.

A full queue refuses new work at once (``submit`` returns False) instead of growing without bound:
the executor then answers the command with its failure event, so the session never waits for
work that was never queued. Except for *essential* jobs (``submit(job, essential=True)``: the
session end's device release and privacy wipe): those are never refused for a full queue, and run
in order behind what was queued before them. A stuck device must not keep the last person's data.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Lane:
    """One named worker thread running jobs in order."""

    def __init__(self, name: str, *, maxsize: int = 64) -> None:
        self.name = name
        self._maxsize = maxsize
        self._queue: queue.Queue[Job | None] = queue.Queue()  # bounded by submit (essential jobs go past)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._pending = 0
        self._stopping = False

    def start(self) -> Lane:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=f"lane-{self.name}", daemon=True)
            self._thread.start()
        return self

    def submit(self, job: Job, *, essential: bool = False) -> bool:
        """Queue ``job``; False when the lane is stopped, or its queue is full and the job is not
        ``essential`` (essential jobs are queued past the bound)."""
        if self._thread is None or self._stopping:
            return False
        with self._lock:
            if not essential and self._queue.qsize() >= self._maxsize:
                log.error("lane %s: queue full, work refused", self.name)
                return False
            with self._idle:
                self._pending += 1
            self._queue.put_nowait(job)
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued job has finished (tests, orderly shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    @property
    def pending(self) -> int:
        return self._pending

    def stop(self, timeout: float = 5.0) -> bool:
        """Finish the queued jobs, then end the thread; True if it ended within ``timeout``."""
        thread = self._thread
        if thread is None:
            return True
        self._stopping = True
        self._queue.put_nowait(None)
        thread.join(timeout)
        self._thread = None
        return not thread.is_alive()

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # a job's bug must not end the lane; the job itself answers failures
                log.exception("lane %s: job failed", self.name)
            finally:
                self._done()
