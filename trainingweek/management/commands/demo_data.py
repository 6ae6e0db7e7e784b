"""Loads the demo programme and one login per role; safe to run again.

Every installed app of ours may have a ``demo`` module with
``build(context, log)``; they run in the order of ``INSTALLED_APPS``, which is
the dependency order (agreements and students first, settlement last), and
share ``context``.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

PROJECT_PACKAGES = ("trainingweek", "programs", "scoring", "stipends")


def demo_modules() -> list[str]:
    """The ``<app>.demo`` modules of the project's own apps, in dependency order."""
    names = []
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in PROJECT_PACKAGES:
            continue  # Django's and third-party apps
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is not None:
            names.append(name)
    return names


class Command(BaseCommand):
    help = "Create the demo programme (synthetic data) and print the demo logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for name in demo_modules():
                importlib.import_module(name).build(context, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("\n演示账号 / demo logins (http://127.0.0.1:8000):"))
        for role, username, password in context.get("logins", []):
            self.stdout.write(f"  {role:<28} {username:<14} {password}")
