"""downline: analytics for direct-selling (network-marketing) companies.

Downline volume rollups, compensation plans, segmentation and retention for every participant of a sponsor
network at once, computed in a C++ core (``downline._core``).

>>> import downline as dl
>>> participants, orders = dl.sample(10_000)
>>> net = dl.Network.from_frame(participants, enrolled_on="enrolled_on")
>>> vol = net.volumes(orders, start="2023-01-01", end="2023-02-01")
"""

from __future__ import annotations

from . import _core
from ._convert import whole_number
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .network import Activity, Network
from .readers import read_company_files, read_orders, read_participants
from . import segment  # noqa: F401  (dl.segment: the default tiers and RFM segments)
from .sample import sample
from .types import TYPES, participant_types
from .movements import Movements, movements
from .segment import Lifecycle, Migration, lifecycle, migration, order_summary, rfm, rfm_summary
from .survival import KaplanMeier, LogrankResult, logrank_test
from .retention import churn
from .cohort import CohortRetention, cohort_retention
from .plan import Comparison, CompensationPlan, Evaluation, Run, compare_plans
from . import plots  # noqa: F401  (attaches the results' plot methods)

__version__: str = _core.__version__


def set_num_threads(n: int) -> None:
    """Sets how many threads downline's parallel steps use (building a network, mapping
    orders), from 1 to 1024. ``0`` restores the default: the ``DOWNLINE_NUM_THREADS``
    environment variable when it holds a whole number from 1 to 1024 (other values are
    ignored with a warning on stderr), else every core. Results are identical whatever
    the setting; a call already running keeps the count it started with."""
    _core.set_num_threads(whole_number(n, "set_num_threads: n", 0, _core.max_threads))


def num_threads() -> int:
    """How many threads downline's parallel steps use."""
    return int(_core.num_threads())

__all__ = [
    "Activity",
    "CohortRetention",
    "Comparison",
    "CompensationPlan",
    "Evaluation",
    "DroppedRowsWarning",
    "InputError",
    "KaplanMeier",
    "Lifecycle",
    "LogrankResult",
    "Migration",
    "Movements",
    "Run",
    "Network",
    "TYPES",
    "UnknownIdError",
    "__version__",
    "churn",
    "cohort_retention",
    "compare_plans",
    "lifecycle",
    "logrank_test",
    "migration",
    "movements",
    "num_threads",
    "order_summary",
    "participant_types",
    "read_company_files",
    "read_orders",
    "read_participants",
    "rfm",
    "rfm_summary",
    "sample",
    "set_num_threads",
]
