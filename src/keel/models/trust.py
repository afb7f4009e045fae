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


def warn_untrusted_format(path: str, serialization_format: str, safer: str | None = None) -> None:
    """Warn, the first time in this process, that loading ``path`` trusts whoever wrote it.

    Args:
        safer: how the flavor can save without pickle, e.g. "save with serialization_format='skops'".
    """
    global _warned
    with _lock:
        if _warned:
            return
        _warned = True
    hint = f" To avoid pickle, {safer}." if safer else ""
    warnings.warn(
        f"Loading '{path}' ({serialization_format}) can execute arbitrary code stored in the model "
        f"file: only load models from sources you trust.{hint} (Shown once per process.)",
        UntrustedModelWarning,
        stacklevel=3,
    )
