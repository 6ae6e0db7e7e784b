"""The programme-wide lists: the enrolment list, the statement list and a
payout batch's items. They page, filter by class and search; their totals
are over the whole batch (or filter); they cost the same number of queries
whatever the number of students; and they never decrypt personal data nor
load a payout item's lines (they show the masked copies kept beside the
ciphertext), for every role that sees them, in every state of a batch."""

import random
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.students import demo as synthetic
from programs.students import views as student_views
from stipends.payouts import services
from stipends.payouts import views as payout_views
from stipends.payouts.models import PayoutItem
from tests.factories import EnrolmentFactory
from trainingweek import crypto

from .conftest import approved_exported, attend, bank_rows, frozen_batch, result_workbook


def enrolments_url(w):
    return f"/programs/{w.programme.pk}/enrolments/"


def statements_url(w):
    return f"/stipends/{w.programme.pk}/students/"


def batch_url(w, batch):
    return f"/stipends/{w.programme.pk}/batches/{batch.pk}/"


@pytest.fixture
def decrypts(monkeypatch):
    """Every decryption of a personal field, and every PayoutItem.lines decoded from a row."""
    seen = {"decrypt": 0, "lines": 0}
    real_decrypt = crypto.decrypt

    def counting_decrypt(token):
        seen["decrypt"] += 1
        return real_decrypt(token)

    monkeypatch.setattr(crypto, "decrypt", counting_decrypt)
    lines = PayoutItem._meta.get_field("lines")
    real_lines = lines.from_db_value

    def counting_lines(value, expression, connection):
        seen["lines"] += 1
        return real_lines(value, expression, connection)

    monkeypatch.setattr(lines, "from_db_value", counting_lines)
    return seen


def _batches(worked, finance2):
    """A computed draft (with its checks), an approved batch, and a reconciled
    batch with a failed transfer whose card was corrected since (the retry panel)."""
    draft = frozen_batch(worked)
    services.delete_draft(batch=draft)
    reconciled = approved_exported(worked, finance2)
    failing = worked.enrolments_b[1]
    assert services.reconcile(batch=reconciled, data=result_workbook(bank_rows(reconciled, fail={failing.pk}))).ok
    services.correct_bank_details(item=reconciled.items.get(enrolment=failing),
                                  bank_card=synthetic.make_bank_card(random.Random(3)), account_holder="",
                                  bank_name="工商银行", bank_branch="", user=worked.finance)
    attend(worked.enrolments_a[0], date(2020, 11, 20), 1)
    approved = frozen_batch(worked, user=finance2)
    services.approve_batch(batch=approved, user=worked.finance, confirmed=True)
    attend(worked.enrolments_a[1], date(2020, 11, 21), 1)
    draft = frozen_batch(worked)
    assert draft.computed_at and draft.items.exists()
    return {"draft": draft, "approved": approved, "reconciled": reconciled}


@pytest.mark.parametrize("role", ["coordinator", "mentor_a", "finance", "admin", "admin_role"])
def test_no_list_page_decrypts_or_loads_lines(worked, finance2, client_for, decrypts, role):
    batches = _batches(worked, finance2)
    client = client_for(getattr(worked, role))
    urls = [enrolments_url(worked), statements_url(worked), f"{enrolments_url(worked)}?q=2&school_class={worked.class_a.pk}"]
    if role in ("finance", "admin", "admin_role"):
        urls += [batch_url(worked, b) for b in batches.values()]
    decrypts.update(decrypt=0, lines=0)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert decrypts == {"decrypt": 0, "lines": 0}, url
    # The pages did show the masked values (from the copies), and a check that decrypts is counted.
    page = client.get(enrolments_url(worked)).content.decode()
    student = worked.enrolments_a[0].student
    assert student.bank_card_masked in page and student.phone_masked in page
    assert student.bank_card not in page
    assert decrypts["decrypt"] == 0
    crypto.decrypt(crypto.encrypt("x"))
    assert decrypts["decrypt"] == 1


def test_the_batch_page_defers_the_account_and_the_lines_of_its_items(worked, finance2, client_for, decrypts):
    batches = _batches(worked, finance2)
    decrypts.update(decrypt=0, lines=0)
    for batch in batches.values():
        response = client_for(worked.finance).get(batch_url(worked, batch))
        items = list(response.context["page"])
        assert items
        for item in items:
            assert {"account", "lines", "tax_detail"} <= item.get_deferred_fields()
        assert decrypts == {"decrypt": 0, "lines": 0}
    # The checks still see what the accounts were (kept beside them): the reconciled batch's retry is ready.
    page = client_for(worked.finance).get(batch_url(worked, batches["reconciled"])).content.decode()
    assert 'data-testid="create-follow-up"' in page


def test_the_drafts_checks_still_find_a_missing_and_a_bad_card_without_decrypting(worked, client_for, decrypts):
    from programs.students.models import Student

    bad, missing = worked.enrolments_a[1].student, worked.enrolments_b[0].student
    Student.objects.filter(pk=missing.pk).update(bank_card="", bank_card_digest="", bank_card_masked="")
    bad.bank_card = "62220200000"  # 11 digits: the rule refuses it; written past the validating writers
    bad.save()
    batch = frozen_batch(worked)
    decrypts.update(decrypt=0, lines=0)
    response = client_for(worked.finance).get(batch_url(worked, batch))
    assert decrypts == {"decrypt": 0, "lines": 0}
    kinds = {f.kind: f.detail for f in response.context["findings"]}
    assert kinds["no_account"] == missing.name and kinds["bad_account"] == bad.name
    assert response.context["blocking"] is True


# --------------------------------------------------------------------------- paging, filter, search
def _more_students(worked, n, school_class=None, team=None):
    return [EnrolmentFactory(programme=worked.programme, school_class=school_class or worked.class_a,
                             team=team or worked.team_a) for _ in range(n)]


def _rows(response, testid):
    return re.findall(rf'data-testid="{testid}"[^>]*data-enrolment="(\d+)"', response.content.decode())


def test_the_enrolment_list_pages_and_the_page_links_keep_filter_and_search(worked, client_for, monkeypatch):
    monkeypatch.setattr(student_views, "PAGE_SIZE", 2)
    extra = _more_students(worked, 3)
    client = client_for(worked.coordinator)
    query = f"school_class={worked.class_a.pk}&q=2"
    response = client.get(f"{enrolments_url(worked)}?{query}")
    page = response.context["page"]
    expected = [e for e in worked.enrolments_a + extra if "2" in e.student.student_number or "2" in e.student.name]
    assert page.paginator.count == len(expected) > 2
    assert all(e.school_class_id == worked.class_a.pk for e in page)
    html = response.content.decode()
    assert f"{len(expected)} rows in all" in html
    next_href = re.search(r'href="\?([^"]+)" data-testid="page-next"', html).group(1).replace("&amp;", "&")
    assert next_href == f"{query}&page=2"
    second = client.get(f"{enrolments_url(worked)}?{next_href}").context["page"]
    in_order = [e.pk for e in sorted(expected, key=lambda e: e.student.student_number)]
    assert [e.pk for e in page] + [e.pk for e in second] == in_order[:4]


def test_the_statement_list_pages_and_computes_the_shown_students_only(worked, client_for, monkeypatch):
    from stipends.payouts import selectors

    monkeypatch.setattr(payout_views, "STATEMENTS_PAGE_SIZE", 2)
    computed = []
    real = selectors.statements
    monkeypatch.setattr(selectors, "statements", lambda programme, ids, *a, **k: computed.append(list(ids))
                        or real(programme, ids, *a, **k))
    client = client_for(worked.coordinator)
    response = client.get(f"{statements_url(worked)}?school_class={worked.class_b.pk}&page=2")
    rows = _rows(response, "statement-row")
    class_b = sorted(worked.enrolments_b, key=lambda e: e.student.student_number)
    assert [int(r) for r in rows] == [class_b[2].pk]
    assert computed == [[class_b[2].pk]]
    html = response.content.decode()
    assert "3 rows in all" in html and f'school_class={worked.class_b.pk}&amp;page=1' in html
    # Its figures are the student's own statement.
    assert "800.00" in html


def test_a_mentor_finds_only_their_teams_students_whatever_the_filter(worked, client_for):
    client = client_for(worked.mentor_a)
    b = worked.enrolments_b[0].student
    for url in (enrolments_url(worked), statements_url(worked)):
        assert client.get(f"{url}?school_class={worked.class_b.pk}").context["page"].paginator.count == 0
        assert client.get(f"{url}?q={b.student_number}").context["page"].paginator.count == 0
        assert client.get(url).context["page"].paginator.count == len(worked.enrolments_a)


def test_a_whole_id_number_or_card_is_found_by_digest_for_finance_only(worked, client_for):
    target = worked.enrolments_b[2]
    student = target.student
    for value in (student.id_number, student.bank_card, student.phone):
        finance = client_for(worked.finance).get(enrolments_url(worked), {"q": value}).context["page"]
        assert [e.pk for e in finance] == [target.pk], value
        # A coordinator sees IDs masked: the search must not tell whose number it is.
        coordinator = client_for(worked.coordinator).get(enrolments_url(worked), {"q": value}).context["page"]
        assert list(coordinator) == [], value


def test_a_batch_page_filters_and_pages_its_items_with_totals_over_the_whole_batch(worked, finance2, client_for,
                                                                                    monkeypatch):
    monkeypatch.setattr(payout_views, "ITEMS_PAGE_SIZE", 2)
    batch = frozen_batch(worked, user=finance2)
    client = client_for(worked.finance)
    response = client.get(batch_url(worked, batch), {"school_class": worked.class_a.pk, "page": 2})
    ctx = response.context
    assert ctx["totals"] == {"count": 6, "gross": D("4900.00"), "tax": D("0.00"), "net": D("4900.00")}
    assert ctx["shown_totals"] == {"count": 3, "gross": D("2500.00"), "tax": D("0.00"), "net": D("2500.00")}
    assert [i.enrolment_id for i in ctx["page"]] == [sorted(worked.enrolments_a,
                                                            key=lambda e: e.student.student_number)[2].pk]
    html = response.content.decode()
    assert 'data-testid="item-count">6<' in html and "3 rows in all" in html
    assert f"school_class={worked.class_a.pk}&amp;page=1" in html
    # Finance finds an item by the card frozen on it (digest), a failed one by status.
    card = worked.enrolments_b[0].student.bank_card
    found = client.get(batch_url(worked, batch), {"q": card}).context["page"]
    assert [i.enrolment_id for i in found] == [worked.enrolments_b[0].pk]
    assert client.get(batch_url(worked, batch), {"status": "failed"}).context["page"].paginator.count == 0


def test_the_items_are_listed_by_the_class_name_and_student_number_frozen_on_them(worked, finance2, client_for,
                                                                                 monkeypatch):
    """Freezing keeps each student's class name and student number on the item
    (what the page and the bank file order by, from the items' own index); the
    order is the one by the class's and student's own columns at the time."""
    monkeypatch.setattr(payout_views, "ITEMS_PAGE_SIZE", 4)
    first = sorted(worked.enrolments_a + worked.enrolments_b,
                   key=lambda e: (e.school_class.name, e.student.student_number, e.pk))
    worked.enrolments_a[1].student.student_number = "0000"  # first of its class, by number not by id
    worked.enrolments_a[1].student.save()
    batch = frozen_batch(worked, user=finance2)
    for item in batch.items.select_related("school_class", "enrolment__student"):
        assert (item.class_name, item.student_number) == (item.school_class.name,
                                                          item.enrolment.student.student_number)
    expected = sorted(worked.enrolments_a + worked.enrolments_b,
                      key=lambda e: (e.school_class.name, e.student.student_number, e.pk))
    assert expected != first  # the renumbering moved a student
    pages = [client_for(worked.finance).get(batch_url(worked, batch), {"page": n}).context["page"] for n in (1, 2)]
    assert [i.enrolment_id for page in pages for i in page] == [e.pk for e in expected]
    # The index gives a page of ids in the listed order: with sorting made the
    # planner's last resort (a tiny table would otherwise be sorted), no Sort is needed.
    with connection.cursor() as cursor:
        sql, params = (batch.items.order_by("class_name", "student_number", "pk").values_list("pk")[:50].query
                       .sql_with_params())
        if connection.vendor == "postgresql":
            off = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
            for setting in off:
                cursor.execute(f"SET {setting} = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            for setting in off:
                cursor.execute(f"RESET {setting}")
            assert "payout_item_listed" in plan and "Sort" not in plan, plan


def test_the_migration_fills_the_listed_order_of_items_frozen_before(worked, finance2):
    import importlib

    from django.apps import apps

    batch = frozen_batch(worked, user=finance2)
    PayoutItem.objects.update(class_name="", student_number="")
    PayoutItem.history.model.objects.update(class_name="", student_number="")
    importlib.import_module("stipends.payouts.migrations.0011_item_listed_order").freeze_the_listed_order(apps, None)
    for item in batch.items.select_related("school_class", "enrolment__student"):
        assert (item.class_name, item.student_number) == (item.school_class.name,
                                                          item.enrolment.student.student_number)
    assert not PayoutItem.history.model.objects.filter(class_name="").exists()


@pytest.mark.parametrize("role", ["other_coordinator", "other_finance", "other_mentor"])
def test_another_organisations_users_get_404_with_any_filter(worked, finance2, client_for, role):
    batch = frozen_batch(worked, user=finance2)
    client = client_for(getattr(worked, role))
    query = {"school_class": worked.class_a.pk, "q": worked.enrolments_a[0].student.student_number, "page": 2}
    for url in (enrolments_url(worked), statements_url(worked), batch_url(worked, batch)):
        assert client.get(url, query).status_code == 404, url


def test_a_class_of_another_programme_filters_nothing_in(worked, client_for):
    from tests.factories import ProgrammeFactory, SchoolClassFactory

    foreign = SchoolClassFactory(programme=ProgrammeFactory(agreement=worked.agreement))
    EnrolmentFactory(programme=foreign.programme, school_class=foreign)
    page = client_for(worked.coordinator).get(enrolments_url(worked), {"school_class": foreign.pk}).context["page"]
    assert {e.programme_id for e in page} == {worked.programme.pk}


# --------------------------------------------------------------------------- query counts
def _queries(django_assert_max_num_queries, client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(url)
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["enrolments", "statements", "batch"])
@pytest.mark.parametrize("query", ["", "?school_class={class_a}&page=2", "?q=2"])
def test_the_lists_cost_the_same_queries_at_any_number_of_students(worked, finance2, client_for,
                                                                   django_assert_max_num_queries, monkeypatch,
                                                                   page, query):
    monkeypatch.setattr(student_views, "PAGE_SIZE", 3)
    monkeypatch.setattr(payout_views, "STATEMENTS_PAGE_SIZE", 3)
    monkeypatch.setattr(payout_views, "ITEMS_PAGE_SIZE", 3)
    client = client_for(worked.finance)

    def url():
        if page == "batch":
            batch = frozen_batch(worked, user=finance2)
            return batch_url(worked, batch) + query.format(class_a=worked.class_a.pk)
        path = enrolments_url(worked) if page == "enrolments" else statements_url(worked)
        return path + query.format(class_a=worked.class_a.pk)

    for e in _more_students(worked, 4) + _more_students(worked, 2, worked.class_b, worked.team_b):
        attend(e, date(2020, 10, 26), 2)
    few = _queries(django_assert_max_num_queries, client, url())
    for e in _more_students(worked, 20) + _more_students(worked, 20, worked.class_b, worked.team_b):
        attend(e, date(2020, 10, 26), 2)
    if page == "batch":
        from tests.factories import delete_batches

        delete_batches()
    assert _queries(django_assert_max_num_queries, client, url()) == few
    assert few <= 30, few
