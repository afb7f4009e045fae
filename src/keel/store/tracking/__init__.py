"""Tracking stores: the interface (base.py) and its SQL and REST implementations."""
