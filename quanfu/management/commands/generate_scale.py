"""``python manage.py generate_scale``: a synthetic city-scale register for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from quanfu.scale import PRESETS, ScaleError, Size, generate


class Command(BaseCommand):
    help = ("Write a synthetic register (areas, people, matters, events, warnings, meetings) "
            "with PostgreSQL COPY. Presets: city (1,000,000 matters), district (200,000), "
            "street (100,000); explicit sizes override the preset.")

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="street")
        parser.add_argument("--streets", type=int)
        parser.add_argument("--communities-per-street", type=int)
        parser.add_argument("--grids-per-community", type=int)
        parser.add_argument("--microgrids-per-grid", type=float,
                            help="an average; 3.34 gives 100,000 micro-grids for 30,000 grids")
        parser.add_argument("--matters", type=int)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--append", "--force", action="store_true", dest="append",
                            help="add to a database that already holds matters")

    def handle(self, *args, **options):
        size = Size.from_preset(
            options["preset"], streets=options["streets"],
            communities_per_street=options["communities_per_street"],
            grids_per_community=options["grids_per_community"],
            microgrids_per_grid=options["microgrids_per_grid"], matters=options["matters"],
            seed=options["seed"])
        self.stdout.write(
            f"generating {size.streets:,} streets × {size.communities_per_street} communities × "
            f"{size.grids_per_community} grids × {size.microgrids_per_grid} micro-grids, "
            f"{size.matters:,} matters (seed {size.seed})")
        try:
            report = generate(size, append=options["append"], stdout=self.stdout)
        except ScaleError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{count:,} {name}" for name, count in report.counts.items())
        self.stdout.write(self.style.SUCCESS(
            f"wrote {counts} in {report.total_seconds:.1f} s"))
