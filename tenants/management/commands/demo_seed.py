"""Create the demo association with a board administrator and a few members (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from shared_apps.members.models import Membership, Role
from shared_apps.members.services import membership_create
from tenants.accounts.models import User
from tenants.demo_content import demo_content_create
from tenants.models import Association
from tenants.services import association_provision, workspace_url

DEMO_PASSWORD = "cercle-demo-2026"
PEOPLE = [
    ("presidente@demo.cercle.test", "Claire Martin", Role.BOARD, "Présidente"),
    ("tresorier@demo.cercle.test", "Karim Benali", Role.BOARD, "Trésorier"),
    ("salariee@demo.cercle.test", "Sophie Laurent", Role.STAFF, "Coordinatrice"),
    ("benevole@demo.cercle.test", "Lucas Petit", Role.VOLUNTEER, ""),
    ("adherente@demo.cercle.test", "Marie Dubois", Role.MEMBER, ""),
]


class Command(BaseCommand):
    help = "Create the demo association 'demo' with members in every role."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = []
            for email, name, _role, _title in PEOPLE:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email=email, password=DEMO_PASSWORD, full_name=name
                    )
                users.append(user)
            association = Association.objects.filter(slug="demo").first()
            if association is None:
                association = association_provision(
                    name="Les Amis du Quartier", slug="demo", owner=users[0]
                )
            with tenant_context(association):
                for user, (_email, _name, role, title) in zip(users, PEOPLE, strict=True):
                    if not Membership.objects.filter(user=user).exists():
                        membership_create(user=user, role=role, title=title)
                    Membership.objects.filter(user=user).update(title=title)
        # In the association's schema around its own transaction: what the services do after
        # commit (notifications, emails) then runs in that schema too.
        with tenant_context(association), transaction.atomic():
            filled = demo_content_create(user_ids=[user.pk for user in users])
        self.stdout.write(self.style.SUCCESS(f"Demo association: {workspace_url(association)}"))
        if filled:
            self.stdout.write("  (with news, a discussion, events, polls, a survey and feedback)")
        for email, _name, role, title in PEOPLE:
            label = f"{role}, {title}" if title else role
            self.stdout.write(f"  {email:32} {DEMO_PASSWORD}  ({label})")
