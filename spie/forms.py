"""Forms of the département administration, rendered with the DSFR templates of `templates/spie/forms/`."""

from django import forms
from django.forms.renderers import TemplatesSetting

from spie.models import Commune, Departement, Epci, Invitation, Membership, Role, Structure, Territoire, User
from spie.text import normalise


class DsfrRenderer(TemplatesSetting):
    """Every form of the project (allauth's included) renders its fields as DSFR input groups."""

    form_template_name = "spie/forms/form.html"
    field_template_name = "spie/forms/field.html"


class VersionedFormMixin:
    """Optimistic locking: the form carries the version it was read at; a stale save is refused.

    The user's input is kept and re-displayed with the conflict so that nothing is lost.
    """

    conflict_message = (
        "Cette fiche a été modifiée par quelqu'un d'autre pendant votre saisie. Vos modifications ne sont pas "
        "enregistrées : elles sont conservées ci-dessous, comparez-les avec la version actuelle puis enregistrez "
        "à nouveau."
    )
    conflict = False

    def add_version_field(self):
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        if not self.is_bound and self.instance.pk:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") != self.instance.version:
            self.conflict = True
            self.carry_current_version(self.instance.version)
            raise forms.ValidationError(self.conflict_message, code="conflict")
        return cleaned

    def carry_current_version(self, version):
        # The re-displayed page carries the version the conflict was found against: saving it again is then
        # a knowing overwrite, instead of a conflict that no submission could ever get past.
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = version


class DepartementSettingsForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Departement
        fields = [
            "delai_orientation_cible",
            "delai_orientation_legal_jours",
            "heures_activite_cible",
            "suivi_sortie_mois",
            "orientation_validation_requise",
            "conservation_mois",
            "suppression_sans_accompagnement_mois",
            "contact_nom",
            "contact_adresse",
            "contact_telephone",
            "contact_courriel",
        ]
        widgets = {"contact_adresse": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable model default makes Django compare with a hidden initial input the page does not post: the
        # change log would then always name this field.
        self.fields["suivi_sortie_mois"].show_hidden_initial = False
        # Departement has no version column: its updated_at serves as the version.
        self.fields["version"] = forms.CharField(widget=forms.HiddenInput, required=False)
        if not self.is_bound:
            self.initial["version"] = self.instance.updated_at.isoformat()

    def clean_suivi_sortie_mois(self):
        mois = self.cleaned_data["suivi_sortie_mois"]
        if not mois or any(m < 1 or m > 24 for m in mois):
            raise forms.ValidationError("Indiquez des nombres de mois entre 1 et 24, séparés par des virgules.")
        return sorted(set(mois))

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        if cleaned.get("version") != self.instance.updated_at.isoformat():
            self.conflict = True
            self.carry_current_version(self.instance.updated_at.isoformat())
            raise forms.ValidationError(self.conflict_message, code="conflict")
        return cleaned


class TerritoireForm(VersionedFormMixin, forms.ModelForm):
    """A territory and its communes; communes are searched by name, postal code or EPCI in the same form.

    The search is a second submit button of the same form, so that it works without JavaScript
    and never loses what was already typed or ticked.
    """

    communes = forms.MultipleChoiceField(
        label="Communes du territoire", required=False, widget=forms.CheckboxSelectMultiple
    )
    epcis = forms.MultipleChoiceField(
        label="Ajouter toutes les communes d'un EPCI", required=False, widget=forms.CheckboxSelectMultiple
    )
    recherche = forms.CharField(
        label="Rechercher une commune ou un EPCI",
        help_text="Nom, code postal ou code INSEE de la commune, ou nom de l'EPCI.",
        required=False,
    )

    class Meta:
        model = Territoire
        fields = ["nom"]

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.departement = departement
        self.add_version_field()
        communes_du_departement = Commune.objects.filter(departement_id=departement.code)
        if self.is_bound:
            selected = [code for code in self.data.getlist("communes")]
        elif self.instance.pk:
            selected = list(self.instance.communes.values_list("code_insee", flat=True))
        else:
            selected = []
        self.initial.setdefault("communes", selected)
        term = (self.data.get("recherche") if self.is_bound else "") or ""
        results = list(communes_du_departement.search(term)[:30]) if term.strip() else []
        shown = {c.code_insee: c for c in communes_du_departement.filter(code_insee__in=selected)}
        for commune in results:
            shown.setdefault(commune.code_insee, commune)
        # Unknown codes are kept as choices so that the error names them instead of a generic message.
        self.fields["communes"].choices = [(code, str(c)) for code, c in shown.items()] + [
            (code, code) for code in dict.fromkeys(selected) if code not in shown
        ]
        epcis_du_departement = Epci.objects.filter(communes__departement_id=departement.code).distinct()
        self.epci_results = []
        if term.strip() and not term.strip().isdigit():
            wanted = normalise(term)
            self.epci_results = [e for e in epcis_du_departement if wanted in normalise(e.nom)][:5]
        # EPCI ticked before another search stay shown and ticked, once each; unknown codes as for communes.
        ticked = list(dict.fromkeys(self.data.getlist("epcis"))) if self.is_bound else []
        shown_epcis = {e.code: e for e in self.epci_results}
        if set(ticked) - set(shown_epcis):
            for epci in epcis_du_departement.filter(code__in=ticked):
                shown_epcis.setdefault(epci.code, epci)
        self.fields["epcis"].choices = [(code, f"{e.nom} ({e.type})") for code, e in shown_epcis.items()] + [
            (code, code) for code in ticked if code not in shown_epcis
        ]
        self.search_results = results

    def clean_nom(self):
        nom = self.cleaned_data["nom"].strip()
        clash = Territoire.objects.filter(nom__iexact=nom).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Un territoire porte déjà ce nom dans le département.")
        return nom

    def clean_communes(self):
        codes = self.cleaned_data["communes"]
        found = set(
            Commune.objects.filter(code_insee__in=codes, departement_id=self.departement.code).values_list(
                "code_insee", flat=True
            )
        )
        unknown = sorted(set(codes) - found)
        if unknown:
            raise forms.ValidationError(
                "Communes inconnues ou hors du département : %(codes)s.", params={"codes": ", ".join(unknown)}
            )
        return codes

    def clean_epcis(self):
        codes = self.cleaned_data["epcis"]
        communes = Commune.objects.filter(epci_id__in=codes, departement_id=self.departement.code)
        known = set(communes.values_list("epci_id", flat=True))
        unknown = sorted(set(codes) - known)
        if unknown:
            raise forms.ValidationError(
                "EPCI inconnus dans le département : %(codes)s.", params={"codes": ", ".join(unknown)}
            )
        return codes

    def commune_codes(self):
        """Communes ticked plus every commune of the EPCI ticked, within the département."""
        codes = set(self.cleaned_data["communes"])
        if self.cleaned_data["epcis"]:
            codes |= set(
                Commune.objects.filter(
                    epci_id__in=self.cleaned_data["epcis"], departement_id=self.departement.code
                ).values_list("code_insee", flat=True)
            )
        return sorted(codes)


class StructureForm(VersionedFormMixin, forms.ModelForm):
    site_web = forms.URLField(label="Site web", required=False, assume_scheme="https")
    code_commune = forms.CharField(
        label="Code INSEE de la commune", required=False, max_length=5, help_text="Par exemple 76540 pour Rouen."
    )

    class Meta:
        model = Structure
        fields = ["nom", "type", "siret", "adresse", "telephone", "courriel", "site_web", "actif"]
        help_texts = {"siret": "14 chiffres, sans espace."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field()
        if not self.is_bound and self.instance.commune_id:
            self.initial["code_commune"] = self.instance.commune_id
        self.order_fields(["nom", "type", "siret", "adresse", "code_commune"])

    def clean_siret(self):
        return (self.cleaned_data.get("siret") or "").replace(" ", "")

    def clean_code_commune(self):
        code = (self.cleaned_data.get("code_commune") or "").strip().upper()
        if not code:
            return None
        commune = Commune.objects.filter(code_insee=code).first()
        if commune is None:
            raise forms.ValidationError("Code commune inconnu : %(code)s.", params={"code": code})
        return commune

    def clean(self):
        cleaned = super().clean()
        siret = cleaned.get("siret")
        if siret and Structure.objects.filter(siret=siret).exclude(pk=self.instance.pk).exists():
            self.add_error("siret", "Une structure du département porte déjà ce SIRET.")
        return cleaned


class InvitationForm(forms.ModelForm):
    # Declared (not generated from the model) so that no scoped query runs at import time.
    structure = forms.ModelChoiceField(label="Structure", queryset=None)

    class Meta:
        model = Invitation
        fields = ["email", "first_name", "last_name", "structure", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = Structure.objects.filter(actif=True)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        email, structure, role = cleaned.get("email"), cleaned.get("structure"), cleaned.get("role")
        if email and structure and role:
            if Membership.objects.filter(
                user__email__iexact=email, structure=structure, role=role, is_active=True
            ).exists():
                raise forms.ValidationError("Cette personne a déjà ce rôle dans cette structure.")
            if Invitation.objects.en_attente().filter(email__iexact=email, structure=structure, role=role).exists():
                raise forms.ValidationError(
                    "Une invitation est déjà en attente pour cette personne, ce rôle et cette structure : "
                    "renvoyez-la depuis la liste des invitations."
                )
        return cleaned


class AcceptInvitationForm(forms.Form):
    """New account from an invitation: names and a password (validated by Django's validators)."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="12 caractères au moins ; évitez un mot de passe courant.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        from django.contrib.auth import password_validation

        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif password1:
            candidate = User(
                email=self.invitation.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class MembershipRoleForm(forms.Form):
    """Give an existing member of the département another role or structure."""

    structure = forms.ModelChoiceField(label="Structure", queryset=None)
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["structure"].queryset = Structure.objects.filter(actif=True)

    def clean(self):
        cleaned = super().clean()
        if Membership.objects.filter(
            user=self.user, structure=cleaned.get("structure"), role=cleaned.get("role"), is_active=True
        ).exists():
            raise forms.ValidationError("Cette personne a déjà ce rôle dans cette structure.")
        return cleaned
