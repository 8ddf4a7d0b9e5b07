"""One form per step of the diagnostic interview (see `orientation.diagnostic`).

Every form carries the draft's version (hidden): a save is refused when someone else saved in between, and
the input is kept on the page. No field is required in a draft step: the interview follows the person.
"""

from django import forms
from django.core.validators import MaxValueValidator

from carnet.forms_situation import ROME_RE
from carnet.models import TypeContratSouhaite
from orientation import diagnostic as steps

SANS_SANTE = "Sans information de santé ni de situation familiale : ce texte est partagé."


class EtapeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def valeurs(self) -> dict:
        """The answers of the step, JSON-ready, without the version."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class SituationsForm(EtapeForm):
    def __init__(self, *args, etape, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = (
            "Thème sensible : visible de votre seule personne et du groupe de suivi." if etape.theme.sensible else ""
        )
        self.fields["situations"] = forms.MultipleChoiceField(
            label=f"Situations constatées — {etape.titre}",
            choices=[(str(s.uid), s.libelle) for s in etape.situations],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text or "Cochez ce qui correspond à la situation actuelle de la personne.",
        )


class ProjetForm(EtapeForm):
    metier = forms.CharField(
        label="Métier recherché", required=False, max_length=200, help_text="Par exemple : cariste, aide à domicile."
    )
    code_rome = forms.CharField(
        label="Code ROME",
        required=False,
        max_length=5,
        help_text="Une lettre et quatre chiffres, par exemple N1103.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    rayon_mobilite_km = forms.IntegerField(
        label="Rayon de mobilité (km)",
        required=False,
        min_value=0,
        validators=[MaxValueValidator(500, "Indiquez un rayon de 500 km au plus.")],
        help_text="Distance maximale que la personne peut parcourir pour travailler.",
    )
    contrat_souhaite = forms.ChoiceField(
        label="Contrat souhaité", required=False, choices=[("", "Non précisé"), *TypeContratSouhaite.choices]
    )

    def clean_metier(self):
        return " ".join(self.cleaned_data["metier"].split())

    def clean_code_rome(self):
        code = (self.cleaned_data.get("code_rome") or "").strip().upper()
        if code and not ROME_RE.match(code):
            raise forms.ValidationError(
                "Le code ROME est composé d'une lettre suivie de quatre chiffres, par exemple N1103."
            )
        return code


class ContraintesForm(EtapeForm):
    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.theme_fields = []
        for theme in themes:
            name = f"poids_{theme.code}"
            self.fields[name] = forms.ChoiceField(
                label=theme.libelle,
                choices=steps.POIDS,
                initial="0",
                required=False,
                widget=forms.RadioSelect,
            )
            self.theme_fields.append(name)

    def valeurs(self) -> dict:
        return {name.removeprefix("poids_"): self.cleaned_data.get(name) or "0" for name in self.theme_fields}


class DisponibiliteForm(EtapeForm):
    delai = forms.ChoiceField(
        label="La personne peut commencer", required=False, choices=steps.DELAIS, widget=forms.RadioSelect
    )
    temps_travail = forms.ChoiceField(
        label="Temps de travail recherché", required=False, choices=steps.TEMPS_TRAVAIL, widget=forms.RadioSelect
    )
    precisions = forms.CharField(
        label="Précisions",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=SANS_SANTE,
    )


class SouhaitsForm(EtapeForm):
    accompagnement = forms.ChoiceField(
        label="Ce que la personne attend d'abord",
        required=False,
        choices=steps.ACCOMPAGNEMENTS,
        widget=forms.RadioSelect,
    )
    en_ses_mots = forms.CharField(
        label="Ce que la personne souhaite, avec ses mots",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SANS_SANTE,
    )


class TerminerForm(EtapeForm):
    personne_informee = forms.BooleanField(
        label="La personne sait que ce diagnostic est partagé avec les professionnels qui l'accompagneront",
        error_messages={"required": "Informez la personne du partage de son diagnostic avant de le terminer."},
    )


def form_for(etape, *, themes, data=None, initial=None):
    """The form of one step; `themes` are the themes the user may see (for the constraints step)."""
    kwargs = {"data": data, "initial": initial, "prefix": None}
    if etape.theme is not None:
        return SituationsForm(etape=etape, **kwargs)
    if etape.slug == steps.CONTRAINTES:
        return ContraintesForm(themes=themes, **kwargs)
    return {
        steps.PROJET: ProjetForm,
        steps.DISPONIBILITE: DisponibiliteForm,
        steps.SOUHAITS: SouhaitsForm,
        steps.RECAPITULATIF: TerminerForm,
    }[etape.slug](**kwargs)
