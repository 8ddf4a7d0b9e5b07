"""Forms of the orientation pages. Choices always come from the scoped managers (the département's own
structures, programmes, territories and professionals); the services check the same rules again."""

import datetime

from django import forms
from django.utils import timezone

from carnet.forms_plan import DateInput, TimeInput
from carnet.models import ModeRendezVous, StatutRendezVous
from orientation.models import STATUTS_CLOS, Dispositif, OrigineInformation, Secteur, StatutDossier, TypeOrientation
from orientation.queue import A_PRENDRE
from spie.forms import VersionedFormMixin
from spie.models import Membership, Role, Structure, Territoire, User

ROLES_CHARGES = (Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION)


def charges_queryset():
    """Users holding an active orientation role in the département."""
    ids = Membership.objects.actifs().filter(role__in=ROLES_CHARGES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name()


# --- Queue ----------------------------------------------------------------------------------


class FileFiltreForm(forms.Form):
    TOUS = "tous"

    territoire = forms.ChoiceField(label="Territoire", required=False)
    statut = forms.ChoiceField(
        label="Étape",
        required=False,
        choices=[("", "Toutes les étapes"), (A_PRENDRE, "À prendre en charge")]
        + [(value, label) for value, label in StatutDossier.choices if value not in STATUTS_CLOS],
    )
    en_retard = forms.BooleanField(label="En retard seulement", required=False)
    mes_dossiers = forms.BooleanField(label="Mes dossiers seulement", required=False)
    q = forms.CharField(label="Nom", required=False, max_length=100)

    def __init__(self, *args, territoires, a_des_secteurs, **kwargs):
        super().__init__(*args, **kwargs)
        self.territoires = {str(t.uid): t for t in territoires}
        first = ("", "Mes secteurs") if a_des_secteurs else ("", "Tous les territoires")
        choices = [first] + ([(self.TOUS, "Tous les territoires")] if a_des_secteurs else [])
        self.fields["territoire"].choices = choices + [(uid, t.nom) for uid, t in self.territoires.items()]


# --- Dossier --------------------------------------------------------------------------------


class AttribuerForm(forms.Form):
    charge = UserChoiceField(label="Chargé d'orientation", queryset=None, empty_label="Choisir une personne")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charge"].queryset = charges_queryset()


class ReceptionInformationForm(forms.Form):
    """The day the département received the right-opening or transfer information: starts the legal clock."""

    date_reception = forms.DateField(
        label="Information reçue le",
        widget=DateInput(),
        help_text="Jour où le Département a reçu l'information d'ouverture du droit ou de transfert.",
    )
    origine = forms.ChoiceField(
        label="Il s'agit",
        choices=OrigineInformation.choices,
        widget=forms.RadioSelect,
        help_text="Un transfert depuis un autre département fait repartir le délai légal de six semaines.",
    )


class ConvocationForm(forms.Form):
    date = forms.DateField(label="Date de l'entretien", widget=DateInput())
    heure = forms.TimeField(label="Heure", widget=TimeInput(), help_text="Par exemple 14:30.")
    duree_minutes = forms.IntegerField(label="Durée (en minutes)", min_value=15, max_value=240, initial=60)
    mode = forms.ChoiceField(label="Mode", choices=ModeRendezVous.choices, initial=ModeRendezVous.SUR_PLACE)
    lieu = forms.CharField(
        label="Lieu",
        required=False,
        max_length=255,
        help_text="Adresse où se présenter (obligatoire sur place) ; pour un appel, le numéro qui appellera.",
    )
    envoyer_courriel = forms.BooleanField(
        label="Envoyer aussi la convocation par courriel", required=False, initial=True
    )

    def __init__(self, *args, courriel, **kwargs):
        super().__init__(*args, **kwargs)
        self.courriel = courriel
        if courriel:
            self.fields["envoyer_courriel"].help_text = f"À l'adresse {courriel}, avec la lettre en pièce jointe."
        else:
            del self.fields["envoyer_courriel"]

    def clean(self):
        cleaned = super().clean()
        date, heure = cleaned.get("date"), cleaned.get("heure")
        if date and heure:
            cleaned["date_heure"] = timezone.make_aware(datetime.datetime.combine(date, heure))
            if cleaned["date_heure"] < timezone.now():
                self.add_error("date", "La date de l'entretien est passée : choisissez une date à venir.")
        if cleaned.get("mode") == ModeRendezVous.SUR_PLACE and not (cleaned.get("lieu") or "").strip():
            self.add_error("lieu", "Indiquez le lieu de l'entretien : la personne doit savoir où se présenter.")
        return cleaned

    def service_data(self):
        data = self.cleaned_data
        return {
            "date_heure": data["date_heure"],
            "duree_minutes": data["duree_minutes"],
            "mode": data["mode"],
            "lieu": data["lieu"].strip(),
        }


class PresenceForm(forms.Form):
    statut = forms.ChoiceField(
        label="La personne était",
        widget=forms.RadioSelect,
        choices=[
            (StatutRendezVous.PRESENT, "Présente : l'entretien commence"),
            (StatutRendezVous.EXCUSE, "Excusée : à convoquer de nouveau"),
            (StatutRendezVous.ABSENT, "Absente : à convoquer de nouveau"),
        ],
    )


# --- Proposal and decision ------------------------------------------------------------------


class DispositifChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, dispositif):
        return f"{dispositif.nom} ({dispositif.get_type_orientation_display().lower()})"


class PropositionForm(forms.Form):
    type_orientation = forms.ChoiceField(
        label="Type d'orientation", choices=TypeOrientation.choices, widget=forms.RadioSelect
    )
    dispositif = DispositifChoiceField(
        label="Dispositif",
        queryset=None,
        empty_label="Choisir un dispositif",
        error_messages={"invalid_choice": "Ce dispositif n'est pas un dispositif actif de votre département."},
        help_text="Les programmes d'orientation du département ; le dispositif doit être du type retenu.",
    )
    structure = forms.ModelChoiceField(
        label="Organisme référent",
        queryset=None,
        empty_label="Choisir une structure",
        error_messages={
            "required": "Choisissez l'organisme référent : une orientation désigne toujours la structure qui "
            "accompagnera la personne.",
            "invalid_choice": "Cette structure n'est pas une structure active de votre département.",
        },
        help_text="La structure qui accompagnera la personne.",
    )
    referent = forms.ChoiceField(
        label="Référent",
        required=False,
        help_text="Facultatif : sinon, la structure est prévenue et désigne elle-même le référent.",
    )
    motif = forms.CharField(
        label="Motif de l'orientation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Ce qui justifie cette orientation. N'y écrivez aucune information de santé ni de situation "
        "familiale : le motif est lu par les valideurs et la structure.",
    )
    motif_ecart = forms.CharField(
        label="Pourquoi un autre parcours que celui proposé par les critères nationaux",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Obligatoire quand le parcours décidé diffère de la proposition. Sans information de santé.",
    )
    revision_mois = forms.TypedChoiceField(
        label="Orientation sociale : revoir l'orientation au bout de",
        choices=[(6, "6 mois"), (12, "12 mois : le diagnostic relève des freins durables")],
        coerce=int,
        initial=6,
        required=False,
        widget=forms.RadioSelect,
        help_text="Seulement pour une orientation sociale : la révision avec France Travail a lieu à 6 mois, ou à "
        "12 mois quand le diagnostic relève des freins durables.",
    )
    motif_revision_12_mois = forms.CharField(
        label="Pourquoi une révision à 12 mois",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Obligatoire pour une révision à 12 mois : les freins durables relevés. Sans information de santé.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispositif"].queryset = Dispositif.objects.filter(actif=True).order_by("type_orientation", "nom")
        self.fields["structure"].queryset = Structure.objects.filter(actif=True).order_by("nom")
        memberships = (
            Membership.objects.actifs()
            .filter(role__in=[Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE])
            .select_related("user", "structure")
            .order_by("structure__nom", "user__last_name", "user__first_name")
        )
        groups = {}
        for membership in memberships:
            label = membership.user.get_full_name()
            options = groups.setdefault(membership.structure.nom, {})
            options.setdefault(str(membership.user.uid), label)
        self.fields["referent"].choices = [("", "Pas de référent désigné")] + [
            (structure, list(options.items())) for structure, options in groups.items()
        ]

    def clean_referent(self):
        uid = self.cleaned_data.get("referent")
        if not uid:
            return None
        return User.objects.filter(uid=uid, is_active=True).first()

    def clean_motif(self):
        return self.cleaned_data["motif"].strip()


class ValidationForm(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Obligatoire pour renvoyer la proposition : dites au chargé d'orientation ce qui manque.",
    )


class DesignerReferentForm(forms.Form):
    referent = UserChoiceField(label="Référent", queryset=None, empty_label="Choisir un professionnel")

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        ids = Membership.objects.actifs().filter(structure=structure).values("user_id")
        self.fields["referent"].queryset = User.objects.filter(pk__in=ids, is_active=True).order_by(
            "last_name", "first_name"
        )


# --- Réorientation --------------------------------------------------------------------------


class DemandeReorientationForm(forms.Form):
    motif = forms.CharField(
        label="Motif de la demande",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Pourquoi une autre orientation serait plus adaptée. Aucune information de santé ni de "
        "situation familiale.",
    )


class DecisionReorientationForm(forms.Form):
    ACCEPTER, REFUSER = "accepter", "refuser"

    decision = forms.ChoiceField(
        label="Décision",
        widget=forms.RadioSelect,
        choices=[
            (ACCEPTER, "Accepter : une nouvelle orientation sera proposée"),
            (REFUSER, "Refuser : l'orientation actuelle est maintenue"),
        ],
    )
    commentaire = forms.CharField(
        label="Motif de la décision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Obligatoire en cas de refus : il est transmis au référent.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REFUSER and not (cleaned.get("commentaire") or "").strip():
            self.add_error("commentaire", "Indiquez pourquoi l'orientation actuelle est maintenue.")
        return cleaned


# --- Administration -------------------------------------------------------------------------


class DispositifForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Dispositif
        fields = ["nom", "type_orientation", "description", "actif"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"actif": "Un dispositif inactif n'est plus proposé ; les orientations passées le gardent."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()

    def clean_nom(self):
        nom = " ".join(self.cleaned_data["nom"].split())
        if Dispositif.objects.filter(nom__iexact=nom).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Un dispositif du département porte déjà ce nom.")
        return nom


class SecteurForm(forms.Form):
    user = UserChoiceField(label="Chargé d'orientation", queryset=None, empty_label="Choisir une personne")
    territoire = forms.ModelChoiceField(label="Territoire", queryset=None, empty_label="Choisir un territoire")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = charges_queryset()
        self.fields["territoire"].queryset = Territoire.objects.order_by("nom")

    def clean(self):
        cleaned = super().clean()
        user, territoire = cleaned.get("user"), cleaned.get("territoire")
        if user and territoire and Secteur.objects.filter(user=user, territoire=territoire).exists():
            raise forms.ValidationError("Ce territoire est déjà dans le secteur de cette personne.")
        return cleaned
