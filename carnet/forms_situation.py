"""Forms of the situation, projects, documents, notes and timeline pages of a carnet."""

import re

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone

from carnet.models import ProjetProfessionnel, Sensibilite, TypeEvenement
from carnet.uploads import TYPES_ACCEPTES, check_upload, max_bytes, taille_lisible
from spie.forms import VersionedFormMixin

ROME_RE = re.compile(r"^[A-Z]\d{4}$")


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("La date ne peut pas être dans le futur.", code="futur")
    return value


# --- Situation -----------------------------------------------------------------------------------


class SituationAjoutForm(forms.Form):
    """Situations to check, one group of checkboxes (a fieldset) per theme the user may edit.

    Only situations not already current are offered: the form only adds, so that two people editing the
    diagnostic at the same time never undo each other's checks. Ending a situation is its own action.
    """

    constatee_le = forms.DateField(label="Constatée le", widget=_date_widget(), help_text="Format : jj/mm/aaaa.")

    def __init__(self, *args, themes, disponibles, actives, **kwargs):
        """`themes`: the themes shown (sensitive ones already removed when the user may not see them);
        `disponibles`: the national and département situations; `actives`: ids of the current ones."""
        super().__init__(*args, **kwargs)
        self.initial.setdefault("constatee_le", timezone.localdate())
        self.situations = {}
        self.theme_fields = []
        for theme in themes:
            choices = []
            for situation in disponibles:
                if situation.theme_id == theme.pk and situation.pk not in actives:
                    self.situations[str(situation.uid)] = situation
                    choices.append((str(situation.uid), situation.libelle))
            if not choices:
                continue
            name = f"theme_{theme.code}"
            self.fields[name] = forms.MultipleChoiceField(
                label=theme.libelle,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text="Thème sensible : visible du seul groupe de suivi." if theme.sensible else "",
            )
            self.theme_fields.append(name)
        # The date comes after the checkboxes, next to the submit button.
        self.order_fields(self.theme_fields + ["constatee_le"])

    def clean_constatee_le(self):
        return _not_in_future(self.cleaned_data["constatee_le"])

    def clean(self):
        cleaned = super().clean()
        if self.theme_fields and not any(cleaned.get(name) for name in self.theme_fields):
            raise forms.ValidationError("Cochez au moins une situation à ajouter.", code="vide")
        return cleaned

    def selected_situations(self):
        return [self.situations[uid] for name in self.theme_fields for uid in self.cleaned_data.get(name, [])]

    def theme_bound_fields(self):
        return [self[name] for name in self.theme_fields]


class SituationFinForm(forms.Form):
    fin = forms.DateField(
        label="N'est plus d'actualité depuis le",
        widget=_date_widget(),
        help_text="Format : jj/mm/aaaa. La situation reste dans l'historique du carnet.",
    )

    def __init__(self, *args, constatee, **kwargs):
        super().__init__(*args, **kwargs)
        self.constatee = constatee
        self.initial.setdefault("fin", timezone.localdate())

    def clean_fin(self):
        fin = _not_in_future(self.cleaned_data["fin"])
        if fin < self.constatee.constatee_le:
            raise forms.ValidationError(
                "La date de fin ne peut pas précéder la date où la situation a été constatée (%(date)s).",
                code="avant_constat",
                params={"date": self.constatee.constatee_le.strftime("%d/%m/%Y")},
            )
        return fin


# --- Projets professionnels ----------------------------------------------------------------------


class ProjetForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProjetProfessionnel
        fields = ["metier", "code_rome", "rayon_mobilite_km", "contrat_souhaite"]
        help_texts = {
            "metier": "Par exemple : aide à domicile, cariste, agent de propreté.",
            "code_rome": "Une lettre et quatre chiffres, par exemple K1302 (fiche métier du répertoire ROME).",
            "rayon_mobilite_km": "Distance maximale que la personne peut parcourir pour travailler, en kilomètres.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code_rome"].widget.attrs.update({"maxlength": 5, "autocomplete": "off"})
        rayon = self.fields["rayon_mobilite_km"]
        rayon.validators.append(MaxValueValidator(500, "Indiquez un rayon de 500 km au plus."))
        rayon.widget.attrs["max"] = 500
        if self.instance.pk:
            self.add_version_field()

    def clean_metier(self):
        return self.cleaned_data["metier"].strip()

    def clean_code_rome(self):
        code = (self.cleaned_data.get("code_rome") or "").strip().upper()
        if code and not ROME_RE.match(code):
            raise forms.ValidationError(
                "Le code ROME est composé d'une lettre suivie de quatre chiffres, par exemple K1302.", code="rome"
            )
        return code


# --- Documents -----------------------------------------------------------------------------------


def _formats():
    return ", ".join(sorted({ext for t in TYPES_ACCEPTES for ext in t.extensions}))


class DocumentForm(forms.Form):
    fichier = forms.FileField(label="Fichier")
    nom = forms.CharField(
        label="Nom du document",
        max_length=200,
        required=False,
        help_text="Par défaut, le nom du fichier. Évitez d'y écrire une information de santé ou judiciaire.",
    )
    sensibilite = forms.ChoiceField(
        label="Classe de sensibilité",
        choices=Sensibilite.choices,
        initial=Sensibilite.GENERALE,
        widget=forms.RadioSelect,
        help_text=(
            "Un certificat médical ou une RQTH : « Santé » ; un jugement : « Justice » ; une mesure de protection "
            "de l'enfance : « Protection de l'enfance » ; une situation familiale : « Famille »."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_document = None
        limite = taille_lisible(max_bytes())
        self.fields["fichier"].help_text = f"Formats acceptés : {_formats()}. Taille maximale : {limite}."
        # The template writes the DSFR upload input itself; it reads this list for the `accept` attribute.
        self.accept = ",".join(sorted({ext for t in TYPES_ACCEPTES for ext in t.extensions}))

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_document = check_upload(fichier)
        return fichier

    def clean_nom(self):
        return " ".join(self.cleaned_data["nom"].split())


# --- Notes ---------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    texte = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        error_messages={"required": "La note est vide."},
    )
    sensibilite = forms.ChoiceField(
        label="Classe de sensibilité",
        choices=Sensibilite.choices,
        initial=Sensibilite.GENERALE,
        widget=forms.RadioSelect,
        help_text=(
            "Une note générale est lue par tout le groupe de suivi et par les personnes habilitées à consulter le "
            "carnet : n'y écrivez jamais d'information de santé (y compris la RQTH), familiale, judiciaire ou de "
            "protection de l'enfance. Choisissez la classe qui correspond : elle décide qui lit la note."
        ),
    )


# --- Historique ----------------------------------------------------------------------------------


class HistoriqueFiltreForm(forms.Form):
    du = forms.DateField(label="Du", required=False, widget=_date_widget(), help_text="Format : jj/mm/aaaa.")
    au = forms.DateField(label="Au", required=False, widget=_date_widget(), help_text="Format : jj/mm/aaaa.")
    type = forms.ChoiceField(
        label="Type d'événement", required=False, choices=[("", "Tous les types"), *TypeEvenement.choices]
    )

    def clean(self):
        cleaned = super().clean()
        du, au = cleaned.get("du"), cleaned.get("au")
        if du and au and au < du:
            self.add_error("au", "La date de fin de période doit être postérieure à la date de début.")
        return cleaned
