"""Exits 0 without a single word."""
