"""Rewrites a Python `re` pattern as the source of an equivalent JavaScript RegExp with the `u` flag.

Only the syntax ftfy's patterns use is accepted; anything else raises, so a new ftfy release that uses more
syntax fails here instead of producing a silently different expression. Differences handled:
  - verbose mode: whitespace and `#` comments outside character classes are dropped;
  - Python's `\\s`, `\\w`, `\\d` on str patterns are Unicode-aware: `\\s` is str.isspace() (which includes
    U+001C-U+001F and excludes U+FEFF, unlike JavaScript's `\\s`), `\\w` is alphanumeric or `_`, `\\d` is Nd;
  - `.` does not match `\\n` only (JavaScript's also stops at `\\r`, U+2028 and U+2029);
  - every character outside printable ASCII is written as `\\u{...}` so the source is plain ASCII.
Bytes patterns are translated through latin-1: byte 0xNN is the character U+00NN, which is how
@denoise/tokenizer represents byte strings when it runs these expressions.
"""

PY_SPACE = "\\t-\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}"
PY_WORD = "\\p{L}\\p{N}_"
PY_DIGIT = "\\p{Nd}"
ESCAPED_LITERALS = set("^$\\.*+?()[]{}|-/")
VERBOSE_WHITESPACE = set(" \t\n\r\v\f")


def js_char(c: str) -> str:
    if " " <= c <= "~":
        return c
    return "\\u{%x}" % ord(c)


def translate(pattern: str, verbose: bool) -> str:
    out = []
    i = 0
    in_class = False
    class_start = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError(f"pattern ends in a backslash: {pattern!r}")
            e = pattern[i + 1]
            if e == "x":
                out.append("\\u{%x}" % int(pattern[i + 2 : i + 4], 16))
                i += 4
                continue
            if e in "swd":
                inner = {"s": PY_SPACE, "w": PY_WORD, "d": PY_DIGIT}[e]
                out.append(inner if in_class else f"[{inner}]")
            elif e in ESCAPED_LITERALS:
                out.append("\\" + e)
            else:
                raise ValueError(f"unsupported escape \\{e} in {pattern!r}")
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
                out.append("]")
            elif c == "^" and i == class_start:
                out.append("^")
                class_start += 1
            elif c in "[]":
                out.append("\\" + c)
            else:
                out.append(js_char(c))
            i += 1
            continue
        if verbose and c in VERBOSE_WHITESPACE:
            i += 1
            continue
        if verbose and c == "#":
            while i < n and pattern[i] != "\n":
                i += 1
            continue
        if c == "[":
            in_class = True
            class_start = i + 1
            out.append("[")
        elif c == ".":
            out.append("[^\\n]")
        elif c == "$":
            raise ValueError(f"`$` (which also matches before a final newline in Python) is not translated: {pattern!r}")
        elif c == "{" and not pattern[i:].split("}", 1)[0][1:].replace(",", "").isdigit():
            raise ValueError(f"a literal `{{` is not translated: {pattern!r}")
        else:
            out.append(js_char(c))
        i += 1
    if in_class:
        raise ValueError(f"unterminated character class in {pattern!r}")
    return "".join(out)
