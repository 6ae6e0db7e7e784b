"""Real sessions against a real server on the loopback: each ``GridSession`` is
one person's logged-in ``requests.Session``; ``together`` runs one function
per session in its own thread, all released at once after a barrier.

Bounded by construction: a fixed number of threads and requests, 127.0.0.1
only, timeouts on every request."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.factories import PASSWORD
from tests.grid_forms import form_fields

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 60


class GridSession:
    """One person in one browser tab, without JavaScript: it posts every field of the form."""

    def __init__(self, base_url: str):
        assert base_url.startswith(("http://127.0.0.1:", "http://localhost:")), base_url
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "zh-hans"

    def login(self, username: str, password: str = PASSWORD) -> "GridSession":
        page = self.http.get(f"{self.base}/accounts/login/", timeout=TIMEOUT)
        token = CSRF.search(page.text)[1]
        response = self.http.post(f"{self.base}/accounts/login/", timeout=TIMEOUT, allow_redirects=False, data={
            "csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Referer": f"{self.base}/accounts/login/"})
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return self

    def form(self, path: str, form_id: str) -> dict[str, str]:
        response = self.http.get(self.base + path, timeout=TIMEOUT)
        assert response.status_code == 200, response.status_code
        return form_fields(response.text, form_id)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self.http.post(self.base + path, data=data, timeout=TIMEOUT, allow_redirects=False,
                              headers={"Referer": self.base + path})


def together(functions: list) -> list:
    """Run each ``function(start)`` in its own thread; ``start()`` is a barrier
    the function calls right before its save, so the saves overlap. Returns
    the results in order (an exception in any thread is raised here)."""
    barrier = threading.Barrier(len(functions), timeout=TIMEOUT)
    with ThreadPoolExecutor(max_workers=len(functions)) as pool:
        futures = [pool.submit(f, barrier.wait) for f in functions]
        return [f.result(timeout=TIMEOUT * 4) for f in futures]
