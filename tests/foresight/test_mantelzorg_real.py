"""Mantelzorgpotentieel (people aged 50-74 per person aged 85+) against the real source file.

../shared/data has no 2024 counts by 5-year age group (CBS/PDOK 2024 gives five broad shares
only); the one real count by 5-year group is Vektis Zvw 2015 (insured persons per gemeente,
sex and age class). The ratio is computed here from that file with the csv module, apart from
the code, and compared with the code's ratio on the same counts. The projection's 2024 ratio
(aged from the 2015 structure by the cohort model) must then lie below 2015's and keep falling
to 2030: the baby-boom cohorts move from 50-74 towards 85+.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from sqlalchemy.orm import Session

from tests.opendata.fixtures import DATA_DIR, load_region
from verkeerstoren.foresight import demand, outlook
from verkeerstoren.foresight.population import make_projection
from verkeerstoren.foresight.schemas import OutlookIn

VEKTIS = DATA_DIR / "vektis_zvw_gemeente_2015" / "vektis_open_databestand_zvw_2015_gemeente.csv"


def _persons(gemeente: str) -> dict[tuple[str, str], float]:
    text = VEKTIS.read_bytes().decode("latin-1")
    return {(row["GESLACHT"], row["LEEFTIJDSKLASSE"].strip()): float(row["AANTAL_BSN"])
            for row in csv.DictReader(io.StringIO(text), delimiter=";")
            if row["GEMEENTENAAM"] == gemeente}


def test_zoetermeer_2015_from_the_vektis_file() -> None:
    persons = _persons("ZOETERMEER")
    carers = sum(v for (_, age), v in persons.items()
                 if age[:2].strip() in {"50", "55", "60", "65", "70"})
    oldest = sum(v for (_, age), v in persons.items() if age.startswith(("85", "90")))
    assert 50 < oldest < carers
    # The same counts in the model's layout (sex M/V, age class in file order 0-4 … 90+).
    counts = np.zeros((1, 2, 19))
    for (sex, age), value in persons.items():
        group = 18 if age.startswith("90") else int(age.split()[0]) // 5
        counts[0, 0 if sex == "M" else 1, group] += value
    ratio = demand.mantelzorg_potential(make_projection("GM0637", counts, base_year=2015))
    assert ratio[0] == pytest.approx(carers / oldest)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_projected_ratio_falls_from_its_2015_level(session: Session) -> None:
    load_region(session, ("vektis_zvw", "cbs_population_dynamics", "cbs_kerncijfers",
                          "cbs_kwb"))
    persons = _persons("ZOETERMEER")
    in_2015 = sum(v for (_, a), v in persons.items()
                  if a[:2].strip() in {"50", "55", "60", "65", "70"}) / sum(
        v for (_, a), v in persons.items() if a.startswith(("85", "90")))
    result = outlook.outlook(session, OutlookIn(area_code="GM0637", until=2030))
    first = result.mantelzorg_potential[0]
    assert first is not None
    assert first < in_2015
    later = result.mantelzorg_potential[-1]
    assert later is not None
    assert later < first
