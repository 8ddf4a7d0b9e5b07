"""How the platform writes a date and time to a person: one helper for e-mails, SMS and letters.

Every message that tells someone when to come goes through `date_message`, so that an e-mail, its subject, the
SMS and the convocation never disagree (zero-padded or not, local time or UTC, weekday or not).
"""

import calendar
import datetime
from dataclasses import dataclass

from django.utils import formats, timezone, translation


@dataclass(frozen=True)
class DateMessage:
    long: str  # "mercredi 9 décembre 2026 à 10h30": e-mails and letters
    court: str  # "mer. 09/12 à 10h30": SMS (160 characters)
    jour: str  # "9 décembre": subjects
    heure: str  # "10h30"

    def __str__(self):
        return self.long


def date_message(moment) -> DateMessage:
    """The local date and time of `moment` (an aware datetime) in French, in the forms messages use."""
    local = timezone.localtime(moment)
    with translation.override("fr"):
        heure = formats.date_format(local, r"H\hi")
        jour_semaine = formats.date_format(local, "l")
        jour = f"{'1er' if local.day == 1 else local.day} {formats.date_format(local, 'F')}"
        return DateMessage(
            long=f"{jour_semaine} {jour} {local.year} à {heure}",
            court=f"{jour_semaine[:3]}. {local:%d/%m} à {heure}",
            jour=jour,
            heure=heure,
        )


# --- Calendar months ------------------------------------------------------------------------------------------------


def add_months(day, months: int):
    """The same day `months` calendar months later (earlier if negative), on the last day of the target month when
    it is shorter: 31 January + 1 month → 28 (or 29) February. This is how the law counts "one month"."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def latest_start_reaching(day, months: int):
    """The latest start day whose `months` calendar months are over on `day` (`add_months(start, months) <= day`).

    `add_months` is monotonic, so the starts reaching `day` are exactly those up to this one: on the last day of a
    month, every start up to the last day of the month `months` earlier (29, 30 and 31 January all reach their
    month on 28 February); otherwise the same day `months` earlier."""
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        debut = add_months(day.replace(day=1), -months)
        return datetime.date(debut.year, debut.month, calendar.monthrange(debut.year, debut.month)[1])
    return add_months(day, -months)
