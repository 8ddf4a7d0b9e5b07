"""Forms of the follow-up pages, rendered with the project's DSFR templates."""

import datetime

from django import forms
from django.utils import timezone

from spie.forms import VersionedFormMixin
from spie.models import Structure, Territoire
from suivi.indicateurs.calcul import PeriodeInvalide, mois_avant, periode
from suivi.models import NOTES, QUESTIONS, PreferenceNotification, ReglesRappel


class ReglesRappelForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ReglesRappel
        fields = [
            "rappel_rdv_actif",
            "rappel_rdv_jours",
            "digest_actif",
            "digest_jour_semaine",
            "digest_sans_rdv_jours",
            "alerte_orientation_active",
            "alerte_sans_referent_active",
            "fenetre_indicateurs_jours",
            "evaluations_actives",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()
        if not self.is_bound and not self.instance.pk:
            # Rules not saved yet: the row will be created at version 1 by the POST.
            self.initial["version"] = self.instance.version


class PreferenceNotificationForm(forms.ModelForm):
    class Meta:
        model = PreferenceNotification
        fields = ["frequence_courriel"]
        widgets = {"frequence_courriel": forms.RadioSelect}
        labels = {"frequence_courriel": "Recevoir les courriels de suivi"}
        help_texts = {
            "frequence_courriel": (
                "Le point sur les personnes que vous suivez. Les alertes (nouveaux entrants à orienter, personnes "
                "sans référent) partent par courriel quand elles se produisent, sauf si vous choisissez « jamais ». "
                "Les notifications de la plateforme (la cloche) restent toujours visibles."
            )
        }


NOTE_CHOICES = [(str(value), f"{value} — {label}") for value, label in NOTES]


class EvaluationForm(forms.Form):
    """Five questions from 1 to 5 and a free comment; each question is a fieldset with its legend."""

    commentaire = forms.CharField(
        label="Voulez-vous ajouter quelque chose ?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="N'indiquez pas votre nom ni d'information sur votre santé.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index, (name, label) in enumerate(QUESTIONS, start=1):
            self.fields[name] = forms.ChoiceField(
                label=f"{index}. {label}",
                choices=NOTE_CHOICES,
                widget=forms.RadioSelect,
                help_text="De 1 (pas du tout satisfait) à 5 (très satisfait).",
                error_messages={"required": "Choisissez une note de 1 à 5."},
            )
        self.order_fields([name for name, _ in QUESTIONS] + ["commentaire"])


PERIODES = [
    ("12m", "Les 12 derniers mois"),
    ("annee", "Depuis le début de l'année"),
    ("tout", "Depuis le début"),
]


class PeriodeForm(forms.Form):
    periode = forms.ChoiceField(label="Période", choices=PERIODES, required=False)

    def periode_choisie(self):
        """(first day, last day) of the chosen period, or None for everything."""
        choice = (self.cleaned_data.get("periode") if self.is_valid() else "") or "12m"
        today = timezone.localdate()
        if choice == "tout":
            return None
        if choice == "annee":
            return (datetime.date(today.year, 1, 1), today)
        return (mois_avant(today.replace(day=1), 11), today)


# --- Indicators -----------------------------------------------------------------------------


class MoisInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MoisField(forms.DateField):
    widget = MoisInput
    input_formats = ["%Y-%m"]

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": "Indiquez un mois sous la forme AAAA-MM."})
        super().__init__(**kwargs)


class TableauDeBordForm(forms.Form):
    """Period and perimeter of the dashboard. Structure managers get no perimeter choice (their structure)."""

    debut = MoisField(label="Du mois", required=False)
    fin = MoisField(label="Au mois", required=False)
    territoire = forms.ModelChoiceField(
        label="Territoire", queryset=None, required=False, to_field_name="uid", empty_label="Tout le département"
    )
    structure = forms.ModelChoiceField(
        label="Structure", queryset=None, required=False, to_field_name="uid", empty_label="Toutes les structures"
    )

    def __init__(self, *args, tout_voir, **kwargs):
        super().__init__(*args, **kwargs)
        if tout_voir:
            self.fields["territoire"].queryset = Territoire.objects.order_by("nom")
            self.fields["structure"].queryset = Structure.objects.filter(actif=True).order_by("nom")
        else:
            del self.fields["territoire"], self.fields["structure"]

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["debut"], cleaned["fin"] = periode(
                cleaned.get("debut"), cleaned.get("fin"), fin_par_defaut=timezone.localdate()
            )
        except PeriodeInvalide as erreur:
            self.add_error("debut", str(erreur))
        if cleaned.get("territoire") and cleaned.get("structure"):
            self.add_error("structure", "Choisissez un territoire ou une structure, pas les deux.")
        return cleaned


class RapportForm(forms.Form):
    mois = MoisField(label="Mois du rapport", help_text="Format : AAAA-MM, par exemple 2026-10.")

    def clean_mois(self):
        mois = self.cleaned_data["mois"].replace(day=1)
        if mois > timezone.localdate().replace(day=1):
            raise forms.ValidationError("Le rapport d'un mois à venir ne peut pas être produit.")
        return mois


# --- Statutory reports ----------------------------------------------------------------------

JOURS_MAX_LISTE = 366
PREMIERE_ANNEE_DREES = 2020


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ListeComitesForm(forms.Form):
    """The period of the committees' list: by default the last complete month; one year at most."""

    debut = forms.DateField(
        label="Orientations du",
        widget=DateInput,
        error_messages={"invalid": "Indiquez une date valide.", "required": "Indiquez le premier jour."},
    )
    fin = forms.DateField(
        label="au",
        widget=DateInput,
        error_messages={"invalid": "Indiquez une date valide.", "required": "Indiquez le dernier jour."},
    )

    @staticmethod
    def periode_par_defaut():
        fin = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        return fin.replace(day=1), fin

    def clean(self):
        cleaned = super().clean()
        debut, fin = cleaned.get("debut"), cleaned.get("fin")
        if debut and fin:
            if debut > fin:
                self.add_error("fin", "Le dernier jour doit suivre le premier.")
            elif (fin - debut).days >= JOURS_MAX_LISTE:
                self.add_error("fin", f"Choisissez une période de {JOURS_MAX_LISTE} jours au plus.")
        return cleaned


class DreesForm(forms.Form):
    """The year of the DREES table: its 31 December must be past (or today)."""

    annee = forms.IntegerField(
        label="Année",
        help_text="Le stock est compté au 31 décembre de cette année.",
        error_messages={"invalid": "Indiquez une année, par exemple 2025.", "required": "Indiquez une année."},
    )

    @staticmethod
    def annee_par_defaut():
        today = timezone.localdate()
        return today.year if (today.month, today.day) == (12, 31) else today.year - 1

    def clean_annee(self):
        annee = self.cleaned_data["annee"]
        if annee < PREMIERE_ANNEE_DREES:
            raise forms.ValidationError(f"Choisissez une année à partir de {PREMIERE_ANNEE_DREES}.")
        if annee > self.annee_par_defaut():
            raise forms.ValidationError("Le 31 décembre de cette année n'est pas encore passé.")
        return annee


class DelaisForm(forms.Form):
    """Months of the delays (as the dashboard: the last 12 months by default, 36 at most)."""

    debut = MoisField(label="Du mois", required=False)
    fin = MoisField(label="Au mois", required=False)

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["debut"], cleaned["fin"] = periode(
                cleaned.get("debut"), cleaned.get("fin"), fin_par_defaut=timezone.localdate()
            )
        except PeriodeInvalide as erreur:
            self.add_error("debut", str(erreur))
        return cleaned
