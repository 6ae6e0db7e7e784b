"""``{% load kpi_tags %}``: a KPI figure in the one format of its unit
(``scoring.rules.format_value``), the same on every page and document."""

from django import template

from scoring.rules import format_value

register = template.Library()


@register.filter
def kpi_value(value, unit: str) -> str:
    """``{{ kpi.target|kpi_value:kpi.unit }}``: 80,000.00 for an amount, 3.5% for a percent, 45 s for seconds."""
    return format_value(value, unit)
