"""The listings backend: table, DAX, app cache, network, functions, user pool and REST API.

``component`` composes the parts; each part has its own module."""
