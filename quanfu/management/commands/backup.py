"""``python manage.py backup``: the database and the media folder in one bundle."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quanfu.backup import BackupError, create_backup, prune_backups


class Command(BaseCommand):
    help = ("Back up the database (pg_dump custom format, or a SQLite snapshot) and the media "
            "folder into a bundle with a manifest (row counts, sha256). Default: a "
            "timestamped folder in BACKUP_DIR.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path,
                            help="the bundle folder to create (must not exist)")
        parser.add_argument("--keep", type=int,
                            help="afterwards keep only the newest N bundles in BACKUP_DIR")

    def handle(self, *args, **options):
        try:
            bundle = create_backup(output=options["output"])
            removed = prune_backups(options["keep"]) if options["keep"] else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = bundle.manifest
        self.stdout.write(f"{manifest['engine']} database {manifest['database']}, "
                          f"{manifest['media_files']} media files")
        for name, info in manifest["files"].items():
            self.stdout.write(f"  {name}: {info['bytes']:,} bytes, sha256 {info['sha256']}")
        counts = manifest["row_counts"]
        self.stdout.write("  " + ", ".join(
            f"{table} {counts[table]:,}" for table in ("risks_risk", "risks_riskevent")
            if table in counts))
        for path in removed:
            self.stdout.write(f"removed the old backup {path}")
        self.stdout.write(self.style.SUCCESS(f"backup written to {bundle.path}"))
