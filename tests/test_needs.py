"""What a test needs but the machine lacks: a failure under CI=true, a skip elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import corpus, needs


@pytest.mark.parametrize(("ci", "outcome"), [("true", "fail"), ("1", "fail"), ("", "skip")])
def test_a_missing_corpus_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.delenv("REVIEWTOOL_CORPUS", raising=False)
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(corpus, "_DEFAULT", tmp_path / "no-corpus-here")
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected, match="corpus not available"):
        corpus.corpus_dir()


def test_a_wrong_corpus_setting_always_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWTOOL_CORPUS", str(tmp_path / "nowhere"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="is not a directory"):
        corpus.corpus_dir()


def test_missing_send_email_fails_in_ci(monkeypatch):
    monkeypatch.setattr(needs, "send_email_available", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="git send-email is not installed"):
        needs.require_send_email()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="git send-email is not installed"):
        needs.require_send_email()


def test_the_corpus_is_found_through_the_setting(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("REVIEWTOOL_CORPUS", str(tmp_path))
    assert corpus.corpus_dir() == tmp_path.resolve()
