"""The one way list pages page: Django's Paginator, and page links that keep
the list's filter and search (templates/_pagination.html)."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

#: Rows on one page of a programme-wide list (enrolments, statements, a batch's items):
#: 50, as pretix's lists (a page of 100 enrolments was 128 KiB of HTML, half of it the rows).
LIST_PAGE_SIZE = 50


def paginate(request: HttpRequest, items, per_page: int = LIST_PAGE_SIZE, *, by_ids: bool = True,
             ) -> tuple[Page, str]:
    """The page of ``items`` the request asks for (``?page=``; a page past the
    end shows the last one, a non-number the first) and the request's other
    parameters as a query string, for the page links to keep the filter and
    search. ``items`` should be ordered: a queryset's count, the page's ids
    and the page's rows are three queries, whatever the number of rows."""
    if by_ids and isinstance(items, QuerySet):
        page = _page_by_ids(items, per_page, request.GET.get("page"))
    else:
        page = Paginator(items, per_page).get_page(request.GET.get("page"))
    # The numbered links: the first and last pages, two either side of this one, "…" between.
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _page_by_ids(items: QuerySet, per_page: int, number) -> Page:
    """The page of ``items``: the ids first, in the queryset's order (the
    sort reads the few columns it orders by, not every joined column of
    every row), then the page's rows whole, by id (a "deferred join": at
    10,000 enrolments 41 ms became a few)."""
    page = Paginator(items.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in items.filter(pk__in=ids).order_by()}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
