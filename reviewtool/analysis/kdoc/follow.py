"""After a `/**` comment that is not kernel-doc, kernel-doc forgets it; a reviewer wants to
know which declaration it sits on. This reads on to that declaration and names the problems
reported about the comment after it (their `function`)."""

from __future__ import annotations

import dataclasses
import re

from reviewtool.analysis.kdoc.model import KdocProblem, KdocVocabulary
from reviewtool.analysis.kdoc.params import CutShort
from reviewtool.analysis.kdoc.prototypes import parse_function_prototype

A = re.ASCII
MAX_FOLLOW = 2000  # characters read looking for the declaration


class PendingName:
    def __init__(self, vocabulary: KdocVocabulary) -> None:
        self.vocabulary = vocabulary
        self.first: int | None = None  # index of the first problem to name
        self.closed = False  # the comment's `*/` was seen
        self.text = ""

    @property
    def active(self) -> bool:
        return self.first is not None

    def start(self, first: int, closed: bool) -> None:
        self.first, self.closed, self.text = first, closed, ""

    def clear(self) -> None:
        self.first = None

    def follow(self, line: str, line_no: int, problems: list[KdocProblem]) -> None:
        if not self.closed:
            self.closed = bool(re.search(r"\*/", line, A))
            return
        if not line.strip() and not self.text:
            return
        self.text += re.match(r"[^{]*", re.sub(r"//.*$", "", line, flags=A)).group(0) + " "
        done = "{" in line or ";" in line or re.search(r"#\s*define", line, A)
        if not done and len(self.text) <= MAX_FOLLOW:
            return
        prototype = re.sub(r"/\*.*?\*/", "", self.text, flags=A | re.S).strip()
        prototype = re.sub(r"\s+", " ", prototype, flags=A)
        try:
            parsed = parse_function_prototype(prototype, self.vocabulary, line_no)
        except CutShort:
            self.clear()
            return
        if parsed.understood and parsed.name and self.first is not None:
            for at in range(self.first, len(problems)):
                if problems[at].function is None:
                    problems[at] = dataclasses.replace(problems[at], function=parsed.name)
        self.clear()
