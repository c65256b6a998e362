#!/usr/bin/python3
"""Reference outputs of the real ftfy.fix_text and the real slow CLIPTokenizer on seeded generated inputs.

Run with ftfy 6.3.1, transformers 4.57.6 and regex importable (see README.md):

    PYTHONPATH=tools:/path/to/site-packages python3 -m denoise_tools.make_ftfy_tables.cases

Writes fixtures/tokenizer-oracle/cases.json (deterministic for a given Python, ftfy, transformers and regex):
  ftfy   inputs made to exercise every fixer (mojibake through each candidate encoding, with the 0xA0 byte turned
         into a space, partly lost to U+FFFD or '?', decoded twice, mixed with clean text; HTML entities with and
         without a '<' on the same or an earlier line; terminal escapes; controls; line breaks; lone surrogates;
         ligatures; full-width forms; curly quotes), each with fix_text(input) and badness.is_bad(input);
  clip   prompts (words, special tokens in any case, contractions, scripts, emoji, weighting syntax, mojibake,
         random assigned characters), each with the untruncated ids of fixtures/diffusers-sd/sd1-tiny/tokenizer
         and sd2-tiny/tokenizer (`tokenizer(prompt).input_ids`).
Generated characters are limited to those assigned in the running Python's Unicode database, so that the cases do
not depend on which Unicode version a reimplementation's own tables have.
"""
import html.entities
import json
import platform
import random
import unicodedata

import ftfy
import regex
import transformers
from ftfy import badness
from transformers import CLIPTokenizer

from denoise_tools.repo import REPO_ROOT

OUT = REPO_ROOT / "fixtures" / "tokenizer-oracle" / "cases.json"
SD = REPO_ROOT / "fixtures" / "diffusers-sd"
SEED = 20260523
FTFY_CASES = 2400
CLIP_CASES = 700

PHRASES = [
    "café au lait", "naïve résumé", "Ångström", "jalapeño", "über-cool", "São Paulo", "crème brûlée", "façade",
    "Łódź", "Kraków", "žluťoučký kůň", "ğüşıöç İstanbul", "Ærøskøbing", "œuvre", "straße", "Dvořák",
    "東京の夜景", "美しい桜", "一只可爱的猫", "서울의 야경", "Ελληνικά κείμενο", "русский текст", "українська",
    "مرحبا بالعالم", "עברית", "हिन्दी पाठ", "ภาษาไทย", "Tiếng Việt", "doesn’t", "“smart quotes”", "‘single’",
    "em — dash", "ellipsis…", "€5", "£3", "½ cup", "©2020", "™", "®", "°C", "±1", "µm", "×2", "§3", "¶", "•",
    "👍🏽", "🇯🇵", "🐱", "👨\u200d👩\u200d👧", "1️⃣", "ﬁne ﬂower", "ＦＵＬＬ　ＷＩＤＴＨ", "ｶﾀｶﾅ",
    "a photo of an astronaut", "the", "of", "x^2", "1,000", "Ã", "à la mode", "às vezes", "\xa0", "¿qué?", "¡hola!",
]
ENCODINGS = [
    "latin-1", "windows-1252", "windows-1251", "windows-1250", "windows-1253", "windows-1254", "windows-1257",
    "iso-8859-2", "macroman", "cp437", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
]
CONTROLS = ["\x00", "\x07", "\x0b", "\x0c", "\x1a", "\x1f", "\x7f", "\x85", "\x96", "\x9d", "\u200b", "\u200d",
            "\u2028", "\u2029", "\u206a", "\ufeff", "\ufff9", "\ufffc", "\ufffd", "\r", "\r\n", "\t", "\n"]
ENTITY_NAMES = sorted(n for n in html.entities.html5 if n.endswith(";"))


def mojibake(rng: random.Random, text: str) -> str:
    data = text.encode("utf-8")
    if rng.random() < 0.25:
        data = data.replace(b"\xa0", b" ")
    encoding = rng.choice(ENCODINGS)
    errors = rng.choice(["strict", "replace", "replace", "ignore"])
    try:
        out = data.decode(encoding, errors=errors)
    except UnicodeDecodeError:
        return text
    if rng.random() < 0.15:
        # Lossy: some characters of the mojibake were replaced.
        chars = list(out)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice(["\ufffd", "?"])
        out = "".join(chars)
    if rng.random() < 0.2:
        out = mojibake(rng, out)
    return out


def entity(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        name = rng.choice(ENTITY_NAMES)
        return "&" + (name.upper() if rng.random() < 0.3 else name)
    if r < 0.8:
        n = rng.choice([0, 9, 13, 39, 59, 60, 128, 129, 150, 233, 0xD800, 0xFFFE, 0x1F600, 0x110000, rng.randint(1, 0x2FFFF)])
        return f"&#{n};" if rng.random() < 0.5 else f"&#{rng.choice('xX')}{n:x};"
    return rng.choice(["&amp", "&#39", "&#x;", "&#12ab;", "&nTILDE;", "&NTILDE;", "&;", "&" + "a" * 30 + ";"])


def assigned_char(rng: random.Random) -> str:
    while True:
        r = rng.random()
        code = rng.randint(0x20, 0x2FF) if r < 0.4 else rng.randint(0x300, 0xFFFF) if r < 0.8 else rng.randint(0x10000, 0x3134F)
        char = chr(code)
        if unicodedata.category(char) not in ("Cn", "Cs"):
            return char


def ftfy_input(rng: random.Random) -> str:
    kind = rng.choice(["mojibake", "mojibake", "mojibake", "mixed", "entities", "controls", "lines", "random"])
    words = [rng.choice(PHRASES) for _ in range(rng.randint(1, 6))]
    text = rng.choice([" ", "", ", "]).join(words)
    if kind == "mojibake":
        return mojibake(rng, text)
    if kind == "mixed":
        return rng.choice(["", " "]).join(mojibake(rng, w) if rng.random() < 0.5 else w for w in words)
    if kind == "entities":
        parts = [entity(rng) if rng.random() < 0.5 else w for w in words + [rng.choice(PHRASES)]]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(["<b>", "<", "a < b"]))
        return " ".join(parts)
    if kind == "controls":
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(CONTROLS + ["\x1b[31m", "\x1b[0;1m", "\x1b[m", "\ud83d", "\ude00"]))
        return "".join(chars)
    if kind == "lines":
        lines = [mojibake(rng, w) if rng.random() < 0.3 else (entity(rng) if rng.random() < 0.4 else w) for w in words]
        if rng.random() < 0.5:
            lines.insert(rng.randrange(len(lines) + 1), "<p>")
        return rng.choice(["\n", "\r\n", "\r", "\u2028"]).join(lines)
    return "".join(assigned_char(rng) for _ in range(rng.randint(1, 30)))


CLIP_PIECES = [
    "a photo of", "astronaut", "CAT", "<|endoftext|>", "<|ENDOFTEXT|>", "<|startoftext|>", "<|EndOfText|>",
    "<|ſtartoftext|>", "it's", "IT'S", "we'LL", "they've", "'ſ", "!", "!!", "?!", "!!!!", "1234", "3.14", "4k",
    "((masterpiece:1.2))", "[best quality]", "{detailed}", "under_score", "C++", "#tag", "@home", "$5", "%50",
    "Ã©", "â€™", "ᾳ", "a\u0345b", "\u0345", "İstanbul", "ǅ", "ΣΑΣ", "&amp;", "&lt;3", "<b>", "\t", "\n", "\u3000",
    "\xa0", "\u200b", "\x00", "\ufffd", "\x85", "ﬁ", "ＦＵＬＬ", "“q”", "—", "…", "supercalifragilisticexpialidocious",
]


def clip_prompt(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return rng.choice(["", " ", ", "]).join(rng.choice(CLIP_PIECES + PHRASES) for _ in range(rng.randint(0, 14)))
    if r < 0.75:
        return "".join(assigned_char(rng) for _ in range(rng.randint(0, 40)))
    if r < 0.9:
        return mojibake(rng, " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 5))))
    return " ".join(rng.choice(CLIP_PIECES) for _ in range(rng.randint(60, 120)))


def main() -> None:
    if ftfy.__version__ != "6.3.1" or transformers.__version__ != "4.57.6":
        raise SystemExit(f"ftfy 6.3.1 and transformers 4.57.6 are needed, this is ftfy {ftfy.__version__}, transformers {transformers.__version__}")
    rng = random.Random(SEED)
    ftfy_cases = []
    for _ in range(FTFY_CASES):
        text = ftfy_input(rng)
        ftfy_cases.append({"input": text, "fix_text": ftfy.fix_text(text), "is_bad": badness.is_bad(text)})
    sd1 = CLIPTokenizer.from_pretrained(str(SD / "sd1-tiny" / "tokenizer"))
    sd2 = CLIPTokenizer.from_pretrained(str(SD / "sd2-tiny" / "tokenizer"))
    clip_cases = []
    for _ in range(CLIP_CASES):
        prompt = clip_prompt(rng)
        clip_cases.append({"prompt": prompt, "sd1_ids": sd1(prompt).input_ids, "sd2_ids": sd2(prompt).input_ids})
    out = {
        "made_by": "tools/denoise_tools/make_ftfy_tables/cases.py",
        "versions": {
            "python": platform.python_version(),
            "unicodedata": unicodedata.unidata_version,
            "ftfy": ftfy.__version__,
            "transformers": transformers.__version__,
            "regex": regex.__version__,
        },
        "seed": SEED,
        "ftfy": ftfy_cases,
        "clip": clip_cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per line, so that a regenerated file diffs case by case.
    lines = []
    for key, value in out.items():
        if isinstance(value, list):
            rows = ",\n".join("    " + json.dumps(case, ensure_ascii=True, separators=(",", ":")) for case in value)
            lines.append(f"  {json.dumps(key)}: [\n{rows}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    OUT.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    changed = sum(1 for c in ftfy_cases if c["fix_text"] != c["input"])
    print(f"wrote {OUT}: {len(ftfy_cases)} ftfy cases ({changed} changed by fix_text), {len(clip_cases)} CLIP prompts")


if __name__ == "__main__":
    main()
