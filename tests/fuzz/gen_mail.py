"""Hypothesis strategies for what arrives by mail: subjects, unified diffs against small C
files (valid, shifted, miscounted, truncated, hostile paths, renames, binary), mails (headers,
RFC 2047, MIME, base64, quoted-printable, charsets), series with cover letters and replies,
wrapped as mbox (mboxo, mboxrd, git format-patch), CRLF, BOM or gzip."""

from __future__ import annotations

import base64
import difflib
import gzip
import quopri
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tests.fuzz.gen_c import c_file, damaged, statement

SANDBOX = "@SANDBOX@"  # replaced by the run's sandbox directory: absolute paths that escape
HOSTILE_PATHS = (
    "../escape.c",
    "../../escape.c",
    "a/../../escape.c",
    f"{SANDBOX}/abs.c",
    f"/{SANDBOX}/abs.c",
    "drivers/../../escape.c",
    ".git/hooks/pre-commit",
    "name with spaces.c",
    "tab\there.c",
    "back\\slash.c",
    "-rf.c",
    "ünïcödé.c",
    "x" * 300 + ".c",
    "dir/",
    "",
)
PLAIN_PATHS = ("drivers/demo/demo.c", "include/linux/demo.h", "kernel/demo_core.c", "mm/x.c")


@dataclass(frozen=True)
class Case:
    """One input: the base tree (None: hunks only), the series as bytes, files to scan."""

    tree: dict[str, str] | None
    mbox: bytes
    gzipped: bool
    scan: dict[str, bytes]


def git_diff(old_path: str, new_path: str, old: str | None, new: str | None) -> str:
    before = [] if old is None else old.splitlines(keepends=True)
    after = [] if new is None else new.splitlines(keepends=True)
    for lines in (before, after):
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n\\ No newline at end of file\n"
    src = "/dev/null" if old is None else f"a/{old_path}"
    dst = "/dev/null" if new is None else f"b/{new_path}"
    head = [f"diff --git a/{old_path} b/{new_path}\n"]
    if old is None:
        head.append("new file mode 100644\n")
    elif new is None:
        head.append("deleted file mode 100644\n")
    elif old_path != new_path:
        head += ["similarity index 90%\n", f"rename from {old_path}\n", f"rename to {new_path}\n"]
    head.append("index 1234567..89abcde 100644\n")
    body = list(difflib.unified_diff(before, after, src, dst, n=3))
    return "".join(head + body)


@st.composite
def edited(draw, text: str) -> str:
    """`text` with a few lines inserted, deleted or replaced."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        new = ["\t" + line for line in draw(statement(2))]
        if action == "insert" or not lines[at:]:
            lines[at:at] = new
        elif action == "delete":
            del lines[at : at + draw(st.integers(1, 5))]
        else:
            lines[at : at + 1] = new
    return "\n".join(lines)


@st.composite
def broken(draw, diff: str) -> str:
    """Damage a diff the way mailers and people do."""
    action = draw(
        st.sampled_from(["shift", "count", "drop", "crlf", "binary", "truncate", "mode", "bytes"])
    )
    lines = diff.split("\n")
    hunks = [i for i, line in enumerate(lines) if line.startswith("@@")]
    if action == "shift" and hunks:
        at = draw(st.sampled_from(hunks))
        lines[at] = lines[at].replace("@@ -", f"@@ -{draw(st.integers(0, 99))}0", 1)
    elif action == "count" and hunks:
        at = draw(st.sampled_from(hunks))
        lines[at] = lines[at].replace(",", f",{draw(st.integers(0, 9))}", 1)
    elif action == "drop" and len(lines) > 5:
        del lines[draw(st.integers(4, len(lines) - 1))]
    elif action == "crlf":
        return diff.replace("\n", "\r\n")
    elif action == "binary":
        lines += [
            "diff --git a/blob.bin b/blob.bin",
            "GIT binary patch",
            "literal 5",
            "Hc$@<O00001",
        ]
    elif action == "truncate":
        return diff[: draw(st.integers(0, len(diff)))]
    elif action == "mode":
        lines[1:1] = ["old mode 100644", "new mode 100755"]
    else:
        return draw(damaged(diff))
    return "\n".join(lines)


@st.composite
def subject(draw, index: int | None, total: int, version: int, title: str) -> str:
    prefix = draw(st.sampled_from(["PATCH", "PATCH", "RFC PATCH", "PATCH net-next", "PULL"]))
    parts = [prefix]
    if version > 1:
        parts.append(draw(st.sampled_from([f"v{version}", f"V{version}"])))
    if index is not None:
        parts.append(f"{index:0{draw(st.sampled_from([1, 2]))}d}/{total}")
    text = f"[{' '.join(parts)}] {title}"
    style = draw(st.integers(0, 9))
    if style == 9:
        return f"Re: {text}"
    if style == 8:
        return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="
    if style == 7:
        return text[: len(text) // 2] + "\n " + text[len(text) // 2 :]  # folded
    if style == 6:
        return draw(st.text(st.sampled_from(list("[]PATCHv0123/ :Re,é=?")), max_size=40))
    return text


FROMS = (
    "Ann Author <ann@example.org>",
    "=?utf-8?q?J=C3=B6rg_Dev?= <jorg@example.org>",
    "kernel test robot <lkp@intel.com>",
    "<bare@example.org>",
    "broken-no-address",
)


@st.composite
def mail(draw, subject_line: str, body: str, number: int, reply_to: int | None) -> bytes:
    headers = [f"From: {draw(st.sampled_from(FROMS))}", f"Subject: {subject_line}"]
    headers.append(
        draw(st.sampled_from([f"Message-ID: <{number}@fuzz>", f"Message-Id: {number}@fuzz", ""]))
    )
    if reply_to is not None:
        headers += [f"In-Reply-To: <{reply_to}@fuzz>", f"References: <0@fuzz> <{reply_to}@fuzz>"]
    headers.append("Date: Mon, 1 Jan 2024 00:00:00 +0000")
    encoding = draw(st.sampled_from(["plain", "plain", "latin1", "base64", "qp", "attach", "html"]))
    raw = body.encode("utf-8", "surrogateescape")
    if encoding == "plain":
        return ("\n".join(h for h in headers if h) + "\n\n").encode() + raw
    mime = ["MIME-Version: 1.0"]
    if encoding == "latin1":
        mime.append("Content-Type: text/plain; charset=iso-8859-1")
        payload = body.encode("latin-1", "replace")
    elif encoding == "base64":
        mime += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
        payload = base64.encodebytes(raw)
    elif encoding == "qp":
        mime += [
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        payload = quopri.encodestring(raw)
    else:
        text, _, diff = body.partition("\n---\n")
        kind = "text/x-patch" if encoding == "attach" else "text/html"
        mime.append('Content-Type: multipart/mixed; boundary="==b=="')
        payload = (
            f"--==b==\nContent-Type: text/plain\n\n{text}\n--==b==\n"
            f'Content-Type: {kind}; name="fix.patch"\nContent-Disposition: '
            f'{draw(st.sampled_from(["attachment", "inline"]))}; filename="fix.patch"\n'
            f"Content-Transfer-Encoding: {draw(st.sampled_from(['base64', '8bit']))}\n\n"
        ).encode("utf-8", "surrogateescape")
        part = ("---\n" + diff).encode("utf-8", "surrogateescape")
        payload += base64.encodebytes(part) if b"base64" in payload[-40:] else part
        payload += b"\n--==b==--\n"
    head = "\n".join(h for h in headers + mime if h) + "\n\n"
    return head.encode() + payload


def commit_body(title: str, diff: str, trailers: list[str]) -> str:
    message = f"{title} in more words.\n\nFrom the list: why it matters.\n\n" + "\n".join(trailers)
    stat = " drivers/demo/demo.c | 3 ++-\n 1 file changed\n\n"
    return f"{message}\n---\n{stat}{diff}-- \n2.43.0\n"


TRAILERS = (
    "Signed-off-by: Ann Author <ann@example.org>",
    "Reviewed-by: Rev Iewer <rev@example.org>",
    'Fixes: 0123456789ab ("demo: old change")',
    "Link: https://lore.kernel.org/r/1@fuzz",
    "Cc: stable@vger.kernel.org",
    "Tested-by: broken",
)


@st.composite
def series_case(draw) -> Case:
    """A base tree of C files, a series of patches editing it (some broken), and its mbox."""
    paths = draw(st.lists(st.sampled_from(PLAIN_PATHS), min_size=1, max_size=2, unique=True))
    state = {path: draw(c_file(max_functions=3, depth=3)) for path in paths}
    tree = None if draw(st.integers(0, 3)) == 3 else dict(state)
    total = draw(st.integers(1, 4))
    version = draw(st.sampled_from([1, 1, 2, 3]))
    mails: list[bytes] = []
    if draw(st.booleans()):
        cover = f"This series does things.\n\nbase-commit: {'ab' * 20}\n"
        mails.append(draw(mail(draw(subject(0, total, version, "demo: a series")), cover, 0, None)))
    for index in range(1, total + 1):
        if draw(st.integers(0, 9)) == 9:
            continue  # a gap in the series
        if not state:
            state["drivers/demo/demo.c"] = "int x;\n"
        path = draw(st.sampled_from(sorted(state)))
        kind = draw(st.sampled_from(["edit", "edit", "edit", "new", "delete", "rename", "hostile"]))
        old_path, new_path, old, new = path, path, state[path], draw(edited(state[path]))
        if kind == "new":
            new_path = old_path = f"drivers/demo/new{index}.c"
            old, new = None, draw(c_file(max_functions=2, depth=2))
        elif kind == "delete":
            new = None
        elif kind == "rename":
            new_path = f"drivers/demo/renamed{index}.c"
        elif kind == "hostile":
            old_path = new_path = draw(st.sampled_from(HOSTILE_PATHS))
            old = None
        diff = git_diff(old_path, new_path, old, new)
        if draw(st.integers(0, 5)) == 5:
            diff = draw(broken(diff))
        elif kind != "hostile":
            if old_path != new_path or new is None:
                state.pop(old_path, None)
            if new is not None:
                state[new_path] = new
        title = f"demo: change {index}"
        trailers = draw(st.lists(st.sampled_from(TRAILERS), max_size=3))
        body = commit_body(title, diff, trailers)
        line = draw(subject(index, total, version, title))
        mails.append(draw(mail(line, body, index, 0 if mails else None)))
        if draw(st.integers(0, 5)) == 5:
            reply = "> quoted\n\nReviewed-by: Rev Iewer <rev@example.org>\n"
            mails.append(draw(mail(f"Re: {line}", reply, 100 + index, index)))
    if not state:
        state = {"drivers/demo/demo.c": "int x;\n"}
    scan = {
        path.replace("/", "_"): text.encode("utf-8", "surrogateescape")
        for path, text in state.items()
    }
    return Case(tree, draw(mbox(mails)), draw(st.integers(0, 5)) == 5, scan)


@st.composite
def mbox(draw, mails: list[bytes]) -> bytes:
    style = draw(st.sampled_from(["format-patch", "mboxo", "mboxrd", "single"]))
    if style == "single" and len(mails) == 1:
        data = mails[0]
    else:
        chunks = []
        for raw in mails:
            if style == "format-patch":
                chunks.append(b"From " + b"1f" * 20 + b" Mon Sep 17 00:00:00 2001\n" + raw)
            else:
                if style == "mboxrd":
                    raw = raw.replace(b"\n>From ", b"\n>>From ").replace(b"\nFrom ", b"\n>From ")
                chunks.append(b"From fuzz@example.org Mon Jan  1 00:00:00 2024\n" + raw)
        data = b"\n".join(chunks)
    flavour = draw(st.integers(0, 9))
    if flavour == 9:
        data = data.replace(b"\n", b"\r\n")
    elif flavour == 8:
        data = b"\xef\xbb\xbf" + data
    elif flavour == 7:
        data = draw(damaged(data.decode("latin-1"))).encode("latin-1")
    return data


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1)


SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
INSERTS = ("\n", "-- \n", "@@ -1,99 +1 @@\n", "=?utf-8?b?", "\x00", "\r", "\nFrom x", "\n--- a/")


@st.composite
def raw_case(draw) -> Case:
    """Real mails of tests/fixtures/ingest, byte-damaged, or plain random bytes."""
    if draw(st.integers(0, 4)) == 4:
        return Case(None, draw(st.binary(max_size=2000)), False, {})
    seed = draw(st.sampled_from(sorted(p.name for p in SEEDS.iterdir() if p.is_file())))
    text = (SEEDS / seed).read_bytes().decode("latin-1")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(0, len(text) - 1)))
        text = text[:at] + draw(st.sampled_from(INSERTS)) + text[at:]
    return Case(None, draw(damaged(text)).encode("latin-1"), False, {})


@st.composite
def scan_case(draw) -> Case:
    """C files only, deeper and more damaged than those inside series."""
    files = draw(st.lists(c_file(max_functions=4, depth=4), min_size=1, max_size=2))
    return Case(
        None,
        b"",
        False,
        {f"f{i}": text.encode("utf-8", "surrogateescape") for i, text in enumerate(files)},
    )


def any_case() -> st.SearchStrategy[Case]:
    return st.one_of(series_case(), series_case(), raw_case(), scan_case())
