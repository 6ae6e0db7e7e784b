"""Loads the demo programme and one login per role; safe to run again.

Each module in DEMO_MODULES provides ``build(context, log)``; they run in
dependency order (programs, scoring, stipends) and share ``context``.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = [
    "programs.demo",
    "programs.demo_rosters",
    "programs.demo_settlement",
    "scoring.demo",
    "stipends.demo",
]


class Command(BaseCommand):
    help = "Create the demo programme (synthetic data) and print the demo logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue  # that area has no demo data yet
                module.build(context, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("\n演示账号 / demo logins (http://127.0.0.1:8000):"))
        for role, username, password in context.get("logins", []):
            self.stdout.write(f"  {role:<28} {username:<14} {password}")
