"""The background worker and the `verkeerstoren deliver-webhooks` command."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from tests.conftest import LOCAL
from tests.notifications.conftest import Receiver, org_of
from verkeerstoren.access.actor import system_actor
from verkeerstoren.cli import main
from verkeerstoren.notifications import service, webhooks
from verkeerstoren.notifications.worker import start_worker
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database


def test_the_worker_posts_queued_deliveries_in_the_background_and_stops_cleanly(
    session: Session, db: Database, settings: Settings, receiver: Receiver
) -> None:
    receiver.statuses = [200]
    org = org_of(session, "provider")
    webhooks.register(session, system_actor(), url=receiver.url, events=["reservation.new"],
                      organisation_id=org, outbound=LOCAL)
    title, body = service.MESSAGES["reservation.new"]
    service.notify(session, organisation_id=org, event="reservation.new", title=title,
                   body=body, payload={"unit": "A", "bed_type": "B", "hold_until": "12:00"})
    session.flush()

    async def scenario() -> bool:
        assert not start_worker(db, settings).running  # off in the test environment
        worker = start_worker(db, settings, enabled=True)
        assert worker.running
        for _ in range(600):  # up to 30 s: a loaded CI machine, not a timing assertion
            if receiver.requests:
                break
            await asyncio.sleep(0.05)
        await worker.stop()
        return not worker.running

    assert asyncio.run(scenario())
    assert len(receiver.requests) == 1


def test_the_command_runs_one_delivery_round(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERKEERSTOREN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("VERKEERSTOREN_ENVIRONMENT", "test")
    result = CliRunner().invoke(main, ["deliver-webhooks", "--no-remind"])
    assert result.exit_code == 0, result.output
    assert "Webhooks: 0 delivered, 0 to retry, 0 failed." in result.output
