"""Template filters: what users read on every page."""

from __future__ import annotations

from datetime import UTC, datetime

from verkeerstoren.web.i18n import translator
from verkeerstoren.web.templating import format_dt, plural_translator


def test_times_are_shown_in_dutch_winter_time() -> None:
    assert format_dt(datetime(2026, 1, 15, 9, 30, tzinfo=UTC)) == "15-01-2026 10:30"


def test_times_are_shown_in_dutch_summer_time() -> None:
    assert format_dt(datetime(2026, 7, 1, 9, 30, tzinfo=UTC)) == "01-07-2026 11:30"


def test_the_switch_to_summer_time_is_followed() -> None:
    # 29 March 2026: at 01:00 UTC Dutch clocks jump from 02:00 to 03:00.
    assert format_dt(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == "29-03-2026 01:59"
    assert format_dt(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "29-03-2026 03:00"


def test_a_moment_late_in_the_evening_utc_is_the_next_day_in_the_netherlands() -> None:
    assert format_dt(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "01-01-2027 00:30"


def test_a_naive_value_is_taken_as_utc_and_none_is_empty() -> None:
    naive = datetime(2026, 1, 15, 9, 30, tzinfo=UTC).replace(tzinfo=None)
    assert format_dt(naive) == "15-01-2026 10:30"
    assert format_dt(None) == ""


def test_ngettext_picks_the_form_for_one_or_more() -> None:
    ngettext = plural_translator(translator("nl"))
    assert ngettext(1, "{n} physical bed", "{n} physical beds") == "1 fysiek bed"
    assert ngettext(0, "{n} physical bed", "{n} physical beds") == "0 fysieke bedden"
    assert ngettext(12, "{n} physical bed", "{n} physical beds") == "12 fysieke bedden"


def test_a_time_in_a_notification_is_shown_in_dutch_time() -> None:
    from verkeerstoren.notifications.pages import _readable

    assert _readable("2026-07-01T09:30:00+00:00") == "01-07-2026 11:30"
    assert _readable("2026-07-01") == "2026-07-01"  # a date stays as it is
    assert _readable("Tuin T-afdeling 3") == "Tuin T-afdeling 3"
    assert _readable(7) == 7
