"""Template tags of the rosters area, for pages shared with other areas."""

from django import template

from programs.attendance.selectors import programme_attrition

register = template.Library()


@register.inclusion_tag("programs/rosters/_attrition.html")
def attrition_panel(programme):
    """The programme's attrition against the school's promise (two small queries)."""
    return {"attrition": programme_attrition(programme)}
