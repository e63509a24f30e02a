"""Puts this folder on sys.path, so the tests here import their shared helpers (emulator_helpers.py).

pytest's default import mode does so already; this keeps the import working under
--import-mode=importlib too. The helpers are a module of their own, not this conftest: there is a
conftest.py in tests/ as well, and `from conftest import ...` would get whichever came first.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
