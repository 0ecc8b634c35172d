from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import issue_api_token


class Command(BaseCommand):
    help = "Create (or rotate) the REST API token of a user and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="days until it expires")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username, days, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active.")
        token, key = issue_api_token(user, name=name, days=days)
        self.stderr.write(
            f"Token for {username} (expires {token.expires_at:%Y-%m-%d}); "
            "earlier tokens of this user are revoked. The key is shown only now:"
        )
        self.stdout.write(key)
