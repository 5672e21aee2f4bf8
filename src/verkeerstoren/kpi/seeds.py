"""The goal tree and action lines as the region plans word them (the texts stay Dutch).

Sources: Programmaplan Zoetermeer 2025 Bijlage I (goals per quadruple-aim dimension, indicators
with 2020/2025/2030 columns, process goals), Jaarplan 2023 Bijlage 1 (main goal measured on
waiting lists and times for somatic care, elderly care and GGZ; sub-goals per target group),
Regioplan Haaglanden (four action lines) and Regioplan Gooi en Vechtstreek (five
transformations). Where a document says "nader in te vullen" the target says exactly that and has
no number. Targets of the computed operational indicators are not in any document: they are demo
working agreements and are labelled so (``DEMO_TARGET``); the report says which targets are
the region's own working agreements.

An indicator with a ``source`` binding (``kpi/sources.py``) takes its values from there: RIVM
health per wijk/gemeente, Vektis costs, NZa waits. Only indicators without a source keep
invented demo values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ZOETERMEER = "Zoetermeer 2025"
HAAGLANDEN = "Regioplan Haaglanden 2024-2030"
GOOI = "Regioplan Gooi en Vechtstreek"
PROGRAMMAPLAN = "Programmaplan Zoetermeer 2025, Bijlage I"
JAARPLAN = "Jaarplan 2023 Zoetermeer 2025, Bijlage 1"
TBD = "Nader in te vullen"
DEMO_TARGET = "Werkafspraak (demo), niet uit het regioplan"

ACTION_LINES: tuple[tuple[str, str, str], ...] = (
    (ZOETERMEER, "Preventie", "Primaire actielijn"),
    (ZOETERMEER, "Acute zorg", "Primaire actielijn"),
    (ZOETERMEER, "Chronische zorg", "Primaire actielijn"),
    (ZOETERMEER, "GGZ", "Primaire actielijn"),
    (ZOETERMEER, "Gezondheidsverkeerstoren", "Ondersteunende actielijn, inclusief stadsbeeld"),
    (ZOETERMEER, "ICT & Digitalisering", "Ondersteunende actielijn"),
    (ZOETERMEER, "Inwonerparticipatie", "Ondersteunende actielijn"),
    (ZOETERMEER, "Anders financieren", "Ondersteunende actielijn"),
    (ZOETERMEER, "Vastgoed Gezondheidshuis", "Ondersteunende actielijn"),
    (HAAGLANDEN, "1 Preventie: (positief) gezond leven", "Actielijn regioplan"),
    (HAAGLANDEN, "2 Thuis ouder worden, in-, door- en uitstroom (samen organiseren)",
     "Actielijn regioplan"),
    (HAAGLANDEN, "3 Versterken mentale gezondheid en toegankelijkheid passende ggz",
     "Actielijn regioplan"),
    (HAAGLANDEN, "4 Naar een gezonde arbeidsmarkt", "Actielijn regioplan"),
    (GOOI, "A Zelf- en samenredzame inwoner(s)", "Transformatie"),
    (GOOI, "B Krachtige gemeenschap", "Transformatie"),
    (GOOI, "C Ondersteuning nabij", "Transformatie"),
    (GOOI, "D Passende zorg", "Transformatie"),
    (GOOI, "E Mogelijk maken van de beweging", "Transformatie"),
)


@dataclass(frozen=True)
class IndicatorSeed:
    """An indicator with its document baseline and targets: (year, value or None, text)."""

    code: str
    name: str
    kind: str  # effort / result
    unit: str
    direction: str
    frequency: str
    source: str
    baseline_text: str | None = None
    baseline_value: float | None = None
    baseline_year: int | None = None
    targets: tuple[tuple[int, float | None, str | None], ...] = ()
    qualitative: bool = False
    computed_key: str | None = None
    tolerance: float | None = None
    definition: str | None = None
    responsible: str | None = None
    # (kind, ((param, value), ...)): the source the measurements come from (kpi/sources.py).
    binding: tuple[str, tuple[tuple[str, str], ...]] | None = None
    # The code of the reference series its reference-rule targets compare with (rules.py).
    reference: str | None = None


@dataclass(frozen=True)
class GoalSeed:
    """A sub-goal with its indicators."""

    title: str
    dimension: str
    source: str
    target_group: str | None = None
    action_line: str | None = None
    indicators: tuple[IndicatorSeed, ...] = field(default_factory=tuple)


# Targets in words that say a direction become a rule the status can evaluate (kpi/rules.py).
# Targets against something the tower does not hold yet — a national average, a forecast of
# something the projection does not cover (chronic illness) — stay words until that series
# exists: their status says "to be determined", never a guess. "Minder hard dan
# geprognosticeerd" against the foresight projection (issue 16 item 7) is a reference rule:
# the indicator's ``reference`` names the forecast-bound series.
FORECAST_TARGET = "De groei stijgt minder hard dan geprognosticeerd"
TEXT_RULES: dict[str, str] = {
    FORECAST_TARGET: "below_reference",
    "Dalende trend": "trend_down",
    "Positieve trend": "trend_up",
    "Positieve trend zet door": "trend_up",
    "Het aantal inwoners dat voldoet aan de NNGB stijgt": "trend_up",
    "Het aantal inwoners met overgewicht en obesitas neemt af": "trend_down",
    "Toename aantal goed functionerende netwerken": "trend_up",
    "Inwoners van Zoetermeer met lage SES ervaren een betere gezondheid": "trend_up",
    "Toename van het aantal zorg- en welzijnsprofessionals dat aangeeft trots te zijn op "
    "Zoetermeer 2025": "trend_up",
    "Afname van het aandeel ziekenhuiszorg binnen het totale zorgbudget Zoetermeer (eerste "
    "verschuiving in de totale bekostiging)": "trend_down",
}

ZOETERMEER_GM = "GM0637"
MEERZICHT = "WK063701"
BUYTENWEGH = "WK063702"


def rivm(variable: str, area: str = ZOETERMEER_GM,
         group: str = "18+") -> tuple[str, tuple[tuple[str, str], ...]]:
    """A binding to an RIVM Gezondheidsmonitor figure (2016 and 2020 files)."""
    key = "rivm_health_18plus" if group == "18+" else "rivm_health_65plus"
    return ("opendata", (("dataset", key), ("variable", variable), ("area", area),
                         ("subgroup", group)))


def vektis(variable: str, datasets: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A binding to a Vektis Zvw figure of Zoetermeer."""
    return ("opendata", (("dataset", datasets), ("variable", variable),
                         ("area", ZOETERMEER_GM), ("subgroup", "")))


_RIVM_SOURCE = "RIVM/GGD Gezondheidsmonitor per wijk en buurt (50090NED), 2016 en 2020"
_OPNAMEGARANTIE = ("Een 100% opnamegarantie is hierbij het streven (Programmaplan, actielijn "
                   "acute zorg, multifunctionele bedden)")

MAIN_GOAL = (
    "Geen (toekomstige) kloof meer tussen de vraag naar zorg en welzijn en het aanbod",
    "Ons ultieme hoofddoel is het dichten van de (toekomstige) kloof tussen de vraag naar zorg en "
    "welzijn en het aanbod, langs de weg van de quadruple aim. De hoofddoelstelling wordt gemeten "
    "o.b.v. wachtlijsten en wachttijden ingedeeld naar de 3 doelgroepen: somatische zorg, "
    "ouderenzorg en GGZ.",
)

_TREEK_2025 = "Voldoen op alle onderdelen minimaal aan de Treeknormen voor de keten"
_TREEK_2030 = "Scoren op alle onderdelen hoger dan de Treeknorm voor de keten"
_MONITOR = "Monitoringteam Gezondheidsverkeerstoren"
_OPS = "Gezondheidsverkeerstoren (berekend uit plaatsingen)"
_CAP = "Gezondheidsverkeerstoren (berekend uit beschikbaarheidsmeldingen)"

GOALS: tuple[GoalSeed, ...] = (
    GoalSeed("Toegang: wachtlijsten en wachttijden per doelgroep", "access", JAARPLAN,
             "Somatische zorg, ouderenzorg en GGZ", "Gezondheidsverkeerstoren", (
        IndicatorSeed("H1", "Wachttijden medische (somatische) zorg binnen de Treeknorm", "result",
                      "percent", "up", "quarter", "Wachttijdregistratie aanbieders",
                      "0-meting: inzicht in wachttijden", targets=(
                          (2025, 100.0, _TREEK_2025), (2030, 100.0, _TREEK_2030)),
                      tolerance=5.0, responsible=_MONITOR,
                      definition="Aandeel van de gemeten wachttijden (aanmeld- en behandel"
                                 "wachttijd, per specialisme) dat binnen de Treeknorm valt."),
        IndicatorSeed("H2", "Wachtenden op verpleeghuiszorg (ouderenzorg)", "result", "count",
                      "down", "quarter", "Zorgkantoor wachtlijstinformatie Wlz",
                      "0-meting: inzicht in wachtlijsten", targets=(
                          (2025, None, TBD), (2030, None, TBD)), responsible=_MONITOR),
        IndicatorSeed("H3", "Wachttijden ggz binnen de Treeknorm", "result", "percent", "up",
                      "quarter", "NZa wachttijden ggz (websites zorgaanbieders), 2016 en 2018",
                      "0-meting: inzicht in wachttijden", targets=(
                          (2025, 100.0, _TREEK_2025), (2030, 100.0, _TREEK_2030)),
                      tolerance=5.0, responsible=_MONITOR,
                      definition="Aandeel ggz-aanbieders in Zoetermeer dat met al zijn "
                                 "wachttijden binnen de Treeknorm valt (NZa-regel: aanmeld- en "
                                 "behandelwachttijd bekend, ≤ 4, ≤ 10 en samen ≤ 14 weken; een "
                                 "aanmeldstop telt als niet binnen).",
                      binding=("waiting_times", (("sector", "ggz"),
                                                 ("area", ZOETERMEER_GM)))),
    )),
    GoalSeed("De (ervaren) gezondheid van Zoetermeerders stijgt", "health", PROGRAMMAPLAN,
             "Alle Zoetermeerders", "Preventie", (
        IndicatorSeed("G1", "Ervaren gezondheid (goed of zeer goed)", "result", "percent", "up",
                      "year", _RIVM_SOURCE, "73% (2016)", 73.0,
                      2016, ((2025, 78.0, "+ 5% (gelezen als +5 procentpunt: 73% → 78%)"),
                             (2030, 83.0, "+ 5% (gelezen als nog eens +5 procentpunt: 83%)")),
                      tolerance=1.0,
                      definition="Aandeel volwassenen (18+) in Zoetermeer dat de eigen gezondheid "
                                 "als goed of zeer goed ervaart. '+ 5%' gelezen als +5 "
                                 "procentpunt op 73%, niet als 5% relatief (dat zou 76,7% zijn).",
                      responsible="GGD Haaglanden", binding=rivm("good_health")),
        IndicatorSeed("G2", "Inwoners die voldoen aan de beweegrichtlijn (NNGB)", "result",
                      "percent", "up", "year", _RIVM_SOURCE,
                      targets=((2025, None, "Het aantal inwoners dat voldoet aan de NNGB stijgt"),
                               (2030, None, TBD)), binding=rivm("meets_activity_guideline")),
        IndicatorSeed("G3", "Inwoners met overgewicht of obesitas", "result", "percent", "down",
                      "year", _RIVM_SOURCE,
                      targets=((2025, None, "Het aantal inwoners met overgewicht en obesitas "
                                            "neemt af"), (2030, None, TBD)),
                      binding=rivm("overweight")),
    )),
    GoalSeed("De (ervaren) kwaliteit en toegankelijkheid van zorg en welzijn stijgt", "quality",
             PROGRAMMAPLAN, "Kwetsbare ouderen, acute zorgvraag", "Acute zorg", (
        IndicatorSeed("K1", "Inzicht in 'tussen wal en schip'-patiënten", "effort", "text",
                      "none", "quarter", "Centraal Coördinatiepunt",
                      "We hebben inzicht in 'tussen wal en schip'-patiënten – kwetsbare ouderen",
                      qualitative=True, targets=(
                          (2025, None, "Inzicht voor alle kwetsbare doelgroepen in de acute "
                                       "zorg"),
                          (2030, None, "Inzicht voor alle kwetsbare doelgroepen"))),
        IndicatorSeed("K2", "Niet geplaatste aanvragen (tussen wal en schip)", "result", "count",
                      "down", "quarter", _OPS, computed_key="unplaced",
                      definition="Aanvragen die in het kwartaal zijn afgesloten zonder plaatsing, "
                                 "uitgesplitst naar reden."),
        IndicatorSeed("K3", "Goed functionerende zorgnetwerken (multimorbide zorg)", "effort",
                      "count", "up", "year", "Programmabureau Zoetermeer 2025",
                      "Inzicht in aantal goed functionerende netwerken", targets=(
                          (2025, None, "Toename aantal goed functionerende netwerken"),
                          (2030, None, "Toename aantal goed functionerende netwerken"))),
        IndicatorSeed("K4", "Verkeerde-bed-dagen (ziekenhuis en ggz-kliniek)", "result", "days",
                      "down", "quarter", _OPS,
                      "Inzicht in omvang verkeerde-bed-problematiek kwetsbare ouderen en acute "
                      "ggz-cliënten", targets=((2025, None, TBD), (2030, None, TBD)),
                      computed_key="wrong_bed_days",
                      definition="Dagen tussen 'medisch uitbehandeld' en plaatsing, opgeteld over "
                                 "de in het kwartaal geplaatste aanvragen."),
        IndicatorSeed("K5", "Doorlooptijd aanvraag tot plaatsing (mediaan)", "result", "hours",
                      "down", "quarter", _OPS, targets=((2025, 24.0, DEMO_TARGET),),
                      computed_key="ttp_median", tolerance=6.0,
                      definition="Mediaan van de uren tussen aanvraag en plaatsing."),
        IndicatorSeed("K6", "Doorlooptijd aanvraag tot plaatsing (90e percentiel)", "result",
                      "hours", "down", "quarter", _OPS, targets=((2025, 72.0, DEMO_TARGET),),
                      computed_key="ttp_p90", tolerance=12.0),
        IndicatorSeed("K7", "Binnen 24 uur geplaatst (opnamegarantie)", "result", "percent", "up",
                      "quarter", _OPS, targets=((2025, 100.0, _OPNAMEGARANTIE),),
                      computed_key="placed_24h", tolerance=5.0,
                      definition="Aandeel van de afgesloten aanvragen dat binnen 24 uur na "
                                 "aanvraag geplaatst is. Het streven (100%) komt uit het "
                                 "programmaplan; de termijn van 24 uur is een werkafspraak van "
                                 "de regio."),
        IndicatorSeed("K8", "Verouderde beschikbaarheidsmeldingen", "effort", "percent", "down",
                      "quarter", _CAP, targets=((2025, 5.0, DEMO_TARGET),),
                      computed_key="stale_rate", tolerance=2.0,
                      definition="Aandeel meldingen dat later kwam dan de maximale meldleeftijd "
                                 "van het beddentype na de vorige melding, per aanbieder."),
        IndicatorSeed("K9", "Gemiddelde bezetting tijdelijke bedden", "result", "percent", "down",
                      "quarter", _CAP, targets=((2025, 90.0, DEMO_TARGET),),
                      computed_key="occupancy", tolerance=3.0,
                      definition="Bezette bedden gedeeld door bemande bedden, over alle meldingen "
                                 "in het kwartaal, per beddentype."),
    )),
    GoalSeed("De kosten van zorg en welzijn dalen", "costs", PROGRAMMAPLAN,
             "Alle Zoetermeerders", "Anders financieren", (
        IndicatorSeed("C1", "Groei van de zorgvraag (acute en chronische zorg)", "result",
                      "percent", "down", "year", "Vektis / regiobeeld",
                      "Inzicht in zorgvraagontwikkeling acute zorg (1) en chronische zorg (2)",
                      targets=((2025, None, "Afname geprognosticeerde groei van acute en "
                                            "chronische zorgvraag"),
                               (2030, None, "Afname geprognosticeerde groei van acute en "
                                            "chronische zorgvraag"))),
        IndicatorSeed("C2", "Gemiddelde kosten voor zorg per inwoner", "result", "eur", "down",
                      "year", "Vektis Zvw per gemeente, 2015 (open bestand) en 2023 (benchmark)",
                      "Inzicht in huidige gemiddelde kosten voor zorg",
                      binding=vektis("cost_per_insured_year", "vektis_zvw,vektis_benchmark"),
                      definition="Zvw-kosten per verzekerdejaar in Zoetermeer (Vektis), niet "
                                 "gestandaardiseerd naar leeftijd en geslacht.",
                      targets=((2025, None, "Dalende trend"),
                               (2030, None, "Per doelgroep gemiddeld X% afgenomen; de totale "
                                            "kosten nemen tussen 2025 en 2030 niet verder toe"))),
        # Issue 16 item 7: the programme's "less than forecast" goal measured against the
        # foresight projection. C7 is what the region measures (its demo values are invented
        # and marked so); C8 is the forecast it is judged against, read from the projection.
        IndicatorSeed("C7", "Zorgvraag V&V in Zoetermeer (index 2024 = 100)", "result",
                      "score", "down", "year",
                      "Zorgkantoor: cliënten V&V (Wlz) in Zoetermeer, door de regio in te voeren",
                      definition="Aantal cliënten met verpleging en verzorging (Wlz) in "
                                 "Zoetermeer als index (2024 = 100), vergeleken met de "
                                 "geprognosticeerde groei (C8) van hetzelfde jaar.",
                      targets=((2025, None, FORECAST_TARGET), (2030, None, FORECAST_TARGET)),
                      reference="C8", tolerance=0.5),
        IndicatorSeed("C8", "Geprognosticeerde zorgvraag V&V in Zoetermeer (index 2024 = 100)",
                      "result", "score", "down", "year",
                      "Vooruitblik Verkeerstoren: bevolkingsprojectie × zorggebruik naar leeftijd "
                      "(beleidsarm)",
                      definition="De vooruitblik (S2): V&V-zorgvraag in Zoetermeer als index "
                                 "(2024 = 100), referentiescenario; de maat waartegen C7 wordt "
                                 "afgezet.",
                      binding=("forecast", (("measure", "demand_index.nursing_home"),
                                            ("area", ZOETERMEER_GM),
                                            ("years", "2024,2025,2026,2027,2028,2029,2030"),
                                            ("scenario", "")))),
        IndicatorSeed("C3", "Kosten voor welzijn per inwoner", "result", "eur", "down", "year",
                      "Gemeente Zoetermeer", TBD, targets=((2025, None, TBD), (2030, None, TBD))),
        IndicatorSeed("C5", "De totale kosten blijven nagenoeg gelijk", "result", "text",
                      "none", "year", "Vektis / regiobeeld",
                      "Inzicht in de huidige kosten (obv vergrijzing en gecorrigeerd voor "
                      "bevolkingsgroei)", qualitative=True,
                      targets=((2025, None, "De eerste verschuivingen in de totale bekostiging "
                                            "van de zorg Zoetermeer zijn zichtbaar: a. afname "
                                            "van het aandeel ziekenhuiszorg binnen het totale "
                                            "zorgbudget; b. afname van zorgkosten als gevolg van "
                                            "fysiek contact, toename van 'digitale' "
                                            "zorgkosten; c. toename (primaire en secundaire) "
                                            "preventiekosten binnen het totale zorgbudget"),
                               (2030, None, "Trend zet zich voort"))),
        IndicatorSeed("C6", "Aandeel ziekenhuiszorg in het totale zorgbudget (Zvw)", "result",
                      "percent", "down", "year",
                      "Vektis Zvw per gemeente, 2015 (open bestand) en 2023 (per zorgcategorie)",
                      targets=((2025, None, "Afname van het aandeel ziekenhuiszorg binnen het "
                                            "totale zorgbudget Zoetermeer (eerste verschuiving "
                                            "in de totale bekostiging)"),
                               (2030, None, "Trend zet zich voort")),
                      binding=vektis("cost_share_medical_specialist",
                                     "vektis_zvw,vektis_categories"),
                      definition="Kosten medisch-specialistische zorg gedeeld door de totale "
                                 "Zvw-kosten van Zoetermeer (deelindicator a van 'de totale "
                                 "kosten blijven nagenoeg gelijk')."),
        IndicatorSeed("C4", "Zorg en welzijn met een integrale bekostigingsvorm", "effort",
                      "percent", "up", "year", "Zorgverzekeraar en gemeente",
                      "Inzicht in knelpunten huidige bekostiging",
                      targets=((2025, None, "% verbeteringen ingevoerd"),
                               (2030, 50.0, "50% van zorg en welzijn heeft een integrale "
                                            "bekostigingsvorm"))),
    )),
    GoalSeed("De beleving van de zorg- en welzijnsprofessional stijgt", "professional",
             PROGRAMMAPLAN, "Professionals en mantelzorgers", "Inwonerparticipatie", (
        IndicatorSeed("P1", "Werkgeluk/-plezier van professionals zorg en welzijn", "result",
                      "score", "up", "year", "Jaarlijkse regionale enquête bij professionals",
                      "Jaarlijkse regionale enquête bij professionals inzake werkplezier",
                      targets=((2025, None, "Positieve trend"),
                               (2030, None, "Positieve trend zet door"))),
        IndicatorSeed("P2", "Belasting van mantelzorgers", "result", "text", "none", "year",
                      "Analyse situatie mantelzorgers Zoetermeer",
                      "Analyse van situatie mantelzorgers Zoetermeer", qualitative=True,
                      targets=((2025, None, "Conform landelijk gemiddelde"),
                               (2030, None, "Minder belasting dan landelijk gemiddelde"))),
        IndicatorSeed("P3", "Instroom professionals ouderenzorg, huisartsenzorg en ggz", "result",
                      "count", "up", "year", "Arbeidsmarktanalyse Zoetermeer",
                      "Inzicht in – en analyse van de arbeidsmarkt Zoetermeer",
                      targets=((2025, None, TBD), (2030, None, TBD))),
        IndicatorSeed("P4", "Aandeel digitale zorg en welzijn", "result", "percent", "up", "year",
                      "Inventarisatie digitale zorg", "Inventarisatie huidig percentage digitale "
                      "zorg en welzijn Zoetermeer", targets=((2025, None, TBD), (2030, None, TBD))),
        IndicatorSeed("P5", "De professional van de toekomst werkt over organisatiegrenzen heen",
                      "effort", "text", "none", "year", "Programmabureau",
                      "Helder profiel en competenties van de zorg- en welzijnsprofessional van de "
                      "toekomst", qualitative=True,
                      targets=((2025, None, "Gezamenlijk training- en opleidingsprogramma "
                                            "(praktijkgericht)"),
                               (2030, None, "Capaciteit, kennis en competenties van "
                                            "zorgprofessionals sluiten aan bij de vraag in "
                                            "2030"))),
    )),
    GoalSeed("Procesdoelen: de beweging groeit", "professional", PROGRAMMAPLAN,
             "Betrokkenen en partners", "Inwonerparticipatie", (
        IndicatorSeed("B1", "Betrokkenen in de beweging", "effort", "count", "up", "year",
                      "Programmabureau", "200 (2020)", 200.0, 2020,
                      ((2025, 100000.0, "Van 200 in 2020 naar 100.000 in 2025"),)),
        IndicatorSeed("B2", "Actieve partners in het netwerk", "effort", "count", "up", "year",
                      "Programmabureau", "8 organisaties (2020)", 8.0, 2020,
                      ((2025, 25.0, "Van 8 in 2020 naar 25 organisaties in 2025"),),
                      tolerance=2.0),
        IndicatorSeed("B3", "Professionals die aangeven trots te zijn op Zoetermeer 2025",
                      "effort", "percent", "up", "year",
                      "Jaarlijkse regionale enquête bij professionals",
                      targets=((2025, None, "Toename van het aantal zorg- en "
                                            "welzijnsprofessionals dat aangeeft trots te zijn op "
                                            "Zoetermeer 2025"),)),
    )),
    GoalSeed("Somatische zorg – zorgvraag: chronisch zieken en inwoners met lage SES", "health",
             JAARPLAN, "Chronisch zieken; inwoners met lage SES (Buytenwegh, Meerzicht)",
             "Preventie", (
        IndicatorSeed("G4", "Inwoners met één of meer langdurige aandoeningen", "result",
                      "percent", "down", "year", _RIVM_SOURCE,
                      targets=((2025, None, "De groei van het aantal chronisch zieken stijgt "
                                            "minder hard dan geprognosticeerd"),),
                      binding=rivm("long_term_condition"),
                      definition="Aandeel volwassenen (18+) in Zoetermeer met één of meer "
                                 "langdurige aandoeningen; de prognose waarmee het streven "
                                 "vergeleken wordt volgt uit de vooruitblik (S2)."),
        IndicatorSeed("G5", "Ervaren gezondheid in Meerzicht (lage SES)", "result", "percent",
                      "up", "year", _RIVM_SOURCE,
                      targets=((2025, None, "Inwoners van Zoetermeer met lage SES ervaren een "
                                            "betere gezondheid"),),
                      binding=rivm("good_health", MEERZICHT)),
        IndicatorSeed("G6", "Ervaren gezondheid in Buytenwegh de Leyens (lage SES)", "result",
                      "percent", "up", "year", _RIVM_SOURCE,
                      targets=((2025, None, "Inwoners van Zoetermeer met lage SES ervaren een "
                                            "betere gezondheid"),),
                      binding=rivm("good_health", BUYTENWEGH)),
    )),
)
