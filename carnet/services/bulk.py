"""Bulk writes of bénéficiaires and their carnets: the CAF/MSA flux, the spreadsheet imports, the generator.

The one place that knows what a bénéficiaire row holds besides what a caller gives: what `Beneficiaire.save()`,
`Beneficiaire.set_nir()` and `carnet.services.beneficiaire_create` would have written (encrypted NIR and its
keyed hash, search columns, the carnet, the "carnet created" timeline row), and what an update must bump
(version, updated_at, search columns when a name changes).

- `beneficiaires_create`: people, their carnets and the CARNET_CREE events, by COPY (`spie.bulk`), primary keys
  reserved first. A new carnet has no follow-up group yet: no receiver of the timeline needs to hear of it
  (webhooks go to the group), hence no signal is sent. The caller has matched the people first
  (`carnet.services.correspondance`): no NIR of the batch already exists.
- `beneficiaire_apply`: set values on a person read in full (in memory), returning the fields that changed;
- `beneficiaires_update`: one UPDATE … FROM (VALUES …) for people changed in memory, then their timeline events
  in one INSERT, announced once by `evenements_enregistres` (the receivers, webhooks to the group, read what they
  need once for the batch instead of once per event: a month-2 flux records tens of thousands of events);
- `carnets_create_missing`: a carnet for people who have none;
- `colonnes_recherche`, `derivees`: the derived columns, for writers of full rows (the generator).

Call inside the département's scope and a transaction.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.dispatch import Signal
from django.utils import timezone

from carnet.models import Beneficiaire, Carnet, Evenement, TypeEvenement
from carnet.nir import nir_hash
from carnet.search import name_trigrams, search_text
from spie.bulk import TableTexte, array_literal, raw_connection, reserve_ids
from spie.crypto import encrypt

# Fields a creation may fill; the others take their defaults (uid, version, dates, derived columns below).
CHAMPS = [
    "civilite",
    "nom_usage",
    "nom_naissance",
    "prenoms",
    "date_naissance",
    "lieu_naissance",
    "telephone",
    "courriel",
    "adresse",
    "complement_adresse",
    "sans_domicile_fixe",
    "code_postal",
    "commune_id",
    "organisme_payeur",
    "numero_allocataire",
    "role_foyer",
    "identifiant_france_travail",
    "identifiant_departement",
    "etat_droit_rsa",
    "motif_suspension",
    "motif_cloture",
    "date_cloture",
    "soumis_droits_devoirs",
    "date_entree_rsa",
    "date_fin_rattachement",
]
_DEFAULTS = {name: Beneficiaire._meta.get_field(name).get_default() for name in CHAMPS}
CHAMPS_NOMS = {"nom_usage", "nom_naissance", "prenoms"}
# Sent once after timeline events were written in bulk (no post_save for each), with `evenements`: the saved
# Evenement rows. Only events of the bénéficiaire's data are written so (rights, household, identity).
evenements_enregistres = Signal()


def colonnes_recherche(nom_usage, nom_naissance, prenoms):
    """(nom_recherche, trigrammes) as `Beneficiaire.save()` computes them."""
    return search_text(nom_usage, nom_naissance, prenoms), name_trigrams(nom_usage, nom_naissance, prenoms)


def derivees(valeurs):
    """What save() and set_nir() would compute for a dict of Beneficiaire fields plus `nir` (clear, normalised,
    or ""), in COPY's text form: (encrypted NIR, NIR hash, search text, trigrams literal)."""
    nir = valeurs.get("nir") or ""
    recherche, trigrammes = colonnes_recherche(
        valeurs.get("nom_usage", ""), valeurs.get("nom_naissance", ""), valeurs.get("prenoms", "")
    )
    return (
        encrypt(nir) if nir else "",
        (valeurs.get("nir_hash") or nir_hash(nir)) if nir else "",
        recherche,
        array_literal(trigrammes),
    )


def beneficiaires_create(departement_id, personnes, *, resume):
    """Create a person, a carnet and a "carnet created" event for each dict of `personnes` (fields of `CHAMPS`,
    plus `nir`: the clear, normalised NIR or "", and optionally its `nir_hash`). `resume` is the event's text (a
    string, or a callable of the dict).

    Returns the ids of the created people, in order.
    """
    if not personnes:
        return []
    beneficiaire_ids = reserve_ids(Beneficiaire, len(personnes))
    carnet_ids = reserve_ids(Carnet, len(personnes))
    columns = ["id", "departement_id", *CHAMPS, "nir_chiffre", "nir_hash", "nom_recherche", "trigrammes"]
    beneficiaires = TableTexte(Beneficiaire, " ".join(columns))
    carnets = TableTexte(Carnet, "id departement_id beneficiaire_id")
    evenements = TableTexte(Evenement, "departement_id carnet_id type resume")
    for valeurs, beneficiaire_id, carnet_id in zip(personnes, beneficiaire_ids, carnet_ids, strict=True):
        beneficiaires.add(
            beneficiaire_id,
            departement_id,
            *(valeurs.get(name, _DEFAULTS[name]) for name in CHAMPS),
            *derivees(valeurs),
        )
        carnets.add(carnet_id, departement_id, beneficiaire_id)
        text = resume(valeurs) if callable(resume) else resume
        evenements.add(departement_id, carnet_id, TypeEvenement.CARNET_CREE, text[:255])
    raw = raw_connection()
    for table in (beneficiaires, carnets, evenements):
        table.flush(raw)
    return beneficiaire_ids


def beneficiaire_apply(beneficiaire, valeurs, names):
    """Set `valeurs[name]` on the person (in memory) for each of `names` whose value differs; `nir` (clear,
    normalised) goes through `set_nir`. Returns the names that changed."""
    changed = []
    for name in names:
        if name == "nir":
            beneficiaire.set_nir(valeurs["nir"])
            changed.append(name)
        elif getattr(beneficiaire, name) != valeurs[name]:
            setattr(beneficiaire, name, valeurs[name])
            changed.append(name)
    return changed


@dataclass
class Modification:
    """A person changed in memory (`beneficiaire_apply`), the names that changed (`nir` for the NIR), and the
    timeline events to record on their carnet: [(TypeEvenement, resume)]."""

    beneficiaire: Beneficiaire
    changements: list
    evenements: list = field(default_factory=list)


def beneficiaires_update(modifications, *, auteur=None):
    """One UPDATE of the people of `modifications` (their carnet loaded: `select_related("carnet")`), then their
    events in one INSERT. Each person's version is bumped: a form open on them meets a version conflict instead of
    overwriting the bulk write."""
    if not modifications:
        return
    now = timezone.now()
    fields = set()
    for modification in modifications:
        beneficiaire, changed = modification.beneficiaire, modification.changements
        names = {name for name in changed if name != "nir"}
        if "nir" in changed:
            names |= {"nir_chiffre", "nir_hash"}
        if names & CHAMPS_NOMS:
            beneficiaire.nom_recherche, beneficiaire.trigrammes = colonnes_recherche(
                beneficiaire.nom_usage, beneficiaire.nom_naissance, beneficiaire.prenoms
            )
            names |= {"nom_recherche", "trigrammes"}
        fields |= names
        beneficiaire.updated_at = now
    _update_rows([m.beneficiaire for m in modifications], sorted(fields), now)
    for modification in modifications:
        modification.beneficiaire.version += 1
    evenements = [
        Evenement(
            departement_id=m.beneficiaire.departement_id,
            carnet=m.beneficiaire.carnet,
            type=type_,
            resume=resume[:255],
            auteur=auteur,
        )
        for m in modifications
        for type_, resume in m.evenements
    ]
    if evenements:
        Evenement.objects.bulk_create(evenements, batch_size=1000)
        evenements_enregistres.send(sender=Evenement, evenements=evenements)


def _update_rows(beneficiaires, names, now, chunk=1000):
    """UPDATE carnet_beneficiaire SET <names> = the values in memory, version + 1, updated_at, FROM (VALUES …): one
    statement per `chunk` people (Django's bulk_update builds a CASE per field and row, seconds per thousand)."""
    fields = [Beneficiaire._meta.get_field(name) for name in names]
    columns = [f.column for f in fields]
    types = [f.db_type(connection) for f in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    assignments = ", ".join(filter(None, [assignments, "version = b.version + 1", "updated_at = %s"]))
    row_sql = "(" + ", ".join(["%s::bigint", *(f"%s::{t}" for t in types)]) + ")"
    aliases = ", ".join(["id", *(quote(c) for c in columns)])
    with connection.cursor() as cursor:
        for start in range(0, len(beneficiaires), chunk):
            part = beneficiaires[start : start + chunk]
            params = [now]
            for b in part:
                params.append(b.pk)
                params.extend(f.get_db_prep_save(getattr(b, f.attname), connection) for f in fields)
            # Identifiers come from the model's own fields, quoted by the backend; every value is a parameter.
            cursor.execute(
                f"UPDATE {quote(Beneficiaire._meta.db_table)} AS b SET {assignments} "  # nosec B608
                f"FROM (VALUES {', '.join([row_sql] * len(part))}) AS v({aliases}) WHERE b.id = v.id",
                params,
            )


def carnets_create_missing(departement_id, beneficiaires):
    """A carnet for each of `beneficiaires` (read with `select_related("carnet")`) that has none."""
    sans_carnet = [b for b in beneficiaires if not hasattr(b, "carnet")]
    if sans_carnet:
        Carnet.objects.bulk_create(Carnet(departement_id=departement_id, beneficiaire=b) for b in sans_carnet)
    return sans_carnet
