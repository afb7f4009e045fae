"""Registry input rules, as MLflow's server applies them, checked before anything is written."""

from __future__ import annotations

import posixpath
import re

from keel.errors import InvalidParameter
from keel.store.tracking import validation as v

MAX_REGISTRY_TAG_KEY_LENGTH = 250
MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000
MAX_ALIAS_LENGTH = 255
MAX_NAME_LENGTH = 256
MAX_DESCRIPTION_LENGTH = 100_000
SEARCH_REGISTERED_MODELS_DEFAULT = 100
SEARCH_REGISTERED_MODELS_MAX = 1000
SEARCH_MODEL_VERSIONS_DEFAULT = 10_000
SEARCH_MODEL_VERSIONS_MAX = 200_000

_ALIAS = re.compile(r"^[\w\-]*$")
_DIGITS = re.compile(r"[0-9]{1,10}")
MAX_VERSION = 2**31 - 1
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")
LATEST_ALIAS = "latest"


def validate_model_name(name: object, field: str = "name") -> str:
    """Non-empty, no '/' or ':', and a clean relative path (the name becomes part of URIs)."""
    if not isinstance(name, str) or name.strip() == "":
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    v.validate_string(field, name)
    if "/" in name or ":" in name:
        raise InvalidParameter(f"Invalid model name '{name}'. Names cannot contain '/' or ':'.")
    if posixpath.normpath(name) != name or name.startswith(".."):
        raise InvalidParameter(f"Invalid value '{name}' for parameter '{field}': names must be normalised.")
    return v.validate_length(f"Registered model name '{name[:50]}'", name, MAX_NAME_LENGTH)


def parse_version_number(version: object) -> int | None:
    """A version number (1 to 2**31-1, as an int or decimal digits), else None."""
    if isinstance(version, bool):
        return None
    text = str(version).strip() if isinstance(version, int | str) else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_VERSION else None


def validate_version(version: object) -> int:
    """A version number: a positive integer, given as a number or a numeric string."""
    number = parse_version_number(version)
    if number is None:
        raise InvalidParameter(f"Parameter 'version' must be a positive integer, got '{version}'.")
    return number


def validate_registry_tag(key: object, value: object) -> None:
    v.validate_key("Tag", key)
    v.validate_length("Tag key", str(key), MAX_REGISTRY_TAG_KEY_LENGTH)
    if value is None:
        raise InvalidParameter(f"Missing value for tag '{key}'.")
    v.validate_string(f"Tag '{key}' value", value)
    v.validate_length(f"Tag '{key}' value", str(value), MAX_REGISTRY_TAG_VALUE_LENGTH)


def validate_alias(alias: object) -> str:
    """MLflow's rule for naming an alias: ``[\\w-]``, at most 255 characters."""
    if not isinstance(alias, str) or alias == "":
        raise InvalidParameter("Registered model alias name cannot be empty.")
    if not _ALIAS.match(alias):
        raise InvalidParameter(
            f"Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_) "
            "and dashes (-)."
        )
    return v.validate_length("Registered model alias name", alias, MAX_ALIAS_LENGTH)


def validate_new_alias(alias: object) -> str:
    """An alias to set: ``latest`` and ``v<digits>`` are reserved (they name versions already)."""
    alias = validate_alias(alias)
    if alias.lower() == LATEST_ALIAS:
        raise InvalidParameter("'latest' alias name (case insensitive) is reserved.")
    if _VERSION_ALIAS.match(alias):
        raise InvalidParameter(f"Version alias name '{alias}' is reserved.")
    return alias


def validate_description(description: object) -> str | None:
    if description is None:
        return None
    v.validate_string("description", description)
    return v.validate_length("description", str(description), MAX_DESCRIPTION_LENGTH)
