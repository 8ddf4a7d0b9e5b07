"""Forms of the plan of action, the appointments and the contracts.

Edit forms carry the version they were read at (`VersionedFormMixin`): a stale submission is refused
with the user's input kept. Choices are always limited to the carnet (objectives) or to the
département (structures, through the scoped managers).
"""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from carnet.models import (
    Action,
    ActiviteEngagement,
    Analyse,
    Contrat,
    Document,
    MembreGroupe,
    Objectif,
    ObjectifReference,
    RendezVous,
    Sensibilite,
    Sortie,
    StatutObjectif,
    StatutRendezVous,
    Theme,
    TypeContrat,
)
from spie.forms import VersionedFormMixin
from spie.models import Structure, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _structures(current_id=None):
    """Active structures of the département, plus the one already chosen if it has since been deactivated."""
    condition = Q(actif=True)
    if current_id:
        condition |= Q(pk=current_id)
    return Structure.objects.filter(condition).order_by("nom")


def _check_dates(form, debut_field, fin_field):
    debut, fin = form.cleaned_data.get(debut_field), form.cleaned_data.get(fin_field)
    if debut and fin and fin < debut:
        form.add_error(fin_field, "La date de fin doit être postérieure ou égale à la date de début.")


# --- Plan d'action --------------------------------------------------------------------------


class AxeForm(forms.Form):
    theme = forms.ModelChoiceField(
        label="Thème de l'axe de travail",
        queryset=None,
        empty_label="Choisir un thème",
        help_text="Un seul axe par thème. Seuls les thèmes dont vous lisez la classe de sensibilité sont proposés.",
    )

    def __init__(self, *args, themes_pris=(), classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(sensibilite__in=list(classes)).exclude(
            pk__in=list(themes_pris)
        )


class ObjectifForm(VersionedFormMixin, forms.ModelForm):
    """Creation offers the département's suggested objectives for the theme; edition adds the status."""

    suggestion = forms.ChoiceField(label="Objectif proposé pour ce thème", required=False)

    class Meta:
        model = Objectif
        fields = ["libelle", "statut", "consentement"]
        labels = {"libelle": "Objectif", "consentement": "La personne a donné son accord sur cet objectif"}
        help_texts = {"consentement": "La date de l'accord est enregistrée. Décochez si la personne le retire."}

    def __init__(self, *args, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["suggestion"]
            self.add_version_field()
            self.fields["libelle"].label = "Libellé de l'objectif"
        else:
            del self.fields["statut"]
            libelles = [reference.libelle for reference in suggestions or []]
            self.fields["suggestion"].choices = [("", "Choisir un objectif proposé")] + [(x, x) for x in libelles]
            self.fields["libelle"].required = False
            self.fields["libelle"].label = "Ou un autre objectif"
            self.fields["libelle"].help_text = "À remplir si aucun objectif proposé ne convient."
            self.order_fields(["suggestion", "libelle", "consentement"])

    def clean(self):
        cleaned = super().clean()
        if "suggestion" in self.fields:
            libelle = (cleaned.get("libelle") or "").strip() or cleaned.get("suggestion")
            if not libelle:
                self.add_error("libelle", "Choisissez un objectif proposé ou saisissez un objectif.")
            cleaned["libelle"] = libelle
            self.instance.libelle = libelle or ""
        return cleaned


class ActionForm(VersionedFormMixin, forms.ModelForm):
    structure = forms.ModelChoiceField(label="Structure qui porte l'action", queryset=None, required=False)

    class Meta:
        model = Action
        fields = ["libelle", "statut", "date_debut", "date_fin", "structure"]
        labels = {"libelle": "Action", "date_debut": "Date de début", "date_fin": "Date de fin"}
        widgets = {"date_debut": DateInput(), "date_fin": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = _structures(self.instance.structure_id)
        if self.instance.pk:
            self.add_version_field()

    def clean(self):
        cleaned = super().clean()
        _check_dates(self, "date_debut", "date_fin")
        return cleaned


# --- Rendez-vous ----------------------------------------------------------------------------


class DateHeureMixin:
    """A date and a time field (one label each) instead of one datetime input, combined in local time."""

    def init_date_heure(self):
        self.fields["date"] = forms.DateField(label="Date", widget=DateInput())
        self.fields["heure"] = forms.TimeField(label="Heure", widget=TimeInput(), help_text="Par exemple 14:30.")
        if not self.is_bound and self.instance.date_heure:
            local = timezone.localtime(self.instance.date_heure)
            self.initial.update(date=local.date(), heure=local.time().replace(second=0, microsecond=0))

    def combine_date_heure(self):
        date, heure = self.cleaned_data.get("date"), self.cleaned_data.get("heure")
        if date is None or heure is None:
            return
        self.instance.date_heure = timezone.make_aware(datetime.datetime.combine(date, heure))
        statut = self.cleaned_data.get("statut")
        passe = (StatutRendezVous.PRESENT, StatutRendezVous.EXCUSE, StatutRendezVous.ABSENT)
        if statut in passe and self.instance.date_heure > timezone.now():
            self.add_error("statut", "Un rendez-vous à venir ne peut pas encore être noté présent, excusé ou absent.")


class RendezVousForm(DateHeureMixin, forms.ModelForm):
    professionnel = forms.ModelChoiceField(
        label="Professionnel", queryset=None, help_text="Un membre du groupe de suivi."
    )
    structure = forms.ModelChoiceField(label="Structure", queryset=None)

    class Meta:
        model = RendezVous
        fields = ["professionnel", "structure", "mode", "lieu", "objet", "duree_minutes", "statut"]
        labels = {"objet": "Objet du rendez-vous", "duree_minutes": "Durée (en minutes)"}
        help_texts = {"objet": "Sans information de santé ni de situation familiale."}

    def __init__(self, *args, carnet, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_date_heure()
        membres = MembreGroupe.objects.actifs().filter(carnet=carnet)
        self.fields["professionnel"].queryset = User.objects.filter(
            pk__in=membres.values("user_id"), is_active=True
        ).order_by("last_name", "first_name")
        self.fields["professionnel"].label_from_instance = lambda user: user.get_full_name()
        self.fields["structure"].queryset = _structures()
        self.order_fields(["date", "heure", "duree_minutes", "professionnel", "structure", "mode", "lieu"])

    def clean(self):
        cleaned = super().clean()
        self.combine_date_heure()
        return cleaned


class RendezVousModifierForm(DateHeureMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = RendezVous
        fields = ["mode", "lieu", "statut"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_date_heure()
        self.add_version_field()
        self.order_fields(["date", "heure", "mode", "lieu", "statut"])

    def clean(self):
        cleaned = super().clean()
        self.combine_date_heure()
        return cleaned


# --- Contrats -------------------------------------------------------------------------------


class ObjectifsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, objectif):
        return f"{objectif.axe.theme.libelle} — {objectif.libelle} ({objectif.get_statut_display().lower()})"


class ContratForm(VersionedFormMixin, forms.ModelForm):
    """A draft contract (creation, edition, renewal). For a renewal, `version` is the previous contract's."""

    structure = forms.ModelChoiceField(label="Structure signataire", queryset=None)
    objectifs = ObjectifsField(label="Objectifs du plan d'action couverts", queryset=None)

    class Meta:
        model = Contrat
        fields = [
            "type",
            "structure",
            "date_debut",
            "date_fin",
            "heures_hebdomadaires",
            "motif_reduction_heures",
            "precision_reduction_heures",
            "engagements_personne",
            "engagements_structure",
        ]
        labels = {
            "type": "Type de contrat",
            "date_debut": "Date de début",
            "date_fin": "Date de fin",
            "heures_hebdomadaires": "Heures d'activité par semaine",
        }
        help_texts = {
            "heures_hebdomadaires": "15 heures en général ; moins si la situation de la personne le justifie.",
            "motif_reduction_heures": "Obligatoire pour un contrat d'engagement sous la durée du département. "
            "Information restreinte : visible du seul groupe de suivi, jamais transmise aux partenaires.",
            "precision_reduction_heures": "Facultatif. Restreint au groupe de suivi.",
            "engagements_personne": "Ce que la personne s'engage à faire, en phrases simples.",
            "engagements_structure": "Ce que la structure et le référent s'engagent à faire.",
        }
        widgets = {
            "date_debut": DateInput(),
            "date_fin": DateInput(),
            "engagements_personne": forms.Textarea(attrs={"rows": 4}),
            "engagements_structure": forms.Textarea(attrs={"rows": 4}),
            "precision_reduction_heures": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, carnet, precedent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.heures_cible = carnet.departement.heures_activite_cible
        if not self.instance.pk and precedent is None and not self.is_bound:
            self.initial["heures_hebdomadaires"] = self.heures_cible  # the model's default is the national 15
        self.fields["heures_hebdomadaires"].help_text = (
            f"{self.heures_cible} heures par semaine pour un contrat d'engagement dans le département ; "
            "moins si la situation de la personne le justifie, avec le motif."
        )
        self.fields["structure"].queryset = _structures(self.instance.structure_id)
        self.fields["heures_hebdomadaires"].widget.attrs.update(min=0, max=35)
        objectifs = Objectif.objects.filter(axe__carnet=carnet).select_related("axe", "axe__theme")
        self.fields["objectifs"].queryset = objectifs.order_by("axe__theme__ordre", "created_at")
        self.fields["objectifs"].required = False
        if self.instance.pk:
            self.add_version_field()
            if not self.is_bound:
                self.initial["objectifs"] = [o.pk for o in self.instance.objectifs.all()]
        elif precedent is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            if not self.is_bound:
                self.initial["version"] = precedent.version
                self.initial["objectifs"] = [
                    o.pk for o in precedent.objectifs.all() if o.statut == StatutObjectif.EN_COURS
                ]

    def clean_heures_hebdomadaires(self):
        heures = self.cleaned_data["heures_hebdomadaires"]
        if heures is not None and heures > 35:
            raise forms.ValidationError("Indiquez au plus 35 heures par semaine.")
        return heures

    def clean(self):
        cleaned = super().clean()
        _check_dates(self, "date_debut", "date_fin")
        heures = cleaned.get("heures_hebdomadaires")
        type_contrat = cleaned.get("type", self.instance.type if self.instance.pk else None)
        if (
            type_contrat == TypeContrat.CONTRAT_ENGAGEMENT
            and heures is not None
            and heures < self.heures_cible
            and not cleaned.get("motif_reduction_heures")
        ):
            self.add_error(
                "motif_reduction_heures",
                f"En dessous de {self.heures_cible} heures par semaine, indiquez le motif de la réduction.",
            )
        return cleaned

    def contrat_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ContratSignatureForm(forms.Form):
    prefix = "signature"  # shown beside the draft's edit form: distinct ids
    date_signature = forms.DateField(label="Date de signature", widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_date_signature(self):
        date = self.cleaned_data["date_signature"]
        if date > timezone.localdate():
            raise forms.ValidationError("La date de signature ne peut pas être dans le futur.")
        return date


class ContratTransitionForm(forms.Form):
    prefix = "transition"
    version = forms.IntegerField(widget=forms.HiddenInput)


def suggestions_for(axe, departement_id):
    return ObjectifReference.objects.disponibles(departement_id).filter(theme_id=axe.theme_id).order_by("libelle")


# --- Sorties --------------------------------------------------------------------------------


class SortieForm(forms.ModelForm):
    """The exit and its closing review; the objectives offered are the carnet's own."""

    objectifs_atteints = ObjectifsField(label="Objectifs atteints du plan d'action", queryset=None, required=False)

    class Meta:
        model = Sortie
        fields = ["date_sortie", "motif", "precision", "objectifs_atteints", "ce_qui_a_aide", "paroles_personne"]
        widgets = {
            "date_sortie": DateInput(),
            "ce_qui_a_aide": forms.Textarea(attrs={"rows": 3}),
            "paroles_personne": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "motif": "Après un accès à l'emploi ou une création d'entreprise, des points de suivi sont prévus avant "
            "que le carnet soit clos ; toute autre sortie clôt le carnet aussitôt.",
            "ce_qui_a_aide": "Les actions, rencontres ou aides qui ont compté. Sans information de santé.",
            "paroles_personne": "Les mots de la personne sur son parcours, si elle le souhaite.",
        }

    def __init__(self, *args, carnet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectifs_atteints"].queryset = (
            Objectif.objects.filter(axe__carnet=carnet).select_related("axe__theme").order_by("created_at", "pk")
        )

    def clean_date_sortie(self):
        date_sortie = self.cleaned_data["date_sortie"]
        if date_sortie > timezone.localdate():
            raise forms.ValidationError("La date de sortie ne peut pas être dans le futur.")
        return date_sortie


class PointDeSuiviForm(forms.Form):
    """A check-in after an exit into work; `point` names which one (a check-in of this carnet, still to do)."""

    EN_EMPLOI = [("oui", "Oui, toujours en emploi"), ("non", "Non, plus en emploi"), ("inconnu", "Ne sait pas")]

    point = forms.ModelChoiceField(queryset=None, to_field_name="uid", widget=forms.HiddenInput)
    realise_le = forms.DateField(label="Point fait le", widget=DateInput())
    toujours_en_emploi = forms.ChoiceField(
        label="La personne est-elle toujours en emploi ?", choices=EN_EMPLOI, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple le poste ou les difficultés rencontrées. Sans information de santé.",
    )

    def __init__(self, *args, carnet, **kwargs):
        from carnet.models import PointDeSuivi

        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = PointDeSuivi.objects.a_faire().filter(carnet=carnet)
        self.fields["point"].error_messages["invalid_choice"] = "Ce point de suivi n'est plus à faire."

    def clean_realise_le(self):
        jour = self.cleaned_data["realise_le"]
        if jour > timezone.localdate():
            raise forms.ValidationError("La date du point de suivi ne peut pas être dans le futur.")
        return jour

    def donnees(self):
        emploi = {"oui": True, "non": False, "inconnu": None}[self.cleaned_data["toujours_en_emploi"]]
        return {
            "realise_le": self.cleaned_data["realise_le"],
            "toujours_en_emploi": emploi,
            "note": self.cleaned_data["note"],
        }


class ReouvertureForm(forms.Form):
    motif = forms.CharField(
        label="Motif de la réouverture",
        max_length=255,
        help_text="Par exemple : nouvelle demande de RSA, reprise de l'accompagnement à la demande de la personne.",
    )


# --- Heures du contrat d'engagement -----------------------------------------------------------


class ActiviteForm(forms.ModelForm):
    """One activity of a contrat d'engagement, entered by a member of the group."""

    justificatif = forms.ModelChoiceField(
        label="Justificatif",
        queryset=None,
        required=False,
        help_text="Facultatif : une attestation déjà déposée dans les documents du carnet.",
    )
    heures = forms.IntegerField(label="Heures", min_value=0, max_value=24, initial=0)
    minutes = forms.IntegerField(label="Minutes", min_value=0, max_value=59, initial=0)

    class Meta:
        model = ActiviteEngagement
        fields = ["type", "date", "etat", "precision", "justificatif"]
        labels = {"date": "Jour de l'activité", "etat": "L'activité est"}
        widgets = {"date": DateInput(), "etat": forms.RadioSelect}

    def __init__(self, *args, carnet, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the general documents of this carnet that passed the antivirus scan.
        self.fields["justificatif"].queryset = Document.objects.filter(
            carnet=carnet, sensibilite=Sensibilite.GENERALE, analyse=Analyse.SAINE
        ).order_by("-created_at")

    def clean(self):
        cleaned = super().clean()
        minutes = (cleaned.get("heures") or 0) * 60 + (cleaned.get("minutes") or 0)
        if "heures" in cleaned and "minutes" in cleaned and not 0 < minutes <= 24 * 60:
            raise forms.ValidationError("Indiquez une durée entre 1 minute et 24 heures.")
        cleaned["duree_minutes"] = minutes
        return cleaned

    def activite_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("type", "date", "etat", "precision", "justificatif", "duree_minutes")
        }
