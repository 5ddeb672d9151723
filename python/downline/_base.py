"""The base of downline's estimators (private; bottom layer).

Estimators follow lifelines: settings in the constructor, ``fit(...)`` returns the
estimator, results in attributes ending in ``_``, ``plot()`` returns matplotlib Axes.
"""

from __future__ import annotations

import inspect

from .errors import InputError


class NotFittedError(InputError, AttributeError):
    """A fitted attribute (``survival_table_``...) or method asked for before ``fit``: an
    InputError, and an AttributeError so that ``hasattr`` says False (as in lifelines)."""


class Estimator:
    """Settings in the constructor (kept as attributes of the same names), results set by
    ``fit``. Subclasses call :meth:`_fitted` at the end of ``fit`` and say what the fit
    holds in :meth:`_fit_summary`."""

    _is_fitted = False

    def get_params(self) -> dict:
        """The constructor's settings, by name (as scikit-learn names them)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def _fitted(self) -> None:
        self._is_fitted = True

    def _check_fitted(self, what: str = "") -> None:
        if not self._is_fitted:
            raise NotFittedError(f"{type(self).__name__}{'.' + what if what else ''}: call fit(...) first")

    def __getattr__(self, name: str):
        """Only reached for attributes not set: results (``name_``) are set by fit."""
        if name.endswith("_") and not name.startswith("_"):
            self._check_fitted(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _fit_summary(self) -> str:
        return "fitted"

    def __repr__(self) -> str:
        settings = " ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        state = self._fit_summary() if self._is_fitted else "not fitted"
        return f"<{type(self).__name__} {settings}: {state}>" if self._is_fitted else \
            f"<{type(self).__name__} {settings}, {state}>"
