"""CrossGuard policy pack; the rules live in ``policy.rules`` as plain functions.

This directory is the whole pack (``PulumiPolicy.yaml``, ``requirements.txt``, the rules, the
cost model and its price table): nothing in it imports the rest of the project.
"""

# PulumiPolicy.yaml's `version:` is the one the Pulumi CLI publishes; a test keeps them equal.
__version__ = "0.1.0"
