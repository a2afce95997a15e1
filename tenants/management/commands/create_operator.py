"""Create (or promote) an operator account for the /ops/ console."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from tenants.accounts.models import User


class Command(BaseCommand):
    help = "Create an operator account (or make an existing account an operator)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="Asked for when omitted.")
        parser.add_argument("--name", default="")

    def handle(self, *args, email: str, password: str | None, name: str, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an email address: {email}") from exc
        user = User.objects.filter(email=email).first()
        if user is None:
            if not password:
                password = getpass.getpass("Password: ")
            if len(password) < 10:
                raise CommandError("The password must have at least 10 characters.")
            user = User.objects.create_user(email=email, password=password, full_name=name)
            self.stdout.write(f"Created operator {email}")
        else:
            self.stdout.write(f"{email} is now an operator")
        user.is_operator = True
        user.save(update_fields=["is_operator"])
