"""Jinja2 environment shared by every capability's pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from verkeerstoren.access.actor import Actor
from verkeerstoren.access.roles import Permission, Role
from verkeerstoren.region_time import REGION_TZ
from verkeerstoren.web.context import Ctx
from verkeerstoren.web.deps import RESTORE_KEY
from verkeerstoren.web.i18n import Translate

PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class NavItem:
    """A menu entry, shown to roles that hold its permission (or to everyone logged in)."""

    label: str
    href: str
    permission: Permission | None = None
    roles: frozenset[Role] | None = None

    def visible_to(self, actor: Actor | None) -> bool:
        if actor is None:
            return False
        if self.roles is not None and actor.role not in self.roles:
            return False
        return self.permission is None or actor.can(self.permission)


def template_dirs(capabilities: Sequence[str]) -> list[Path]:
    dirs = [PACKAGE / "web" / "templates"]
    dirs += [PACKAGE / name / "templates" for name in capabilities]
    return [d for d in dirs if d.is_dir()]


# Users are in the Netherlands whatever zone the server runs in (containers run in UTC), so
# pages show Dutch wall-clock time, summer time included. Needs the IANA database: the system's
# /usr/share/zoneinfo, or the `tzdata` package where the image has none (kpi/periods.py too).
DISPLAY_TZ = REGION_TZ


def local_time(value: datetime) -> datetime:
    """A stored moment as Dutch wall-clock time; naive values are UTC, as the database keeps."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(DISPLAY_TZ)


def format_dt(value: datetime | None) -> str:
    """A moment as people here read it: Dutch wall-clock time, day first."""
    if value is None:
        return ""
    return local_time(value).strftime("%d-%m-%Y %H:%M")


def plural_translator(translate: Translate) -> Callable[..., str]:
    """``ngettext(n, singular, plural, **values)``: the msgid for one or for more, translated,
    with ``{n}`` filled in. Dutch and English both have just these two forms."""

    def ngettext(n: int, singular: str, plural: str, **values: object) -> str:
        return translate(singular if n == 1 else plural, n=n, **values)

    return ngettext


class Templates:
    """Renders pages with the request context every template expects."""

    def __init__(self, dirs: Sequence[Path], nav: Sequence[NavItem]) -> None:
        env = Environment(
            loader=FileSystemLoader([str(d) for d in dirs]),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["dt"] = format_dt
        self._jinja = Jinja2Templates(env=env)
        self.nav = list(nav)

    def render(
        self,
        request: Request,
        ctx: Ctx,
        name: str,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        context = {
            "restore_form": _restore_form(request, ctx),
            "ctx": ctx,
            "_": ctx._,
            "ngettext": plural_translator(ctx._),
            "actor": ctx.actor,
            "csrf_token": ctx.csrf_token,
            "locale": ctx.locale,
            "nav": [item for item in self.nav if item.visible_to(ctx.actor)],
            **values,
        }
        return self._jinja.TemplateResponse(request, name, context, status_code=status_code,
                                            headers=headers)

    def fragment(self, ctx: Ctx, name: str, **values: Any) -> str:
        """A part of a page that needs no request (no forms, no menu): rendered straight by
        Jinja. For the live board's pushed rows, rendered once per report and process: the
        response object, the menu and the form state of :meth:`render` were most of it."""
        template = self._jinja.env.get_template(name)
        return template.render({"ctx": ctx, "_": ctx._, "ngettext": plural_translator(ctx._),
                                "locale": ctx.locale, **values})


def _restore_form(request: Request, ctx: Ctx) -> bool:
    """True once, on the page whose form was sent after its login had ended, when the user is
    logged in again: base.html then asks static/form-draft.js to put back what was typed."""
    if "session" not in request.scope or ctx.actor is None:
        return False
    if request.session.get(RESTORE_KEY) != request.url.path:
        return False
    del request.session[RESTORE_KEY]
    return True


def templates(request: Request) -> Templates:
    result: Templates = request.app.state.templates
    return result
