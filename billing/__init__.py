"""Flat Stripe subscriptions, one per association (public schema). Built by the billing issue."""
