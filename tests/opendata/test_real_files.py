"""The loaders read the real files in ../shared/data and give the publishers' figures."""

from __future__ import annotations

import json

import polars as pl

from tests.opendata.fixtures import DATA_DIR, parsed


def value(key: str, year: int, area: str, indicator: str, subgroup: str = "",
          in_year: int | None = None) -> float | None:
    frame = parsed(key, year).values
    assert frame is not None
    rows = frame.filter((pl.col("area_code") == area) & (pl.col("indicator") == indicator)
                        & (pl.col("subgroup") == subgroup)
                        & (pl.col("year") == (in_year or year)))
    assert rows.height == 1, rows
    result: float | None = rows["value"][0]
    return result


def test_zoetermeer_population_2024_is_the_cbs_figure() -> None:
    original = json.loads((DATA_DIR / "cbs_kwb_2024_gemeente_wijk" /
                           "stripped_filtered_data_2024.json").read_text())
    assert original["GM0637"]["AantalInwoners_5"] == 128434
    assert value("cbs_kwb", 2024, "GM0637", "population") == 128434
    assert value("cbs_kwb", 2024, "WK063701", "population") == 15915  # Meerzicht


def test_a_wijks_2020_share_of_adults_in_good_health_is_the_rivm_estimate() -> None:
    # Buytenwegh de Leyens (Zoetermeer), StatLine 50090NED row ID 50807: 76.4 %.
    assert value("rivm_health_18plus", 2020, "WK063702", "good_health", "18+") == 76.4
    assert value("rivm_health_18plus", 2020, "GM0637", "good_health", "18+") == 77.7
    assert value("rivm_health_18plus", 2020, "NL01", "good_health", "18+") == 78.4


def test_unpublished_rivm_cells_are_kept_as_missing_not_zero() -> None:
    frame = parsed("rivm_health_18plus", 2020).values
    assert frame is not None
    assert frame["value"].null_count() > 0
    assert frame.filter(pl.col("value") == 0).height < frame["value"].null_count()


def test_all_files_have_the_row_counts_source_md_states() -> None:
    assert parsed("cbs_kwb", 2024).rows_read == 3735
    assert parsed("pdok_wijken", 2024).rows_read == 3475
    assert parsed("pdok_gemeenten", 2024).rows_read == 343
    assert parsed("cbs_population_dynamics", 2023).rows_read == 15630
    assert parsed("cbs_kerncijfers", 2015).rows_read == 770
    assert parsed("rivm_health_65plus", 2016).rows_read == 17341
    assert parsed("vektis_zvw", 2015).rows_read == 14735
    assert parsed("vektis_benchmark", 2023).rows_read == 342
    assert parsed("nza_ggz", 2016).rows_read == 2578
    assert parsed("nza_ggz", 2018).rows_read == 6975


def test_a_providers_2018_ggz_wait_is_the_nza_figure() -> None:
    waits = parsed("nza_ggz", 2018).waits
    assert waits is not None
    jellinek = waits.filter((pl.col("provider_name") == "Jellinek")
                            & (pl.col("gemeente_code") == "GM0402")
                            & (pl.col("care_type") == "Alcohol gebonden stoornissen"))
    assert jellinek["intake_weeks"].to_list() == [1.0]
    assert jellinek["treatment_text"].to_list() == ["-"]
    hsk = waits.filter((pl.col("provider_name") == "HSK Groep")
                       & (pl.col("gemeente_code") == "GM0637"))
    assert (hsk["intake_weeks"][0], hsk["treatment_weeks"][0]) == (2.0, 4.0)


def test_2018_gemeente_numbers_get_their_leading_zeros_back() -> None:
    waits = parsed("nza_ggz", 2018).waits
    assert waits is not None
    almere = waits.filter(pl.col("place") == "Almere")
    assert set(almere["gemeente_code"].to_list()) == {"GM0034"}


def test_2016_waits_with_a_decimal_comma_and_stop_markers_are_read() -> None:
    waits = parsed("nza_ggz", 2016).waits
    assert waits is not None
    assert 2.5 in waits["intake_weeks"].to_list()
    stopped = waits.filter(pl.col("intake_text").str.to_lowercase() == "stop")
    assert stopped.height == 63
    assert stopped["intake_weeks"].null_count() == 63


def test_gooise_meren_before_its_merger_is_bussum_muiden_and_naarden() -> None:
    parts = sum(value("cbs_population_dynamics", 2023, code, "population_1jan", in_year=2015)
                or 0 for code in ("GM0381", "GM0424", "GM0425"))
    assert value("cbs_population_dynamics", 2023, "GM1942", "population_1jan",
                 in_year=2015) == parts
    assert value("cbs_kerncijfers", 2015, "GM1942", "population") == 32870 + 6249 + 17209


def test_distances_to_care_in_2015_are_read_from_the_padded_cbs_export() -> None:
    assert value("cbs_kerncijfers", 2015, "GM0637", "distance_gp_km") == 0.9
    assert value("cbs_kerncijfers", 2015, "GM0637", "distance_hospital_km") == 3.3


def test_vektis_names_are_matched_to_every_region_gemeente() -> None:
    for key, year in (("vektis_zvw", 2015), ("vektis_benchmark", 2023)):
        frame = parsed(key, year).values
        assert frame is not None
        codes = set(frame["area_code"].to_list())
        for code in ("GM0518", "GM0637", "GM1942", "GM0417", "GM0603", "GM1696"):
            assert code in codes, (key, code)
    assert round(value("vektis_benchmark", 2023, "GM0637", "cost_per_insured_year") or 0, 2) \
        == 3220.18
    assert not any("not matched" in n and not n.startswith("0 ")
                   for n in parsed("vektis_benchmark", 2023).notes)


def _raw_nza_2016() -> pl.DataFrame:
    """The 2016 scrape read independently of the loader (the csv module, latin-1, ';')."""
    import csv
    import io

    text = (DATA_DIR / "nza_wachttijden_ggz_2016" / "brondata_wachttijden_ggz_2016_ruw.csv") \
        .read_bytes().decode("latin-1")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    # The loader's place: the provider's own place column, else the registered address.
    return pl.DataFrame({"place": [r["Plaats.zorgaanbieder"].strip() or r["PLAATS"].strip()
                                   for r in rows],
                         "address": [r["PLAATS"].strip() for r in rows]})


def test_nza_2016_maps_merged_gemeenten_to_today_and_tells_rijswijks_apart() -> None:
    """Issue 15 item 7: Bussum and Naarden are Gooise Meren since 2016; the three rows whose
    place is spelled 'Rijkswijk' have the address RIJSWIJK ZH; the one 'Rijswijk' row has the
    address RIJSWIJK GLD, a village in Buren, not the gemeente Rijswijk (ZH.)."""
    raw = _raw_nza_2016()
    waits = parsed("nza_ggz", 2016).waits
    assert waits is not None
    assert waits.height == raw.height  # no row dropped: the codes below line up with the file
    coded = pl.concat([raw, waits.select("gemeente_code")], how="horizontal")
    gooi = coded.filter(pl.col("place").str.to_uppercase().is_in(["BUSSUM", "NAARDEN"]))
    assert gooi.height == 5
    assert set(gooi["gemeente_code"].to_list()) == {"GM1942"}
    assert "GM0381" not in coded["gemeente_code"].to_list()  # Bussum's pre-2016 code
    misspelt = coded.filter(pl.col("place") == "Rijkswijk")
    assert set(misspelt["address"].str.to_uppercase().to_list()) == {"RIJSWIJK ZH"}
    assert set(misspelt["gemeente_code"].to_list()) == {"GM0603"}
    buren = coded.filter(pl.col("address").str.to_uppercase() == "RIJSWIJK GLD")
    assert buren.height == 1
    assert buren["gemeente_code"].to_list() == [None]
    assert coded.filter(pl.col("gemeente_code") == "GM0603").height == 3


def test_every_name_mapped_by_a_loader_is_a_cbs_gemeente_and_the_rest_is_reported() -> None:
    """The codes that name-based loaders (NZa 2016, Vektis 2015) produce are CBS gemeente codes,
    merged gemeenten are given as their successor, and unmatched names are in the notes."""
    pdok = parsed("pdok_gemeenten", 2024).areas
    dynamics = parsed("cbs_population_dynamics", 2023).values
    assert pdok is not None
    assert dynamics is not None

    # Every gemeente code CBS has used since 2012, and today's.
    cbs = {c for c in dynamics["area_code"].unique().to_list() if c.startswith("GM")} | set(
        pdok.filter(pl.col("level") == "GM")["code"].to_list())
    nza = parsed("nza_ggz", 2016)
    assert nza.waits is not None
    assert set(nza.waits["gemeente_code"].drop_nulls().to_list()) <= cbs
    unmatched = nza.waits.filter(pl.col("gemeente_code").is_null())["place"].unique()
    assert "Voorthuizen" in unmatched.to_list()
    assert "Voorthuizen" in nza.notes[0]
    # A gemeente merged before the collection is given as its successor (Spijkenisse, 2015).
    spijkenisse = nza.waits.filter(pl.col("place").str.to_uppercase() == "SPIJKENISSE")
    assert spijkenisse.height > 0
    assert set(spijkenisse["gemeente_code"].to_list()) == {"GM1930"}
    vektis = parsed("vektis_zvw", 2015)
    assert vektis.values is not None
    codes = {c for c in vektis.values["area_code"].unique().to_list() if c.startswith("GM")}
    assert codes <= cbs
