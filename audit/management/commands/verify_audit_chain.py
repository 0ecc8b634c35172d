"""``python manage.py verify_audit_chain``: walk the audit log's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from audit import chain


class Command(BaseCommand):
    help = ("Check every entry of the audit log against its hash and the entry before it, "
            "in batches (memory stays flat). Prints 'chain intact, N entries' and how many "
            "wait to be sealed, or names the first broken entry and exits with status 1.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000,
                            help="entries read per query (default 2000)")
        parser.add_argument("--seal", action="store_true",
                            help="seal the entries waiting for the sealer first")

    def handle(self, *args, **options):
        if options["seal"]:
            self.stdout.write(f"sealed {chain.seal()} entries")
        result = chain.verify(batch_size=max(1, options["batch_size"]))
        if not result.intact:
            raise CommandError(f"chain broken at seq {result.broken.seq}: "
                               f"{result.broken.reason} ({result.entries} entries before it "
                               "verified)", returncode=1)
        waiting = (f"; {result.unsealed} entries wait to be sealed, the oldest written "
                   f"{result.oldest_unsealed_at.isoformat()}" if result.unsealed else "")
        if result.entries == 0:
            self.stdout.write(f"chain intact, 0 entries{waiting}")
            return
        self.stdout.write(self.style.SUCCESS(
            f"chain intact, {result.entries} entries (seq {result.first_seq} to "
            f"{result.last_seq}; last hash {result.last_hash}){waiting}"))
