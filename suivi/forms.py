"""Forms of the follow-up pages, rendered with the project's DSFR templates."""

import datetime

from django import forms
from django.utils import timezone

from spie.forms import VersionedFormMixin
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
        return (_mois_avant(today.replace(day=1), 11), today)


def _mois_avant(first_of_month, months):
    year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)
