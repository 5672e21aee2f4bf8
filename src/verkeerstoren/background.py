"""The one handle on the server's own background work.

Every job the server runs by itself — scheduled pulls, hold expiry, webhook delivery and
reminders, audit checkpoints — is an asyncio task started in the app's lifespan and stopped at
shutdown; ``Job`` is how each is held, so stopping is done (and fixed) in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any


class Job:
    """A running background task, or none when the job is switched off."""

    def __init__(self, task: asyncio.Task[None] | None = None) -> None:
        self.task = task

    @classmethod
    def start(cls, name: str, work: Coroutine[Any, Any, None]) -> Job:
        """Start ``work`` on the running event loop under ``name`` (shown in task dumps)."""
        return cls(asyncio.create_task(work, name=name))

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    async def stop(self) -> None:
        """Cancel the task and wait until it has ended."""
        if self.task is None:
            return
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None


def make_visible(log: logging.Logger) -> None:
    """Give a job's logger a handler of its own at INFO when nothing else has configured it:
    uvicorn configures only its own loggers, and without this a job's round lines vanish."""
    if log.hasHandlers():
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
