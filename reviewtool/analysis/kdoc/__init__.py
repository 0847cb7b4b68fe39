"""Kernel-doc blocks and the prototypes they document, read the way scripts/kernel-doc does.

kernel-doc (Linux 6.12, Perl) is a line-based state machine over the raw text, not a C parser:
its verdicts depend on its own regular expressions (a `/**` must start the line, the name line
decides whether a block is kernel-doc, the prototype is the text up to the first `{`, `;` or
`#define`). To agree with the tool reviewers run, this package follows the same machine and the
same expressions, on the original text of the file state. `rules/kerneldoc.toml` holds the
vocabulary (section names, prototype words stripped).
"""

from reviewtool.analysis.kdoc.lines import logical_lines, normalise_line
from reviewtool.analysis.kdoc.model import (
    KINDS,
    KdocBlock,
    KdocProblem,
    KdocResult,
    KdocVocabulary,
    Prototype,
    load_vocabulary,
)
from reviewtool.analysis.kdoc.prototypes import parameter_list, parse_function_prototype
from reviewtool.analysis.kdoc.reader import analyse
from reviewtool.analysis.kdoc.types import parse_type_prototype

__all__ = [
    "KINDS",
    "KdocBlock",
    "KdocProblem",
    "KdocResult",
    "KdocVocabulary",
    "Prototype",
    "analyse",
    "load_vocabulary",
    "logical_lines",
    "normalise_line",
    "parameter_list",
    "parse_function_prototype",
    "parse_type_prototype",
]
