"""Invented figures and texts for the demo region's monitoring (all shown as demo).

The projects are the ones the Zoetermeer 2025 year plan names ("Projecten op de planning",
"Concrete resultaten"); their owners, budgets, progress texts and all values are invented.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date

# Measurements for indicators that are not computed: (period, value, narrative).
MANUAL_SERIES: dict[str, tuple[tuple[str, float | None, str | None], ...]] = {
    "H1": tuple((f"{y}Q{q}", v, None) for (y, q), v in zip(
        [(y, q) for y in range(2022, 2027) for q in range(1, 5)][:19],
        [78, 79, 79, 80, 81, 82, 82, 83, 84, 85, 86, 86, 87, 88, 88, 89, 90, 90, 91],
        strict=False)),
    "H2": tuple((f"{y}Q{q}", v, None) for (y, q), v in zip(
        [(y, q) for y in range(2022, 2027) for q in range(1, 5)][:19],
        [142, 145, 149, 151, 148, 146, 141, 138, 136, 131, 129, 127, 124, 121, 122, 119, 117,
         118, 116], strict=False)),
    "H3": tuple((f"{y}Q{q}", v, None) for (y, q), v in zip(
        [(y, q) for y in range(2022, 2027) for q in range(1, 5)][:19],
        [52, 51, 53, 54, 55, 57, 58, 58, 60, 61, 63, 62, 64, 66, 65, 67, 68, 66, 65],
        strict=False)),
    "G1": (("2016", 73.0, None), ("2020", 71.6, None), ("2022", 72.3, None),
           ("2024", 73.8, None)),
    # Invented (marked so by the demo): V&V clients in Zoetermeer as an index, to be measured
    # against the forecast C8 (issue 16 item 7).
    "C7": (("2024", 100.0, None), ("2025", 102.0, None), ("2026", 103.9, None)),
    "G2": (("2020", 47.0, None), ("2022", 46.1, None), ("2024", 49.3, None)),
    "G3": (("2020", 46.8, None), ("2022", 47.5, None), ("2024", 47.9, None)),
    "K1": (
        ("2025Q4", None, "Wekelijks overleg CCP over niet-plaatsbare patiënten; redenen worden "
                         "sinds oktober gestructureerd vastgelegd."),
        ("2026Q1", None, "Eerste kwartaaloverzicht 'tussen wal en schip' besproken in de "
                         "kerngroep Acute zorg; vooral ELV hoog complex met zuurstof ontbreekt."),
        ("2026Q2", None, "Inzicht uitgebreid naar acute ggz-cliënten; ggz-crisisbedden melden "
                         "nu ook beschikbaarheid."),
        ("2026Q3", None, "Inzicht voor kwetsbare ouderen en acute ggz compleet; zwangeren en "
                         "jeugd nog niet. Zomerpiek zichtbaar in niet-geplaatste aanvragen."),
    ),
    "B3": (("2023", 58.0, None), ("2024", 61.0, None), ("2025", 63.0, None)),
    "K3": (("2021", 8.0, None), ("2022", 10.0, None), ("2023", 12.0, None), ("2024", 13.0, None),
           ("2025", 15.0, None)),
    "C1": (("2022", 3.1, None), ("2023", 2.9, None), ("2024", 2.6, None), ("2025", 2.4, None)),
    "C2": (("2021", 2950.0, None), ("2022", 3040.0, None), ("2023", 3120.0, None),
           ("2024", 3185.0, None), ("2025", 3230.0, None)),
    "C4": (("2022", 5.0, None), ("2023", 8.0, None), ("2024", 12.0, None), ("2025", 15.0, None)),
    "P1": (("2022", 6.8, None), ("2023", 6.6, None), ("2024", 6.7, None), ("2025", 6.9, None)),
    "P2": (("2024", None, "Mantelzorgers van mensen met dementie ervaren de hoogste belasting; "
                          "respijtzorg is moeilijk te vinden."),
           ("2025", None, "Belasting vergelijkbaar met het landelijk gemiddelde; logeeropvang "
                          "via de Gezondheidsverkeerstoren sneller gevonden.")),
    "P3": (("2023", 410.0, None), ("2024", 385.0, None), ("2025", 402.0, None)),
    "P4": (("2023", 6.0, None), ("2024", 9.0, None), ("2025", 12.0, None)),
    "P5": (("2025", None, "Gezamenlijk praktijkgericht scholingsprogramma gestart met drie "
                          "VVT-organisaties en het ziekenhuis; 120 deelnemers."),),
    "B1": (("2021", 2500.0, None), ("2022", 9000.0, None), ("2023", 21000.0, None),
           ("2024", 38000.0, None), ("2025", 52000.0, None)),
    "B2": (("2021", 12.0, None), ("2022", 17.0, None), ("2023", 21.0, None),
           ("2024", 24.0, None), ("2025", 27.0, None)),
}

# PDCA follow-up actions: (indicator, what, owner, due in days from today, state).
ACTIONS: tuple[tuple[str, str, str, int, str], ...] = (
    ("G1", "Analyse GGD-monitor per wijk; preventieaanpak richten op wijken met lage SES",
     "Preventiecoalitie (GGD Haaglanden)", -20, "open"),
    ("B1", "Campagne 'Gezonde regio' met huisartsen en wijkteams; doel herijken met Regiegroep",
     "Programmabureau Zoetermeer 2025", 45, "in_progress"),
    ("K7", "Extra multifunctionele bedden tijdens de zomerpiek; afspraken over weekendopname",
     "Kerngroep Acute zorg", 30, "open"),
    ("H3", "Taskforce wachtlijsten ggz: regionale wachtlijstbemiddeling starten",
     "Taskforce wachtlijsten GGZ", -45, "in_progress"),
    ("K8", "Aanbieders met verouderde meldingen bellen en koppeling via API aanbieden",
     "Centraal Coördinatiepunt", -60, "done"),
)


@dataclass(frozen=True)
class Speed:
    """How quickly simulated requests are placed in a quarter."""

    log_mean: float
    unplaced_share: float


# Median hours = exp(log_mean): slow before the multifunctional beds (2023Q1), faster after,
# with a summer dip in 2026 so that the demo shows an off-track indicator and its action.
_ANCHORS = {"2022Q1": (3.3, 0.14), "2022Q4": (3.25, 0.13), "2023Q2": (2.9, 0.09),
            "2024Q1": (2.4, 0.06), "2025Q1": (1.8, 0.02), "2025Q4": (1.75, 0.02),
            "2026Q1": (2.05, 0.04), "2026Q3": (2.5, 0.07)}


def _index(label: str) -> int:
    return int(label[:4]) * 4 + int(label[5]) - 1


def placement_speed(label: str) -> Speed:
    """Interpolated speed for a quarter between the anchor quarters."""
    points = sorted((_index(k), v) for k, v in _ANCHORS.items())
    at = _index(label)
    if at <= points[0][0]:
        return Speed(*points[0][1])
    for (i0, v0), (i1, v1) in itertools.pairwise(points):
        if i0 <= at <= i1:
            share = (at - i0) / (i1 - i0)
            return Speed(v0[0] + share * (v1[0] - v0[0]), v0[1] + share * (v1[1] - v0[1]))
    return Speed(*points[-1][1])


def requests_per_quarter(index: int) -> int:
    """Slowly growing demand: 24 requests in the first quarter, one more each quarter."""
    return 24 + index


@dataclass(frozen=True)
class ProjectSpec:
    """A demo project with its latest and earlier progress texts."""

    line: str
    name: str
    owner: str
    phase: str
    start: date | None
    end: date | None
    budget: float | None
    indicators: tuple[str, ...]
    description: str
    latest: tuple[str, str, str | None, str | None]  # status, progress, risks, decisions
    earlier: str


PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec("Acute zorg", "Multifunctionele bedden", "Zorggroep Zoetermeer", "execution",
                date(2023, 1, 1), date(2026, 12, 31), 450_000, ("K5", "K6", "K7"),
                "Eén beddenhuis met multifunctionele bedden voor ELV, GRZ en Wlz-crisis.",
                ("amber", "Twaalf bedden in gebruik; zomerpiek leidde tot langere doorlooptijden "
                 "en meer niet-geplaatste aanvragen.",
                 "Personeelstekort in de zomer; weekendopnames niet gegarandeerd.",
                 "Besluit over vier extra bedden in het zomerseizoen (ca. € 60.000)."),
                "Bedden volgens planning in gebruik genomen; bezetting stabiel."),
    ProjectSpec("Acute zorg", "Regionaal Transferpunt", "Centraal Coördinatiepunt Zoetermeer",
                "execution", date(2023, 1, 1), None, 320_000, ("K2", "K4", "K7"),
                "Eén loket voor transfers uit ziekenhuis en huisartsenzorg naar tijdelijke bedden.",
                ("green", "Alle ziekenhuisafdelingen melden transfers via het RTP; verkeerde-bed-"
                 "dagen worden per kwartaal gerapporteerd.", None, None),
                "Werkprocessen met ziekenhuis en VVT afgestemd."),
    ProjectSpec("Gezondheidsverkeerstoren", "Capaciteitsmanagement bedden en wijkverpleging",
                "Centraal Coördinatiepunt Zoetermeer", "execution", date(2023, 3, 1), None,
                275_000, ("K8", "K9"),
                "Real-time inzicht in beschikbare tijdelijke bedden en wijkverpleging.",
                ("green", "Negen van de tien aanbieders melden via de koppeling; verouderde "
                 "meldingen gedaald.", "Twee aanbieders melden nog handmatig.", None),
                "Koppelingen met aanbieders gerealiseerd; meldfrequentie besproken."),
    ProjectSpec("Gezondheidsverkeerstoren", "Monitoring regioplan: wachtlijsten en wachttijden",
                "Gemeente Zoetermeer", "execution", date(2023, 1, 1), None, 90_000,
                ("H1", "H2", "H3"), "Het monitoringteam brengt wachtlijsten en wachttijden in "
                "beeld (Jaarplan 2023).",
                ("green", "Kwartaalcijfers wachttijden somatiek, ouderenzorg en ggz compleet.",
                 None, "Vaststellen indicatoren subdoelen GGZ (nu 'nader in te vullen')."),
                "Bronnen voor wachttijden ontsloten."),
    ProjectSpec("GGZ", "Taskforce wachtlijsten GGZ – subregio Zoetermeer", "GGZ Kust en Duin",
                "execution", date(2023, 4, 1), date(2026, 12, 31), 180_000, ("H3",),
                "Wachttijden ggz terugdringen met regionale wachtlijstbemiddeling.",
                ("red", "Wachttijden ggz weer opgelopen; slechts 65% binnen de Treeknorm.",
                 "Uitstroom van regiebehandelaren; groei aanmeldingen jeugd.",
                 "Mandaat voor gezamenlijke wachtlijstbemiddeling door alle ggz-aanbieders."),
                "Wachtlijsten opgeschoond; triage gezamenlijk ingericht."),
    ProjectSpec("Chronische zorg", "Advance Care Planning", "Hospice Het Palet",
                "implementation_plan", date(2023, 9, 1), None, 60_000, ("K4",),
                "Proactieve zorgplanning: markeermoment per chronische aandoening en "
                "gegevensuitwisseling.",
                ("amber", "Implementatieplan gereed; gesprekstool gekozen.",
                 "Gegevensuitwisseling ACP met huisartsen nog niet geregeld.", None),
                "Oplossingsrichting vastgesteld."),
    ProjectSpec("Chronische zorg", "MGZ+: 24/7 geriatrische expertise",
                "Stadsziekenhuis Zoetermeer", "plan", date(2024, 1, 1), None, None, ("K3",),
                "Toekomstbestendige, 24/7 beschikbare geriatrische expertise ongeacht de "
                "verblijfplaats.",
                ("green", "Plan van aanpak besproken met de kerngroep; business case in "
                 "voorbereiding.", None, None),
                "Projectopdracht vastgesteld."),
    ProjectSpec("ICT & Digitalisering", "Thuismonitoring COPD (SanaCoach)",
                "Stadsziekenhuis Zoetermeer", "embedded", date(2022, 6, 1), date(2025, 12, 31),
                85_000, ("P4",), "Thuis- en zelfmonitoring voor COPD, opschalen naar de "
                "eerste lijn.",
                ("green", "Geborgd in de lijn; 310 patiënten monitoren thuis.", None, None),
                "Opschaling naar de eerste lijn loopt."),
    ProjectSpec("Preventie", "Preventiecoalitie", "Gemeente Zoetermeer", "execution",
                date(2022, 1, 1), None, 120_000, ("G1", "G2", "G3"),
                "Samenwerking gemeente, GGD en zorg aan gezonde leefstijl en positieve "
                "gezondheid.",
                ("amber", "Ervaren gezondheid steeg van 74,5% (2016) naar 77,7% (2020, RIVM); "
                 "beweegrichtlijn en overgewicht gingen de verkeerde kant op.",
                 "De Gezondheidsmonitor 2024 is nog niet in de verkeerstoren geladen.",
                 "Aanpak bewegen en overgewicht in Meerzicht en Buytenwegh bijstellen."),
                "Leefstijlroer en beweegaanbod in drie wijken gestart."),
    ProjectSpec("Inwonerparticipatie", "Kamer voor Inwoners", "Gemeente Zoetermeer",
                "execution", date(2023, 6, 1), None, 40_000, ("B1", "B2"),
                "Inwoners denken en doen mee in de Vereniging Gezondheidsregio Zoetermeer.",
                ("amber", "27 actieve partners; het aantal betrokkenen groeit maar haalt de "
                 "100.000 niet.", None, "Doel 'betrokkenen in de beweging' herijken."),
                "Eerste bijeenkomsten met inwoners gehouden."),
)

_PHASES = ("idea", "assignment", "plan", "implementation_plan", "execution", "final_report",
           "embedded")


def progress_entry(
    spec: ProjectSpec, index: int, count: int
) -> tuple[str, str, str, str | None, str | None]:
    """(status, phase, progress, risks, decisions) of a project's index-th quarterly entry."""
    if index == count - 1:
        status, progress, risks, decisions = spec.latest
        return status, spec.phase, progress, risks, decisions
    back = count - 1 - index
    phase = _PHASES[max(0, _PHASES.index(spec.phase) - math.ceil(back / 2))]
    return "green", phase, spec.earlier, None, None
