"""``python manage.py import_boundaries PATH [--street CODE]``: communities' and grids'
boundaries from a GeoJSON FeatureCollection keyed by area code (grids/boundaries.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grids.boundaries import BoundaryError, import_boundaries, read_geojson
from grids.choices import AreaKind
from grids.models import Area


class Command(BaseCommand):
    help = ("Import the boundaries of communities and grids from a GeoJSON FeatureCollection "
            "(WGS84) whose features carry properties.code and, optionally, "
            "properties.official_code. All or nothing: any refused feature and no area "
            "changes; every refusal is listed.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the GeoJSON file")
        parser.add_argument("--street", help="the code of the street every area must lie in")

    def handle(self, *args, **options):
        street = None
        if options["street"]:
            street = Area.objects.filter(code=options["street"], kind=AreaKind.STREET).first()
            if street is None:
                raise CommandError(f"No street has the code {options['street']}.")
        try:
            raw = options["path"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['path']}: {error.strerror}.") from error
        try:
            data = read_geojson(raw)
        except BoundaryError as error:
            raise CommandError(f"{options['path']}: {error}") from error
        report = import_boundaries(data, actor=None, street=street)
        if report.refusals:
            for refusal in report.refusals:
                self.stderr.write(str(refusal))
            raise CommandError(
                f"{len(report.refusals)} refusals in {report.features} features: "
                "nothing was imported.")
        self.stdout.write(self.style.SUCCESS(
            f"imported the boundaries of {len(report.imported)} areas"))
