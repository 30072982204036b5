from hypothesis import settings

pytest_plugins = ["sportello.testing"]

# No timed assertions (DESIGN.md §7): hypothesis's per-example deadline is one, and it fails
# at random on a loaded CI machine.
settings.register_profile("sportello", deadline=None)
settings.load_profile("sportello")
