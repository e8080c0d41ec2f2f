"""The house's layers hold: import-linter's contracts (pyproject.toml) pass.

Run in the suite as well as in `make lint`, so CI fails on an import that runs
up the layers (ARCHITECTURE.md) even when only the tests are run.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - the venv's own command, fixed arguments
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
