"""A file that does not match its table is refused with what differs; loaded data stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.opendata.fixtures import DATA_DIR
from verkeerstoren.access.actor import system_actor
from verkeerstoren.errors import ValidationErrors, ValidationProblem
from verkeerstoren.opendata import catalogue, service
from verkeerstoren.opendata.models import AreaValue, DataSet
from verkeerstoren.opendata.names import build_index

KWB = DATA_DIR / "cbs_kwb_2024_gemeente_wijk" / "kwb2024_gemeente_wijk.csv"
RIVM = DATA_DIR / "rivm_gezondheid_wijk_buurt_2016_2020" / "gezondheid_wijk_buurt_2020_18plus.csv"
WIJKEN = DATA_DIR / "pdok_cbs_gemeenten_wijken_2024" / "wijken_2024_regions.geojson"
VEKTIS = DATA_DIR / "vektis_zvw_gemeente_2015" / "vektis_open_databestand_zvw_2015_gemeente.csv"


def copy(tmp_path: Path, source: Path, name: str, transform: object) -> Path:
    target = tmp_path / name
    data = source.read_bytes()
    assert callable(transform)
    target.write_bytes(transform(data))
    return target


def refusal(kind: str, path: Path, year: int | None = None) -> str:
    with pytest.raises(ValidationErrors) as caught:
        catalogue.parse(kind, path, year=year)
    return str(caught.value)


def test_a_renamed_column_is_named_in_the_refusal(tmp_path: Path) -> None:
    bad = copy(tmp_path, KWB, "kwb2024_x.csv",
               lambda b: b.replace(b"AantalInwoners_5", b"Inwoners_5", 1))
    assert "missing column(s) AantalInwoners" in refusal("cbs_kwb", bad)


def test_a_truncated_file_is_refused_with_the_expected_row_count(tmp_path: Path) -> None:
    bad = copy(tmp_path, RIVM, "rivm.csv", lambda b: b[: len(b) // 2].rsplit(b"\n", 1)[0])
    assert "expected 17341" in refusal("rivm_health", bad)


def test_a_file_of_another_year_is_refused(tmp_path: Path) -> None:
    assert "Perioden is 2020, not the requested year 2016" in refusal("rivm_health", RIVM, 2016)
    renamed = copy(tmp_path, KWB, "kwb2023_gemeente_wijk.csv", lambda b: b)
    assert "2023, not the requested year 2024" in refusal("cbs_kwb", renamed, 2024)


def test_a_truncated_geojson_is_refused(tmp_path: Path) -> None:
    bad = copy(tmp_path, WIJKEN, "wijken.geojson", lambda b: b[: len(b) - 500])
    assert "not valid GeoJSON" in refusal("pdok_boundaries", bad)


def test_text_where_a_number_belongs_is_refused(tmp_path: Path) -> None:
    bad = copy(tmp_path, KWB, "kwb2024_y.csv",
               lambda b: b.replace(b",25845,", b",veel,", 1))
    assert "non-numeric values in AantalInwoners_5 ('veel')" in refusal("cbs_kwb", bad)


def test_a_latin1_file_is_decoded_and_names_keep_their_accents() -> None:
    result = catalogue.parse("vektis_zvw", VEKTIS, names=build_index(
        [("GM1900", "Súdwest-Fryslân")]))
    assert result.values is not None
    assert "GM1900" in result.values["area_code"].to_list()


def test_an_unknown_parser_or_missing_file_is_a_validation_problem(tmp_path: Path) -> None:
    with pytest.raises(ValidationProblem):
        catalogue.parse("cbs_unknown", KWB)
    with pytest.raises(ValidationProblem):
        catalogue.parse("cbs_kwb", tmp_path / "absent.csv")


def test_a_refused_file_leaves_the_loaded_data_set_intact(session: Session,
                                                          tmp_path: Path) -> None:
    actor = system_actor("test")
    keep = service.region_scope(session)
    service.load_file(session, actor, "cbs_kwb", KWB, keep=keep)
    before = session.scalar(select(func.count()).select_from(AreaValue))
    bad = copy(tmp_path, KWB, "kwb2024_gemeente_wijk.csv", lambda b: b[: len(b) // 3])
    with pytest.raises(ValidationErrors):
        service.load_file(session, actor, "cbs_kwb", bad, keep=keep)
    assert session.scalar(select(func.count()).select_from(AreaValue)) == before
    dataset = session.scalar(select(DataSet).where(DataSet.key == "cbs_kwb"))
    assert dataset is not None
    assert dataset.rows_read == 3735
