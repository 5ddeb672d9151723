"""downline: analytics for direct-selling (network-marketing) companies.

Downline volume rollups, segmentation and retention for every participant of a sponsor
network at once, computed in a C++ core (``downline._core``).

>>> import downline as dl
>>> participants, orders = dl.sample(10_000)
>>> net = dl.Network.from_frame(participants, enrolled_on="enrolled_on")
>>> vol = net.volumes(orders, start="2023-01-01", end="2023-02-01")
"""

from __future__ import annotations

from . import _core
from .errors import DroppedRowsWarning, InputError, UnknownIdError
from .network import Activity, Network
from .sample import sample

__version__: str = _core.__version__

__all__ = [
    "Activity",
    "DroppedRowsWarning",
    "InputError",
    "Network",
    "UnknownIdError",
    "__version__",
    "sample",
]
