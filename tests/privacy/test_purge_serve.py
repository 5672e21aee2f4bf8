"""The running server purges by itself: `verkeerstoren serve` with a short retention removes the
personal data of a request closed while it runs, and says so in its log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from tests.audit.test_checkpoint_serve import _free_port
from tests.conftest import _create_database
from verkeerstoren.access.models import User
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.access.service import actor_for_user
from verkeerstoren.placement import service as placement
from verkeerstoren.placement.models import PlacementRequest
from verkeerstoren.placement.schemas import RequestIn
from verkeerstoren.registry.models import BedType
from verkeerstoren.storage import Database
from verkeerstoren.storage.base import utcnow

PSEUDONYM = "serve-purge-episode"


def _close_a_request(url: str) -> int:
    """What a coordinator does while the server runs: a request, cancelled with a reason."""
    db = Database(url)
    try:
        with db.session() as session:
            user = session.scalar(select(User).where(User.email.startswith("coordinator@")))
            assert user is not None
            actor = actor_for_user(user)
            bind_actor(session, actor)
            bed_type = session.scalars(select(BedType.code).order_by(BedType.code)).first()
            request = placement.create_request(session, actor, RequestIn.model_validate({
                "pseudonym": PSEUDONYM, "birth_year": 1930, "sex": "m", "postcode_area": 2712,
                "referrer_name": "Dr. Serve", "bed_types": [bed_type],
                "care_needs": "serve-purge care needs", "wanted_start": utcnow().date(),
                "financing": "zvw", "urgency": "today"}))
            placement.cancel_request(session, actor, request.id, "serve-purge reason")
            return request.id
    finally:
        db.dispose()


def _purged(url: str, request_id: int) -> PlacementRequest | None:
    db = Database(url)
    try:
        with db.session() as session:
            request = session.get(PlacementRequest, request_id)
            if request is not None and request.purged_at is not None:
                session.expunge(request)
                return request
            return None
    finally:
        db.dispose()


def test_the_server_purges_personal_data_after_the_retention(tmp_path: Path) -> None:
    url, drop = _create_database(tmp_path, "purge")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    env.update({
        "VERKEERSTOREN_DATABASE_URL": url,
        "VERKEERSTOREN_SECRET_KEY": "purge-test-secret-" + "x" * 20,
        "VERKEERSTOREN_PULL_ENABLED": "false",
        "VERKEERSTOREN_DATA_DIR": str(tmp_path / "no-open-data"),  # the small built-in region
        "VERKEERSTOREN_AUDIT_CHECKPOINT_SECONDS": "0",
        "VERKEERSTOREN_RETENTION_DAYS": "0.00005",  # 4.3 seconds
        "VERKEERSTOREN_RETENTION_PURGE_SECONDS": "1",
    })
    log_path = tmp_path / "serve.log"
    purged = None
    try:
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "verkeerstoren", "serve", "--demo", "--port",
                 str(_free_port())],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline and "Serving on" not in log_path.read_text():
                    assert server.poll() is None, log_path.read_text()
                    time.sleep(0.5)
                request_id = _close_a_request(url)
                assert _purged(url, request_id) is None  # closed just now: kept for the period
                while time.monotonic() < deadline and server.poll() is None:
                    purged = _purged(url, request_id)
                    if purged is not None:
                        break
                    time.sleep(0.5)
            finally:
                server.terminate()
                server.wait(timeout=30)
        output = log_path.read_text()
        assert purged is not None, output
        assert (purged.pseudonym, purged.birth_year, purged.sex, purged.postcode_area,
                purged.referrer_name, purged.care_needs, purged.close_note) == (None,) * 7
        assert purged.status.value == "cancelled"  # what the aggregates count stays
        assert "verkeerstoren.retention retention: 1 requests closed before" in output
    finally:
        drop()
