"""Code every handler shares: event schemas, retry helpers."""
