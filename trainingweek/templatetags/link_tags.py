"""``{% load link_tags %}``: ``{% row_url %}``, the ``{% url %}`` of a link
repeated on every row of a list (each row's statement, each class's sheets)."""

from django import template

from trainingweek.links import row_links

register = template.Library()


@register.simple_tag(takes_context=True)
def row_url(context, viewname: str, *args) -> str:
    """``{% url viewname args… %}`` whose last argument is the row's id:
    reversed once a page for the same leading arguments
    (:func:`trainingweek.links.row_links`), not once a row."""
    links = context.render_context.setdefault("row_links", {})
    key = (viewname, *args[:-1])
    link = links.get(key)
    if link is None:
        link = links[key] = row_links(viewname, *args[:-1])
    return link(args[-1])
