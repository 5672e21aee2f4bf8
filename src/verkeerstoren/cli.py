"""The `verkeerstoren` command line: serve, migrate, demo, audit, users, import."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO, cast

import click

from verkeerstoren.access.actor import system_actor
from verkeerstoren.access.roles import Role
from verkeerstoren.access.scoping import bind_actor
from verkeerstoren.errors import DomainError
from verkeerstoren.settings import Settings
from verkeerstoren.storage import Database, migrate

DEMO_DB = Path("var") / "demo.db"


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _database(settings: Settings) -> Database:
    from verkeerstoren.runtime import open_database

    return open_database(settings)


def _build_demo(settings: Settings) -> None:
    from verkeerstoren.demo.builder import build_demo

    migrate.upgrade(settings.database_url)
    db = _database(settings)
    data_dir = settings.data_dir if settings.data_dir.is_dir() else None
    with db.session() as session:
        bind_actor(session, system_actor("demo builder"))
        result = build_demo(session, data_dir)
    click.echo(result.message)
    if data_dir is not None:
        # The regiobeeld, demand projections and KPIs of the demo region read the real open
        # data of its gemeenten: without it those pages would show empty maps (about 1 s).
        from verkeerstoren.opendata.command import run_import

        run_import(db, data_dir, kind=None, path=None, year=None, whole_country=False,
                   echo=lambda line: None if line.startswith(" ") else click.echo(line))
        _refresh_bound(db)
    db.dispose()
    click.echo("Demo data is invented and marked '(demo)'. Demo users (e-mail / password / role):")
    for user in result.users:
        click.echo(f"  {user.email:40} {user.password:24} {user.role.value}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Verkeerstoren: the regional health-and-care control tower."""


@main.command()
@click.option("--demo", is_flag=True, help="Start on a fresh demo region (own SQLite file).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="App processes (PostgreSQL only; SQLite serves one).")
def serve(demo: bool, host: str, port: int, workers: int) -> None:
    """Serve the web application and API."""
    import uvicorn

    from verkeerstoren.app import create_app
    from verkeerstoren.runtime import settle_heap
    from verkeerstoren.storage.db import normalise_url
    from verkeerstoren.web.ops import logs
    from verkeerstoren.web.ops import workers as multi

    settings = _settings()
    if workers > 1 and ((demo and "VERKEERSTOREN_DATABASE_URL" not in os.environ)
                        or normalise_url(settings.database_url).startswith("sqlite")):
        # An error, not a warning and one process: an operator who asked for N processes
        # sized the machine and the pools for them and must hear that it did not happen.
        raise click.ClickException(multi.SQLITE_ONE_PROCESS.format(workers=workers))
    log_config = logs.log_config(settings.json_logs)
    if demo:
        if "VERKEERSTOREN_DATABASE_URL" not in os.environ:
            # A throw-away demo database so the demo never touches real data.
            DEMO_DB.parent.mkdir(exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
            settings = settings.model_copy(update={"database_url": f"sqlite:///{DEMO_DB}"})
        _build_demo(settings)
    else:
        migrate.upgrade(settings.database_url)  # once, before any worker starts
    # Forwarded headers are believed only from VERKEERSTOREN_TRUSTED_PROXIES (create_app), not
    # by uvicorn's default of trusting 127.0.0.1. In JSON mode the request lines come from
    # the app (with fields), not from uvicorn.
    common = {"host": host, "port": port, "log_level": "info", "proxy_headers": False,
              "log_config": log_config, "access_log": not settings.json_logs}
    if workers > 1:
        metrics_dir = multi.prepare_metrics_dir()
        click.echo(f"Serving on http://{host}:{port}/ with {workers} worker processes "
                   f"(metrics shared in {metrics_dir})")
        uvicorn.run("verkeerstoren.web.ops.workers:app_factory", factory=True,
                    workers=workers, **common)  # type: ignore[arg-type]
        return
    app = create_app(settings)
    settle_heap()  # the start-up heap out of the collector's view: see its docstring
    click.echo(f"Serving on http://{host}:{port}/")
    uvicorn.run(app, **common)  # type: ignore[arg-type]


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    migrate.upgrade(_settings().database_url)
    click.echo("Database is up to date.")


@main.command()
def demo() -> None:
    """Build the demo region into the configured database and print the demo users."""
    try:
        _build_demo(_settings())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def audit() -> None:
    """Check and export the audit log."""


@audit.command("verify")
@click.option("--since-checkpoint", "checkpoints", type=click.Path(path_type=Path),
              help="A file of signed checkpoints (audit_checkpoint_file): also detect "
                   "deleted newest entries.")
def audit_verify(checkpoints: Path | None) -> None:
    """Recompute the hash chain; exit 1 when a row was changed or deleted."""
    from verkeerstoren.audit import checkpoint, service

    settings = _settings()
    anchors = None
    if checkpoints is not None:
        try:
            anchors = checkpoint.anchors(
                checkpoint.read_file(checkpoints, checkpoint.signing_key(settings)))
        except checkpoint.CheckpointError as exc:
            click.echo(f"BAD CHECKPOINT: {exc}", err=True)
            sys.exit(1)
    db = _database(settings)
    with db.session() as session:
        result = service.verify(session, anchors)
    if result.ok:
        against = f", matches {checkpoints}" if checkpoints is not None else ""
        click.echo(f"OK: {result.checked} entries, chain head {result.head}{against}")
        return
    where = f" at entry {result.first_bad_id}" if result.first_bad_id is not None else ""
    click.echo(f"BROKEN{where}: {result.problem}", err=True)
    sys.exit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Append a signed checkpoint of the chain heads now (the server does this by itself)."""
    from verkeerstoren.audit.anchoring import write_checkpoint

    settings = _settings()
    written = write_checkpoint(_database(settings), settings)
    click.echo(f"Checkpoint of {written.entries} entries appended to "
               f"{settings.audit_checkpoint_file}")


@audit.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
def audit_export(output: TextIO) -> None:
    """Write the audit log as CSV (to a file or standard output)."""
    from verkeerstoren.audit import service

    db = _database(_settings())
    with db.session() as session:
        for chunk in service.export_csv(session):
            output.write(chunk)


@main.group()
def users() -> None:
    """Create users and reset passwords."""


@users.command("create")
@click.option("--email", required=True, help="Login e-mail address.")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="Role.")
@click.option("--organisation-id", type=int, required=True, help="Organisation id.")
@click.password_option(help="Password (asked for when omitted).")
def users_create(email: str, name: str, role: str, organisation_id: int, password: str) -> None:
    """Create a user."""
    from verkeerstoren.access import service

    db = _database(_settings())
    try:
        with db.session() as session:
            bind_actor(session, system_actor("cli"))
            user = service.create_user(session, email=email, name=name, password=password,
                                       role=Role(role), organisation_id=organisation_id)
            click.echo(f"Created user {user.email} (id {user.id}).")
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("reset-password")
@click.option("--email", required=True, help="Login e-mail address.")
@click.password_option(help="New password (asked for when omitted).")
def users_reset_password(email: str, password: str) -> None:
    """Set a new password and end the user's sessions."""
    from verkeerstoren.access import service

    db = _database(_settings())
    try:
        with db.session() as session:
            bind_actor(session, system_actor("cli"))
            service.set_password(session, email, password)
        click.echo(f"Password of {email} reset.")
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("import-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["units", "teams"]), default="units",
              show_default=True, help="What the CSV describes.")
def import_registry(path: Path, kind: str) -> None:
    """Import a registry CSV, all or nothing."""
    from verkeerstoren.registry import importer

    db = _database(_settings())
    try:
        with db.session() as session:
            bind_actor(session, system_actor("cli import"))
            summary = importer.import_csv(session, cast(importer.Kind, kind),
                                          path.read_bytes())
        click.echo(f"Imported: {summary}")
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("import-opendata")
@click.argument("data_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--kind", help="Load one file with this parser (e.g. cbs_kwb, rivm_health).")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The file to load with --kind.")
@click.option("--year", type=int, help="The year the file is for, when its name does not say.")
@click.option("--whole-country", is_flag=True, help="Store all gemeenten, not only the region's.")
def import_opendata(data_dir: Path | None, kind: str | None, path: Path | None,
                    year: int | None, whole_country: bool) -> None:
    """Load CBS, PDOK, RIVM, Vektis and NZa open data (all or nothing per data set)."""
    from verkeerstoren.opendata.command import run_import

    settings = _settings()
    if (kind is None) != (path is None):
        raise click.UsageError("--kind and --file go together")
    try:
        db = _database(settings)
        run_import(db, data_dir or settings.data_dir, kind=kind, path=path,
                   year=year, whole_country=whole_country, echo=click.echo)
        _refresh_bound(db)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


def _refresh_bound(db: Database) -> None:
    """KPIs bound to open data read the figures just loaded (kpi/sources.py)."""
    from verkeerstoren.kpi import sources

    with db.session() as session:
        actor = system_actor("import-opendata")
        bind_actor(session, actor)
        count = sources.refresh(session, actor)
    click.echo(f"{count} KPI measurements read from their sources")


@main.command()
@click.option("--quarter", required=True, help="Quarter such as 2026Q3.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=Path("var"),
              show_default=True, help="Folder to write the HTML and PDF into.")
@click.option("--no-pdf", is_flag=True, help="Write only the HTML.")
def report(quarter: str, output: Path, no_pdf: bool) -> None:
    """Write the quarterly progress report (voortgangsrapportage) as HTML and PDF."""
    from verkeerstoren.reports.build import ReportUnavailable
    from verkeerstoren.reports.command import write_report

    db = _database(_settings())
    try:
        for path in write_report(db, quarter, output, pdf=not no_pdf):
            click.echo(f"Written: {path}")
    except (DomainError, ReportUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.dispose()


@main.command("pull-once")
def pull_once() -> None:
    """Pull every provider endpoint that is due now (what the scheduler does each minute)."""
    from verkeerstoren.capacity.pull.scheduler import run_due_pulls

    settings = _settings()
    results = run_due_pulls(_database(settings), outbound=settings.outbound)
    for result in results:
        state = f"{result.accepted} reports" if result.ok else "; ".join(
            str(p) for p in result.problems[:5])
        click.echo(f"pull source {result.source_id}: {'OK' if result.ok else 'FAILED'} {state}")
    click.echo(f"{len(results)} source(s) pulled.")


@main.command("expire-holds")
def expire_holds() -> None:
    """Release expired holds and warn about ending ones once (the server does this itself)."""
    from datetime import timedelta

    from verkeerstoren.placement.expiry import run_round

    settings = _settings()
    db = _database(settings)
    try:
        result = run_round(db, warn_before=timedelta(minutes=settings.hold_warning_minutes))
    finally:
        db.dispose()
    click.echo(f"Holds: {result.expired} released after expiry, {result.warned} warned.")


@main.command("deliver-webhooks")
@click.option("--remind/--no-remind", default=True, show_default=True,
              help="Also remind providers whose availability reports are stale.")
def deliver_webhooks(remind: bool) -> None:
    """Post due webhook deliveries once (the app does this every 10 s) and send reminders."""
    from verkeerstoren.notifications.worker import run_round

    settings = _settings()
    db = _database(settings)
    try:
        result = run_round(db, outbound=settings.outbound, remind=remind)
    finally:
        db.dispose()
    run = result.deliveries
    click.echo(f"Webhooks: {run.delivered} delivered, {run.retrying} to retry, "
               f"{run.failed} failed.")
    if result.reminded is not None:
        click.echo(f"Stale-report reminders: {result.reminded} organisations.")


@main.command()
@click.option("--days", type=float,
              help="Retention in days (default: VERKEERSTOREN_RETENTION_DAYS).")
def purge(days: float | None) -> None:
    """Remove personal data of requests closed longer ago than the retention period."""
    from verkeerstoren.retention import run_round

    settings = _settings()
    if days is not None:
        if days <= 0:
            raise click.BadParameter("must be more than 0", param_hint="--days")
        settings = settings.model_copy(update={"retention_days": days})
    db = _database(settings)
    try:
        result = run_round(db, settings)
    finally:
        db.dispose()
    click.echo(f"Purged: {result.summary()}")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent copy of the database to FILE while the server runs."""
    from verkeerstoren.storage.backup import BackupError, backup

    try:
        done = backup(_settings().database_url, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written: {done.path} ({done.bytes} bytes)")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database by the backup FILE (stop the servers first)."""
    from verkeerstoren.storage.backup import BackupError, restore

    settings = _settings()
    if not yes:
        from sqlalchemy.engine import make_url

        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        click.confirm(f"Replace every row of {shown} by {file}?", abort=True)
    try:
        restore(settings.database_url, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {file}. Check it: verkeerstoren audit verify")
