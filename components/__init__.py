"""The stack's ComponentResources, one module per capability, plus config."""
