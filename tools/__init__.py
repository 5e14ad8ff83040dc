"""Developer commands: offline preview and the mock runtime behind it."""
