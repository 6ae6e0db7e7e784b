"""Loads the demo programme and one login per role; safe to run again.

Each app that has demo data provides ``<app>.demo.build(context)``; they run
in dependency order (programs, scoring, stipends) and share ``context``.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_APPS = ["programs", "scoring", "stipends"]


class Command(BaseCommand):
    help = "Create the demo programme (synthetic data) and print the demo logins."

    def handle(self, *args, **options):
        context: dict = {}
        with transaction.atomic():
            for app in DEMO_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError:
                    continue
                module.build(context, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("\n演示账号 / demo logins (http://127.0.0.1:8000):"))
        for role, username, password in context.get("logins", []):
            self.stdout.write(f"  {role:<28} {username:<14} {password}")
