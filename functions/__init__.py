"""Lambda handlers, one package per function, plus ``shared`` helpers they all use."""
