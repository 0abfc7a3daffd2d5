"""pytest glue: the combination test reuses tests/integration/harness.py."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))


def pytest_terminal_summary(terminalreporter):
    import runner
    s = runner.STATS
    if s.configs:
        terminalreporter.write_line(
            "combinations: %d configurations, %d requests, %d configtests"
            % (s.configs, s.requests, s.configtests))
