import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("DOWNLINE_DATA_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "data"))


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder {DATA} is absent")
    return DATA
