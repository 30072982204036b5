pytest_plugins = ["sportello.testing"]
