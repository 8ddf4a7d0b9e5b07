"""Load test of SPIE: référents, chargés d'orientation and partners at once, each waiting 2–10 s between actions.

Not a CI test: run it by hand against a production-like stack on a benchmark database (README, "Test de charge").
It reads the personas prepared by `manage.py bench_charge_personas --sortie FILE` (sessions of the référents with
the biggest portfolios, of chargés d'orientation and admins, partner tokens), given by the SPIE_CHARGE environment
variable, and talks plain HTTP to gunicorn on this machine, saying https by `X-Forwarded-Proto` as the reverse
proxy of production does.

    SPIE_CHARGE=/tmp/charge.json locust -f loadtest/locustfile.py --host http://127.0.0.1:8000 \
        --headless -u 100 -r 5 -t 5m --csv /tmp/charge-100

Each request is named after its step ("référent : recherche nom courant"...), so that Locust reports throughput,
p95 and errors per step. Only addresses of this machine are targets.
"""

import datetime
import itertools
import json
import os
import random
from urllib.parse import urlparse

from locust import HttpUser, between, task

with open(os.environ["SPIE_CHARGE"]) as source:
    PERSONAS = json.load(source)

if urlparse(os.environ.get("LOCUST_HOST", "http://127.0.0.1")).hostname not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("Le test de charge ne vise que cette machine (127.0.0.1).")

NOMS_COURANTS = ["martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand"]
PRENOMS = ["marie", "jean", "nathalie", "pierre", "sophie", "michel"]
NOMS_AVEC_FAUTE = ["lefevbre", "moreua", "girrard", "fontanie", "rousel", "mercer"]
_referents = itertools.cycle(PERSONAS["referents"])
_charges = itertools.cycle(PERSONAS["charges"] or [None])
_partenaires = itertools.cycle(PERSONAS["partenaires"] or [None])


class Navigateur(HttpUser):
    abstract = True
    wait_time = between(2, 10)

    def on_start(self):
        host = urlparse(self.host).netloc
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": f"https://{host}", "Referer": f"https://{host}/"}
        )

    def ouvrir(self, session):
        self.client.cookies.set("sessionid", session)

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response


class Referent(Navigateur):
    weight = 6

    def on_start(self):
        super().on_start()
        self.persona = next(_referents)
        self.ouvrir(self.persona["session"])

    def carnet(self):
        return random.choice(self.persona["carnets"])

    @task(4)
    def portefeuille(self):
        self.page("/carnets/", "référent : portefeuille")

    @task(4)
    def fiche(self):
        self.page(f"/carnets/{self.carnet()}/", "référent : fiche carnet")

    @task(2)
    def historique(self):
        self.page(f"/carnets/{self.carnet()}/historique/", "référent : historique")

    @task(2)
    def recherche_nom_courant(self):
        self.page(f"/carnets/recherche/?nom={random.choice(NOMS_COURANTS)}", "référent : recherche nom courant")

    @task(1)
    def recherche_prenom(self):
        self.page(f"/carnets/recherche/?nom={random.choice(PRENOMS)}", "référent : recherche prénom")

    @task(1)
    def recherche_faute(self):
        self.page(f"/carnets/recherche/?nom={random.choice(NOMS_AVEC_FAUTE)}", "référent : recherche nom avec faute")

    @task(1)
    def ajouter_rendez_vous(self):
        carnet = self.carnet()
        url = f"/carnets/{carnet}/rendez-vous/"
        page = self.page(url, "référent : page des rendez-vous")
        # The CSRF cookie comes back marked Secure (production settings): plain HTTP to gunicorn would not send it.
        token = page.cookies.get("csrftoken") or self.client.cookies.get("csrftoken", "")
        self.client.cookies.set("csrftoken", token)
        jour = datetime.date.today() + datetime.timedelta(days=random.randint(1, 60))
        data = {
            "date": jour.isoformat(),
            "heure": f"{random.randint(9, 16):02d}:{random.choice(('00', '30'))}",
            "duree_minutes": 45,
            "professionnel": self.persona["user"],
            "structure": self.persona["structure"],
            "mode": "sur_place",
            "lieu": "Agence",
            "objet": "Point d'étape",
            "statut": "prevu",
            "csrfmiddlewaretoken": token,
        }
        headers = {"X-CSRFToken": token}
        with self.client.post(
            url,
            data=data,
            headers=headers,
            name="référent : ajouter un rendez-vous",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")


class ChargeOrientation(Navigateur):
    weight = 2

    def on_start(self):
        super().on_start()
        self.persona = next(_charges)
        if self.persona is None:
            self.stop()
            return
        self.ouvrir(self.persona["session"])

    @task(3)
    def file(self):
        self.page("/orientation/", "chargé : file d'orientation")

    @task(1)
    def file_en_retard(self):
        self.page("/orientation/?en_retard=on", "chargé : file, en retard")

    @task(2)
    def dossier(self):
        if PERSONAS["dossiers"]:
            self.page(f"/orientation/dossiers/{random.choice(PERSONAS['dossiers'])}/", "chargé : dossier (entretien)")


class Partenaire(HttpUser):
    weight = 2
    wait_time = between(2, 10)

    def on_start(self):
        self.persona = next(_partenaires)
        if self.persona is None:
            self.stop()
            return
        self.client.headers.update(
            {
                "Authorization": f"Bearer {self.persona['jeton']}",
                "X-Forwarded-Proto": "https",
                "Accept": "application/json",
            }
        )

    @task(3)
    def lire_carnet(self):
        self.client.get(
            f"/api/v1/carnets/{random.choice(self.persona['carnets'])}/", name="partenaire : lire un carnet"
        )

    @task(2)
    def lister(self):
        self.client.get(
            f"/api/v1/beneficiaires/?nom={random.choice(NOMS_COURANTS)}", name="partenaire : recherche par nom"
        )

    @task(1)
    def ecrire_rendez_vous(self):
        carnet = random.choice(self.persona["carnets"])
        quand = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=random.randint(1, 60))
        self.client.post(
            f"/api/v1/carnets/{carnet}/rendez-vous/",
            json={"date_heure": quand.replace(microsecond=0).isoformat(), "duree_minutes": 30, "objet": "Atelier"},
            name="partenaire : écrire un rendez-vous",
        )
