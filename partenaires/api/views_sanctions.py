"""Partner API v1: sanctions of the RSA (suspension-remobilisation), for two kinds of partners only.

- The paying body (a CAF or MSA structure's token, scope `sanctions:read`) reads the sanctions it must apply to the
  people it pays: identifiers at the CAF/MSA, nature, rate, duration, dates, amount withheld, lift and arrears
  (`sanctions.payeur`). Never the facts, the observations, the reasons, the steps. Webhooks `sanction.decidee`,
  `sanction.levee` and `sanction.rattrapage` carry the same fields.
- France Travail or the person's organisme référent (scope `sanctions:propose`) proposes a failure: the file is
  opened by `sanctions.propositions` with the rules of the carnet's page (nothing is written when one refuses), and
  the proposing structure reads its proposal's outcome only.

Every read is in the access log of the person.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from carnet.models import Carnet, Contrat, RendezVous
from partenaires.api.base import IDEMPOTENCY_KEY, PartnerAPIMixin
from partenaires.api.docs import CLE_REUTILISEE, REJEU, erreurs_communes, requete_invalide
from partenaires.api.fields import PartnerSerializer
from partenaires.api.pagination import CursorPaginationSPIE
from partenaires.api.views import log_api_read, log_api_reads
from partenaires.models import Scope
from sanctions import payeur, propositions
from sanctions.etats import TransitionRefusee
from sanctions.models import Motif, Nature, Obligation, PropositionPartenaire

REFUS_PAYEUR = "Seul un organisme payeur du RSA (CAF ou MSA) lit les sanctions."
REFUS_PROPOSITION = "Seuls France Travail et l'organisme référent de la personne proposent une sanction pour elle."
ETATS_PAYEUR = {
    "en_cours": "Sanction en cours : appliquer la retenue.",
    "levee_remobilisation": "Levée : la personne s'est remobilisée ; verser les sommes à rendre.",
    "terminee": "Terminée à la fin de la durée décidée.",
}


class SanctionPayeurSerializer(serializers.Serializer):
    """What the paying body applies. Built from a decided `DossierManquement` (see `donnees_payeur`)."""

    id = serializers.UUIDField(help_text="Identifiant du dossier de sanction.")
    organisme_payeur = serializers.ChoiceField(choices=["caf", "msa"], help_text="Organisme qui verse le RSA.")
    numero_allocataire = serializers.CharField(allow_blank=True, help_text="Numéro d'allocataire CAF/MSA.")
    nom = serializers.CharField(help_text="Nom d'usage de la personne sanctionnée.")
    prenoms = serializers.CharField()
    date_naissance = serializers.DateField()
    etat = serializers.ChoiceField(
        choices=list(ETATS_PAYEUR), help_text=" ".join(f"« {k} » : {v}" for k, v in ETATS_PAYEUR.items())
    )
    nature = serializers.ChoiceField(
        choices=Nature.choices, help_text="« suspension » (rendue si la personne se remobilise) ou « suppression »."
    )
    taux = serializers.IntegerField(help_text="Part du RSA retenue, en %.")
    duree_mois = serializers.IntegerField(help_text="Durée décidée, en mois.")
    decidee_le = serializers.DateField()
    effet_du = serializers.DateField(help_text="Premier jour de la retenue.")
    fin_prevue_le = serializers.DateField(help_text="Fin de la durée décidée (sauf levée avant).")
    montant_mensuel_retenu = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        allow_null=True,
        help_text="Montant retenu par mois, si le Département le sait.",
    )
    levee_le = serializers.DateField(allow_null=True, help_text="Fin de la retenue (levée ou terme).")
    rattrapage_mois = serializers.IntegerField(
        allow_null=True, help_text="Mois de retenue à rendre à la remobilisation (null sans remobilisation)."
    )
    rattrapage_montant = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text="Somme à rendre, si le montant mensuel est connu."
    )


def donnees_payeur(dossier) -> dict:
    beneficiaire = dossier.carnet.beneficiaire
    return {
        "id": dossier.uid,
        "organisme_payeur": beneficiaire.organisme_payeur,
        "numero_allocataire": beneficiaire.numero_allocataire,
        "nom": beneficiaire.nom_usage,
        "prenoms": beneficiaire.prenoms,
        "date_naissance": beneficiaire.date_naissance,
        "etat": payeur.etat_pour_payeur(dossier),
        "nature": dossier.decision_nature,
        "taux": dossier.decision_taux,
        "duree_mois": dossier.decision_duree,
        "decidee_le": dossier.decide_le,
        "effet_du": dossier.decision_effet,
        "fin_prevue_le": payeur.fin_prevue(dossier),
        "montant_mensuel_retenu": dossier.montant_suspendu_mensuel,
        "levee_le": dossier.leve_le,
        "rattrapage_mois": dossier.rattrapage_mois,
        "rattrapage_montant": dossier.rattrapage_montant,
    }


EXEMPLE_PAYEUR = {
    "id": "0b7f9a52-3f1c-4a8e-9a43-5a2d8e0f6c11",
    "organisme_payeur": "caf",
    "numero_allocataire": "7654321",
    "nom": "Martin",
    "prenoms": "Claire",
    "date_naissance": "1990-05-17",
    "etat": "levee_remobilisation",
    "nature": "suspension",
    "taux": 30,
    "duree_mois": 1,
    "decidee_le": "2026-11-20",
    "effet_du": "2026-12-01",
    "fin_prevue_le": "2027-01-01",
    "montant_mensuel_retenu": "190.50",
    "levee_le": "2026-12-15",
    "rattrapage_mois": 1,
    "rattrapage_montant": "190.50",
}


def _organisme(request):
    organisme = payeur.ORGANISME_DE_STRUCTURE.get(request.auth.structure.type)
    if organisme is None:
        raise exceptions.PermissionDenied(REFUS_PAYEUR)
    return organisme


class SanctionList(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.SANCTIONS_READ}
    serializer_class = SanctionPayeurSerializer
    pagination_class = CursorPaginationSPIE

    @extend_schema(
        summary="Sanctions à appliquer (organisme payeur)",
        description="Pour un jeton d'une CAF ou d'une MSA : les sanctions décidées pour les personnes dont votre "
        "organisme verse le RSA, les plus récentes d'abord, avec leur levée et les sommes à rendre. Jamais les "
        "faits, les observations ni les motifs. Un autre type de structure reçoit 403. Chaque personne d'une page "
        "lue est inscrite au journal des accès.",
        responses={200: SanctionPayeurSerializer(many=True), **erreurs_communes(Scope.SANCTIONS_READ, objet=False)},
        examples=[OpenApiExample("Une suspension levée", value=EXEMPLE_PAYEUR, response_only=True)],
    )
    def get(self, request):
        queryset = payeur.dossiers_du_payeur(_organisme(request))
        page = self.paginate_queryset(queryset)
        self.touched(*page)
        log_api_reads(request, [d.carnet for d in page], details={"ressource": "sanctions"})
        return self.get_paginated_response(SanctionPayeurSerializer([donnees_payeur(d) for d in page], many=True).data)


class SanctionDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.SANCTIONS_READ}
    serializer_class = SanctionPayeurSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Lire une sanction à appliquer (organisme payeur)",
        description="Une sanction décidée pour une personne dont votre organisme verse le RSA (sinon 404).",
        responses={200: SanctionPayeurSerializer, **erreurs_communes(Scope.SANCTIONS_READ)},
        examples=[OpenApiExample("Une suspension levée", value=EXEMPLE_PAYEUR, response_only=True)],
    )
    def get(self, request, uid):
        organisme = _organisme(request)
        dossier = get_object_or_404(payeur.dossiers_du_payeur(organisme), uid=uid)
        self.touched(dossier)
        log_api_read(request, dossier.carnet, details={"ressource": "sanction", "dossier": str(dossier.uid)})
        return Response(SanctionPayeurSerializer(donnees_payeur(dossier)).data)


# --- Proposals -------------------------------------------------------------------------------------------------


class PropositionSerializer(PartnerSerializer):
    carnet = serializers.UUIDField(help_text="Identifiant du carnet de la personne.")
    motif = serializers.ChoiceField(choices=Motif.choices, help_text="Motif du manquement (article L.262-37).")
    obligation = serializers.ChoiceField(
        choices=Obligation.choices,
        required=False,
        help_text="Pour le motif « obligation » : ce qui n'a pas été tenu (engagements, heures, rendez-vous).",
    )
    contrat = serializers.UUIDField(
        required=False, help_text="Pour le motif « obligation » : le contrat d'engagement concerné."
    )
    rendez_vous = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=50, help_text="Rendez-vous manqués."
    )
    semaines = serializers.ListField(
        child=serializers.DateField(), required=False, max_length=60, help_text="Semaines du relevé d'heures."
    )
    faits = serializers.CharField(max_length=5000, help_text="Faits constatés, sans information de santé.")
    faits_du = serializers.DateField()
    faits_au = serializers.DateField(help_text="Jamais dans le futur.")
    nature = serializers.ChoiceField(choices=Nature.choices, help_text="Sanction proposée.")
    taux = serializers.IntegerField(min_value=30, max_value=100, help_text="Taux proposé (%), dans le barème.")
    duree = serializers.IntegerField(min_value=1, max_value=4, help_text="Durée proposée (mois), dans le barème.")
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Votre référence de la proposition."
    )


class _SanctionProposee(serializers.Serializer):
    nature = serializers.ChoiceField(choices=Nature.choices)
    taux = serializers.IntegerField()
    duree = serializers.IntegerField(help_text="En mois.")


class PropositionIssueSerializer(serializers.Serializer):
    """A proposal and its outcome, as its author reads it."""

    id = serializers.UUIDField(help_text="Identifiant de la proposition.")
    carnet = serializers.UUIDField(help_text="Identifiant du carnet de la personne.")
    reference = serializers.CharField(allow_blank=True)
    proposee_le = serializers.DateTimeField()
    proposition = _SanctionProposee(help_text="La sanction proposée.")
    issue = serializers.ChoiceField(
        choices=sorted(set(propositions.ISSUES.values())),
        help_text="Où en est le dossier : en instruction, classé, sanction décidée, levée ou terminée.",
    )
    decidee_le = serializers.DateField(allow_null=True)
    nature = serializers.ChoiceField(choices=Nature.choices, allow_null=True, help_text="Sanction décidée.")
    taux = serializers.IntegerField(allow_null=True)
    duree_mois = serializers.IntegerField(allow_null=True)
    effet_du = serializers.DateField(allow_null=True)
    suivie_sans_modification = serializers.BooleanField(help_text="La décision reprend la proposition telle quelle.")
    levee_le = serializers.DateField(allow_null=True)


def donnees_proposition(proposition) -> dict:
    return {
        "id": proposition.uid,
        "carnet": proposition.dossier.carnet.uid,
        "reference": proposition.reference,
        "proposee_le": proposition.created_at,
        "proposition": {"nature": proposition.nature, "taux": proposition.taux, "duree": proposition.duree},
        **propositions.issue(proposition),
    }


EXEMPLE_PROPOSITION = {
    "carnet": "5c8e3a1b-1f0d-4e9b-8a57-2b7f0d6e9c34",
    "motif": "obligation",
    "obligation": "rendez_vous",
    "contrat": "9a1d7c3e-6b2f-4d8a-9e05-7c4b1a2f3d68",
    "rendez_vous": ["3e7b9c1d-2a4f-4b6e-8d0c-1f5a7e9b3c24"],
    "faits": "Absente aux rendez-vous du 14 et du 28 octobre, sans nouvelles.",
    "faits_du": "2026-10-14",
    "faits_au": "2026-10-31",
    "nature": "suspension",
    "taux": 30,
    "duree": 1,
    "reference": "FT-2026-1142",
}


def _propositions():
    return PropositionPartenaire.objects.select_related("dossier__carnet")


class PropositionCreate(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"POST": Scope.SANCTIONS_PROPOSE}
    serializer_class = PropositionSerializer

    @extend_schema(
        summary="Proposer une sanction",
        description="France Travail, ou l'organisme référent de la personne, propose un manquement : le dossier "
        "est ouvert au Département (état « ouvert », vérification du motif légitime), avec votre proposition. "
        "Refusé (400, rien d'enregistré) : une personne non soumise aux droits et devoirs, un dossier déjà ouvert "
        "sur le même manquement, des faits datés dans le futur, un contrat ou des rendez-vous d'une autre "
        "personne, un taux ou une durée hors du barème du département. Carnet inconnu : 404 ; structure qui "
        "n'est ni France Travail ni l'organisme référent de la personne : 403.",
        parameters=[IDEMPOTENCY_KEY, REJEU],
        request=PropositionSerializer,
        responses={
            201: PropositionIssueSerializer,
            400: requete_invalide(
                "proposition", "Un dossier est déjà ouvert pour ce même manquement.", "Proposition refusée."
            ),
            422: CLE_REUTILISEE,
            **erreurs_communes(Scope.SANCTIONS_PROPOSE),
        },
        examples=[OpenApiExample("Rendez-vous manqués", value=EXEMPLE_PROPOSITION, request_only=True)],
    )
    def post(self, request):
        return self.idempotent_create(request, lambda: self._create(request))

    def _create(self, request):
        serializer = PropositionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        carnet = get_object_or_404(Carnet.objects.select_related("beneficiaire"), uid=data.pop("carnet"))
        structure = request.auth.structure
        if not propositions.can_partner_propose_sanction(structure, carnet):
            raise exceptions.PermissionDenied(REFUS_PROPOSITION)
        if "contrat" in data:
            data["contrat"] = Contrat.objects.filter(carnet=carnet, uid=data["contrat"]).first()
            if data["contrat"] is None:
                raise exceptions.ValidationError(
                    {"contrat": ["Aucun contrat de cette personne ne porte cet identifiant."]}
                )
        uids = set(data.get("rendez_vous") or [])
        data["rendez_vous"] = list(RendezVous.objects.filter(carnet=carnet, uid__in=uids))
        if len(data["rendez_vous"]) != len(uids):
            raise exceptions.ValidationError(
                {"rendez_vous": ["Certains rendez-vous ne sont pas ceux de cette personne."]}
            )
        try:
            proposition = propositions.proposition_enregistrer(
                carnet=carnet, structure=structure, jeton_id=request.auth.pk, data=data
            )
        except TransitionRefusee as refus:
            raise exceptions.ValidationError({"proposition": [str(refus)]}) from refus
        self.touched(carnet, proposition)
        log_api_read(request, carnet, details={"ressource": "proposition_sanction", "ecriture": True})
        proposition = _propositions().get(pk=proposition.pk)
        return Response(
            PropositionIssueSerializer(donnees_proposition(proposition)).data, status=status.HTTP_201_CREATED
        )


class PropositionDetail(PartnerAPIMixin, generics.GenericAPIView):
    scopes = {"GET": Scope.SANCTIONS_PROPOSE}
    serializer_class = PropositionIssueSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Lire l'issue d'une proposition de sanction",
        description="Votre proposition et ce qu'elle est devenue : en instruction, classée, sanction décidée (nature, "
        "taux, durée, date d'effet), levée ou terminée. Jamais les faits retenus, les observations de la personne "
        "ni les motifs. Seule la structure qui a proposé la lit (autre structure : 403).",
        responses={200: PropositionIssueSerializer, **erreurs_communes(Scope.SANCTIONS_PROPOSE)},
    )
    def get(self, request, uid):
        proposition = get_object_or_404(_propositions(), uid=uid)
        if not propositions.can_partner_read_proposition(request.auth.structure, proposition):
            raise exceptions.PermissionDenied("Cette proposition a été faite par une autre structure.")
        self.touched(proposition)
        log_api_read(request, proposition.dossier.carnet, details={"ressource": "proposition_sanction"})
        return Response(PropositionIssueSerializer(donnees_proposition(proposition)).data)
