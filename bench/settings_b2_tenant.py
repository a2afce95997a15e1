"""B2, routed side: Cercle's settings, every middleware kept, URLs replaced by bench.b2_app."""

from cercle.settings import *  # noqa: F403 — the product's settings, unchanged but for URLs

ROOT_URLCONF = "bench.b2_app"
PUBLIC_SCHEMA_URLCONF = "bench.b2_app"
