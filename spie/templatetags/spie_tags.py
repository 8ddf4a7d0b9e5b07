from django import template
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select, SelectMultiple

register = template.Library()


def _widget_class(widget):
    if isinstance(widget, CheckboxInput):
        return ""
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return ""
    if isinstance(widget, Select | SelectMultiple):
        return "fr-select"
    return "fr-input"


@register.filter
def dsfr_widget(bound_field):
    """Render a field's widget with the DSFR class and the ids of its hint and errors."""
    widget = bound_field.field.widget
    attrs = {}
    css = _widget_class(widget)
    if css:
        existing = widget.attrs.get("class", "")
        attrs["class"] = f"{existing} {css}".strip()
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}-hint")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}-errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field):
    return isinstance(bound_field.field.widget, CheckboxInput)


@register.filter
def is_choice_list(bound_field):
    return isinstance(bound_field.field.widget, CheckboxSelectMultiple | RadioSelect)
