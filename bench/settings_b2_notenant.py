"""B2, baseline side: the routed side's settings without the tenant routing middleware."""

from bench.settings_b2_tenant import *  # noqa: F403

ROUTING_MIDDLEWARE = "tenants.routing.AssociationRoutingMiddleware"
MIDDLEWARE = [m for m in MIDDLEWARE if m != ROUTING_MIDDLEWARE]  # noqa: F405
