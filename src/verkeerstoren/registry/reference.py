"""Reference lists every region shares: bed types, unit features and district-nursing skills.

Names are Dutch (the words the field uses); codes are English per the glossary.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from verkeerstoren.registry.models import BedType, Feature, Skill

# (code, Dutch name, max report age in hours)
BED_TYPES: tuple[tuple[str, str, int], ...] = (
    ("short_stay_low", "ELV laag complex", 24),
    ("short_stay_high", "ELV hoog complex", 24),
    ("short_stay_palliative", "ELV palliatief", 24),
    ("geriatric_rehab", "GRZ (geriatrische revalidatiezorg)", 24),
    ("ltc_crisis", "Wlz crisis", 12),
    ("ltc_respite", "Wlz respijt (logeeropvang)", 24),
    ("multifunctional", "Multifunctioneel bed", 12),
    ("observation", "REO / observatiebed", 12),
    ("hospice", "Hospice", 24),
    ("mental_health_crisis", "GGZ crisisbed", 12),
    ("mental_health_short_stay", "GGZ kortdurende opname", 24),
)

FEATURES: tuple[tuple[str, str], ...] = (
    ("dementia_closed", "Psychogeriatrie / gesloten afdeling"),
    ("oxygen", "Zuurstof"),
    ("isolation", "Isolatiekamer"),
    ("bariatric", "Bariatrisch bed"),
    ("smoking", "Roken toegestaan"),
    ("partner_stay", "Partner kan blijven"),
    ("ventilation", "Thuisbeademing"),
    ("dialysis", "Dialyse mogelijk"),
    ("pets", "Huisdier welkom"),
)

SKILLS: tuple[tuple[str, str], ...] = (
    ("palliative", "Palliatieve zorg"),
    ("wound_care", "Wondzorg"),
    ("dementia", "Dementie"),
    ("diabetes", "Diabetes"),
    ("psychiatric", "Psychiatrische wijkverpleging"),
    ("technical", "Medisch-technisch handelen"),
    ("children", "Kinderverpleging"),
)


def ensure_reference_data(session: Session) -> None:
    """Insert the reference lists that are missing; leaves edited names alone."""
    for order, (code, name, max_age) in enumerate(BED_TYPES):
        if session.get(BedType, code) is None:
            session.add(
                BedType(code=code, name=name, sort_order=order, max_report_age_hours=max_age)
            )
    for code, name in FEATURES:
        if session.get(Feature, code) is None:
            session.add(Feature(code=code, name=name))
    for code, name in SKILLS:
        if session.get(Skill, code) is None:
            session.add(Skill(code=code, name=name))
    session.flush()
