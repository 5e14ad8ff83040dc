"""CrossGuard policy pack; the rules live in ``policy.rules`` as plain functions."""
