"""Hypothesis strategies for kernel-style C: functions with locks, gotos, loops, switch,
iterator and guard macros, asserts, comments, `#ifdef`s and deep nesting; kernel-doc blocks
(right, wrong and malformed) before functions, structs and enums; and byte-level damage."""

from __future__ import annotations

from hypothesis import strategies as st

OBJECTS = ("d", "dev", "q", "p->parent", "ctx")
LOCK_PAIRS = (
    ("spin_lock(&{o}->lock);", "spin_unlock(&{o}->lock);"),
    ("mutex_lock(&{o}->mutex);", "mutex_unlock(&{o}->mutex);"),
    ("spin_lock_irqsave(&{o}->lock, flags);", "spin_unlock_irqrestore(&{o}->lock, flags);"),
    ("spin_lock_bh(&{o}->lock);", "spin_unlock_bh(&{o}->lock);"),
    ("read_lock(&{o}->rwlock);", "read_unlock(&{o}->rwlock);"),
    ("down_write(&{o}->sem);", "up_write(&{o}->sem);"),
    ("rcu_read_lock();", "rcu_read_unlock();"),
)
SIMPLE = (
    "ret = -EINVAL;",
    "{o}->count++;",
    "kfree({o});",
    "x = helper_{n}({o}, ret);",
    'pr_err("bad %d\\n", ret);',
    "ret = {o}->ops->start({o});",
    "BUG_ON(!{o});",
    "WARN_ON(ret < 0);",
    "VM_BUG_ON(ret++ > 3);",
    "WARN_ON_ONCE(!{o}->ready);",
    "lockdep_assert_held(&{o}->lock);",
    "lockdep_assert_held(&{o}->mutex);",
    "might_sleep();",
    "guard(mutex)(&{o}->mutex);",
    '/* a comment with {{ and }} and " inside */',
    "// line comment: return 0;",
    "if (mutex_trylock(&{o}->mutex)) mutex_unlock(&{o}->mutex);",
    "if (!spin_trylock(&{o}->lock)) return -EBUSY;",
    "x = ({{ int __t = ret; __t + 1; }});",
    "memcpy(buf, {o}, sizeof(*{o}));",
    "ret = unknown_macro({o}) ?: -EIO;",
    "#define LOCAL_{n}(a) ((a) + 1)",
)
CONDITIONS = ("ret", "!{o}", "ret < 0", "{o}->flags & FLAG_{n}", "unlikely(err)", "x == {n}")
RETURNS = ("return ret;", "return -ENOMEM;", "return 0;", "return;", "return {o};")
LABELS = ("out", "out_unlock", "err", "fail_{n}")


def _fill(template: str, draw) -> str:
    return template.format(o=draw(st.sampled_from(OBJECTS)), n=draw(st.integers(0, 9)))


@st.composite
def statement(draw, depth: int) -> list[str]:
    """One statement (possibly compound) as lines, nested at most `depth` more levels."""
    kinds = ["simple", "lock", "unlock", "return", "goto", "label"]
    if depth > 0:
        kinds += ["if", "loop", "iterator", "switch", "guard", "ifdef", "block"]
    kind = draw(st.sampled_from(kinds))
    pair = draw(st.sampled_from(LOCK_PAIRS))
    if kind == "simple":
        return [_fill(draw(st.sampled_from(SIMPLE)), draw)]
    if kind == "lock":
        return [_fill(pair[0], draw)]
    if kind == "unlock":
        return [_fill(pair[1], draw)]
    if kind == "return":
        return [_fill(draw(st.sampled_from(RETURNS)), draw)]
    if kind == "goto":
        return [f"goto {_fill(draw(st.sampled_from(LABELS)), draw)};"]
    if kind == "label":
        return [f"{_fill(draw(st.sampled_from(LABELS)), draw)}:"]
    inner = draw(block(depth - 1))
    condition = _fill(draw(st.sampled_from(CONDITIONS)), draw)
    if kind == "if":
        lines = [f"if ({condition}) {{", *inner, "}"]
        if draw(st.booleans()):
            lines[-1:] = ["} else {", *draw(block(depth - 1)), "}"]
        return lines
    if kind == "loop":
        head = draw(
            st.sampled_from(
                [f"while ({condition}) {{", "for (i = 0; i < n; i++) {", "do {", "for (;;) {"]
            )
        )
        tail = f"}} while ({condition});" if head == "do {" else "}"
        return [head, *inner, tail]
    if kind == "iterator":
        head = draw(
            st.sampled_from(
                [
                    "list_for_each_entry(pos, &d->list, node) {",
                    "for_each_possible_cpu(cpu) {",
                    "hlist_for_each_entry_safe(pos, tmp, head, node) {",
                ]
            )
        )
        return [head, *inner, "}"]
    if kind == "switch":
        lines = [f"switch ({condition}) {{"]
        for value in range(draw(st.integers(1, 3))):
            lines += [f"case {value}:", *draw(block(depth - 1)), "break;"]
        return [*lines, "default:", *inner, "}"]
    if kind == "guard":
        return [_fill("scoped_guard(spinlock_irqsave, &{o}->lock) {{", draw), *inner, "}"]
    if kind == "ifdef":
        return ["#ifdef CONFIG_DEBUG_LOCK_ALLOC", *inner, "#else", *inner[:1], "#endif"]
    return ["{", *inner, "}"]


@st.composite
def block(draw, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 4 if depth > 1 else 2))):
        lines += ["\t" + line for line in draw(statement(depth))]
    return lines


NAMES = ("foo", "foo_bar", "dev_open", "__do_work", "ctx_release", "q_put", "sys_thing")
PARAM_LISTS = (
    "struct dev *d",
    "struct dev *d, int flags",
    "void",
    "struct dev *d, const char *fmt, ...",
    "struct ctx *ctx, void (*cb)(struct ctx *, int), unsigned long data",
    "int a, int b[4], u8 *buf, size_t len",
    "",
)
RETURN_TYPES = ("int", "void", "static int", "static inline bool", "struct dev *", "long")


@st.composite
def kernel_doc(draw, name: str, params: list[str]) -> list[str]:
    """A `/**` block: mostly right, sometimes wrong names, missing or excess params,
    empty descriptions, bad lines, duplicate sections, DOC: blocks."""
    documented = draw(st.sampled_from([name, name, "other_name", f"{name}()", "struct " + name]))
    purpose = draw(st.sampled_from([" - does a thing", "() - does a thing", "", " -", ": x"]))
    lines = ["/**", f" * {documented}{purpose}"]
    if draw(st.integers(0, 9)) == 9:
        lines[1] = draw(st.sampled_from([" * DOC: Theory", "not a star", " *", " * 42"]))
    for param in params:
        if draw(st.integers(0, 5)):
            lines.append(f" * @{param}:{draw(st.sampled_from([' the thing', '', '  x']))}")
    for _ in range(draw(st.integers(0, 3))):
        lines.append(
            draw(
                st.sampled_from(
                    [
                        " * @flags: extra",
                        " * @...: variable arguments",
                        " *",
                        " * Return: 0 or -errno",
                        " * Returns: something",
                        " * Context: Process context.",
                        " * Note: careful",
                        "   no star here",
                        " * Example::",
                        " * @p.member: nested",
                    ]
                )
            )
        )
    lines.append(draw(st.sampled_from([" */", " */", " * text */", "*/"])))
    return lines


def param_names(params: str) -> list[str]:
    names = []
    for part in params.split(","):
        words = part.replace("*", " ").replace("[", " [").split()
        if words and words[-1] not in ("void", "..."):
            names.append(words[-1].split("[")[0].strip("()"))
    return names


@st.composite
def function(draw, depth: int = 4) -> list[str]:
    name = draw(st.sampled_from(NAMES)) + str(draw(st.integers(0, 99)))
    params = draw(st.sampled_from(PARAM_LISTS))
    lines: list[str] = []
    if draw(st.booleans()):
        lines += draw(kernel_doc(name, param_names(params)))
    rtype = draw(st.sampled_from(RETURN_TYPES))
    attribute = draw(st.sampled_from(["", "", "__must_check ", "__acquires(&d->lock) "]))
    if draw(st.integers(0, 3)) == 3:
        lines.append(f"{rtype} {attribute}{name}({params})\n__releases(&d->lock)")
    else:
        lines.append(f"{rtype} {attribute}{name}({params})")
    lines += ["{", "\tint ret = 0, x, i, n = 4, cpu;", "\tunsigned long flags;"]
    lines += draw(block(depth))
    lines += [f"{draw(st.sampled_from(LABELS)).format(n=0)}:", "\treturn ret;", "}"]
    return lines


@st.composite
def type_definition(draw) -> list[str]:
    name = draw(st.sampled_from(["dev", "ctx", "q_entry"]))
    kind = draw(st.sampled_from(["struct", "union", "enum"]))
    if kind == "enum":
        members = [f"\t{name.upper()}_{i}{' = 1 << ' + str(i) if i % 2 else ''}," for i in range(3)]
        documented = [f"{name.upper()}_{i}" for i in range(3)]
    else:
        members = [
            "\tspinlock_t lock;",
            "\tstruct mutex mutex;",
            "\tunsigned int flags:4, ready:1;",
            "\tstruct {\n\t\tint a;\n\t\tvoid (*cb)(int);\n\t} inner;",
            "\tunion {\n\t\tu32 raw;\n\t\tu8 bytes[4];\n\t};",
            "\tDECLARE_BITMAP(mask, 64);",
            "\t/* private: */\n\tint hidden;\n\t/* public: */",
            "\tint count __aligned(8);",
        ]
        members = draw(st.lists(st.sampled_from(members), max_size=6))
        documented = ["lock", "mutex", "flags", "inner", "raw", "mask", "count", "gone"]
    lines = []
    if draw(st.booleans()):
        lines += ["/**", f" * {kind} {name} - a {kind}"]
        lines += [f" * @{m}: it" for m in documented if draw(st.booleans())]
        lines.append(" */")
    return [*lines, f"{kind} {name} {{", *members, "};"]


PREAMBLE = ("#include <linux/spinlock.h>", '#include "local.h"', "", "static DEFINE_MUTEX(big);")


@st.composite
def c_file(draw, max_functions: int = 4, depth: int = 4) -> str:
    lines = list(draw(st.lists(st.sampled_from(PREAMBLE), max_size=3)))
    for _ in range(draw(st.integers(0, 2))):
        lines += draw(type_definition())
    for _ in range(draw(st.integers(1, max_functions))):
        lines += ["", *draw(function(depth))]
        if draw(st.integers(0, 9)) == 9:
            lines += deeply_nested(draw(st.integers(20, 300)))
        if draw(st.integers(0, 3)) == 3:
            lines.append("EXPORT_SYMBOL_GPL(foo0);")
    text = "\n".join(lines) + "\n"
    return draw(damaged(text)) if draw(st.integers(0, 4)) == 4 else text


def deeply_nested(levels: int) -> list[str]:
    """A function nested `levels` deep: recursion limits, CFG and lock analysis depth."""
    opening = ["\tif (x) {", "\tspin_lock(&d->lock); while (n--) {", "\tswitch (x) { case 1: {"]
    closing = ["\t}", "\t} spin_unlock(&d->lock);", "\t} }"]
    body = [opening[i % 3] for i in range(levels)] + ["\treturn x;"]
    body += [closing[i % 3] for i in reversed(range(levels))]
    return ["", "static int deep(int x, int n, struct dev *d)", "{", *body, "\treturn 0;", "}"]


DAMAGE = ("{", "}", "(", ")", ";", "/*", "*/", '"', "'", "\\\n", "#if 0\n", "\n", "/**\n", "\x00")


@st.composite
def damaged(draw, text: str) -> str:
    """`text` with a few spans deleted, duplicated, or C punctuation inserted."""
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif action == "insert":
            text = text[:at] + draw(st.sampled_from(DAMAGE)) + text[at:]
        elif action == "duplicate":
            text = text[:at] + text[at : at + draw(st.integers(1, 200))] + text[at:]
        else:
            text = text[:at]
    return text
