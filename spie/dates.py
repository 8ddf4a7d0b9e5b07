"""How the platform writes a date and time to a person: one helper for e-mails, SMS and letters.

Every message that tells someone when to come goes through `date_message`, so that an e-mail, its subject, the
SMS and the convocation never disagree (zero-padded or not, local time or UTC, weekday or not).
"""

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
