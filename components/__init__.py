"""The stack's ComponentResources, one package per capability.

``config`` reads and validates the stack's settings; ``blocks`` holds what every capability is
built from; ``platform`` the providers, keys, StackContext, bus, topics and audit log; and
``backend``, ``edge``, ``analytics``, ``alerting``, ``security``, ``cost`` and ``observability``
each compose one capability in their ``component`` module.
"""
