"""One form per step of the diagnostic interview (see `orientation.diagnostic`).

Every form carries the draft's version (hidden): a save is refused when someone else saved in between, and
the input is kept on the page. No field is required in a draft step: the interview follows the person.
"""

from django import forms
from django.core.validators import MaxValueValidator

from carnet.forms_situation import ROME_RE
from carnet.models import TypeContratSouhaite
from orientation import criteres
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


class CriteresForm(EtapeForm):
    """The national orientation criteria (arrêté du 21/11/2024)."""

    activite_recente = forms.ChoiceField(
        label="La personne travaillait à son inscription ou a travaillé dans les deux dernières années",
        required=False,
        choices=[("oui", "Oui"), ("non", "Non")],
        widget=forms.RadioSelect,
    )
    inactivite = forms.ChoiceField(
        label="Durée sans activité", required=False, choices=criteres.DUREES_INACTIVITE, widget=forms.RadioSelect
    )
    qualification = forms.ChoiceField(
        label="Niveau de qualification",
        required=False,
        choices=criteres.NIVEAUX_QUALIFICATION,
        widget=forms.RadioSelect,
    )
    aspiration = forms.ChoiceField(
        label="Ce que la personne vise", required=False, choices=criteres.ASPIRATIONS, widget=forms.RadioSelect
    )

    def __init__(self, *args, initial=None, **kwargs):
        initial = dict(initial or {})
        for code, impact in (initial.pop("difficultes", None) or {}).items():
            initial[f"difficulte_{code}"] = impact
        super().__init__(*args, initial=initial, **kwargs)
        for code, libelle in criteres.DIFFICULTES:
            self.fields[f"difficulte_{code}"] = forms.ChoiceField(
                label=f"Difficulté périphérique : {libelle.lower()}",
                required=False,
                choices=criteres.IMPACTS,
                widget=forms.RadioSelect,
            )

    def valeurs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version" and not k.startswith("difficulte_")}
        data["difficultes"] = {
            code: self.cleaned_data[f"difficulte_{code}"]
            for code, _ in criteres.DIFFICULTES
            if self.cleaned_data.get(f"difficulte_{code}")
        }
        return data


class RqthForm(EtapeForm):
    rqth = forms.BooleanField(
        label="La personne bénéficie de l'obligation d'emploi des travailleurs handicapés (RQTH ou autre titre)",
        required=False,
        help_text="Information restreinte : jamais partagée avec les partenaires ni dans les motifs.",
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
        steps.CRITERES: CriteresForm,
        steps.RQTH: RqthForm,
        steps.RECAPITULATIF: TerminerForm,
    }[etape.slug](**kwargs)
