"""Template filters of `spie_tags`."""

import datetime

import pytest
from django.template import engines

DATES = [
    datetime.date(2026, 3, 9),
    # Aware datetimes on both sides of a change of time in Paris: the filters show local time.
    datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 31, 23, 5, tzinfo=datetime.UTC),
    None,
]


@pytest.mark.parametrize("value", DATES)
def test_short_dates_are_the_date_filter_in_local_time(value):
    render = lambda source: engines["django"].from_string(source).render({"value": value})  # noqa: E731
    assert render("{% load spie_tags %}{{ value|short_date }}") == render('{{ value|date:"d/m/Y" }}')
    if value is None or isinstance(value, datetime.datetime):
        assert render("{% load spie_tags %}{{ value|short_datetime }}") == render('{{ value|date:"d/m/Y H:i" }}')
