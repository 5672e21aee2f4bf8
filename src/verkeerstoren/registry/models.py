"""Registry tables: areas, organisations, locations, care units and district-nursing teams."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from verkeerstoren.access.scoping import OrgOwned, OrgRoot
from verkeerstoren.storage.base import Base, Timestamps, str_enum


class OrganisationKind(StrEnum):
    PROVIDER = "provider"
    MUNICIPALITY = "municipality"
    INSURER = "insurer"
    GP_PRACTICE = "gp_practice"
    COORDINATION_POINT = "coordination_point"


class Region(Base):
    """A care region (e.g. Haaglanden, Gooi en Vechtstreek)."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Gemeente(Base):
    """A municipality by its CBS code (GM0637), with its population on 1 January."""

    __tablename__ = "gemeente"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)

    region: Mapped[Region | None] = relationship()
    __table_args__ = (CheckConstraint("code LIKE 'GM____'", name="code_format"),)


class Wijk(Base):
    """A neighbourhood by its CBS code (WK063701); the first four digits are its gemeente's."""

    __tablename__ = "wijk"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gemeente_code: Mapped[str] = mapped_column(ForeignKey("gemeente.code"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)

    gemeente: Mapped[Gemeente] = relationship()
    __table_args__ = (CheckConstraint("code LIKE 'WK______'", name="code_format"),)


class Organisation(OrgRoot, Timestamps, Base):
    """A provider, municipality, insurer, GP practice or coordination point."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "organisation_kind", 30)
    )
    agb_code: Mapped[str | None] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Location(OrgOwned, Timestamps, Base):
    """A site of an organisation with its address and coordinates."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(100))
    gemeente_code: Mapped[str] = mapped_column(ForeignKey("gemeente.code"), index=True)
    wijk_code: Mapped[str | None] = mapped_column(ForeignKey("wijk.code"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(30))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship()
    gemeente: Mapped[Gemeente] = relationship()
    wijk: Mapped[Wijk | None] = relationship()
    units: Mapped[list[CareUnit]] = relationship(back_populates="location")

    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN 50.5 AND 53.7)", name="lat_nl"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN 3.2 AND 7.3)", name="lon_nl"),
    )


class BedType(Base):
    """A kind of bed (ELV hoog complex, GRZ, hospice, …) with its maximum report age."""

    __tablename__ = "bed_type"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    max_report_age_hours: Mapped[int] = mapped_column(Integer, default=24)

    __table_args__ = (CheckConstraint("max_report_age_hours > 0", name="max_age_positive"),)


class Feature(Base):
    """A property of a care unit that a patient may need (dementia ward, oxygen, isolation, …)."""

    __tablename__ = "feature"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


unit_feature = Table(
    "unit_feature",
    Base.metadata,
    Column("unit_id", ForeignKey("care_unit.id", ondelete="CASCADE"), primary_key=True),
    Column("feature_code", ForeignKey("feature.code"), primary_key=True),
)


class CareUnit(OrgOwned, Timestamps, Base):
    """A ward or department at a location that offers beds of one or more bed types."""

    __tablename__ = "care_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    location: Mapped[Location] = relationship(back_populates="units")
    organisation: Mapped[Organisation] = relationship()
    bed_types: Mapped[list[UnitBedType]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitBedType.bed_type_code"
    )
    features: Mapped[list[Feature]] = relationship(secondary=unit_feature, order_by=Feature.code)

    __table_args__ = (UniqueConstraint("location_id", "name"),)


class UnitBedType(Base):
    """The number of physical beds of one bed type in a unit."""

    __tablename__ = "unit_bed_type"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("care_unit.id", ondelete="CASCADE"), primary_key=True
    )
    bed_type_code: Mapped[str] = mapped_column(ForeignKey("bed_type.code"), primary_key=True)
    physical_beds: Mapped[int] = mapped_column(Integer)

    unit: Mapped[CareUnit] = relationship(back_populates="bed_types")
    bed_type: Mapped[BedType] = relationship()

    __table_args__ = (
        CheckConstraint("physical_beds >= 0", name="beds_nonnegative"),
        # Placement reads the units of one or two bed types: 1/11 of the rows, not a full scan.
        Index("ix_unit_bed_type_bed_type", "bed_type_code", "unit_id"),
    )

    @property
    def scope_owner_id(self) -> int | None:
        return self.unit.organisation_id if self.unit is not None else None


class Skill(Base):
    """A district-nursing skill (palliative, wound care, dementia, …)."""

    __tablename__ = "skill"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


team_skill = Table(
    "team_skill",
    Base.metadata,
    Column("team_id", ForeignKey("nursing_team.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_code", ForeignKey("skill.code"), primary_key=True),
)


class NursingTeam(OrgOwned, Timestamps, Base):
    """A district-nursing (wijkverpleging) team of a provider."""

    __tablename__ = "nursing_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=team_skill, order_by=Skill.code)
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="ServiceArea.id"
    )

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)


class ServiceArea(Base):
    """Where a team works: a 4-digit postcode range or a CBS wijk."""

    __tablename__ = "service_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("nursing_team.id", ondelete="CASCADE"))
    postcode_from: Mapped[int | None] = mapped_column(Integer)
    postcode_to: Mapped[int | None] = mapped_column(Integer)
    wijk_code: Mapped[str | None] = mapped_column(ForeignKey("wijk.code"))
    note: Mapped[str | None] = mapped_column(Text)

    team: Mapped[NursingTeam] = relationship(back_populates="service_areas")

    @property
    def scope_owner_id(self) -> int | None:
        return self.team.organisation_id if self.team is not None else None

    __table_args__ = (
        CheckConstraint(
            "(wijk_code IS NOT NULL AND postcode_from IS NULL AND postcode_to IS NULL) OR "
            "(wijk_code IS NULL AND postcode_from BETWEEN 1000 AND 9999 "
            "AND postcode_to BETWEEN postcode_from AND 9999)",
            name="range_or_wijk",
        ),
    )
