"""Demo world shared by the run command and the browser journeys.

Seine-Maritime (76) with the territory "Boucles de Seine" and Ardennes (08), so that isolation
between départements can be seen. Passwords and the TOTP secret are for development only.
"""

from allauth.mfa.models import Authenticator

from spie.models import Commune, Departement, Membership, Role, Structure, Territoire, TypeStructure, User
from spie.tenancy import departement_scope
from spie.text import normalise

DEMO_PASSWORD = "demo-spie-2026"
# Base32 secret of the demo TOTP (every professional must use MFA). `manage.py code_totp_demo` prints the code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NATIONAL_SUPERADMIN = "national@demo.spie.fr"


def luhn_complete(prefix):
    """Append the Luhn key that makes a 13-digit prefix a valid 14-digit SIRET."""
    for key in range(10):
        digits = [int(c) for c in prefix + str(key)]
        total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
        if total % 10 == 0:
            return prefix + str(key)
    raise ValueError(prefix)


DEPARTEMENTS = [
    {
        "code": "76",
        "nom": "Seine-Maritime",
        "contact": {
            "contact_nom": "Direction de l'insertion et de l'emploi",
            "contact_adresse": "Quai Jean Moulin\n76101 Rouen Cedex",
            "contact_telephone": "02 35 03 55 55",
            "contact_courriel": "insertion@demo.seinemaritime.fr",
        },
        "territoires": {
            "Boucles de Seine": [
                "Canteleu",
                "Le Grand-Quevilly",
                "Le Petit-Quevilly",
                "Grand-Couronne",
                "Petit-Couronne",
                "Sotteville-lès-Rouen",
                "Saint-Étienne-du-Rouvray",
                "Oissel-sur-Seine",
                "Elbeuf",
                "Caudebec-lès-Elbeuf",
                "Duclair",
                "Val-de-la-Haye",
            ],
            "Métropole rouennaise nord": [
                "Rouen",
                "Mont-Saint-Aignan",
                "Bois-Guillaume",
                "Bihorel",
                "Darnétal",
                "Déville-lès-Rouen",
                "Maromme",
            ],
            "Pointe de Caux": [
                "Le Havre",
                "Montivilliers",
                "Harfleur",
                "Gonfreville-l'Orcher",
                "Sainte-Adresse",
                "Octeville-sur-Mer",
            ],
            "Dieppe et Pays de Bray": ["Dieppe", "Arques-la-Bataille", "Offranville", "Neufchâtel-en-Bray"],
        },
        "structures": [
            ("Direction de l'insertion — Département de la Seine-Maritime", TypeStructure.DEPARTEMENT, "Rouen"),
            ("France Travail Rouen Rive Gauche", TypeStructure.FRANCE_TRAVAIL, "Le Grand-Quevilly"),
            ("Mission locale de l'agglomération rouennaise", TypeStructure.MISSION_LOCALE, "Rouen"),
            ("Association Tremplin Boucles de Seine", TypeStructure.ASSOCIATION, "Elbeuf"),
        ],
    },
    {
        "code": "08",
        "nom": "Ardennes",
        "contact": {
            "contact_nom": "Direction de l'insertion, de l'habitat et de l'emploi",
            "contact_adresse": "Hôtel du Département\n08011 Charleville-Mézières Cedex",
            "contact_telephone": "03 24 59 60 60",
            "contact_courriel": "insertion@demo.cd08.fr",
        },
        "territoires": {
            "Cœur d'Ardenne": ["Charleville-Mézières", "Nouzonville", "Villers-Semeuse", "Prix-lès-Mézières"],
            "Sedanais": ["Sedan", "Bazeilles", "Donchery", "Balan", "Floing"],
            "Rethélois et Argonne": ["Rethel", "Vouziers", "Château-Porcien", "Attigny"],
        },
        "structures": [
            ("Direction de l'insertion — Département des Ardennes", TypeStructure.DEPARTEMENT, "Charleville-Mézières"),
            ("France Travail Charleville-Mézières", TypeStructure.FRANCE_TRAVAIL, "Charleville-Mézières"),
            ("Mission locale Nord Ardennes", TypeStructure.MISSION_LOCALE, "Charleville-Mézières"),
            ("Association Ardennes Solidarité Emploi", TypeStructure.ASSOCIATION, "Sedan"),
        ],
    },
]

# (e-mail local part, first name, last name, structure index, role)
USERS = [
    ("admin", "Alice", "Administratrice", 0, Role.ADMIN_DEPARTEMENT),
    ("orientation", "Olivier", "Orienteur", 0, Role.CHARGE_ORIENTATION),
    ("validation", "Valérie", "Validatrice", 0, Role.VALIDATEUR_ORIENTATION),
    ("referent", "Rémi", "Référent", 0, Role.PROFESSIONNEL),
    ("conseiller-ft", "Fatou", "Conseillère", 1, Role.PROFESSIONNEL),
    ("conseiller-ml", "Marc", "Conseiller", 2, Role.PROFESSIONNEL),
    ("responsable-ml", "Rachida", "Responsable", 2, Role.RESPONSABLE_STRUCTURE),
    ("asso", "Anne", "Accompagnatrice", 3, Role.PROFESSIONNEL),
    ("decideur", "Denis", "Décideur", 0, Role.DECIDEUR_SANCTIONS),
]


def demo_email(local, code):
    return f"{local}.{code}@demo.spie.fr"


def _commune(nom, departement_code):
    wanted = normalise(nom)
    return Commune.objects.filter(departement_id=departement_code, nom_normalise=wanted).first()


def _user(email, first_name, last_name, **extra):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name, **extra
        )
    return user


def ensure_totp(user):
    """The demo TOTP secret for this account (every professional must have a second factor)."""
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def load():
    created = {"departements": 0, "structures": 0, "utilisateurs": 0}
    for spec in DEPARTEMENTS:
        departement, was_created = Departement.objects.get_or_create(
            code=spec["code"], defaults={"nom": spec["nom"], **spec["contact"]}
        )
        created["departements"] += was_created
        with departement_scope(departement):
            structures = []
            for index, (nom, type_, commune_nom) in enumerate(spec["structures"]):
                structure = Structure.objects.filter(nom=nom).first()
                if structure is None:
                    structure = Structure.objects.create(
                        departement=departement,
                        nom=nom,
                        type=type_,
                        siret=luhn_complete(f"2{departement.code.zfill(2)}0000{index:02d}000"[:13]),
                        commune=_commune(commune_nom, departement.code),
                        courriel=f"contact.{type_}@demo.spie.fr",
                        telephone="01 23 45 67 89",
                    )
                    created["structures"] += 1
                structures.append(structure)
            for nom, communes in spec["territoires"].items():
                territoire, _ = Territoire.objects.get_or_create(departement=departement, nom=nom)
                codes = [c.code_insee for c in (_commune(n, departement.code) for n in communes) if c]
                territoire.communes.add(*codes)
            for local, first_name, last_name, structure_index, role in USERS:
                email = demo_email(local, departement.code)
                existed = User.objects.filter(email=email).exists()
                user = _user(email, first_name, last_name)
                created["utilisateurs"] += not existed
                Membership.objects.get_or_create(
                    user=user,
                    structure=structures[structure_index],
                    role=role,
                    is_active=True,
                    defaults={"departement": departement},
                )
                ensure_totp(user)  # every professional must use a second factor
    # One person, several roles in two départements: an account is a person, never a role.
    multi = _user(demo_email("multi", "76-08"), "Morgane", "Multirôle")
    ensure_totp(multi)
    for code, structure_index, role in (("76", 2, Role.PROFESSIONNEL), ("08", 0, Role.CHARGE_ORIENTATION)):
        departement = Departement.objects.get(code=code)
        with departement_scope(departement):
            structure = Structure.objects.filter(
                nom=DEPARTEMENTS[0 if code == "76" else 1]["structures"][structure_index][0]
            ).get()
            Membership.objects.get_or_create(
                user=multi, structure=structure, role=role, is_active=True, defaults={"departement": departement}
            )
    national = User.objects.filter(email=NATIONAL_SUPERADMIN).first() or User.objects.create_superuser(
        email=NATIONAL_SUPERADMIN, password=DEMO_PASSWORD, first_name="Nadia", last_name="Nationale"
    )
    ensure_totp(national)
    return (
        f"Démonstration : {created['departements']} département(s), {created['structures']} structure(s), "
        f"{created['utilisateurs']} utilisateur(s) créés (les données existantes sont conservées)."
    )


def logins_table():
    lines = [
        "",
        "Identifiants de démonstration (développement uniquement) — mot de passe pour tous : " + DEMO_PASSWORD,
        "",
    ]
    for spec in DEPARTEMENTS:
        lines.append(f"  {spec['nom']} ({spec['code']})")
        for local, first_name, last_name, structure_index, role in USERS:
            lines.append(
                f"    {demo_email(local, spec['code']):38} {role.label} — {spec['structures'][structure_index][0]}"
            )
    lines.append(f"  Plusieurs rôles dans deux départements : {demo_email('multi', '76-08')}")
    lines.append(f"  Administrateur national : {NATIONAL_SUPERADMIN}")
    lines.append("")
    lines.append(
        "  Tous les comptes doivent saisir un code à usage unique (TOTP) : clé "
        f"{DEMO_TOTP_SECRET}, ou « python manage.py code_totp_demo » pour afficher le code courant."
    )
    return "\n".join(lines)


def client_connecte(user):
    """A test client logged in as `user` (benchmarks): the account gets the demo second factor if it has none, as
    every professional must have one before any page."""
    from django.test import Client

    ensure_totp(user)
    client = Client()
    client.force_login(user)
    return client
