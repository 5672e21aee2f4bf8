"""The running server anchors the audit log by itself: `verkeerstoren serve` appends signed
checkpoints to its file, its log and the webhook, and `audit verify --since-checkpoint` then
accepts the untouched log and catches a deleted tail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import _create_database, is_postgres
from tests.notifications.conftest import Receiver, _handler


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verkeerstoren", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _delete_newest(url: str, n: int) -> None:
    """What an attacker with database rights does: drop the guards, remove the newest rows."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        if is_postgres():
            conn.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
        else:
            conn.execute(text("DROP TRIGGER audit_entry_no_delete"))
        conn.execute(text("DELETE FROM audit_entry WHERE id IN (SELECT id FROM audit_entry "
                          "ORDER BY id DESC LIMIT :n)"), {"n": n})
    engine.dispose()


def test_the_server_writes_checkpoints_that_catch_a_deleted_tail(tmp_path: Path) -> None:
    url, drop = _create_database(tmp_path, "serve")
    receiver = Receiver(statuses=[200])
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    checkpoints = tmp_path / "anchors" / "checkpoints.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERKEERSTOREN_")}
    env.update({
        "VERKEERSTOREN_DATABASE_URL": url,
        "VERKEERSTOREN_SECRET_KEY": "checkpoint-test-secret-" + "x" * 20,
        "VERKEERSTOREN_PULL_ENABLED": "false",
        "VERKEERSTOREN_DATA_DIR": str(tmp_path / "no-open-data"),  # the small built-in region
        "VERKEERSTOREN_AUDIT_CHECKPOINT_SECONDS": "1",
        "VERKEERSTOREN_AUDIT_CHECKPOINT_FILE": str(checkpoints),
        "VERKEERSTOREN_AUDIT_CHECKPOINT_WEBHOOK":
            f"http://127.0.0.1:{hook.server_address[1]}/anchors",
        "VERKEERSTOREN_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
    })
    log_path = tmp_path / "serve.log"
    try:
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "verkeerstoren", "serve", "--demo", "--port",
                 str(_free_port())],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline and server.poll() is None:
                    written = checkpoints.read_text().splitlines() if checkpoints.exists() else []
                    if len(written) >= 2 and receiver.requests:
                        break
                    time.sleep(0.5)
            finally:
                server.terminate()
                server.wait(timeout=30)
        output = log_path.read_text()
        lines = checkpoints.read_text().splitlines() if checkpoints.exists() else []
        assert len(lines) >= 2, output  # written again and again, not once
        assert receiver.requests[0].body.decode() in lines
        assert f"audit checkpoint {lines[0]}" in output

        verified = _cli(env, "audit", "verify", "--since-checkpoint", str(checkpoints))
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("OK:")

        _delete_newest(url, 2)
        assert _cli(env, "audit", "verify").returncode == 0  # the chain alone cannot tell
        caught = _cli(env, "audit", "verify", "--since-checkpoint", str(checkpoints))
        assert caught.returncode == 1
        assert "newest entries were deleted" in caught.stderr
    finally:
        hook.shutdown()
        hook.server_close()
        drop()
