"""Refusals and failures answer in the user's language with a way back."""

from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error


def test_404_is_chinese_with_a_way_home(world, client_for):
    response = client_for(world.coordinator).get("/programs/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "此页面不存在" in html and 'data-testid="error-home"' in html and f'href="{reverse("home")}"' in html
    assert 'data-testid="current-user"' in html  # the menu is still there to go elsewhere


def test_403_is_chinese_and_says_why(world, client_for):
    response = client_for(world.mentor_a).get(reverse("programs:programme_edit", kwargs={"pk": world.programme.pk}))
    html = response.content.decode()
    assert response.status_code == 403
    assert "您无权执行此操作" in html and 'data-testid="error-home"' in html


def test_403_in_english_for_a_user_who_chose_english(world, client_for, settings):
    client = client_for(world.mentor_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("programs:programme_edit", kwargs={"pk": world.programme.pk})).content.decode()
    assert "You may not do this" in html


def test_expired_form_is_explained(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 403 and "表单已过期" in response.content.decode()


def test_500_renders_without_a_request_context_or_database():
    # No db fixture: any query would raise, as it would with the database down.
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "服务器出了问题" in html and 'href="/"' in html


def test_pages_carry_the_favicon(world, client_for):
    html = client_for(world.coordinator).get(reverse("home"), follow=True).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
