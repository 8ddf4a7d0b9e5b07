"""Forms of the sanction pages: they only parse and type the input; the rules are in `sanctions.etats`,
`sanctions.bareme` and `sanctions.services`."""

from django import forms

from carnet.uploads import check_upload
from sanctions.models import CanalNotification, Motif, Nature, Obligation, ParametresSanctions, SourceObservation

DATE = forms.DateInput(attrs={"type": "date"})


class OuvrirForm(forms.Form):
    motif = forms.ChoiceField(label="Motif", choices=Motif.choices, widget=forms.RadioSelect)
    obligation = forms.ChoiceField(
        label="Obligation manquée (si le motif est un manquement au contrat)",
        choices=[("", "—"), *Obligation.choices],
        required=False,
    )
    contrat = forms.ModelChoiceField(
        label="Contrat d'engagement", queryset=None, required=False, to_field_name="uid", empty_label="—"
    )
    semaines = forms.CharField(
        label="Semaines du relevé d'heures (lundis, séparés par des virgules, au format AAAA-MM-JJ)",
        required=False,
        max_length=500,
    )
    rendez_vous = forms.ModelMultipleChoiceField(
        label="Rendez-vous manqués", queryset=None, required=False, to_field_name="uid"
    )
    faits = forms.CharField(label="Faits constatés", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    faits_du = forms.DateField(label="Période des faits : du", widget=DATE)
    faits_au = forms.DateField(label="au", widget=DATE)
    proposition_ft = forms.BooleanField(label="Sur proposition de France Travail", required=False)
    proposition_ft_reference = forms.CharField(label="Référence de la proposition", required=False, max_length=100)
    proposition_ft_nature = forms.ChoiceField(
        label="Sanction proposée", choices=[("", "—"), *Nature.choices], required=False
    )
    proposition_ft_taux = forms.IntegerField(label="Taux proposé (%)", required=False, min_value=1, max_value=100)
    proposition_ft_duree = forms.IntegerField(label="Durée proposée (mois)", required=False, min_value=1, max_value=12)

    def __init__(self, *args, contrats, rendez_vous, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contrat"].queryset = contrats
        self.fields["rendez_vous"].queryset = rendez_vous
        self.fields["rendez_vous"].label_from_instance = lambda r: (
            f"{r.date_heure:%d/%m/%Y %H:%M} — {r.objet or 'rdv'}"
        )

    def clean_semaines(self):
        import datetime

        raw = [part.strip() for part in (self.cleaned_data["semaines"] or "").split(",") if part.strip()]
        semaines = []
        for part in raw:
            try:
                jour = datetime.date.fromisoformat(part)
            except ValueError:
                raise forms.ValidationError(f"« {part} » n'est pas une date au format AAAA-MM-JJ.") from None
            if jour.weekday() != 0:
                raise forms.ValidationError(
                    f"Le {jour:%d/%m/%Y} n'est pas un lundi : indiquez le lundi de la semaine."
                )
            semaines.append(jour)
        return semaines


class MotifLegitimeForm(forms.Form):
    raison = forms.CharField(
        label="Ce qui a été vérifié (situation, justificatifs, échanges)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class NotifierForm(forms.Form):
    nature = forms.ChoiceField(label="Sanction envisagée", choices=Nature.choices, widget=forms.RadioSelect)
    taux = forms.IntegerField(label="Taux envisagé (%)", min_value=1, max_value=100)
    duree = forms.IntegerField(label="Durée envisagée (mois)", min_value=1, max_value=12)
    canal = forms.ChoiceField(label="Moyen d'envoi", choices=CanalNotification.choices, widget=forms.RadioSelect)
    envoyee_le = forms.DateField(label="Envoyée le", widget=DATE)
    reference = forms.CharField(label="Numéro de la lettre recommandée", required=False, max_length=50)
    date_certaine = forms.DateField(label="Reçue le (avis de réception), si déjà connu", required=False, widget=DATE)


class DateCertaineForm(forms.Form):
    date_certaine = forms.DateField(label="Date de réception portée sur l'avis de réception", widget=DATE)


class DeciderForm(forms.Form):
    nature = forms.ChoiceField(label="Sanction", choices=Nature.choices, widget=forms.RadioSelect)
    taux = forms.IntegerField(label="Taux (%)", min_value=1, max_value=100)
    duree = forms.IntegerField(label="Durée (mois)", min_value=1, max_value=12)
    effet = forms.DateField(label="À compter du", widget=DATE)
    montant_mensuel = forms.DecimalField(
        label="Montant mensuel du RSA du foyer (si connu, en euros)",
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
    )
    motifs = forms.CharField(label="Motifs de la décision", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class SansSuiteForm(forms.Form):
    raison = forms.CharField(
        label="Pourquoi aucune sanction n'est décidée", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class RemobiliserForm(forms.Form):
    date = forms.DateField(label="Remobilisation constatée le", widget=DATE)
    remobilisation = forms.CharField(
        label="Comment la personne s'est remobilisée", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class TerminerForm(forms.Form):
    date = forms.DateField(label="Fin constatée le", widget=DATE)


FORMULAIRES = {
    "sans_motif_legitime": MotifLegitimeForm,
    "motif_legitime": MotifLegitimeForm,
    "notifier": NotifierForm,
    "date_certaine": DateCertaineForm,
    "decider": DeciderForm,
    "decider_proposition_ft": DeciderForm,
    "sans_suite": SansSuiteForm,
    "remobiliser": RemobiliserForm,
    "terminer": TerminerForm,
}


class PieceForm(forms.Form):
    fichier = forms.FileField(label="Pièce justificative")
    libelle = forms.CharField(label="Ce que prouve la pièce", max_length=200)

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_document = check_upload(fichier)
        return fichier


class ObservationForm(forms.Form):
    source = forms.ChoiceField(
        label="Origine",
        choices=[c for c in SourceObservation.choices if c[0] != SourceObservation.ESPACE],
        widget=forms.RadioSelect,
    )
    recue_le = forms.DateTimeField(
        label="Reçues (ou audition tenue) le", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    texte = forms.CharField(
        label="Contenu des observations ou compte rendu", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    accompagnant = forms.CharField(label="Personne qui l'accompagnait (audition)", required=False, max_length=200)
    fichier = forms.FileField(label="Courrier numérisé (facultatif)", required=False)

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_document = check_upload(fichier) if fichier else None
        return fichier


class ParametresForm(forms.ModelForm):
    class Meta:
        model = ParametresSanctions
        fields = [
            "taux_minimum",
            "duree_min_premier",
            "duree_max_premier",
            "duree_min_recidive",
            "duree_max_recidive",
            "plafond_taux_foyer",
            "rattrapage_mois_max",
        ]
