"""SMS sending through a pluggable backend, chosen by `settings.SPIE_SMS_BACKEND` (a dotted path).

Shipped backends:

- `suivi.sms.ConsoleBackend`: writes the SMS to the log (development, `spie.settings.dev`);
- `suivi.sms.LocmemBackend`: keeps the SMS in `LocmemBackend.outbox` (tests, `spie.settings.test`).

An empty setting (the production default) disables the channel: no SMS is queued at all.

Plugging a real provider: write a class with a `send(numero, texte)` method that delivers the text or raises
(any exception: the outbox keeps the message and retries it, then marks it failed after
`suivi.outbox.MAX_TENTATIVES` attempts), put it in a module of the project, for example::

    class MonOperateurBackend(BaseBackend):
        def send(self, numero, texte):
            response = requests.post(URL, json={"to": numero, "text": texte}, headers=..., timeout=10)
            response.raise_for_status()

and set `SPIE_SMS_BACKEND=monmodule.MonOperateurBackend` in the environment; the provider's credentials come
from the environment too. The text is plain French, at most a few hundred characters, without sensitive detail;
the number is in E.164 form ("+33612345678"): only valid French mobile numbers get an SMS (spie/telephones.py;
any other number fails at once in the outbox, with the reason in `Message.erreur`).
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseBackend:
    """The interface of an SMS backend."""

    def send(self, numero: str, texte: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: the SMS is written to the log instead of being sent."""

    def send(self, numero, texte):
        logger.info("SMS (console, non envoyé) à %s : %s", numero, texte)


class LocmemBackend(BaseBackend):
    """Tests: every SMS is appended to the class-level `outbox` (cleared by the tests)."""

    outbox: list = []

    def send(self, numero, texte):
        type(self).outbox.append({"numero": numero, "texte": texte})


def enabled() -> bool:
    return bool(getattr(settings, "SPIE_SMS_BACKEND", ""))


def get_backend() -> BaseBackend:
    return import_string(settings.SPIE_SMS_BACKEND)()
