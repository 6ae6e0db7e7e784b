"""``{% load money_tags %}``: the one money format of the pages and documents."""

from django import template

from trainingweek.money import money

register = template.Library()


@register.filter
def amount(value) -> str:
    """52,900.00: two places, grouped by thousands in every language (as on
    Chinese financial documents). No amount (None, a total of nothing) is
    0.00; an empty string (a missing value) stays empty."""
    if value == "":
        return ""
    return f"{money(value if value is not None else 0):,}"
