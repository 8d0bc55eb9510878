"""Hypothesis profiles: `default` for every run (and CI), `long` for the fuzz run by hand:

    .venv/bin/python -m pytest -m fuzz --hypothesis-profile long
"""

from hypothesis import HealthCheck, settings

settings.register_profile("default", settings(deadline=None, derandomize=True))
settings.register_profile("long", settings(max_examples=20_000, deadline=None,
                                           suppress_health_check=list(HealthCheck)))
settings.load_profile("default")
