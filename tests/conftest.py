"""Settings shared by the unit and the integration tests."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests: 'ci' is the default; COEXIST_HYPOTHESIS=dev for a quick local loop.
settings.register_profile('ci', deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile('dev', max_examples=50, deadline=None)
settings.load_profile(os.environ.get('COEXIST_HYPOTHESIS', 'ci'))
