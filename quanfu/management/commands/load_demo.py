from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, load_users
from grids.demo import load_areas, load_departments
from ledgers.demo import load_archive_files
from meetings.demo import load_meetings
from rhythm.demo import load_rhythm
from risks.demo import load_matters
from supervision.demo import load_supervision, load_supervision_groups


class Command(BaseCommand):
    help = "Load the Quanfu street demo: areas, departments, users, supervision groups."

    def handle(self, *args, **options):
        with transaction.atomic():
            street = load_areas()
            departments = load_departments(street)
            created_users = load_users(street, departments)
            load_supervision_groups(street)
            created_matters = load_matters(street)
            load_rhythm(street)
            load_meetings(street)
            load_archive_files(street)
            load_supervision(street)
        if created_matters:
            self.stdout.write(f"{created_matters} demo matters reported, with their histories.")
        if not created_users:
            self.stdout.write("The demo is already loaded; nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(created_users)} users."))
        self.stdout.write(f"Every demo user's password is {DEMO_PASSWORD}. Some to try:")
        for username in ("admin", "leader", "officer_c01", "grid_c01_g01", "staff_pingan",
                         "supervisor_g1", "api_district"):
            self.stdout.write(f"  {username}")
        self.stdout.write(f"  … {len(created_users)} in all (officer_c01–c15, grid_cNN_gNN).")
