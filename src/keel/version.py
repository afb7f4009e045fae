"""The keel release, kept apart so anything can read it without importing the package API."""

__version__ = "0.1.0"
