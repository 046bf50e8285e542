"""Hypothesis strategies biased toward the characters where pre-tokenizers go wrong.

The three pattern families (gpt2, cl100k, o200k) branch on: ``\\s`` (Unicode White_Space, which is
*not* Python's ``str.isspace``), ``\\p{L}`` and its sub-categories Lu/Ll/Lt/Lm/Lo, ``\\p{M}``,
``\\p{N}`` (Nd, Nl and No), ``\\r``/``\\n``, ``/`` (o200k), apostrophes with case-insensitive
contraction suffixes (``'ſ`` matches ``'s`` under simple case folding), end of input, and the
lookahead ``\\s+(?!\\S)``. The atoms below put those characters next to each other.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

# --- single characters ---------------------------------------------------------------------------

#: Every White_Space code point (what ``\s`` matches in tiktoken's regex engine).
WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
#: Look like whitespace (or are whitespace to Python's ``str.isspace``) but are not ``\s``.
NOT_WHITESPACE = "\u200b\u200c\u200d\u2060\ufeff\u180e\x1c\x1d\x1e\x1f\x00\x7f"

APOSTROPHES = "'\u2019"
#: Contraction suffixes in several cases, plus characters that case-fold onto one
#: (U+017F LONG S folds to ``s``; U+212A KELVIN SIGN folds to ``k``, which is no suffix).
CONTRACTIONS = [
    "'s", "'S", "'\u017f", "'t", "'T", "'re", "'RE", "'Re", "'rE", "'ve", "'VE", "'m", "'M",
    "'ll", "'LL", "'lL", "'d", "'D", "'\u212a", "'x", "'", "''", "'''s", "\u2019s", "\u2019t",
    "\u2019ll", "'s'", "'ss", "'lll", "'ree", "'dd",
]  # fmt: skip

ASCII_LETTERS = string.ascii_letters
LU = "ÀÉÎÕÜĀŁΣΔЖЯԱႠ\U0001d400\u0130"
LL = "àéßſαωжяաɐﬀ\U0001d41a\u0131"
LT = "\u01c5\u01c8\u01cb\u01f2\u1f88\u1f89\u1fbc\u1fcc\u1ffc"
LM = "\u02b0\u02b2\u02c6\u02c7\u02ee\u30fc\u30fd\u3005\ua717\uff70"
LO = "中文字日本語가한글אבגعربيةกขคஅ\u0e20\u0e32\u0e29\uff76\U00020000\u05d0"
#: Assigned in recent Unicode versions (a skewed Unicode table shows up here).
RECENT = "\U00031350\U0001e030\U00011f04\U0002ebf0\U0001e5d0\U00010d40\U00010d4a\U00011bc0\U0001ccf0"
MARKS = (
    "\u0300\u0301\u0308\u0327\u093e\u093f\u0940\u094d\u0902\u0903\u0488\u20dd\u20e3"
    "\u0e31\u0e34\u05b7\u064b\u302a\u3099\ufe0e\ufe0f\U000e0100"
)
DIGIT_SCRIPTS = [
    "0123456789",
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",  # Arabic-Indic
    "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f",  # Devanagari
    "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",  # fullwidth
    "\U0001d7ce\U0001d7cf\U0001d7d0\U0001d7d8",  # mathematical (Nd, astral)
]
OTHER_NUMBERS = "²³¹⁰\u216b\u217b\u2182\u3007\U00010341½¼¾⅓①⑴⒈"  # No / Nl
DIGITS = "".join(DIGIT_SCRIPTS) + OTHER_NUMBERS
PUNCT = string.punctuation + "¡¿«»—–…‘“”„•·§¶、。「」『』！？٫،؟"
EMOJI = [
    "😀", "👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "🇯🇵", "1️⃣", "#️⃣", "❤️", "🧑🏿‍💻",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "\u200d", "🏻",
]  # fmt: skip
CJK_KANA = ["日本語のテキスト", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "漢字", "中文", "한국어", "ー々"]
SPECIAL_LOOKALIKES = [
    "<|endoftext|>", "<|endoftext|", "<|endoftext|>>", "<<|endoftext|>", "<|endoftext",
    "|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>",
    "<|startoftext|>", "<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|return|>",
    "<|reserved_200000|>", "<|reserved_201087|>", "<|reserved_201088|>", "<|im_start|>",
    "<|", "|>", "<|<|endoftext|>|>", "<|ENDOFTEXT|>",
]  # fmt: skip
SLASHES = ["/", "//", "</", "/>", "\\", "/\n", "/\r\n", "http://", "a/b"]
CRLF = ["\r\n", "\n\r", "\r\r\n", " \r\n", "\r\n\r\n", "\n\n\n"]

#: Every single hard character, for alphabet-style strategies.
HARD_CHARS = "".join(
    sorted(
        set(
            WHITESPACE + NOT_WHITESPACE + APOSTROPHES + ASCII_LETTERS + LU + LL + LT + LM + LO
            + RECENT + MARKS + DIGITS + PUNCT + "".join(EMOJI) + "".join(CJK_KANA) + "\u017f\u212a"
        )
    )
)  # fmt: skip

# --- atoms ---------------------------------------------------------------------------------------

hard_char = st.sampled_from(HARD_CHARS)
whitespace_run = st.one_of(
    st.text(alphabet=WHITESPACE, min_size=1, max_size=6),
    st.text(alphabet=" \n", min_size=1, max_size=8),
    st.text(alphabet=" \t\r\n", min_size=1, max_size=8),
)
ascii_word = st.text(alphabet=ASCII_LETTERS, min_size=1, max_size=8)
cased_word = st.sampled_from(
    ["hello", "Hello", "HELLO", "hELLO", "don", "DON", "we", "I", "ǅungla", "ǅUNGLA", "ǈubav",
     "Straße", "ΣΊΣΥΦΟΣ", "σοφία", "Москва", "МОСКВА", "İstanbul", "ıi", "ʰello", "a\u0301b",
     "naïve", "e\u0301te\u0301", "हिन्दी", "ภาษาไทย", "עברית", "العربية", "한국어", "ﬁne"]
)  # fmt: skip
letter_run = st.text(alphabet=ASCII_LETTERS + LU + LL + LT + LM + LO + MARKS, min_size=1, max_size=6)
letter_with_marks = st.tuples(
    st.sampled_from(ASCII_LETTERS + LU + LL + LT + LM + LO),
    st.text(alphabet=MARKS, min_size=1, max_size=3),
).map("".join)
digit_run = st.one_of(
    st.sampled_from(DIGIT_SCRIPTS).flatmap(lambda ds: st.text(alphabet=ds, min_size=1, max_size=8)),
    st.text(alphabet=DIGITS, min_size=1, max_size=5),
)
punct_run = st.text(alphabet=PUNCT, min_size=1, max_size=4)

atom = st.one_of(
    hard_char,
    hard_char,
    st.sampled_from(CONTRACTIONS),
    st.sampled_from(CONTRACTIONS),
    whitespace_run,
    whitespace_run,
    ascii_word,
    cased_word,
    letter_run,
    letter_with_marks,
    digit_run,
    punct_run,
    st.sampled_from(EMOJI),
    st.sampled_from(CJK_KANA),
    st.sampled_from(SPECIAL_LOOKALIKES),
    st.sampled_from(SLASHES),
    st.sampled_from(CRLF),
    st.characters(exclude_categories=["Cs"]),
)


def joined(*atoms: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """Texts of up to ``max_size`` draws from ``atoms``, joined."""
    return st.lists(st.one_of(*atoms), max_size=max_size).map("".join)


#: An atom repeated: long runs of one class (pieces of tens to hundreds of characters).
repeated_atom = st.tuples(atom, st.integers(min_value=2, max_value=60)).map(lambda t: t[0] * t[1])

#: Concatenated atoms: the main "hard" text strategy.
hard_text = joined(atom, atom, atom, repeated_atom, max_size=24)

#: Any text without surrogates (what ``decode(encode(s)) == s`` holds for).
text = st.one_of(
    hard_text,
    hard_text,
    st.text(),
    st.text(alphabet=HARD_CHARS, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
)

#: Text that may also hold lone surrogates (tiktoken replaces them before encoding).
text_with_surrogates = st.lists(
    st.one_of(atom, st.characters(categories=["Cs"])), max_size=16
).map("".join)


def text_with_specials(specials: list[str]) -> st.SearchStrategy[str]:
    """Hard text with special-token strings (and near misses) mixed in."""
    special = st.sampled_from(sorted(specials) + SPECIAL_LOOKALIKES)
    return joined(atom, special, special, max_size=16)
