"""What request handlers reach: the stores the server opened at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keel.store.artifacts.base import ArtifactRepository
    from keel.store.registry.base import RegistryStore
    from keel.store.registry.webhooks import WebhookStore
    from keel.store.tracking.base import TrackingStore


@dataclass(frozen=True)
class Stores:
    tracking: TrackingStore
    registry: RegistryStore
    artifacts: ArtifactRepository | None
    """The proxied artifact root (``--artifacts-destination``); None when artifacts are not served."""
    artifacts_destination: str
    webhooks: WebhookStore | None = None
