"""What some tests need from the machine (the shared corpus, git send-email): under CI
(`CI=true`), which must run every test, its absence is a failure; on a user's clone a skip
that says what is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(what: str) -> NoReturn:
    """Stop the test: `what` is not available here."""
    if in_ci():
        pytest.fail(f"{what}; CI=true, so this test must run", pytrace=False)
    pytest.skip(what)


def send_email_available() -> bool:
    if shutil.which("git") is None:
        return False
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout
    return (Path(exec_path.strip()) / "git-send-email").exists()


def require_send_email() -> None:
    if not send_email_available():
        missing("git send-email is not installed (Debian: git-email)")
