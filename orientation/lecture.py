"""Read-only views of a person's orientation for the pages of other apps, each in one query.

The carnet's summary shows the current decision, an orientation in progress and a pending réorientation
request. Through the ORM that was three queries mapping four related models each (about a fifth of the page's
time); here one statement with three `LATERAL` sub-selects returns only the columns shown.
"""

import functools
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import connection

from orientation.models import (
    DemandeReorientation,
    Dispositif,
    DossierOrientation,
    Orientation,
    StatutDemandeReorientation,
    StatutDossier,
    StatutOrientation,
    TypeOrientation,
)
from spie.models import Structure, User


@dataclass(frozen=True)
class OrientationDecidee:
    uid: UUID
    type_orientation: str
    decidee_le: datetime | None
    dispositif: str
    structure: str

    def get_type_orientation_display(self):
        return TypeOrientation(self.type_orientation).label


@dataclass(frozen=True)
class DossierOuvert:
    uid: UUID
    statut: str
    charge_orientation: str  # full name, "" when nobody took the dossier yet

    def get_statut_display(self):
        return StatutDossier(self.statut).label


@dataclass(frozen=True)
class DemandeEnAttente:
    uid: UUID
    created_at: datetime


@dataclass(frozen=True)
class OrientationDuCarnet:
    orientation: OrientationDecidee | None
    dossier: DossierOuvert | None
    demande: DemandeEnAttente | None


@functools.cache
def _sql():
    tables = {
        "orientation": Orientation._meta.db_table,
        "dispositif": Dispositif._meta.db_table,
        "structure": Structure._meta.db_table,
        "dossier": DossierOrientation._meta.db_table,
        "demande": DemandeReorientation._meta.db_table,
        "user": User._meta.db_table,
    }
    # Same choices as the ORM did: the latest validated decision (`-decidee_le`), the open dossier (at most one
    # by constraint; the newest first otherwise), the pending request (at most one by constraint).
    return """
        SELECT o.uid, o.type_orientation, o.decidee_le, di.nom, st.nom,
               dos.uid, dos.statut, trim(concat_ws(' ', u.first_name, u.last_name)),
               dem.uid, dem.created_at
        FROM (SELECT 1) AS un
        LEFT JOIN LATERAL (
            SELECT uid, type_orientation, decidee_le, dispositif_id, structure_id FROM {orientation}
            WHERE departement_id = %(dep)s AND carnet_id = %(carnet)s AND statut = %(validee)s
            ORDER BY decidee_le DESC LIMIT 1
        ) o ON true
        LEFT JOIN {dispositif} di ON di.id = o.dispositif_id
        LEFT JOIN {structure} st ON st.id = o.structure_id
        LEFT JOIN LATERAL (
            SELECT uid, statut, charge_orientation_id FROM {dossier}
            WHERE departement_id = %(dep)s AND carnet_id = %(carnet)s AND statut NOT IN (%(oriente)s, %(oriente_ft)s)
            ORDER BY created_at DESC LIMIT 1
        ) dos ON true
        LEFT JOIN {user} u ON u.id = dos.charge_orientation_id
        LEFT JOIN LATERAL (
            SELECT uid, created_at FROM {demande}
            WHERE departement_id = %(dep)s AND carnet_id = %(carnet)s AND statut = %(en_attente)s
            ORDER BY created_at DESC LIMIT 1
        ) dem ON true
    """.format(**tables)


def requete_orientation_du_carnet(*, departement_id, carnet_id):
    """The statement and its parameters (also the benchmark's hand-written baseline, `bench_carnet`)."""
    params = {
        "dep": departement_id,
        "carnet": carnet_id,
        "validee": StatutOrientation.VALIDEE,
        "oriente": StatutDossier.ORIENTE,
        "oriente_ft": StatutDossier.ORIENTE_FRANCE_TRAVAIL,
        "en_attente": StatutDemandeReorientation.EN_ATTENTE,
    }
    return _sql(), params


def orientation_du_carnet(carnet) -> OrientationDuCarnet:
    """The orientation facts of the carnet's summary (the carnet's access is checked by the caller)."""
    with connection.cursor() as cursor:
        cursor.execute(*requete_orientation_du_carnet(departement_id=carnet.departement_id, carnet_id=carnet.pk))
        row = cursor.fetchone()
    o_uid, o_type, o_le, dispositif, structure, d_uid, d_statut, charge, r_uid, r_le = row
    return OrientationDuCarnet(
        orientation=OrientationDecidee(o_uid, o_type, o_le, dispositif, structure) if o_uid else None,
        dossier=DossierOuvert(d_uid, d_statut, charge) if d_uid else None,
        demande=DemandeEnAttente(r_uid, r_le) if r_uid else None,
    )
