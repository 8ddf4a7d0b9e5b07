"""Print the current one-time code of the demo authenticator (development only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spie.dev.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Affiche le code à usage unique courant des comptes administrateurs de démonstration."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Commande réservée au développement (DEBUG désactivé).")
        counter = int(time.time()) // 30
        remaining = 30 - int(time.time()) % 30
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{code}  (valable encore {remaining} s)")
