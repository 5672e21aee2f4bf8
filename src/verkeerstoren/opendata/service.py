"""Loading open data into the database: all or nothing per data set, with provenance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from verkeerstoren.access.actor import Actor
from verkeerstoren.errors import Forbidden
from verkeerstoren.opendata.catalogue import DEFAULT_FILES, PROVENANCE, parse
from verkeerstoren.opendata.models import AreaShape, AreaValue, DataSet, ExternalWait
from verkeerstoren.opendata.names import build_index
from verkeerstoren.opendata.reading import Parsed
from verkeerstoren.registry.models import Gemeente


@dataclass(frozen=True)
class LoadResult:
    """What one load stored."""

    key: str
    year: int
    source_file: str
    rows_read: int
    rows_stored: int
    notes: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.key} {self.year}: {self.rows_read} rows read, {self.rows_stored} "
                f"figures stored from {self.source_file}")


def region_scope(session: Session) -> frozenset[str] | None:
    """The gemeenten of the registry's regions, or None (all of NL) when none are registered."""
    codes = frozenset(session.scalars(select(Gemeente.code).where(
        Gemeente.region_id.is_not(None))))
    return codes or None


def known_names(session: Session) -> dict[str, str]:
    """Normalised gemeente name → code from loaded areas and the registry."""
    pairs = list(session.execute(
        select(AreaShape.code, AreaShape.name).join(DataSet)
        .where(AreaShape.level == "GM").order_by(DataSet.year)))
    pairs += list(session.execute(select(Gemeente.code, Gemeente.name)))
    return build_index(pairs)


def _in_scope(column: str, keep: frozenset[str] | None) -> pl.Expr:
    if keep is None:
        return pl.lit(True)
    gemeente = "GM" + pl.col(column).str.slice(2, 4)
    return (pl.col(column) == "NL01") | gemeente.is_in(list(keep))


def _bulk_insert(session: Session, table: type[AreaValue | AreaShape | ExternalWait],
                 frame: pl.DataFrame) -> None:
    """Insert a frame's rows in the session's transaction: COPY on PostgreSQL (a few seconds
    for 10⁵ rows instead of half a minute), Core executemany elsewhere (never the ORM)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = frame.columns
        # psycopg 3's cursor.copy(); the DB-API protocol type does not know it.
        dbapi: Any = connection.connection.dbapi_connection
        with dbapi.cursor() as cursor, cursor.copy(
            f"COPY {table.__tablename__} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in frame.iter_rows():
                copy.write_row(row)
        return
    rows = frame.to_dicts()
    for start in range(0, len(rows), 20_000):
        connection.execute(insert(table), rows[start:start + 20_000])


def store(session: Session, actor: Actor, parsed: Parsed, *,
          keep: frozenset[str] | None = None) -> LoadResult:
    """Replace the data set (key, year) by the parsed one inside a savepoint: a failure leaves
    what was loaded before untouched."""
    if actor.scoped_organisation is not None:
        raise Forbidden("only an administrator may load open data")
    provenance = PROVENANCE[parsed.key]
    values = parsed.values.filter(_in_scope("area_code", keep)) \
        if parsed.values is not None else None
    areas = parsed.areas.filter(_in_scope("code", keep)) if parsed.areas is not None else None
    waits = parsed.waits
    if waits is not None and keep is not None:
        waits = waits.filter(pl.col("gemeente_code").is_in(list(keep)))
    stored = sum(f.height for f in (values, areas, waits) if f is not None)
    with session.begin_nested():
        old = session.scalar(select(DataSet).where(DataSet.key == parsed.key,
                                                   DataSet.year == parsed.year))
        if old is not None:
            for table in (AreaValue, AreaShape, ExternalWait):
                session.execute(delete(table).where(table.dataset_id == old.id))
            session.delete(old)
            session.flush()
        dataset = DataSet(key=parsed.key, year=parsed.year, title=provenance.title,
                          publisher=provenance.publisher, table_id=provenance.table_id,
                          licence=provenance.licence, source_file=parsed.source_file[:300],
                          sha256=parsed.sha256, rows_read=parsed.rows_read, rows_stored=stored,
                          notes="\n".join(parsed.notes), loaded_by=actor.label[:200])
        session.add(dataset)
        session.flush()
        for table, frame in ((AreaValue, values), (AreaShape, areas), (ExternalWait, waits)):
            if frame is not None and frame.height:
                _bulk_insert(session, table, frame.with_columns(
                    pl.lit(dataset.id).alias("dataset_id")))
    return LoadResult(parsed.key, parsed.year, parsed.source_file, parsed.rows_read, stored,
                      tuple(parsed.notes))


def load_file(session: Session, actor: Actor, kind: str, path: Path, *,
              year: int | None = None, keep: frozenset[str] | None = None) -> LoadResult:
    """Check one file and, only if it matches its table, replace that data set."""
    parsed = parse(kind, path, year=year, names=known_names(session))
    return store(session, actor, parsed, keep=keep)


def _add_names(names: dict[str, str], parsed: Parsed) -> None:
    if parsed.areas is not None:
        gemeenten = parsed.areas.filter(pl.col("level") == "GM")
        names.update(build_index(zip(gemeenten["code"], gemeenten["name"], strict=True)))


def parse_defaults(data_dir: Path, files: Iterable[tuple[str, str]] = DEFAULT_FILES,
                   names: Mapping[str, str] | None = None) -> list[Parsed]:
    """Parse every default file (nothing written); names found early help later files."""
    index = dict(names or {})
    result = []
    for kind, relative in files:
        parsed = parse(kind, data_dir / relative, names=index)
        _add_names(index, parsed)
        result.append(parsed)
    return result


def load_all(session: Session, actor: Actor, data_dir: Path, *,
             keep: frozenset[str] | None = None) -> list[LoadResult]:
    """Load every default data set; each is all or nothing, a refusal stops the run."""
    return [store(session, actor, p, keep=keep)
            for p in parse_defaults(data_dir, names=known_names(session))]


def list_datasets(session: Session) -> list[DataSet]:
    """Loaded data sets with their provenance, newest first per key."""
    return list(session.scalars(select(DataSet).order_by(DataSet.key, DataSet.year.desc())))
