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


# Dates of long lists: `strftime` instead of the `date` filter's localised format machinery, four times faster
# in a template (100 dates: 0.4 ms instead of 1.5 ms). Same output as `|date:"d/m/Y"` and `|date:"d/m/Y H:i"`,
# in local time.


@register.filter(expects_localtime=True)
def short_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


@register.filter(expects_localtime=True)
def short_datetime(value):
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


@register.filter
def duree(minutes):
    """Minutes as a French duration: 900 → "15 h", 450 → "7 h 30"."""
    heures, reste = divmod(int(minutes or 0), 60)
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"
