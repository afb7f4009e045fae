"""Tags captured when a run starts, as MLflow captures them: user, source, git commit and repo."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

USER_TAG = "mlflow.user"
SOURCE_NAME_TAG = "mlflow.source.name"
SOURCE_TYPE_TAG = "mlflow.source.type"
GIT_COMMIT_TAG = "mlflow.source.git.commit"
GIT_BRANCH_TAG = "mlflow.source.git.branch"
GIT_REPO_URL_TAG = "mlflow.source.git.repoURL"
LEGACY_GIT_REPO_URL_TAG = "mlflow.gitRepoURL"
PARENT_RUN_ID_TAG = "mlflow.parentRunId"
NOTE_TAG = "mlflow.note.content"


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def source_name() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    return str(Path(path).resolve()) if path and not path.startswith("-") else "<console>"


def source_type() -> str:
    return "NOTEBOOK" if "ipykernel" in sys.modules else "LOCAL"


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def git_tags(path: Path) -> dict[str, str]:
    """Commit, branch and remote URL of the git work tree holding ``path``; empty outside one."""
    directory = path if path.is_dir() else path.parent
    if not directory.exists():
        return {}
    commit = _git(["rev-parse", "HEAD"], directory)
    if commit is None:
        return {}
    found = {GIT_COMMIT_TAG: commit}
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], directory)
    if branch and branch != "HEAD":
        found[GIT_BRANCH_TAG] = branch
    remote = _git(["config", "--get", "remote.origin.url"], directory)
    if remote:
        found[GIT_REPO_URL_TAG] = remote
        found[LEGACY_GIT_REPO_URL_TAG] = remote
    return found


def default_run_tags() -> dict[str, str]:
    """The tags every new run gets unless the caller sets them."""
    name = source_name()
    tags = {USER_TAG: current_user(), SOURCE_NAME_TAG: name, SOURCE_TYPE_TAG: source_type()}
    if os.environ.get("KEEL_DISABLE_GIT_TAGS") != "1":
        tags.update(git_tags(Path(name) if name != "<console>" else Path.cwd()))
    return tags
