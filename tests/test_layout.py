"""The shape of the project: what lives in the public schema and what in each association's."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import models

ROOT = Path(__file__).resolve().parents[1]


def app_config(name: str) -> AppConfig:
    return next(config for config in apps.get_app_configs() if config.name == name)


def ours(config: AppConfig) -> bool:
    return Path(config.path).resolve().is_relative_to(ROOT)


def tenant_only_configs() -> list[AppConfig]:
    """Apps whose tables exist only in associations' schemas."""
    return [app_config(name) for name in settings.TENANT_APPS if name not in settings.SHARED_APPS]


def public_only_models() -> set[type[models.Model]]:
    names = [name for name in settings.SHARED_APPS if name not in settings.TENANT_APPS]
    return {model for name in names for model in app_config(name).get_models()}


def test_platform_is_not_a_package() -> None:
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def shared_apps_packages() -> list[str]:
    return sorted(
        f"shared_apps.{path.parent.name}" for path in (ROOT / "shared_apps").glob("*/apps.py")
    )


def test_shared_apps_are_tenant_apps() -> None:
    packages = shared_apps_packages()
    assert "shared_apps.members" in packages and "shared_apps.workspace" in packages
    assert not [app for app in settings.SHARED_APPS if app.startswith("shared_apps")]
    for package in packages:
        assert package in settings.TENANT_APPS, f"{package} must be in TENANT_APPS"
    assert set(settings.INSTALLED_APPS) == set(settings.SHARED_APPS) | set(settings.TENANT_APPS)


def test_tenant_models_use_big_auto_primary_keys() -> None:
    checked = []
    for config in tenant_only_configs():
        if not ours(config):
            continue  # e.g. django.contrib.sessions: not ours to shape
        for model in config.get_models():
            pk = model._meta.pk
            # Anonymous rows (survey responses, ballots) use random UUID keys on purpose:
            # sequential ids would reveal the order in which members answered.
            if isinstance(pk, models.UUIDField) and pk.default is uuid.uuid4:
                checked.append(model._meta.label)
                continue
            assert isinstance(pk, models.BigAutoField), (
                f"{model._meta.label} must use a BigAutoField primary key"
            )
            checked.append(model._meta.label)
    assert "members.Membership" in checked


def test_tenant_models_reference_only_the_user_in_public() -> None:
    public = public_only_models()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    assert user_model in public
    to_public: list[str] = []
    for config in tenant_only_configs():
        for model in config.get_models(include_auto_created=True):
            for field in model._meta.get_fields(include_hidden=True):
                if not field.is_relation or not field.concrete or field.related_model is None:
                    continue
                target = field.related_model
                if target in public:
                    assert target is user_model, (
                        f"{model._meta.label}.{field.name} points to {target._meta.label} in "
                        "the public schema; only the account may be referenced"
                    )
                    # A database constraint per reference would hang two triggers on the
                    # accounts table per schema: creating an association would slow down as
                    # associations grow (B1), and a schema could not move alone.
                    assert field.db_constraint is False, (
                        f"{model._meta.label}.{field.name} must not carry a database "
                        "constraint to the public schema (db_constraint=False)"
                    )
                    to_public.append(f"{model._meta.label}.{field.name}")
    assert "members.Membership.user" in to_public


def test_only_the_gateway_imports_stripe() -> None:
    """Every Stripe call goes through billing/stripe_gateway.py (timeouts, retries, keys)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pattern = re.compile(r"^\s*(import stripe\b|from stripe\b)", re.MULTILINE)
    offenders = [
        str(path.relative_to(root))
        for folder in ("platform", "tenants", "billing", "shared_apps")
        for path in (root / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["billing/stripe_gateway.py"]
