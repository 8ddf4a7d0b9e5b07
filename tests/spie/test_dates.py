"""One way to write an appointment's date to a person: e-mails, SMS and letters agree, in local time."""

import datetime

from spie.dates import date_message

PARIS_WINTER = datetime.timezone(datetime.timedelta(hours=1))


def test_forms_of_a_date_in_local_time():
    quand = date_message(datetime.datetime(2026, 12, 9, 9, 5, tzinfo=PARIS_WINTER))
    assert quand.long == "mercredi 9 décembre 2026 à 09h05"
    assert quand.court == "mer. 09/12 à 09h05"
    assert quand.jour == "9 décembre"
    assert quand.heure == "09h05"
    assert str(quand) == quand.long


def test_just_after_midnight_in_paris_is_that_day_not_the_day_before_in_utc():
    moment = datetime.datetime(2026, 7, 31, 22, 15, tzinfo=datetime.UTC)  # 00:15 on 1 August in Paris (UTC+2)
    quand = date_message(moment)
    assert quand.long == "samedi 1er août 2026 à 00h15"
    assert quand.court == "sam. 01/08 à 00h15"
    assert quand.jour == "1er août"
