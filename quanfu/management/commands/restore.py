"""``python manage.py restore PATH``: a bundle written by ``backup`` back into a database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from quanfu.backup import BackupError, database_from_target, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup bundle: checks its sha256 first, refuses a non-empty database "
            "unless --yes, restores the database and the media folder, then compares the row "
            "counts with the manifest. Stop the web and worker processes first.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the bundle folder")
        parser.add_argument("--into", dest="into",
                            help="restore into this database instead of the configured one: "
                                 "postgres://… or, for a SQLite backup, a file path")
        parser.add_argument("--media-root", type=Path,
                            help="restore the media files here instead of MEDIA_ROOT")
        parser.add_argument("--yes", action="store_true",
                            help="overwrite a database that already holds tables")

    def handle(self, *args, **options):
        connections.close_all()  # no session of ours holds the tables being replaced
        try:
            report = restore_backup(options["path"],
                                    database=database_from_target(options["into"]),
                                    media_root=options["media_root"],
                                    overwrite=options["yes"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored into {report.target}; {report.media_files} media files")
        width = max((len(table) for table, _expected, _found in report.counts), default=10)
        for table, expected, found in report.counts:
            mark = "ok" if expected == found else "MISMATCH"
            self.stdout.write(f"  {table:<{width}} {expected:>10,} {found:>10,}  {mark}")
        if report.mismatches:
            raise CommandError(
                "The restored row counts differ from the backup's manifest for: "
                + ", ".join(table for table, _expected, _found in report.mismatches))
        self.stdout.write(self.style.SUCCESS(
            f"every row count matches the manifest ({len(report.counts)} tables)"))
