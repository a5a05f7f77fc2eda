"""The one Jinja environment of the server's pages: autoescaping on, strict about missing values, shared filters.

Every value (names, firm names, reasons, ...) is HTML-escaped; templates never build markup from data and
never decide a rule: they show what a use case returned (including why an action is not allowed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from firmdesk import __version__
from firmdesk.server.services.clock import CHINA, iso_utc

#: What a missing date shows.
NO_DATE = "—"


def china_time(moment: datetime | None) -> str:
    """A stored naive-UTC time as China time (UTC+8), `2025-05-02 11:04:05`."""
    if moment is None:
        return NO_DATE
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def day(value: date | None) -> str:
    """A calendar day as `2025-05-01`, or a dash."""
    return value.isoformat() if value else NO_DATE


@pass_context
def csrf_field(context: Context) -> Markup:
    """`{{ csrf_field() }}` in a POST form: the hidden CSRF token of the page's session (`csrf_token`)."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(context["csrf_token"]))


def static_url(name: str) -> str:
    """`{{ static_url("site.css") }}`: a file of `web/static/`, versioned so a new release is fetched anew."""
    return f"/static/{name}?v={__version__}"


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("firmdesk.server.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update({"china_time": china_time, "iso_utc": iso_utc, "day": day})
    environment.globals.update({"csrf_field": csrf_field, "static_url": static_url})
    return environment


TEMPLATES = _environment()


def render(template: str, **values: Any) -> str:
    return TEMPLATES.get_template(template).render(**values)


def page(template: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
    """The rendered template as an HTML answer."""
    return HTMLResponse(render(template, **values), status_code=status, headers=headers)
