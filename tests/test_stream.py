"""Streaming counts equal tiktoken's count of the text so far, after every delta, however the text
is split (ARCHITECTURE.md, "Invariants", and the table of cases where a naive commit is wrong).

``check_stream`` is the shared oracle: it feeds one split of a text into a ``StreamCounter`` and a
``StreamEncoder`` side by side and, after every push, compares them with real tiktoken on the
prefix that has arrived. ``test_stream_bytes`` and ``test_stream_special`` reuse it.
"""

from __future__ import annotations

import codecs
import copy
import functools
import random
from collections.abc import Callable, Sequence
from typing import Union

import pytest
import strategies
import streamtok
from hypothesis import example, given
from hypothesis import strategies as hs
from support import DATA_DIR, ENCODINGS, FAMILY_ENCODINGS, st, tk

Delta = Union[str, bytes, None]
Allowed = Union[str, frozenset, None]

# --- the oracle ----------------------------------------------------------------------------------


def reference(name: str, allowed: Allowed = None) -> Callable[[str], list[int]]:
    """tiktoken's token ids of a text: ``encode_ordinary``, or ``encode`` with ``allowed``
    specials (every other special-token text is ordinary, as in a stream)."""
    ref = tk(name)
    if allowed is None:
        return ref.encode_ordinary
    return lambda text: ref.encode(text, allowed_special=allowed, disallowed_special=())


def decode_chunk(decoder: codecs.IncrementalDecoder, chunk: bytes) -> str:
    """``decoder.decode(chunk)`` for a UTF-8 incremental decoder, except that bytes which can no
    longer become a character are decoded now.

    CPython holds back a chunk's last two bytes when they are ``\\xED\\xA0``-``\\xED\\xBF``
    (the start of an encoded surrogate, for the ``surrogatepass`` handler's sake), although no
    continuation makes them valid UTF-8. A stream reports them at once: as two U+FFFD, or as an
    error in strict mode. Either way the final text is the same.
    """
    state = decoder.getstate()
    out = decoder.decode(chunk)
    buf = decoder.getstate()[0]
    if len(buf) == 2 and buf[0] == 0xED and buf[1] >= 0xA0:
        try:
            out += decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder.setstate(state)
            raise
    return out


class ArrivedText:
    """The text a stream has received so far, as an incremental UTF-8 decoder sees it: bytes
    that end inside a character have not arrived yet; invalid bytes are U+FFFD."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.length = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def add(self, delta: Delta) -> None:
        if isinstance(delta, bytes):
            part = decode_chunk(self._decoder, delta)
        elif delta:
            # A str delta can't continue a partial character: the carried bytes are invalid.
            part = self._decoder.decode(b"", final=True) + delta
        else:
            return
        self._parts.append(part)
        self.length += len(part)

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def end(self) -> str:
        self.add(self._decoder.decode(b"", final=True))
        return self.text


def _short(x: object, limit: int = 400) -> str:
    r = repr(x)
    return r if len(r) <= limit else r[: limit // 2] + " ... " + r[-limit // 2 :]


def push(stream: streamtok.StreamCounter | streamtok.StreamEncoder, delta: Delta):  # noqa: ANN201
    return stream.push_bytes(delta) if isinstance(delta, bytes) else stream.push(delta)


def check_stream(
    name: str,
    deltas: Sequence[Delta],
    *,
    allowed: Allowed = None,
    check_at: Callable[[int, int], bool] = lambda i, n_chars: True,
) -> list[int]:
    """Push ``deltas`` (str via ``push``, bytes via ``push_bytes``, None) into a StreamCounter and
    a StreamEncoder and check:

    - after every push: ``push`` returns ``count``; ``stable_count`` never decreases and stays
      ``<= count``; the ids the encoder handed out so far are a prefix of ``tiktoken(full text)``
      and ``encoder.stable_count`` is their number;
    - after push ``i`` if ``check_at(i, characters arrived)`` (default: always), against
      tiktoken's tokens of the prefix that has arrived: ``count == len(tiktoken(prefix))``; the
      first ``stable_count`` tokens of ``tiktoken(prefix)`` are those of ``tiktoken(full text)``;
      the encoder's ids so far + ``pending()`` are ``tiktoken(prefix)``.

    After ``finish()``: ``count == stable_count == len(tiktoken(full text))`` and the encoder's
    ids, concatenated, are ``tiktoken(full text)``. Returns those ids.
    """
    encode = reference(name, allowed)
    enc = st(name)
    if allowed is None:
        counter, encoder = enc.stream(), enc.stream_encoder()
    else:
        counter = enc.stream(allowed_special=allowed)
        encoder = enc.stream_encoder(allowed_special=allowed)

    arrived = ArrivedText()
    for delta in deltas:
        arrived.add(delta)
    full = encode(arrived.end())

    arrived = ArrivedText()
    emitted: list[int] = []
    last_stable = 0
    for i, delta in enumerate(deltas):
        arrived.add(delta)

        def where() -> str:
            return f"{name}, allowed={allowed!r}: after push {i} ({delta!r}) of {_short(deltas)}"

        got = push(counter, delta)
        new = push(encoder, delta)
        assert got == counter.count, f"{where()}: push returned {got}, count is {counter.count}"
        stable = counter.stable_count
        assert last_stable <= stable <= got, (
            f"{where()}: stable_count went {last_stable} -> {stable} with count {got}"
        )
        last_stable = stable
        assert new == full[len(emitted) : len(emitted) + len(new)], (
            f"{where()}: encoder handed out {_short(emitted)} + {new}, "
            f"not a prefix of tiktoken's {_short(full)}"
        )
        emitted += new
        assert encoder.stable_count == len(emitted), (
            f"{where()}: encoder.stable_count {encoder.stable_count}, handed out {len(emitted)}"
        )
        if not check_at(i, arrived.length):
            continue
        prefix = arrived.text
        expected = encode(prefix)
        assert got == len(expected), (
            f"{where()}: count {got}, tiktoken gives {len(expected)} for prefix {_short(prefix)}"
        )
        assert expected[:stable] == full[:stable], (
            f"{where()}: stable_count {stable} but tiktoken's tokens of prefix {_short(prefix)} "
            f"{_short(expected)} and of the full text {_short(full)} differ before it"
        )
        pending = encoder.pending()
        assert emitted + pending == expected, (
            f"{where()}: encoder handed out {_short(emitted)} + pending {pending}, tiktoken "
            f"gives {_short(expected)} for prefix {_short(prefix)}"
        )
        assert encoder.count == len(expected), where()

    where = f"{name}, allowed={allowed!r}: finish after {_short(deltas)}"
    final = counter.finish()
    assert final == counter.count == counter.stable_count == len(full), (
        f"{where}: finish {final}, count {counter.count}, stable {counter.stable_count}, "
        f"tiktoken gives {len(full)}"
    )
    assert counter.stable_count >= last_stable, where
    emitted += encoder.finish()
    assert emitted == full, (
        f"{where}: encoder gave {_short(emitted)}, tiktoken gives {_short(full)}"
    )
    assert encoder.pending() == [], where
    assert encoder.count == encoder.stable_count == len(full), where
    return full


# --- splits --------------------------------------------------------------------------------------


@hs.composite
def splits(  # noqa: ANN201
    draw: hs.DrawFn, items: Sequence, max_piece: int | None = None, noops: bool = True
):
    """A split of ``items`` (a str or bytes) into consecutive pieces of 1..max_piece items, with
    the odd no-op delta ("" / b"" / None) in between when ``noops``."""
    if max_piece is None:
        max_piece = draw(hs.sampled_from([1, 2, 3, 5, 8, 16, 40]))
    empty = items[:0]
    pieces: list = []
    i = 0
    while i < len(items):
        if noops and draw(hs.integers(0, 15)) == 0:
            pieces.append(draw(hs.sampled_from([empty, None])))
        n = draw(hs.integers(1, max_piece))
        pieces.append(items[i : i + n])
        i += n
    return pieces


@hs.composite
def split_text(  # noqa: ANN201
    draw: hs.DrawFn,
    text_strategy: hs.SearchStrategy,
    max_len: int = 300,
    max_piece: int | None = None,
    noops: bool = True,
):
    """A text from ``text_strategy``, cut to ``max_len``, split into deltas."""
    text = draw(text_strategy)[:max_len]
    return draw(splits(text, max_piece, noops))


def token_byte_deltas(tokenizer: str, text: str) -> list[bytes]:
    """The bytes of each of ``tokenizer``'s tokens of ``text``: what an API streams."""
    ref = tk(tokenizer)
    return [ref.decode_single_token_bytes(t) for t in ref.encode_ordinary(text)]


def token_text_deltas(tokenizer: str, text: str) -> list[str]:
    """Token-aligned str deltas: token bytes grouped until they decode (a token may hold part of
    a character; the API then sends the character with the token that completes it)."""
    deltas, buf = [], b""
    for piece in token_byte_deltas(tokenizer, text):
        buf += piece
        try:
            deltas.append(buf.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        buf = b""
    assert not buf and "".join(deltas) == text
    return deltas


# --- properties on generated text ----------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=split_text(strategies.text))
@example(deltas=["I'", "ll go"])
@example(deltas=["don'", "t", "x \n ", " \nx", "  ", "world", "12", "345", "DEF", "a\r", "\n"])
@example(deltas=["'\u017f", "'S", " '", "LL", "\u01c5", "ungla", "\u3000", "\u3000x"])
def test_count_after_every_random_delta(name: str, deltas: list[str | None]) -> None:
    check_stream(name, deltas)


#: Words of letters from every case class (o200k splits its words by case: a stream keeps an
#: upper-case word open across deltas), with a few separators.
cased_letters = strategies.joined(
    strategies.letter_run, strategies.cased_word, hs.sampled_from([" ", "'", "'s", ".", "\n"]), max_size=12
)


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=split_text(cased_letters, max_piece=3))
@example(deltas=["A", "\u4e2dA", " "])
@example(deltas=[" \u0412\u042b", "\u0420\u0410", "\u0416", "\u0435\u043d\u0438", "E", " )"])
@example(deltas=["GNU", "s", "'s", " GPL", "\u01c5", "A", "b"])
def test_case_mixed_words_in_small_deltas(name: str, deltas: list[str | None]) -> None:
    check_stream(name, deltas)


#: Runs of spaces, line breaks and digits between words and marks (a stream keeps such a run
#: open and ends it on the next delta when it can).
blank_runs = strategies.joined(
    strategies.whitespace_run,
    strategies.digit_run,
    hs.sampled_from(["1", "12", "123", "1234", "0.5", "1,000"]),
    hs.sampled_from([" ", "  ", "\n", "\n\n", "    ", "\r\n", "\u3000"]),
    strategies.ascii_word,
    strategies.punct_run,
    hs.sampled_from(["x", "中", "1", "'s", "é", "/"]),
    max_size=16,
)


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=split_text(blank_runs, max_piece=3))
@example(deltas=["\n", "\n", "foo"])
@example(deltas=["\n\n", "a", " "])
@example(deltas=["   ", " (", "x"])
@example(deltas=["  ", " \u3000", "x"])
@example(deltas=["\n", " x", "\n", "\u3000x"])
@example(deltas=["12", "3", "4", "\":", "1", "\u0661", "x"])
@example(deltas=["\n", "   ", " x", "\n\n", " ", "  ", " (", "y"])
@example(deltas=["\n", "  ", "\n", "  ", "x", "\n", " ", " \t", "\n", " ", " \u3000"])
def test_blank_runs_in_small_deltas(name: str, deltas: list[str | None]) -> None:
    check_stream(name, deltas)


#: Punctuation of any script (a stream keeps a run open, ends it on a space, a number or a letter
#: after two characters, and lets one character, a bracket or a space, go on into the word after
#: it) between letters, marks and emoji.
punct_words = strategies.joined(
    strategies.punct_run,
    strategies.punct_run,
    strategies.letter_run,
    hs.sampled_from([" ", "  ", "\n", "\r\n", "1", "\u0661", "\u0301", "\u200b", "\U0001f600", "/", " (", "'s"]),
    # Marks that are tokens with the word after them: "\u2014and", "\u201cThe", "\uff0c\u8bf7".
    hs.sampled_from(["\u2014", "\u201c", "\uff0c", "\u2019", "and", "The", "s", "\u8bf7", "\u5728"]),
    max_size=16,
)


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=split_text(punct_words, max_piece=3))
@example(deltas=["\u2014", "and", " \u201c", "The", "\uff0c", "\u8bf7", "\u2019", "s"])
@example(deltas=[" \u00ab", "\u00bb,", " \u00ab", "str"])
@example(deltas=["\u3002", "\u0301", "a"])
@example(deltas=["\uff08", "\u6240\u6709", "\uff09\n\n", "\u5bf9"])
@example(deltas=["=", "\u0421", "\u0422"])
@example(deltas=[" ", "\u8fdb\u5165", " ", "5", "00"])
@example(deltas=["\u00bb", "),", "\n", "x"])
def test_punctuation_of_any_script_in_small_deltas(name: str, deltas: list[str | None]) -> None:
    check_stream(name, deltas)


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.hard_text.map(lambda s: s[:160]))
@example(text="we'll don't x \n  \nx hello  world 12345 abcDEF a\r\n")
def test_one_character_deltas(name: str, text: str) -> None:
    check_stream(name, list(text))


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=strategies.text.map(lambda s: s[:300]), tokenizer=hs.sampled_from(ENCODINGS))
@example(text="Hi world! I'll be at 12:345 \u4e2d\u6587 \U0001f44d\U0001f3fd", tokenizer="r50k_base")
def test_token_aligned_deltas(name: str, text: str, tokenizer: str) -> None:
    check_stream(name, token_text_deltas(tokenizer, text))


#: Continuations that change how the end of a prefix splits, in one family or another.
CONTINUATIONS = [
    "", "s", "S", "\u017f", "t", "ll", "LL", "re", "ve", "m", "d", "'", "'s", " ", "  ", "\n",
    "\r\n", "\n\n", "\t", " \n", "x", "X", "\u01c5", "\u02b0", "1", "123", "DEF", "def",
    "\u0301", "\u093e", "\u3000", "\xa0", "/", "!", ".", "\u4e2d", "\U0001f600", "\u200d",
    "\U0001f3fd", " \nx", " world", "<|endoftext|>",
]  # fmt: skip


@pytest.mark.parametrize("name", ENCODINGS)
@given(
    deltas=split_text(strategies.hard_text, max_len=120),
    extra=hs.lists(strategies.atom, max_size=4),
)
@example(deltas=["x \n "], extra=[])
@example(deltas=["I'"], extra=[])
@example(deltas=["hello  "], extra=[])
def test_stable_tokens_survive_any_continuation(
    name: str, deltas: list[str | None], extra: list[str]
) -> None:
    """Invariant 3 for continuations other than the one that arrives."""
    ref = tk(name)
    counter = st(name).stream()
    prefix = ""
    for delta in deltas:
        prefix += delta or ""
        counter.push(delta)
        stable = counter.stable_count
        tokens = ref.encode_ordinary(prefix)[:stable]
        for cont in CONTINUATIONS + extra:
            assert ref.encode_ordinary(prefix + cont)[:stable] == tokens, (
                f"{name}: stable_count {stable} after {deltas!r} up to {prefix!r}, but "
                f"continuing with {cont!r} changes one of those tokens"
            )


@pytest.mark.parametrize("name", ENCODINGS)
@given(deltas=hs.lists(strategies.text_with_surrogates.map(lambda s: s[:40]), max_size=12))
@example(deltas=["\ud83d", "\ude00"])
@example(deltas=["a\ud83d", "\ude00b"])
@example(deltas=["\ude00", "\ud83d"])
def test_deltas_with_lone_surrogates(name: str, deltas: list[str]) -> None:
    """tiktoken turns a str into UTF-8 via UTF-16 with replacement, which joins a high and a low
    surrogate into one character, also when two deltas split the pair."""
    check_stream(name, deltas)


# --- the table of ARCHITECTURE.md: cases where a naive "commit all but the last piece" is wrong --------


def check_rewrite(name: str, before: str, appended: str) -> None:
    """The count after ``before`` and after ``before + appended`` is tiktoken's, however the two
    arrive: as two deltas, one character at a time, and split at every other point."""
    encode = tk(name).encode_ordinary
    counter = st(name).stream()
    assert counter.push(before) == len(encode(before))
    assert counter.push(appended) == len(encode(before + appended))
    assert counter.finish() == len(encode(before + appended))
    check_stream(name, [before, appended])
    text = before + appended
    check_stream(name, list(text))
    for cut in range(1, len(text)):
        check_stream(name, [text[:cut], text[cut:]])


@pytest.mark.parametrize("name", ["cl100k_base"])
def test_contraction_completed_by_later_delta(name: str) -> None:
    # cl100k: I,' -> I,'ll, go
    check_rewrite(name, "I'", "ll go")


@pytest.mark.parametrize("name", ["o200k_base"])
def test_contraction_merges_into_word_when_completed(name: str) -> None:
    # o200k: we,'l -> we'll
    check_rewrite(name, "we'l", "l")


@pytest.mark.parametrize("name", ["o200k_base"])
def test_count_goes_down_when_contraction_completes(name: str) -> None:
    # o200k: don,' -> don't (2 -> 1)
    ref = tk(name)
    assert len(ref.encode_ordinary("don't")) < len(ref.encode_ordinary("don'"))
    check_rewrite(name, "don'", "t")


@pytest.mark.parametrize("name", ["o200k_base"])
def test_whitespace_piece_rewritten_two_pieces_back(name: str) -> None:
    # o200k: x, \n,  -> x, \n  \n,x
    check_rewrite(name, "x \n ", " \nx")


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_trailing_spaces_give_last_space_to_next_word(name: str) -> None:
    # hello,"  " -> hello," "," world"
    check_rewrite(name, "hello  ", "world")


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_digit_group_regrouped_by_more_digits(name: str) -> None:
    # 12 -> 123,45
    check_rewrite(name, "12", "345")


@pytest.mark.parametrize("name", ["o200k_base"])
def test_o200k_case_change_starts_new_piece(name: str) -> None:
    # o200k: abc -> abc,DEF
    check_rewrite(name, "abc", "DEF")


@pytest.mark.parametrize("name", ["cl100k_base"])
def test_cl100k_case_change_extends_piece(name: str) -> None:
    # cl100k: abc -> abcDEF
    check_rewrite(name, "abc", "DEF")


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_carriage_return_joined_by_newline(name: str) -> None:
    # a,\r -> a,\r\n
    check_rewrite(name, "a\r", "\n")


DESIGN_TABLE = [
    ("I'", "ll go"), ("we'l", "l"), ("don'", "t"), ("x \n ", " \nx"), ("hello  ", "world"),
    ("12", "345"), ("abc", "DEF"), ("a\r", "\n"),
]  # fmt: skip


@pytest.mark.parametrize("row", DESIGN_TABLE, ids=repr)
@pytest.mark.parametrize("name", ENCODINGS)
def test_design_table_rows_in_every_encoding(name: str, row: tuple[str, str]) -> None:
    check_rewrite(name, *row)


# --- long runs of one kind of character, one character at a time --------------------------------

RUNS = {
    "letters": "a" * 300,
    "Aa": "Aa" * 150,
    "spaces": " " * 300,
    "spaces-then-word": " " * 200 + "word",
    "space-newline": " \n" * 150,
    "newlines": "\n" * 300,
    "crlf": "\r\n" * 150,
    "ideographic-space": "\u3000" * 200 + "x",
    "digits": "1234567890" * 30,
    "apostrophe-s": "'s" * 150,
    "apostrophes": "'" * 200 + "ll",
    "cjk": "\u4e2d\u6587" * 150,
    "marks": "a\u0301" * 150,
    "punct": "!?" * 150,
    "emoji-zwj": "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 40,
}


@pytest.mark.parametrize("kind", sorted(RUNS))
@pytest.mark.parametrize("name", ENCODINGS)
def test_long_run_one_character_at_a_time(name: str, kind: str) -> None:
    check_stream(name, list(RUNS[kind]))


# --- real text -----------------------------------------------------------------------------------

INLINE_CORPUS = {
    "english": (
        "It's 9:41 a.m. and the release didn't ship. We'll try again at 12:30 -- if the CI's "
        "green. \"I'm not sure,\" she said, \"but they've said it'd be fine.\"\n\n"
        "Streaming APIs send text in small pieces: a word, half a word, or a single byte of a "
        "multi-byte character. Counting tokens exactly means knowing which pieces can still "
        "change when more text arrives.\n"
    ),
    "code": (
        "def count(text: str) -> int:\n"
        "    \"\"\"Return the number of tokens.\"\"\"\n"
        "    if not text:\n\t\treturn 0\r\n"
        "    return len(enc.encode_ordinary(text))  # 100% exact\n\n\n"
        "const url = 'https://example.com/api/v1/items?id=12345&q=caf\u00e9';\n"
        "    </div>\n        <a href=\"/x/y\">x</a>\n"
    ),
    "european": (
        "Gr\u00fc\u00dfe aus M\u00fcnchen! Stra\u00dfe, \u00c4pfel und \u00d6l. "
        "C'est l'\u00e9t\u00e9 ; qu'en dis-tu ? \u00bfQu\u00e9 tal? \u00a1Ol\u00e9! "
        "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! "
        "\u041c\u041e\u0421\u041a\u0412\u0410 "
        "\u0397 \u03c3\u03bf\u03c6\u03af\u03b1 \u03a3\u0399\u03a3\u03a5\u03a6\u039f\u03a3. "
        "\u01c5ungla \u01c8ubav \u0130stanbul \u0131i na\u00efve \ufb01ne\n"
    ),
    "asian": (
        "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3092\u6570\u3048\u307e\u3059\u3002"
        "\u3072\u3089\u304c\u306a\u3068\u30ab\u30bf\u30ab\u30ca\u3001"
        "\uff76\uff80\uff76\uff85\u3002\n"
        "\u4e2d\u6587\u6587\u672c\uff1a\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb"
        "\u516c\u56ed\u5427\uff01\u3000\u3000\u6570\u5b57\uff11\uff12\uff13\u3002\n"
        "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4. "
        "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22"
        "\u0e40\u0e02\u0e35\u0e22\u0e19\u0e15\u0e34\u0e14\u0e01\u0e31\u0e19\n"
    ),
    "rtl-indic": (
        "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u0644\u063a\u0629 "
        "\u062c\u0645\u064a\u0644\u0629"
        "\u060c \u0661\u0662\u0663\u066b\u0664\u0665 \u061f\n"
        "\u05e2\u05d1\u05e8\u05d9\u05ea \u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd\n"
        "\u0939\u093f\u0928\u094d\u0926\u0940 \u092e\u0947\u0902 \u0932\u093f\u0916\u093e "
        "\u0917\u092f\u093e \u0966\u0967\u0968 \u0935\u093e\u0915\u094d\u092f\u0964\n"
    ),
    "emoji-markdown": (
        "| col | value |\n|-----|------:|\n| \U0001f44d\U0001f3fd | 1\ufe0f\u20e3 |\n"
        "| \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 | \U0001f1fa\U0001f1f8 |\n\n"
        "> **Note:** don't   panic\u2026  \n>  \n- [x] done\u2014really\n"
    ),
}


#: The real text files of tests/data/ (origins in SOURCES.md), whatever is there.
DATA_FILES = sorted(
    p.name for p in DATA_DIR.glob("*") if p.is_file() and p.suffix != ".md"
) if DATA_DIR.is_dir() else []  # fmt: skip
SPLIT_KINDS = ["tokens", "token-bytes", "chars", "bytes"]


@functools.cache
def read_data_file(filename: str) -> str:
    # Decoded from bytes so that line endings stay as committed.
    return (DATA_DIR / filename).read_bytes().decode("utf-8")


def corpus_deltas(text: str, how: str, tokenizer: str) -> list[Delta]:
    """``text`` split as an API streams it (``tokens``: token-aligned str deltas; ``token-bytes``:
    the bytes of each token), or in random pieces of 1-12 characters / bytes (seeded)."""
    if how == "tokens":
        return list(token_text_deltas(tokenizer, text))
    if how == "token-bytes":
        return list(token_byte_deltas(tokenizer, text))
    rng = random.Random(f"{how}/{len(text)}/{tokenizer}")
    data: str | bytes = text if how == "chars" else text.encode("utf-8")
    pieces, i = [], 0
    while i < len(data):
        n = rng.randint(1, 12)
        pieces.append(data[i : i + n])
        i += n
    return pieces


@pytest.mark.parametrize("how", SPLIT_KINDS)
@pytest.mark.parametrize("text_id", sorted(INLINE_CORPUS))
@pytest.mark.parametrize("name", ENCODINGS)
def test_multilingual_paragraphs_streamed(name: str, text_id: str, how: str) -> None:
    check_stream(name, corpus_deltas(INLINE_CORPUS[text_id], how, name))


#: Characters at the start of a data file that are streamed with every push checked.
OPENING_CHARS = 1500


@pytest.mark.parametrize("filename", DATA_FILES)
@pytest.mark.parametrize("name", ENCODINGS)
def test_data_file_opening_streamed(name: str, filename: str) -> None:
    """The opening of each file, every push checked; the split kind varies over files and
    encodings so that each file meets each kind."""
    how = SPLIT_KINDS[(DATA_FILES.index(filename) + ENCODINGS.index(name)) % len(SPLIT_KINDS)]
    text = read_data_file(filename)[:OPENING_CHARS]
    check_stream(name, corpus_deltas(text, how, name))


#: Pushes of a whole data file that are checked against tiktoken (besides the final count and
#: ids, and the checks made after every push); re-encoding every prefix would be quadratic.
SAMPLED_PUSHES = 8


@pytest.mark.parametrize("filename", DATA_FILES)
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_data_file_streamed_whole(name: str, filename: str) -> None:
    """A whole file as an API streams it: token by token, tokens of another family (so deltas
    do not line up with this encoding's pieces), bytes of a token that splits a character
    pushed as bytes."""
    tokenizer = FAMILY_ENCODINGS[(FAMILY_ENCODINGS.index(name) + 1) % len(FAMILY_ENCODINGS)]
    deltas = corpus_deltas(read_data_file(filename), "token-bytes", tokenizer)
    stride = max(1, len(deltas) // SAMPLED_PUSHES)
    check_stream(name, deltas, check_at=lambda i, n_chars: i % stride == stride - 1)


@pytest.mark.parametrize("name", ENCODINGS)
def test_stable_count_stays_close_behind_on_prose(name: str) -> None:
    """On prose of short words, only the last few pieces stay open: the stream does not hold
    back its whole input."""
    text = INLINE_CORPUS["english"] * 3
    counter = st(name).stream()
    for delta in token_text_deltas(name, text):
        counter.push(delta)
        assert counter.count - counter.stable_count <= 8, (
            f"{name}: {counter.count - counter.stable_count} tokens still open after "
            f"{delta!r} ({counter.count} counted, {counter.stable_count} stable)"
        )


# --- the API around push -------------------------------------------------------------------------


def test_push_returns_plain_ints_on_both_sides_of_the_kept_ones() -> None:
    # push hands out kept int objects for counts below 2**14 and new ones above: all are exact
    # ints, in two counters at once, and a kept one is not disturbed by being handed out again.
    ref = tk("o200k_base")
    text = "".join(f"word{i} " for i in range(6000))  # about 18,000 tokens
    cut = [text[i : i + 700] for i in range(0, len(text), 700)]
    first, second = st("o200k_base").stream(), st("o200k_base").stream()
    seen = []
    for i, delta in enumerate(cut):
        got = first.push(delta)
        assert type(got) is int and got == first.count
        assert second.push(delta) == got
        seen.append(got)
        if i % 5 == 0:
            assert got == len(ref.encode_ordinary("".join(cut[: i + 1])))
    assert seen[0] < 2**14 < seen[-1]
    assert first.finish() == len(ref.encode_ordinary(text))
    assert seen == sorted(seen) and all(type(n) is int and n == int(str(n)) for n in seen)


@pytest.mark.caches
def test_push_hands_out_each_count_of_a_block_as_one_kept_int() -> None:
    # The kept ints of counts are made a block of 256 at a time, at the first count of a block
    # that a push returns: one token a push, every count from 1 to past the third block comes out
    # right, and a second stream gets the very same objects.
    text = "".join(f"word{i} " for i in range(400))
    deltas = token_text_deltas("o200k_base", text)
    first, second = st("o200k_base").stream(), st("o200k_base").stream()
    for n, delta in enumerate(deltas, 1):
        got = first.push(delta)
        assert type(got) is int and got == n == first.count
        assert second.push(delta) is got
    assert len(deltas) > 3 * 256


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
@pytest.mark.parametrize("unit", ["\u00e9", "\u00ff", "\u4e2d", "\uffff", "\U0001f600", "\U0010ffff"])
def test_fresh_non_ascii_deltas_of_every_storage_width(name: str, unit: str) -> None:
    # push reads a short non-ASCII str from its own storage (one, two or four bytes a
    # character) up to 64 characters, longer ones through CPython's UTF-8: both sides of that
    # limit, each delta a new object with ASCII around the character, against tiktoken.
    ref, counter, text = tk(name), st(name).stream(), ""
    for n in (1, 2, 31, 63, 64, 65, 100):
        delta = "".join(["a", unit * n, " b"][: 2 + n % 2])
        delta = delta.encode().decode()  # a new str, with no UTF-8 copy kept
        text += delta
        assert counter.push(delta) == len(ref.encode_ordinary(text)), (unit, n)
    assert counter.finish() == len(ref.encode_ordinary(text))


@pytest.mark.parametrize("name", ENCODINGS)
def test_noop_pushes_return_the_count(name: str) -> None:
    ref = tk(name)
    counter = st(name).stream()
    assert (counter.count, counter.stable_count) == (0, 0)
    assert counter.push(None) == 0
    assert counter.push("") == 0
    assert counter.push_bytes(b"") == 0
    assert counter.push("hello  wor") == len(ref.encode_ordinary("hello  wor"))
    before = (counter.count, counter.stable_count)
    for noop in (None, ""):
        assert counter.push(noop) == before[0]
        assert (counter.count, counter.stable_count) == before
    assert counter.push_bytes(b"") == before[0]
    assert (counter.count, counter.stable_count) == before
    assert counter.push("ld") == len(ref.encode_ordinary("hello  world"))

    encoder = st(name).stream_encoder()
    assert encoder.push(None) == [] and encoder.push("") == [] and encoder.push_bytes(b"") == []
    assert encoder.pending() == []


@pytest.mark.parametrize("name", ENCODINGS)
def test_empty_stream_finishes_at_zero(name: str) -> None:
    counter = st(name).stream()
    assert counter.finish() == 0
    assert (counter.count, counter.stable_count) == (0, 0)
    encoder = st(name).stream_encoder()
    assert encoder.finish() == []
    assert encoder.pending() == []


@pytest.mark.parametrize("name", ENCODINGS)
def test_push_after_finish_raises_and_changes_nothing(name: str) -> None:
    text = "don't stop  "
    expected = len(tk(name).encode_ordinary(text))
    counter = st(name).stream()
    counter.push(text)
    assert counter.finish() == expected
    attempts = [
        lambda: counter.push("x"),
        lambda: counter.push_bytes(b"x"), lambda: counter.push_bytes(b"\xe4"),
        lambda: counter.push("\ud83d"),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValueError, match="finished"):
            attempt()
        assert (counter.count, counter.stable_count) == (expected, expected)
    # Empty deltas add no input, so they stay no-ops after the end too.
    assert counter.push(None) == counter.push("") == counter.push_bytes(b"") == expected
    assert counter.finish() == expected

    encoder = st(name).stream_encoder()
    ids = encoder.push(text)
    ids += encoder.finish()
    assert ids == tk(name).encode_ordinary(text)
    with pytest.raises(ValueError, match="finished"):
        encoder.push("x")
    with pytest.raises(ValueError, match="finished"):
        encoder.push_bytes(b"x")
    assert encoder.finish() == []
    assert encoder.pending() == []
    assert encoder.count == encoder.stable_count == expected


@pytest.mark.parametrize("name", ENCODINGS)
def test_reset_starts_over(name: str) -> None:
    ref = tk(name)
    counter = st(name).stream()
    counter.push("first text, 12")
    counter.reset()
    assert (counter.count, counter.stable_count) == (0, 0)
    check_counts = [counter.push(d) for d in ["3 I'", "ll", " go"]]
    assert check_counts == [len(ref.encode_ordinary(p)) for p in ["3 I'", "3 I'll", "3 I'll go"]]
    counter.finish()
    counter.reset()
    assert counter.push("again") == len(ref.encode_ordinary("again"))

    encoder = st(name).stream_encoder()
    encoder.push("first text, 12")
    encoder.reset()
    assert encoder.pending() == [] and encoder.count == 0
    ids = encoder.push("3 I'll go") + encoder.finish()
    assert ids == ref.encode_ordinary("3 I'll go")


def test_counter_constructors_agree() -> None:
    text = ["Hello, wor", "ld! I'", "ll be there"]
    enc = streamtok.get_encoding("o200k_base")
    counters = [
        enc.stream(),
        streamtok.StreamCounter("o200k_base"),
        streamtok.StreamCounter("gpt-4o"),
        streamtok.StreamCounter(enc),
    ]
    expected = [len(tk("o200k_base").encode_ordinary("".join(text[: i + 1]))) for i in range(3)]
    for counter in counters:
        assert counter.encoding.name == "o200k_base"
        assert [counter.push(d) for d in text] == expected
    encoders = [
        enc.stream_encoder(), streamtok.StreamEncoder("gpt-4o"), streamtok.StreamEncoder(enc)
    ]
    for encoder in encoders:
        assert encoder.encoding.name == "o200k_base"
        ids = [t for d in text for t in encoder.push(d)] + encoder.finish()
        assert ids == tk("o200k_base").encode_ordinary("".join(text))


@pytest.mark.parametrize("name", ENCODINGS)
def test_counter_by_encoding_name(name: str) -> None:
    counter = streamtok.StreamCounter(name)
    assert counter.encoding.name == name
    assert counter.push("x \n ") == len(tk(name).encode_ordinary("x \n "))
    assert counter.push(" \nx") == len(tk(name).encode_ordinary("x \n  \nx"))


def test_unknown_model_raises_key_error() -> None:
    with pytest.raises(KeyError, match="nope-model"):
        streamtok.StreamCounter("nope-model")


@pytest.mark.parametrize("name", ENCODINGS)
def test_copy_module_copies_a_stream(name: str) -> None:
    ref = tk(name)
    counter = st(name).stream()
    counter.push("hello  ")
    twin = copy.copy(counter)
    assert twin.push("world") == len(ref.encode_ordinary("hello  world"))
    assert counter.count == len(ref.encode_ordinary("hello  "))
    assert counter.push("there") == len(ref.encode_ordinary("hello  there"))


# A short non-ASCII `str` is read out of CPython's own storage (one, two or four bytes a
# character) up to 64 characters; longer ones take CPython's UTF-8. Deltas of every storage
# kind around that length, mixed with ASCII and with each other.
@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
@given(
    deltas=hs.lists(
        hs.tuples(hs.sampled_from(["é", "ÿ", "Ж", "中", "😀", "a", " ", "\u0301"]), hs.integers(1, 70)).map(
            lambda t: t[0] * t[1]
        )
        | hs.lists(hs.sampled_from(["é", "ÿ", "Ж", "中", "😀", "a", " ", "\u0301", "x"]), min_size=60, max_size=68).map(
            "".join
        ),
        min_size=1,
        max_size=6,
    )
)
def test_deltas_of_every_storage_kind_near_the_short_limit(name: str, deltas: list[str]) -> None:
    check_stream(name, deltas)


class _Str(str):
    """A str subclass: CPython keeps its characters apart from the object."""


@pytest.mark.parametrize("name", FAMILY_ENCODINGS)
def test_str_subclasses_and_long_ascii_deltas_count_as_their_text(name: str) -> None:
    deltas = [_Str("Hello, "), _Str("wörld"), "x" * 20_000, _Str(" and " * 3_000), _Str("中文"), " end"]
    check_stream(name, deltas)
