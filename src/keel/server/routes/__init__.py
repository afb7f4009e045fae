"""REST endpoints grouped by resource; each module exports ``ENDPOINTS``."""
