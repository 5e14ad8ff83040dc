"""Scripts of the stack's Systems Manager Automation runbooks (``aws:executeScript`` steps).

Each module has a ``handler(events, context)`` the way ``aws:executeScript`` calls it; the
stack bundles the module's source into its document (``components/automation/scripts.py``).
Standard library, boto3 and pure ``functions.*`` modules only: the Automation runtime has
nothing else.
"""
