"""National geography referential: départements, EPCI and communes (INSEE codes).

Loaded from spie/data/geo/*.csv.gz by `manage.py charger_referentiels`. RefDepartement is the national
referential, not the tenant (a département running the platform).
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat

from spie.text import normalise

# A postal code or INSEE code being typed: digits, or a Corsican INSEE code ("2A004").
_CODE_TERM = re.compile(r"\d{1,5}|2[AB]\d{0,3}")


class RefDepartement(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    nom = models.CharField("nom", max_length=100)
    region_code = models.CharField("code région", max_length=3, blank=True)

    class Meta:
        verbose_name = "département (référentiel)"
        verbose_name_plural = "départements (référentiel)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.nom} ({self.code})"


class Epci(models.Model):
    code = models.CharField("SIREN", max_length=9, primary_key=True)
    nom = models.CharField("nom", max_length=200)
    type = models.CharField("type", max_length=10, blank=True, help_text="CC, CA, CU, METRO, MET69")

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class CommuneQuerySet(models.QuerySet):
    def search(self, term):
        """Communes matching what a user types in an autocomplete field; slicing is the caller's job.

        Digits (or "2A…"/"2B…") are a postal code or INSEE code prefix; anything else is matched on the
        normalised name: exact name first, then names starting with the term, then a word starting with it,
        then names containing it, most populated first within each rank.
        """
        term = (term or "").strip()
        code = term.replace(" ", "").upper()
        queryset = self
        if _CODE_TERM.fullmatch(code):
            if len(code) == 5:
                # Uses the GIN index on codes_postaux.
                postal_match = Q(codes_postaux__contains=[code])
            else:
                # Postal code prefix: " 76000 76100" LIKE '% 76%'.
                queryset = queryset.annotate(
                    _codes_postaux_texte=Concat(
                        Value(" "),
                        models.Func(
                            F("codes_postaux"), Value(" "), function="array_to_string", output_field=models.TextField()
                        ),
                        output_field=models.TextField(),
                    )
                )
                postal_match = Q(_codes_postaux_texte__contains=f" {code}")
            return (
                queryset.filter(postal_match | Q(code_insee__startswith=code))
                .annotate(_rang=Case(When(postal_match, then=Value(0)), default=Value(1)))
                .order_by("_rang", F("population").desc(nulls_last=True), "nom", "code_insee")
            )
        name = normalise(term)
        if not name:
            return self.none()
        return (
            queryset.filter(nom_normalise__contains=name)
            .annotate(
                _rang=Case(
                    When(nom_normalise=name, then=Value(0)),
                    When(nom_normalise__startswith=name, then=Value(1)),
                    When(nom_normalise__contains=f" {name}", then=Value(2)),
                    default=Value(3),
                )
            )
            .order_by("_rang", F("population").desc(nulls_last=True), "nom", "code_insee")
        )


class Commune(models.Model):
    code_insee = models.CharField("code INSEE", max_length=5, primary_key=True)
    nom = models.CharField("nom", max_length=150)
    # Lower case, accents stripped, punctuation → spaces (spie.text.normalise): search without unaccent/pg_trgm.
    nom_normalise = models.CharField("nom normalisé", max_length=150, db_index=True, editable=False)
    departement = models.ForeignKey(
        RefDepartement,
        on_delete=models.PROTECT,
        related_name="communes",
        db_constraint=True,
        verbose_name="département",
    )
    epci = models.ForeignKey(
        Epci, null=True, blank=True, on_delete=models.SET_NULL, related_name="communes", verbose_name="EPCI"
    )
    codes_postaux = ArrayField(models.CharField(max_length=5), default=list, blank=True, verbose_name="codes postaux")
    population = models.PositiveIntegerField("population", null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["nom", "code_insee"]
        indexes = [GinIndex(fields=["codes_postaux"], name="spie_commune_cp_gin")]

    def __str__(self):
        return f"{self.nom} ({self.code_insee})"

    def save(self, *args, **kwargs):
        self.nom_normalise = normalise(self.nom)
        if kwargs.get("update_fields") is not None and "nom" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "nom_normalise"}
        super().save(*args, **kwargs)
