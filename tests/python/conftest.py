import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("DOWNLINE_DATA_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "data"))


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder {DATA} is absent")
    return DATA


def pytest_sessionstart(session):
    # ./dev.sh sanitize runs this suite on a sanitized build of downline._core: make sure
    # that build, not the regular one, is the module under test.
    want = os.environ.get("DOWNLINE_EXPECT_CORE")
    if want:
        import downline

        got = Path(downline._core.__file__).resolve()
        if Path(want).resolve() not in got.parents:
            raise pytest.UsageError(f"downline._core is {got}, expected a module under {want}")
