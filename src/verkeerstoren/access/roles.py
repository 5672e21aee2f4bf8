"""Roles and the permissions each one holds; the single table routes are checked against."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    PROVIDER = "provider"
    REFERRER = "referrer"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Permission(StrEnum):
    REGISTRY_VIEW = "registry.view"
    REGISTRY_EDIT = "registry.edit"  # own organisation only, unless the role is unscoped
    REGISTRY_IMPORT = "registry.import"
    ORGANISATION_CREATE = "organisation.create"
    USERS_MANAGE = "users.manage"
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_VIEW = "audit.view"
    KPI_VIEW = "kpi.view"  # goal tree, dashboards, projects, the progress report
    KPI_EDIT = "kpi.edit"  # goal tree, indicators, measurements, actions, projects
    CAPACITY_REPORT = "capacity.report"  # own organisation's units only, unless unscoped
    BOARD_VIEW = "board.view"
    INTAKE_REPORT = "intake.report"
    NURSING_SEARCH = "nursing.search"
    PLACEMENT_REQUEST = "placement.request"  # create and follow requests (referrers: own)
    PLACEMENT_WORK = "placement.work"  # work the queue: reserve, cancel, close unplaced
    RESERVATION_ANSWER = "reservation.answer"  # accept or decline holds on own units
    UNPLACED_VIEW = "unplaced.view"  # the tussen-wal-en-schip analysis (aggregates)
    PROFILES_VIEW = "profiles.view"  # regiobeeld: open data, every logged-in role
    OPENDATA_IMPORT = "opendata.import"
    WAITS_VIEW = "waits.view"  # region waiting times, Treeknormen, "where soonest"
    WAITS_REPORT = "waits.report"  # own organisation's waits only, unless unscoped
    NOTIFICATIONS_VIEW = "notifications.view"  # the own organisation's notifications
    WEBHOOKS_MANAGE = "webhooks.manage"  # own organisation's webhooks; admin any organisation's
    PLANNING_VIEW = "planning.view"  # bed planning (S3): aggregates only, every logged-in role


ALL = frozenset(Role)

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.REGISTRY_VIEW: ALL,
    Permission.REGISTRY_EDIT: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.REGISTRY_IMPORT: frozenset({Role.ADMIN}),
    Permission.ORGANISATION_CREATE: frozenset({Role.ADMIN}),
    Permission.USERS_MANAGE: frozenset({Role.ADMIN}),
    Permission.TOKENS_MANAGE: frozenset({Role.ADMIN}),
    Permission.AUDIT_VIEW: frozenset({Role.ADMIN}),
    Permission.KPI_VIEW: ALL,
    Permission.KPI_EDIT: frozenset({Role.ADMIN, Role.ANALYST}),
    Permission.CAPACITY_REPORT: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.BOARD_VIEW: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST, Role.VIEWER}),
    Permission.INTAKE_REPORT: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.NURSING_SEARCH: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Permission.PLACEMENT_REQUEST: frozenset({Role.ADMIN, Role.COORDINATOR, Role.REFERRER}),
    Permission.PLACEMENT_WORK: frozenset({Role.ADMIN, Role.COORDINATOR}),
    Permission.RESERVATION_ANSWER: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.UNPLACED_VIEW: frozenset({Role.ADMIN, Role.COORDINATOR, Role.ANALYST}),
    Permission.PROFILES_VIEW: ALL,
    Permission.OPENDATA_IMPORT: frozenset({Role.ADMIN}),
    Permission.WAITS_VIEW: ALL,
    Permission.WAITS_REPORT: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.NOTIFICATIONS_VIEW: ALL,
    Permission.WEBHOOKS_MANAGE: frozenset({Role.ADMIN, Role.PROVIDER}),
    Permission.PLANNING_VIEW: ALL,
}

# Roles that act for the whole region; every other role writes only its own organisation's rows.
UNSCOPED_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


def allows(role: Role, permission: Permission) -> bool:
    return role in GRANTS[permission]
