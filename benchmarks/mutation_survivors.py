"""The survivors of benchmarks/mutation.py that are explained: EQUIVALENT (no input can tell
the mutant from the original) and ACCEPTED (not equivalent, kept for the reason given). Keys
are mutant ids (module, function, operator, source text, occurrence; no line numbers), so the
lists survive unrelated edits; `mutation.py` reports entries that no longer name a mutant."""

from __future__ import annotations

_SUBJECT = "reviewtool/subject.py"
_NORMALISED = (
    "_normalise folds every run of ASCII blanks into one space first; the two differ only on "
    "two Unicode spaces in a row (U+00A0 U+00A0) between the words"
)
_NO_OP_PASS = "the text did not change, so every further pass of the bounded loop does nothing"

# Survivors no test can kill because no input tells them from the original: id -> why.
EQUIVALENT: dict[str, str] = {
    rf"{_SUBJECT}:_Tags.take_group:regex:'[\\s,]+' -> drop '+' at 5#0": (
        "the empty words a single separator leaves between ', ' are skipped (`if word`)"
    ),
    f"{_SUBJECT}:_peel_bare:arithmetic:words += 1 -> -=#0": (
        "`words` is only compared with 0, after it was counted at least once: -1 is as nonzero as 1"
    ),
    f"{_SUBJECT}:_peel_bare:constant:1 -> 2#0": "as above: only `words == 0` is asked",
    f"{_SUBJECT}:_peel_bare:loop:break -> continue#0": (
        "retrying the same rejected word changes nothing (take() is idempotent on it)"
    ),
    f"{_SUBJECT}:_peel_groups:constant:False -> True#0": (
        "`seen` only decides whether parse_subject makes another pass; a pass over text with "
        "no leading group or reply marker does nothing"
    ),
    f"{_SUBJECT}:_peel_groups:constant:True -> False#0": (
        "after _peel_groups no group leads the text; only a reply marker (more_reply) can "
        "expose another, and it keeps the loop going by itself"
    ),
    f"{_SUBJECT}:_peel_groups:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:_peel_groups:loop:break -> continue#1": _NO_OP_PASS,
    f"{_SUBJECT}:_strip_replies:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:parse_subject:loop:break -> continue#0": _NO_OP_PASS,
    f"{_SUBJECT}:parse_subject:boolean:not seen and (not more_reply) -> or#0": (
        "after a pass that met no reply marker nothing is left to peel: stopping now or one "
        "pass later gives the same text"
    ),
    f"{_SUBJECT}:parse_subject:drop-not:not seen -> seen#0": "as above",
    f"{_SUBJECT}:parse_subject:compare:tags.version > 0 -> tags.version >= 0#0": (
        "version 0 is falsy before the comparison: it becomes 1 either way"
    ),
    f"{_SUBJECT}:parse_subject:constant:0 -> 1#0": "versions 0 and 1 both end as 1",
    f"{_SUBJECT}:_peel_groups:compare:end < 0 -> end <= 0#0": (
        "the text starts with '[', so a ']' is never at index 0"
    ),
    f"{_SUBJECT}:_peel_groups:constant:0 -> 1#0": "as above: `end < 1` is `end < 0`",
}

_APPLIER = "reviewtool/tree/applier.py"
_STRICT = "zip's strict=: both sides have one entry per preimage line by construction"
EQUIVALENT |= {
    f"{_APPLIER}:Applier.apply:constant:True -> False#1": _STRICT + " (the image grew first)",
    f"{_APPLIER}:image_from_preimage:constant:True -> False#2": _STRICT + " (diff.py)",
    f"{_APPLIER}:Applier.find:boolean:size > 1 or first.endswith('\\n') -> and#0": (
        "the first-line test only skips positions matches() rejects too; using it for fewer "
        "hunks changes the speed only"
    ),
    f"{_APPLIER}:image_from_preimage:compare:number > len(lines) -> number >= len(lines)#0": (
        "at number == len(lines) growing by 0 does nothing; with the end known that line is one "
        "a hunk showed, and the numbers after it (sorted) are past the end and stop it anyway"
    ),
    f"{_APPLIER}:image_from_preimage:loop:break -> continue#0": (
        "the learned numbers are sorted: once one is past a known end, every later one is too"
    ),
}

_KDOC = "reviewtool/analysis/kdoc"
_ANCHORED = "count=2 of a pattern anchored at ^ (no MULTILINE): a second match cannot exist"
_TYPE_ONLY = "`typ` is only compared with the empty string, and this one never is"
EQUIVALENT |= {
    rf"{_KDOC}/params.py:_actual:regex:'\\s*' -> drop '*' at 2#0": (
        "removing every blank one by one or run by run leaves the same text"
    ),
    f"{_KDOC}/params.py:_plain:constant:1 -> 2#2": _TYPE_ONLY,
    rf"{_KDOC}/params.py:_plain:regex:'(.*?):(\\w+)' -> drop '+' at 9#0": (
        "the bit-field width goes only into the type: " + _TYPE_ONLY
    ),
    rf"{_KDOC}/prototypes.py:syscall_munge:regex:'[\\r\\n]+' -> drop '+' at 6#0": (
        "finished_prototype already made every run of CR and LF one blank"
    ),
    f"{_KDOC}/follow.py:PendingName.__init__:drop-statement:self.text = '' -> pass#0": (
        "follow() runs only after start(), which sets the text"
    ),
    f"{_KDOC}/follow.py:PendingName.follow:drop-statement:self.clear() -> pass#1": (
        "after a cut-short parse the same text (and more) is parsed again on each later line "
        "and cut short again: nothing is named either way, until the next comment clears it"
    ),
    f"{_KDOC}/follow.py:PendingName.__init__:constant:False -> True#0": (
        "follow() runs only after start(), which sets `closed`"
    ),
    f"{_KDOC}/params.py:create_parameterlist:constant:1 -> 2#0": (
        "the comment pattern is greedy: one removal takes from the first /* to the last */, "
        "a second finds nothing"
    ),
    rf"{_KDOC}/prototypes.py:syscall_munge:regex:'long (sys_.*?),' -> drop '?' at 12#0": (
        "only whether it matches is asked, and lazy or greedy, it matches the same texts"
    ),
    f"{_KDOC}/reader.py:_Reader.__init__:drop-statement:self.line_no = 0 -> pass#0": (
        "feed() sets the line number before anything reads it"
    ),
    f"{_KDOC}/types.py:_drop_parenthesised:compare:next_close < 0 -> next_close <= 0#0": (
        "find() from an index holding '(' returns -1 or a later index, never 0"
    ),
    f"{_KDOC}/types.py:_enum:constant:1 -> 2#3": _ANCHORED,
    f"{_KDOC}/types.py:_nested_members:constant:1 -> 2#4": _ANCHORED,
    f"{_KDOC}/types.py:_trim_tail:constant:0 -> 1#1": (
        "the text starts with `typedef`: the run of '(' never reaches its first character"
    ),
    f"{_KDOC}/types.py:_unwrap_struct_groups:arithmetic:semicolon + 1 -> semicolon - 1#0": (
        "the tail then starts with ');': a ')' member, which push_parameter empties into an "
        "auto-described 'void', never reported"
    ),
}

# Survivors that are not equivalent but accepted: id -> why (a bound nobody reaches, ...).
ACCEPTED: dict[str, str] = {
    rf"{_SUBJECT}:<module>:regex:'\\b(\\d{{1,6}})\\s+of\\s+(\\d{{1,6}})\\b' -> drop '+' at 13#0": (
        _NORMALISED
    ),
    rf"{_SUBJECT}:<module>:regex:'\\b(\\d{{1,6}})\\s+of\\s+(\\d{{1,6}})\\b' -> drop '+' at 18#0": (
        _NORMALISED
    ),
    rf"{_SUBJECT}:<module>:regex:'^(\\S+?)(:?)(?:\\s+|$)' -> drop '+' at 16#0": _NORMALISED,
    f"{_SUBJECT}:parse_subject:constant:4 -> 5#0": (
        "the bound on stacked group/reply forms; a fifth stacked form is never seen"
    ),
    f"{_SUBJECT}:_peel_bare:constant:8 -> 9#0": (
        "the bound on unbracketed prefix words; no subject has eight tag words in a row"
    ),
    f"{_SUBJECT}:parse_subject:drop-not:not more_reply -> more_reply#0": (
        "differs only past 16 stacked reply markers (the bound of _strip_replies)"
    ),
}
ACCEPTED |= {
    f"{_APPLIER}:image_from_preimage:drop-statement:image.end_known = True -> pass#0": (
        "apply() learns the end from the same hunk; they differ only on a series inconsistent "
        "about the base file's length (a later patch revealing lines past an end shown here)"
    ),
    f"{_APPLIER}:image_from_preimage:loop:continue -> break#0": (
        "needs a hunk without old lines (or past line 200,000) followed by one whose header was "
        "edited by hand: apply() learns the later hunks' lines anyway"
    ),
    rf"{_KDOC}/prototypes.py:finished_prototype:regex:'[\\r\\n]+' -> drop '+' at 6#0": (
        "only the number of blanks in a prototype with blank lines inside differs, and only in "
        "the 'cannot understand' message that quotes it"
    ),
    f"{_KDOC}/declaration.py:DeclarationStates._proto_type:compare:"
    "len(block.prototype) > MAX_PROTOTYPE -> len(block.prototype) >= MAX_PROTOTYPE#0": (
        "a declaration of exactly 100,000 characters, our bound (the largest in 6.12 has ~13,000)"
    ),
    f"{_KDOC}/reader.py:_Reader._name:drop-statement:"
    "block.section_line = self.line_no + 1 -> pass#0": (
        "the line of a DOC: block's title section, which no warning and no check reads"
    ),
    f"{_KDOC}/types.py:_unwrap_struct_groups:constant:1 -> 2#0": (
        "differs only when a member follows `STRUCT_GROUP(...);` with no blank between (the "
        "first letter of its type is lost, the name kept unless it is another STRUCT_GROUP)"
    ),
}

_LOCKS = "reviewtool/analysis/locks"
_HELD_SETS = "zip(held_sets, exits, strict=...): held_sets is built from exits, one set per exit"
EQUIVALENT |= {
    f"{_LOCKS}/summary.py:_summarise:constant:True -> False#1": _HELD_SETS,
    f"{_LOCKS}/summary.py:_summarise:constant:True -> False#2": _HELD_SETS,
    f"{_LOCKS}/flow.py:_Analysis._enter:boolean:h.scope and h.scope not in node.scopes -> or#0": (
        "only the early return is skipped more often: the filter after it keeps every lock "
        "without a scope and every one whose scope is open, the same held tuple"
    ),
    f"{_LOCKS}/flow.py:_Analysis.condition:constant:1 -> 2#1": (
        "ident.split(':', 2)[0]: the first field is the same whatever the split limit"
    ),
    f"{_LOCKS}/flow.py:_Analysis.run:drop-statement:seen[0].add(State()) -> pass#0": (
        "marking the entry state seen only matters when an edge leads back to node 0, and "
        "build_cfg emits node 0 as the entry before any statement: no edge targets it"
    ),
    f"{_LOCKS}/flow.py:_Analysis.exit:boolean:"
    "node.kind == 'return' and node.expr is not None -> or#0": (
        "a bare `return;` gets truth True instead of None; exit truth is read only by "
        "_held_when, the release 'when' of _summarise and _returned_equal, and each of them "
        "needs a False exit to decide anything: a void function has none either way"
    ),
}
ACCEPTED |= {
    f"{_LOCKS}/summary.py:_returned_equal:constant:1 -> 2#2": (
        "differs only on a fact key holding `==` twice, i.e. a comparison with a comparison "
        "as operand (`a == (b == c)`) tested before a return of `a`; then the mutant raises"
    ),
    f"{_LOCKS}/flow.py:_Analysis.condition:boolean:"
    "kind == 'binary' and expr.name in ('==', '!=') and (len(e... -> or#0": (
        "other binary tests and two-argument calls then meet _zero_against_nonzero and the "
        "alias test too: only an ordering test (`n < 2`, `ret > -EINVAL`) or a call whose "
        "first argument is a variable known 0 and whose second is a nonzero constant is "
        "decided differently; ==/!= (the only ones these serve) are unchanged"
    ),
    f"{_LOCKS}/flow.py:_Analysis.condition:compare:"
    "base_variable(h.expr) == key -> base_variable(h.expr) != key#0": (
        "the truth of a returned pointer, True when locked through it: _held_when reads True "
        "and None alike; the release 'when' does not (lock coupling: release the parent, "
        "return the child locked), but that C gets two false LK004 today, so it cannot be an "
        "ok: fixture yet (reported to the lock analysis' owner)"
    ),
    f"{_LOCKS}/summary.py:_by_design:constant:True -> False#1": (
        "a batch line counts only for a lock not yet stale: an exit inside the loop that takes "
        "the batch (after the loop every lock of it is stale and skipped before this test); a "
        "fixture would pin as intended that such an exit, holding part of a batch, is quiet"
    ),
    f"{_LOCKS}/flow.py:_Analysis.exit:compare:node.kind == 'return' -> node.kind != 'return'#1": (
        "`return f(...)` with f returning its lock when nonzero gives the same exits through "
        "the plain condition path (table_find_idle() and its caller in fixture summaries.c "
        "pass with the mutant); a case that tells them apart was not found"
    ),
    f"{_LOCKS}/flow.py:_Analysis._both:constant:True -> False#0": (
        "reached only for a condition on a variable that is not one of the function's flags "
        "(every variable an if, loop, return or ?: tests is one): a `x && f()` used as a "
        "statement, or a constant of unknown value; instrumented, no lock fixture reaches it"
    ),
    f"{_LOCKS}/flow.py:_Analysis.condition:boolean:"
    "kind == 'binary' and len(expr.children) == 2 -> or#0": (
        "_zero_test then also sees calls and other two-child nodes, but decides only names "
        "==, !=, < and >=, which only a binary carries; it differs (the mutant raises) for a "
        "binary with one operand, which tree-sitter's recovery never gave in the cases tried "
        "(`if (a == )` gets a MISSING node)"
    ),
}
