"""Loading a pickled model runs code from its file: the warning keel gives, once per process.

Pickle and cloudpickle files (and skops files whose MLmodel widens the trusted types) can execute
arbitrary code when loaded. Load them only from sources you trust.
"""

from __future__ import annotations

import threading
import warnings


class UntrustedModelWarning(UserWarning):
    """A model was loaded from a format that can run code from the model file (pickle, cloudpickle)."""


_warned = False
_lock = threading.Lock()


def warn_untrusted_format(path: str, serialization_format: str) -> None:
    """Warn, the first time in this process, that loading ``path`` trusts whoever wrote it."""
    global _warned
    with _lock:
        if _warned:
            return
        _warned = True
    warnings.warn(
        f"Loading '{path}' ({serialization_format}) can execute arbitrary code stored in the model "
        "file: only load models from sources you trust. Saving scikit-learn models with "
        "serialization_format='skops' avoids pickle. (Shown once per process.)",
        UntrustedModelWarning,
        stacklevel=3,
    )
