"""Demo catalogue of the two demo départements (development only): tens of services across the categories.

Idempotent: structures and services are found by their data·inclusion id before anything is created.
Written through the services (a service's `save()` computes its search keys and quality score), with a few
deliberately incomplete cards so that the quality page has something to show, and a few prescriptions
from the demo carnets so that the inboxes are not empty.
"""

import datetime
import json
from pathlib import Path

from offre import schema, services
from offre.models import Prescription, Service, SessionService, StatutService
from spie.dev.demo import DEPARTEMENTS, luhn_complete
from spie.models import Commune, Structure, User

# The demo catalogue is data: territories (communes, EPCI, offer-carrying structures to add to the demo ones)
# and services, in offre/dev/data/demo_catalogue.json.
DATA = Path(__file__).resolve().parent / "data" / "demo_catalogue.json"

# The demo structures of spie.dev.demo, by key (index in spie.dev.demo.DEPARTEMENTS[...]["structures"]).
STRUCTURES_DEMO = {"dep": 0, "ft": 1, "ml": 2, "asso": 3}

PRO = ["professionnels"]
PRO_USAGERS = ["professionnels", "usagers"]
LIEN_MOBILISATION = "https://www.jeveuxaider.gouv.fr/"


def catalogue():
    with DATA.open(encoding="utf-8") as file:
        return json.load(file)


def _structures(departement, spec):
    """Demo structures of spie.dev.demo plus the offer-carrying ones of this module, by key."""
    demo_spec = next(d for d in DEPARTEMENTS if d["code"] == departement.code)
    found = {}
    for key, index in STRUCTURES_DEMO.items():
        found[key] = Structure.objects.filter(nom=demo_spec["structures"][index][0]).first()
    for index, (key, item) in enumerate(spec["structures"].items()):
        nom, code_insee = item["nom"], item["code_insee"]
        structure = Structure.objects.filter(nom=nom).first()
        if structure is None:
            commune = Commune.objects.filter(code_insee=code_insee).first()
            structure = Structure(
                departement=departement,
                nom=nom,
                type=item["type"],
                siret=luhn_complete(f"3{departement.code.zfill(2)}1000{index:02d}000"[:13]),
                commune=commune,
                code_postal=commune.codes_postaux[0] if commune and commune.codes_postaux else "",
                adresse=f"{3 + index} place de la Mairie",
                telephone=("02 35 00 00 0" if departement.code == "76" else "03 24 00 00 0") + str(index),
                courriel=f"contact.{key}.{departement.code}@demo.spie.fr",
                description=f"{nom} accueille et accompagne les habitants du territoire.",
                reseaux_porteurs=item["reseaux_porteurs"],
            )
            structure.save()
        found[key] = structure
    return found


def _zone(codes, spec, departement):
    zone = []
    for code in codes:
        if code == "dep":
            zone.append(departement.code)
        elif code in ("epci", "epci_2"):
            zone.append(spec[code])
        elif code == "france":
            zone.append("france")
        elif code.startswith("communes:"):
            for name in code.removeprefix("communes:").split(","):
                zone.append(spec["ville"] if name == "ville" else spec["communes"][name])
    return list(dict.fromkeys(zone))


def load(departement):
    """Create the demo catalogue of one département (inside its scope). Returns how many services were created."""
    data = catalogue()
    spec = data["territoires"].get(departement.code)
    if spec is None:
        return 0
    structures = _structures(departement, spec)
    admin = User.objects.filter(email=f"admin.{departement.code}@demo.spie.fr").first()
    today = schema.today()
    created = 0
    for index, item in enumerate(data["services"]):
        structure = structures.get(item["structure"])
        di_id = f"{departement.source_slug}--demo-{item['cle']}"
        if structure is None or Service.objects.filter(di_id=di_id).exists():
            continue
        accueil, mobilisation = item["modes_accueil"], item["modes_mobilisation"]
        sur_place = "en-presentiel" in accueil
        commune = structure.commune if sur_place else None
        service = Service(
            departement=departement,
            structure=structure,
            source=departement.source_slug,
            di_id=di_id,
            nom=item["nom"],
            description=item["description"],
            date_maj=today - datetime.timedelta(days=(index * 37) % 400),
            type=item["type"],
            thematiques=sorted(item["thematiques"]),
            publics=sorted(item["publics"]),
            frais=item["frais"],
            zone_eligibilite=_zone(item["zone"], spec, departement),
            modes_accueil=sorted(accueil),
            modes_mobilisation=sorted(mobilisation),
            mobilisable_par=PRO_USAGERS if "se-presenter" in mobilisation else (PRO if mobilisation else []),
            adresse=structure.adresse if sur_place else "",
            code_postal=structure.code_postal if sur_place else "",
            code_insee=commune.code_insee if commune else "",
            commune=commune.nom if commune else "",
            telephone=structure.telephone if "telephoner" in mobilisation else "",
            courriel=structure.courriel if "envoyer-un-courriel" in mobilisation else "",
            lien_mobilisation=LIEN_MOBILISATION if "utiliser-lien-mobilisation" in mobilisation else "",
            volume_horaire_hebdomadaire=item["volume_horaire_hebdomadaire"],
            nombre_semaines=item["nombre_semaines"],
            # One card left to the département's moderation, so that the moderation page shows something.
            statut=StatutService.A_VALIDER if item["cle"] == "vestiaire" else StatutService.PUBLIE,
            created_by=admin,
        )
        service.save()
        for session in item["sessions"]:
            debut = today + datetime.timedelta(days=session["dans_jours"])
            SessionService.objects.create(
                departement=departement,
                service=service,
                date_debut=debut,
                date_fin=debut + datetime.timedelta(days=session["duree_jours"]) if session["duree_jours"] else None,
                places_total=session["places"],
                places_restantes=max(0, session["places"] - session["dans_jours"] % 3),
                lieu=structure.adresse,
            )
        created += 1
    _prescriptions(departement)
    return created


def _prescriptions(departement):
    """A few prescriptions from the demo carnets: one waiting, one accepted (inboxes and timelines not empty)."""
    from carnet.models import Carnet

    referent = User.objects.filter(email=f"referent.{departement.code}@demo.spie.fr").first()
    if referent is None:
        return
    membership = referent.memberships.filter(is_active=True).select_related("structure").first()
    plans = [("demo-atelier-cv", None), ("demo-atelier-numerique", "accepter"), ("demo-permis-b", None)]
    carnets = list(Carnet.objects.filter(membres__user=referent, membres__fin=None).select_related("beneficiaire")[:3])
    for carnet, (service_key, answer) in zip(carnets, plans, strict=False):
        service = Service.objects.filter(di_id=f"{departement.source_slug}--{service_key}").first()
        if service is None or Prescription.objects.filter(carnet=carnet, service=service).exists():
            continue
        prescription = services.prescription_send(
            carnet=carnet,
            service=service,
            message="Madame/Monsieur est motivé(e) et disponible en semaine. Merci de me tenir informé de la suite.",
            consentement=True,
            partager_telephone=True,
            auteur=referent,
            structure=membership.structure,
        )
        if answer:
            receiver = service.structure.memberships.filter(is_active=True).select_related("user").first()
            if receiver is not None:
                services.prescription_answer(
                    prescription=prescription,
                    accepte=True,
                    precision="Premier rendez-vous fixé avec la personne.",
                    auteur=receiver.user,
                    structure=service.structure,
                )
