"""Input of the partner API taken exactly as the published schema says: the one place for strict input.

DRF is lenient where the schema is not: `BooleanField` reads 0/1, "true", "oui"… as booleans, `CharField` turns
a number into text, `ChoiceField` takes 0 for "0", and a query parameter given empty (`?statut=`) is read as
absent. A partner's bug would then pass unnoticed (`"soumis_droits_devoirs": 0` taken as false). So:

- `StrictBooleanField` accepts JSON true/false only (every boolean model field of `PartnerModelSerializer`);
- `StrictJSONMixin` refuses, before DRF converts anything, a JSON value whose type is not the one the schema
  declares for its field (text, integer, number, boolean, list);
- `ParametresRequete` (the serializers of query parameters) refuses a parameter given empty.
"""

from collections.abc import Mapping

from django.db import models
from rest_framework import serializers

TEXT_FIELDS = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.UUIDField,
    serializers.SlugRelatedField,
)


def json_type_error(field, value):
    """The French message when `value` (parsed JSON) is not of the JSON type documented for `field`."""
    if value is None:
        return None  # `allow_null` decides, with DRF's message
    if isinstance(field, serializers.RelatedField) and value == "":
        return "Valeur vide : envoyez null pour n'en désigner aucune."  # DRF would read "" as null
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Booléen attendu : true ou false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Nombre entier attendu."
    if isinstance(field, serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "Nombre attendu."
    if isinstance(field, serializers.ChoiceField) and not all(isinstance(key, str) for key in field.choices):
        return None
    if isinstance(field, (*TEXT_FIELDS, serializers.ChoiceField)):
        return None if isinstance(value, str) else "Texte attendu."
    if isinstance(field, serializers.ListField):
        return None if isinstance(value, list) else "Liste attendue."
    return None


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Booléen attendu : true ou false."}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class StrictJSONMixin:
    """For serializers of JSON bodies: a value of the wrong JSON type is a 400, never converted."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    message = json_type_error(field, data[name])
                    if message:
                        errors[name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class PartnerModelSerializer(StrictJSONMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
    }


class PartnerSerializer(StrictJSONMixin, serializers.Serializer):
    pass


class ParametresRequete(serializers.Serializer):
    """Query parameters: one given empty (`?statut=`) is refused, not read as absent (the schema has no empty
    value for them)."""

    def to_internal_value(self, data):
        vides = {
            name: ["Valeur vide : donnez une valeur ou retirez le paramètre."]
            for name in self.fields
            if data.get(name) == ""
        }
        if vides:
            raise serializers.ValidationError(vides)
        return super().to_internal_value(data)
