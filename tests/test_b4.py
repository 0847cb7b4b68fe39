"""reviewtool under the real b4 0.16 (the test extra installs it): `b4 am --check` and
`b4 prep --check` run our per-patch command, b4 review's parser reads our b4-json, b4 takes
from a work tree's `.b4-config` only the key docs/integrations.md says it does, and b4
review takes in the files `reviewtool b4-agent` writes as its review agent.

The configuration lines are read from docs/integrations.md, so the doc shows what runs here.
Everything is hermetic: HOME, XDG dirs and git's global config point into tmp_path, b4 runs
with --offline-mode, and `reviewtool` on PATH is a shim that runs this checkout with the
interpreter running the tests. Skipped only where b4 cannot be imported, and failed then
under CI=true."""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "integrations.md"
SEED = ROOT / "examples" / "anon-vma-v2"
MBOX = SEED / "anon-vma-v2.mbox"
PATCHES = sorted((SEED / "format-patch").glob("v2-000[1-9]-*.patch"))
KEYS = ("am-perpatch-check-cmd", "prep-perpatch-check-cmd", "review-perpatch-check-cmd")
LEAK = "[LK001]"  # patch 1/8 takes anon_vma_lock_write() in a loop and never releases it
AGENT_KEY = "review-agent-command"


@pytest.fixture(scope="module")
def b4():
    """b4 and its review checks module; a reasoned skip where b4 is not installed (a failure
    under CI, which installs the test extra)."""
    try:
        module = importlib.import_module("b4")
        importlib.import_module("b4.review.checks")
    except ImportError as exc:
        reason = f"b4 cannot be imported ({exc}): pip install -e '.[test]' installs b4 0.16"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(reason)
        pytest.skip(reason)
    return module


# ---------------------------------------------------------------- the doc's lines


def _b4_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## b4\n")
    return text[start : text.index("\n## ", start + 1)]


def doc_git_config_lines() -> dict[str, str]:
    """key -> the doc's `git config b4.KEY "reviewtool ..."` line, exactly as printed."""
    lines: dict[str, str] = {}
    for line in _b4_section().splitlines():
        match = re.fullmatch(r'    (git config b4\.([a-z-]+) "reviewtool [^"]+")', line)
        if match:
            assert match.group(2) not in lines, f"two reviewtool lines for {match.group(2)}"
            lines[match.group(2)] = match.group(1)
    return lines


def doc_b4_config() -> str:
    """The doc's `.b4-config` block (the indented block that starts with `[b4]`)."""
    block: list[str] = []
    for line in _b4_section().splitlines():
        if line == "    [b4]" or (block and line.startswith("    ")):
            block.append(line[4:])
        elif block:
            break
    return "\n".join(block) + "\n"


def doc_checkpatch_line() -> str:
    """The doc's `git config --add` line that keeps checkpatch next to ours."""
    (line,) = re.findall(
        r'^    (git config --add b4\.prep-perpatch-check-cmd "[^"]+")$', _b4_section(), re.M
    )
    return line


def _command(git_config_line: str) -> str:
    return shlex.split(git_config_line)[-1]


def test_doc_gives_one_reviewtool_line_per_b4_hook() -> None:
    lines = doc_git_config_lines()
    assert sorted(lines) == sorted((*KEYS, AGENT_KEY))
    assert _command(lines[AGENT_KEY]) == "reviewtool b4-agent"
    assert _command(lines["am-perpatch-check-cmd"]) == "reviewtool check --format b4 -"
    assert _command(lines["prep-perpatch-check-cmd"]) == "reviewtool check --format b4 -"
    assert _command(lines["review-perpatch-check-cmd"]) == "reviewtool check --format b4-json -"
    assert doc_b4_config() == "[b4]\n    prep-perpatch-check-cmd = reviewtool check --format b4 -\n"


# ---------------------------------------------------------------- a hermetic b4


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Everything b4 and git read or write lives under tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Rita Reviewer\n\temail = rita@example.net\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "reviewtool"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m reviewtool "$@"\n')
    shim.chmod(0o755)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))},
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONIOENCODING": "utf-8",
    }


def _enter(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run b4 in this process with env as its environment (restored after the test)."""
    for name in [k for k in os.environ if k.startswith(("GIT_", "XDG_")) and k not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _b4(repo: Path, env: dict[str, str], *args: str) -> str:
    """`b4 --offline-mode ARGS` in repo; its log (stdout and stderr, in order)."""
    result = subprocess.run(
        [sys.executable, "-m", "b4.command", "--offline-mode", *args],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


def _flags(b4) -> dict[str, str]:
    """b4's coloured status dots back to its flag names."""
    return {mark: flag for flag, mark in b4.CI_FLAGS_FANCY.items()}


def _am_checks(b4, log: str) -> dict[int, list[tuple[str, str]]]:
    """`b4 am --check`'s per-patch check lines: patch number -> [(flag, text)]."""
    flags = _flags(b4)
    checks: dict[int, list[tuple[str, str]]] = {}
    patch = 0
    for line in log.splitlines():
        header = re.match(r"  \[PATCH v2 (\d+)/8\]", line)
        if header:
            patch = int(header.group(1))
            checks[patch] = []
            continue
        for mark, flag in flags.items():
            if patch and line.startswith(f"    {mark} "):
                checks[patch].append((flag, line[len(mark) + 5 :]))
    return checks


# ---------------------------------------------------------------- b4 am --check


def test_b4_am_check_runs_our_command_from_git_config(b4, tmp_path: Path, env) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    _git(repo, env, *shlex.split(doc_git_config_lines()["am-perpatch-check-cmd"])[1:])
    log = _b4(repo, env, "am", "--check", "-o", str(tmp_path / "out"), "-m", str(MBOX))

    checks = _am_checks(b4, log)
    assert sorted(checks) == list(range(1, 9)), log
    ((flag, text),) = checks[1]
    assert flag == "fail" and text.startswith("reviewtool: mm/rmap.c:") and LEAK in text
    assert "ERROR: anon_vma_lock_write(anon_vma)" in text
    for patch in range(2, 9):
        assert checks[patch] == [("success", "reviewtool: passed all checks")], (patch, log)


def test_b4_am_ignores_am_check_cmd_in_b4_config(b4, tmp_path: Path, env) -> None:
    """The doc's warning: the same key in `.b4-config` runs nothing and says nothing."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    command = _command(doc_git_config_lines()["am-perpatch-check-cmd"])
    (repo / ".b4-config").write_text(f"[b4]\n    am-perpatch-check-cmd = {command}\n")
    log = _b4(repo, env, "am", "--check", "-o", str(tmp_path / "out"), "-m", str(MBOX))
    assert "[PATCH v2 8/8]" in log
    assert _am_checks(b4, log) == {n: [] for n in range(1, 9)}
    assert "reviewtool" not in log


# ---------------------------------------------------------------- .b4-config keys


def test_setup_main_config_takes_only_prep_check_cmd_from_b4_config(
    b4, tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b4's own `_setup_main_config` on a tree whose `.b4-config` sets all three keys and whose
    git config adds checkpatch with the doc's `--add` line: am and review are ignored there,
    prep comes from both (b4 appends the git config values to the `.b4-config` list)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    lines = doc_git_config_lines()
    in_tree = "".join(f"    {key} = {_command(lines[key])}\n" for key in (*KEYS, AGENT_KEY))
    (repo / ".b4-config").write_text("[b4]\n" + in_tree)
    _git(repo, env, *shlex.split(doc_checkpatch_line())[1:])
    _enter(env, monkeypatch)
    monkeypatch.setattr(b4, "MAIN_CONFIG", b4.MAIN_CONFIG)  # restored after the test

    b4._setup_main_config(topdir=str(repo))
    config = b4.get_main_config()
    assert config.get("prep-perpatch-check-cmd") == [
        _command(lines["prep-perpatch-check-cmd"]),
        _command(doc_checkpatch_line()),
    ]
    assert config.get("am-perpatch-check-cmd") is None
    assert config.get("review-perpatch-check-cmd") is None
    assert config.get(AGENT_KEY) is None  # the agent command comes from git config only


# ---------------------------------------------------------------- b4 review's parser


def test_b4_review_checks_parse_our_b4_json(
    b4, tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`b4.review.checks.run_perpatch_checks` (what `b4 review`'s checks view calls; it runs
    `_run_external_cmd`, the JSON parser) with the doc's command on 1/8 (the leak) and 2/8
    (clean), picked from the seed thread the way the checks view does (b4.LoreSubject), then
    stored in and read back from b4's check cache as the view does."""
    checks = importlib.import_module("b4.review.checks")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    _enter(env, monkeypatch)
    patches: dict[int, tuple[str, object]] = {}
    for msg in b4.get_msgs_from_mailbox_or_maildir(str(MBOX)):
        subject = b4.LoreSubject(msg.get("subject", ""))
        if subject.patch and not subject.reply and subject.counter in (1, 2):
            patches[subject.counter] = (msg.get("message-id", "").strip("<> "), msg)
    leak, clean = patches[1][0], patches[2][0]

    command = _command(doc_git_config_lines()["review-perpatch-check-cmd"])
    results = checks.run_perpatch_checks([patches[1], patches[2]], [command], str(repo))

    (first,) = results[leak]
    assert (first["tool"], first["status"], first["summary"]) == ("reviewtool", "fail", "1 error")
    (detail,) = json.loads(first["details"])
    assert detail["status"] == "fail" and LEAK in detail["description"]
    assert detail["description"].startswith("mm/rmap.c:")
    assert [(r["tool"], r["status"]) for r in results[clean]] == [("reviewtool", "pass")]

    conn = checks.get_db()
    for mid, entries in results.items():
        checks.store_results(conn, mid, entries)
    assert checks.get_cached_results(conn, [leak, clean]) == results
    conn.close()


# ---------------------------------------------------------------- b4 prep --check


def test_b4_prep_check_runs_our_command_from_b4_config(b4, tmp_path: Path, env) -> None:
    """A contributor's tree: the base files and the doc's `.b4-config` committed on master, the
    seed patches applied with git am on a branch that `b4 prep --enroll master` takes over."""
    repo = tmp_path / "linux"
    shutil.copytree(SEED / "base", repo)
    (repo / ".b4-config").write_text(doc_b4_config())
    _git(repo, env, "init", "-q", "-b", "master")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "base: the files the series touches")
    _git(repo, env, "checkout", "-q", "-b", "anon-vma")
    _git(repo, env, "am", "-q", *map(str, PATCHES))
    _b4(repo, env, "prep", "--enroll", "master")
    log = _b4(repo, env, "prep", "--check")

    flags = _flags(b4)
    rows: list[tuple[str, str]] = []  # (flag, subject) per commit, in series order
    details: dict[str, list[str]] = {}
    for line in log.splitlines():
        for mark, flag in flags.items():
            if line.startswith(f"{mark} "):
                rows.append((flag, line[len(mark) + 1 :].split(": ", 1)[1]))
            elif line.startswith(f"  {mark} ") and rows:
                details.setdefault(rows[-1][1], []).append(f"{flag} {line[len(mark) + 3 :]}")
    assert len(PATCHES) == 8 and len(rows) == 8, log
    assert rows[0] == (
        "fail",
        "mm/rmap: improve anon_vma_clone(), unlink_anon_vmas() comments, add asserts",
    )
    (detail,) = details[rows[0][1]]
    assert detail.startswith("fail reviewtool: mm/rmap.c:") and LEAK in detail
    assert [flag for flag, _ in rows[1:]] == ["success"] * 7, log
    assert "Success: 7, Warning: 0, Error: 1" in log


# ---------------------------------------------------------------- b4 review's agent


def doc_agent_setup() -> str:
    """The doc's shell lines that set up the agent (the indented block naming the key)."""
    section = _b4_section()
    for block in re.findall(r"((?:\n    \S[^\n]*)+)", section):
        if f"b4.{AGENT_KEY}" in block:
            return "\n".join(line[4:] for line in block.strip("\n").split("\n")) + "\n"
    raise AssertionError("no agent setup block in the doc")


def _review_branch(b4, repo: Path) -> str:
    """A review branch made by b4's own code from the seed thread, the way the tracking TUI
    checks out a series (`_checkout_new_series` and `_do_checkout` in b4's
    review_tui/_tracking_app.py): am-ready mbox, `git_fetch_am_into_repo`,
    `create_review_branch`."""
    review = importlib.import_module("b4.review")
    msgs = b4.get_msgs_from_mailbox_or_maildir(str(MBOX))
    lser = review._get_lore_series(msgs, wantver=2)
    am_msgs = lser.get_am_ready(
        noaddtrailers=True,
        addmysob=False,
        addlink=False,
        cherrypick=None,
        copyccs=False,
        allowbadchars=False,
        showchecks=False,
    )
    ambytes = io.BytesIO()
    b4.save_git_am_mbox(am_msgs, ambytes)
    linkmask = "https://lore.kernel.org/r/%s"
    top = next(m.msgid for m in lser.patches if m is not None)
    base = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    b4.git_fetch_am_into_repo(
        str(repo), ambytes=ambytes.getvalue(), at_base=base, origin=linkmask % top
    )
    branch = "b4/review/anon-vma-v2"
    review.create_review_branch(str(repo), branch, base, lser, linkmask % top, linkmask)
    return branch


def test_b4_review_takes_in_our_agent_files(
    b4, tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent hook end to end, offline: the doc's setup lines, a review branch made by b4,
    the command run as b4's ReviewApp.action_agent runs it, and b4's
    `_integrate_agent_reviews` (what action_agent calls next) taking our files in."""
    review = importlib.import_module("b4.review")
    repo = tmp_path / "linux"
    shutil.copytree(SEED / "base", repo)
    _git(repo, env, "init", "-q", "-b", "master")
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "-m", "base: the files the series touches")
    subprocess.run(["sh", "-e"], input=doc_agent_setup(), text=True, cwd=repo, env=env, check=True)
    _enter(env, monkeypatch)
    monkeypatch.chdir(repo)
    monkeypatch.setattr(b4, "MAIN_CONFIG", b4.MAIN_CONFIG)  # restored after the test
    b4._setup_main_config(topdir=str(repo))
    branch = _review_branch(b4, repo)

    # b4 0.16's action_agent (review_tui/_review_app.py; the TUI needs textual, not installed):
    # shlex split, the prompt sentence appended, run in the top of the work tree.
    source = (Path(b4.__file__).parent / "review_tui" / "_review_app.py").read_text()
    for line in (
        "sp = shlex.shlex(agent_cmd, posix=True)",
        "prompt_path = os.path.join(self._topdir, agent_prompt)",
        "cmdargs += [f'Read and execute the prompt from {prompt_path}']",
        "spop = subprocess.Popen(cmdargs, cwd=self._topdir)",
        "integrated = b4.review._integrate_agent_reviews(",
    ):
        assert line in source, f"b4 changed how it runs the agent: {line}"
    config = b4.get_main_config()
    words = shlex.shlex(str(config.get(AGENT_KEY)), posix=True)
    words.whitespace_split = True
    prompt_path = os.path.join(str(repo), str(config.get("review-agent-prompt-path")))
    assert os.path.isfile(prompt_path)
    cmdargs = [*words, f"Read and execute the prompt from {prompt_path}"]
    agent = subprocess.run(cmdargs, cwd=repo, capture_output=True, text=True, timeout=300)
    assert agent.returncode == 0, agent.stderr

    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    spool = repo / ".git" / "b4-review" / head
    assert sorted(p.name for p in spool.iterdir()) == ["0001.txt", "identity.txt", "series.txt"]
    cover_text, tracking = review.load_tracking(str(repo), branch)
    first = tracking["series"]["first-patch-commit"]
    shas = subprocess.run(
        ["git", "rev-list", "--reverse", f"{first}~1..HEAD~1"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(shas) == 8
    assert review._integrate_agent_reviews(
        str(repo), cover_text, tracking, shas, tracking["patches"]
    )

    assert not spool.exists()  # b4 consumed the directory
    _, tracking = review.load_tracking(str(repo), branch)
    ours = "reviewtool@reviewtool.invalid"
    mine = tracking["patches"][0]["reviews"][ours]
    assert mine["note"].startswith("reviewtool: 1 error (LK001 lock-not-released)")
    (comment,) = mine["comments"]
    assert comment["path"].endswith("mm/rmap.c") and comment["line"] == 464
    assert comment["text"].startswith("anon_vma_lock_write() is taken earlier")
    post_image = subprocess.run(
        ["git", "show", f"{shas[0]}:mm/rmap.c"], cwd=repo, capture_output=True, text=True
    ).stdout.split("\n")
    assert post_image[463] == "}"  # line 464 closes cleanup_partial_anon_vmas()
    above = "\n".join(post_image[447:463])
    assert "list_for_each_entry_safe(avc, next" in above and "anon_vma_lock_write(" in above
    assert all(ours not in p.get("reviews", {}) for p in tracking["patches"][1:])
    assert tracking["series"]["reviews"][ours]["note"].startswith("reviewtool: 1 error in 8")
    usercfg = b4.get_user_config()
    assert review._get_patch_state(tracking["patches"][0], usercfg) == "external"
