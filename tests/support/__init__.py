"""Helpers shared by the tests and the benches (`bench/*.py` run from the repository root and import these).

Everything a test reads lives in the repository: `FIXTURES` is `tests/fixtures/`.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SAMPLES = FIXTURES / "samples"
STANDARD = FIXTURES / "T-CPQS-ZC001-2025.md"
