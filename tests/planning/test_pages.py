"""The bed-planning API and page: the formula's answer, observed inputs, clear refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Browser
from verkeerstoren.planning import erlang

Login = Callable[[str], Browser]


def test_the_api_gives_erlangs_beds_for_entered_inputs_and_a_simulation(login: Login) -> None:
    answer = login("analyst").post("/api/v1/planning/beds", json={
        "bed_type": "multifunctional", "arrivals_per_day": 2.5, "mean_stay_days": 12,
        "guarantee_percent": 99, "simulate_years": 2})
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["offered_load"] == pytest.approx(30.0)
    assert plan["chosen"]["beds"] == erlang.beds_needed(30.0, 0.99).beds
    levels = {g["guarantee_percent"]: g["beds"] for g in plan["guarantees"]}
    assert levels[95.0] < levels[99.0] < levels[99.9]
    assert plan["arrivals_source"] == plan["stay_source"] == "entered"
    assert plan["simulation"]["arrivals"] > 1000
    assert plan["simulation"]["erlang_percent"] == pytest.approx(
        erlang.blocking(30.0, plan["chosen"]["beds"]) * 100)


@pytest.mark.parametrize(("body", "field"), [
    ({"bed_type": "multifunctional", "arrivals_per_day": 1, "mean_stay_days": 5,
      "guarantee_percent": 100}, "guarantee_percent"),
    ({"bed_type": "multifunctional", "arrivals_per_day": -1, "mean_stay_days": 5},
     "arrivals_per_day"),
    ({"bed_type": "nonsense", "arrivals_per_day": 1, "mean_stay_days": 5}, "bed_type"),
    ({"bed_type": "multifunctional", "arrivals_per_day": 1, "mean_stay_days": 5,
      "gemeente_code": "GM9999"}, "gemeente_code"),
])
def test_bad_plans_are_refused_naming_the_input(login: Login, body: dict[str, object],
                                                field: str) -> None:
    answer = login("analyst").post("/api/v1/planning/beds", json=body)
    assert answer.status_code == 422
    assert field in answer.text


def test_the_page_plans_from_the_demos_observations_in_dutch(login: Login) -> None:
    browser = login("viewer")
    empty = browser.get("/planning/beds")
    assert empty.status_code == 200
    assert "Beddenplanning" in empty.text
    page = browser.get("/planning/beds", params={
        "bed_type": "multifunctional", "arrivals_per_day": "1,5", "mean_stay_days": "10",
        "guarantee_percent": "99"})
    assert page.status_code == 200, page.text[-2000:]
    beds = erlang.beds_needed(15.0, 0.99).beds
    assert f"{beds} bedden" in page.text
    assert "100 %" in page.text
    refused = browser.get("/planning/beds", params={"bed_type": "multifunctional",
                                                    "guarantee_percent": "100"})
    assert refused.status_code == 422
    assert "field-error" in refused.text
