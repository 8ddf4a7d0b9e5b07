"""A large, plausible catalogue for the benchmark (`manage.py bench_offre`): never for real data.

Services are spread over the département's structures with the shape of a real catalogue: zones at the
commune (weighted by population), EPCI, département and national levels; one to four sub-themes; publics;
types; a description of a few hundred characters; a tenth of them with dated sessions. Rows go in with
`bulk_create` after `refresh_search_fields()` (what `save()` does one row at a time).
"""

import datetime
from random import Random

from django.db import transaction

from offre.models import Service, SessionService, StatutService
from offre.referentiels import Frais, ModeMobilisation, PersonneMobilisatrice, Public, Thematique, TypeService, label
from spie.dev.demo import luhn_complete
from spie.models import Commune, Structure, TypeStructure

GENERATED_SOURCE_SUFFIX = "bench"

MOTS_DESCRIPTION = """
accompagnement individuel collectif atelier emploi formation insertion professionnelle parcours conseiller
rendez-vous semaine mobilité permis voiture logement budget numérique ordinateur démarches administratives
droits santé famille garde enfants candidature entretien recrutement entreprise immersion métier découverte
compétences confiance remobilisation bénévolat français lecture écriture calcul apprentissage qualification
certification diplôme stage alternance chantier insertion structure association centre social mairie
permanence accueil orientation diagnostic projet objectif suivi relais réseau partenaires employeurs offres
""".split()


def _weighted_choice(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def generate(*, departement, total, seed=1, structures=300, log=print, batch_size=2000):
    """Add services to `departement` (inside its scope) until it has `total` generated ones."""
    rng = Random(seed)
    source = f"{departement.source_slug}-{GENERATED_SOURCE_SUFFIX}"
    existing = Service.objects.filter(source=source).count()
    if existing >= total:
        return 0
    pool = _structures(departement, structures)
    communes = list(
        Commune.objects.filter(departement_id=departement.code).values_list("code_insee", "epci_id", "population")
    )
    if not communes:
        raise ValueError(f"Aucune commune du département {departement.code} : chargez les référentiels.")
    codes = [c[0] for c in communes]
    populations = [max(c[2] or 1, 1) for c in communes]
    epcis = sorted({c[1] for c in communes if c[1]})
    thematiques = [t.value for t in Thematique]
    publics = [p.value for p in Public if p != Public.TOUS_PUBLICS]
    types = [t.value for t in TypeService]
    today = datetime.date.today()
    created = 0
    number = existing
    while number < total:
        services, sessions = [], []
        for _ in range(min(batch_size, total - number)):
            number += 1
            structure = rng.choice(pool)
            kind = rng.random()
            if kind < 0.35:
                zone = sorted(set(rng.choices(codes, weights=populations, k=rng.randint(1, 8))))
            elif kind < 0.6:
                zone = [rng.choice(epcis)] if epcis else [departement.code]
            elif kind < 0.9:
                zone = [departement.code]
            else:
                zone = ["france"]
            themes = sorted(set(rng.sample(thematiques, rng.randint(1, 4))))
            type_ = rng.choice(types)
            modes = rng.choice([["en-presentiel"], ["a-distance"], ["a-distance", "en-presentiel"]])
            commune = rng.choices(codes, weights=populations, k=1)[0]
            service = Service(
                departement=departement,
                structure=structure,
                source=source,
                di_id=f"{source}--{number}",
                nom=f"{label(TypeService, type_)} {label(Thematique, themes[0]).lower()}"[:150],
                description=" ".join(rng.choices(MOTS_DESCRIPTION, k=rng.randint(30, 120))).capitalize() + ".",
                date_maj=today - datetime.timedelta(days=rng.randint(0, 900)),
                type=type_,
                thematiques=themes,
                frais=rng.choice([Frais.GRATUIT.value, Frais.GRATUIT.value, Frais.PAYANT.value, ""]),
                publics=[Public.TOUS_PUBLICS.value]
                if rng.random() < 0.3
                else sorted(set(rng.sample(publics, rng.randint(1, 3)))),
                code_insee=commune,
                adresse=f"{rng.randint(1, 120)} rue de la République",
                telephone="02 35 00 00 00" if rng.random() < 0.7 else "",
                courriel="contact@exemple.fr" if rng.random() < 0.6 else "",
                modes_accueil=modes,
                zone_eligibilite=zone,
                modes_mobilisation=sorted(set(rng.sample([m.value for m in ModeMobilisation], rng.randint(1, 3)))),
                mobilisable_par=[PersonneMobilisatrice.PROFESSIONNELS.value],
                statut=StatutService.PUBLIE if rng.random() < 0.95 else StatutService.A_VALIDER,
            )
            service.refresh_search_fields()
            services.append(service)
            if type_ in ("formation", "atelier") and rng.random() < 0.4:
                start = today + datetime.timedelta(days=rng.randint(-30, 120))
                places = rng.randint(6, 16)
                sessions.append(
                    (
                        service,
                        SessionService(
                            departement=departement,
                            date_debut=start,
                            date_fin=start + datetime.timedelta(days=rng.randint(0, 60)),
                            places_total=places,
                            places_restantes=rng.randint(0, places),
                        ),
                    )
                )
        with transaction.atomic():
            Service.objects.bulk_create(services)
            for service, session in sessions:
                session.service = service
            SessionService.objects.bulk_create([s for _, s in sessions])
        created += len(services)
        log(f"  {number} services générés…")
    return created


def _structures(departement, wanted):
    source = f"{departement.source_slug}-{GENERATED_SOURCE_SUFFIX}"
    pool = list(Structure.objects.filter(source=source))
    types = [TypeStructure.ASSOCIATION, TypeStructure.ORGANISME_FORMATION, TypeStructure.CCAS, TypeStructure.SIAE]
    rng = Random(departement.pk)
    for index in range(len(pool), wanted):
        structure = Structure(
            departement=departement,
            nom=f"Structure d'insertion n° {index + 1}",
            type=rng.choice(types),
            siret=luhn_complete(f"9{departement.code.zfill(3)}{index:09d}"[:13]),
            source=source,
        )
        structure.save()
        pool.append(structure)
    return pool
