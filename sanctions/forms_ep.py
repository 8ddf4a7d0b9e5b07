"""Forms of the EP pages: they only parse and type the input; the rules are in `sanctions.equipes` and
`sanctions.etats`. Choices are scoped querysets given by the view (the département's territories, users, files)."""

from django import forms

from sanctions.models import QualiteMembre, SensAvis, SensDecision, ThemePassage

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class EquipeForm(forms.Form):
    nom = forms.CharField(label="Nom", max_length=150)
    territoire = forms.ModelChoiceField(label="Territoire", queryset=None, to_field_name="uid", empty_label="—")
    quorum = forms.IntegerField(label="Quorum (membres présents requis)", min_value=1, max_value=50)
    lieu = forms.CharField(label="Lieu habituel des séances", max_length=300, required=False)
    active = forms.BooleanField(label="Équipe active", required=False, initial=True)

    def __init__(self, *args, territoires, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "nom": instance.nom,
                    "territoire": instance.territoire,
                    "quorum": instance.quorum,
                    "lieu": instance.lieu,
                    "active": instance.active,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["territoire"].queryset = territoires


class MembreForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Utilisateur de la plateforme (il verra les dossiers pendant les séances)",
        queryset=None,
        required=False,
        to_field_name="uid",
        empty_label="— personne extérieure —",
    )
    nom = forms.CharField(label="ou nom d'une personne extérieure", max_length=200, required=False)
    structure = forms.CharField(label="Structure représentée", max_length=200)
    qualite = forms.ChoiceField(label="Qualité", choices=QualiteMembre.choices)

    def __init__(self, *args, utilisateurs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = utilisateurs
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"


class SeanceForm(forms.Form):
    date_heure = forms.DateTimeField(label="Date et heure", widget=DATETIME, input_formats=DATETIME_FORMATS)
    lieu = forms.CharField(label="Lieu (laisser vide : lieu habituel de l'équipe)", max_length=300, required=False)


class InscrireForm(forms.Form):
    theme = forms.ChoiceField(label="Thème", choices=ThemePassage.choices)
    dossier = forms.ModelChoiceField(
        label="Dossier de manquement (obligatoire pour une suppression)",
        queryset=None,
        required=False,
        to_field_name="uid",
        empty_label="—",
    )
    carnet = forms.ModelChoiceField(
        label="ou personne (réorientation, situation complexe)",
        queryset=None,
        required=False,
        to_field_name="uid",
        empty_label="—",
    )
    question = forms.CharField(
        label="Question posée à l'équipe", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, dossiers, carnets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].queryset = dossiers
        self.fields["dossier"].label_from_instance = lambda d: (
            f"{d.carnet.beneficiaire.nom_complet} — {d.get_rang_display().lower()}, ouvert le {d.created_at:%d/%m/%Y}"
        )
        self.fields["carnet"].queryset = carnets
        self.fields["carnet"].label_from_instance = lambda c: c.beneficiaire.nom_complet


class PassageForm(forms.Form):
    passage = forms.ModelChoiceField(queryset=None, to_field_name="uid", widget=forms.HiddenInput)

    def __init__(self, *args, passages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["passage"].queryset = passages


class PresencesForm(forms.Form):
    presents = forms.ModelMultipleChoiceField(
        label="Membres présents",
        queryset=None,
        required=False,
        to_field_name="uid",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, membres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presents"].queryset = membres
        self.fields["presents"].label_from_instance = lambda m: (
            f"{m.nom_affiche} — {m.get_qualite_display()} ({m.structure})"
        )


class AvisForm(PassageForm):
    sens = forms.ChoiceField(label="Avis", choices=SensAvis.choices, widget=forms.RadioSelect)
    texte = forms.CharField(label="Avis motivé", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    personne_presente = forms.BooleanField(label="La personne s'est présentée", required=False)


class DeciderForm(PassageForm):
    sens = forms.ChoiceField(label="Décision", choices=SensDecision.choices, widget=forms.RadioSelect)
    texte = forms.CharField(label="Décision du président", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ReporterForm(forms.Form):
    date_heure = forms.DateTimeField(label="Nouvelle date et heure", widget=DATETIME, input_formats=DATETIME_FORMATS)
    lieu = forms.CharField(label="Lieu (laisser vide : le même)", max_length=300, required=False)
    raison = forms.CharField(label="Raison du report", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AnnulerForm(forms.Form):
    raison = forms.CharField(label="Raison de l'annulation", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class VideForm(forms.Form):
    """Steps without input (convoquer, lever, clore)."""
