"""The tiktoken-compatible ``Encoding`` and the registry of built-in encodings."""

from __future__ import annotations

import _thread
import os

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    import re
    from collections.abc import Collection, Sequence
    from typing import AbstractSet, Literal, NoReturn, TypeAlias

    AllowedSpecial: TypeAlias = Literal["all"] | AbstractSet[str]
    DisallowedSpecial: TypeAlias = Literal["all"] | Collection[str]

from streamtok import _native
from streamtok._models import encoding_name_for_model


class Encoding(_native.Encoding):
    """A tokenizer that encodes and counts exactly as tiktoken's encoding of the same name.

    Get one with :func:`get_encoding` or :func:`encoding_for_model`; built-in encodings are
    shared per process, load in milliseconds and never touch the network.

    >>> enc = get_encoding("o200k_base")
    >>> enc.encode("hello world")
    [24912, 2375]
    >>> enc.count("hello world")
    2
    """

    # What `from_tiktoken_file` read, so that a custom encoding pickles by content.
    _source: tuple[bytes, str, dict[str, int]]

    @classmethod
    def from_tiktoken_file(
        cls,
        path: str | os.PathLike[str],
        *,
        family: Literal["gpt2", "cl100k", "o200k"],
        special_tokens: dict[str, int] | None = None,
        name: str | None = None,
    ) -> Encoding:
        """Load a ``.tiktoken`` rank file whose encoding splits text like a known family.

        Args:
            path: the file, one ``<base64 token> <rank>`` pair a line.
            family: the pre-tokenizer pattern: ``"gpt2"`` (r50k/p50k), ``"cl100k"``, ``"o200k"``.
            special_tokens: special token texts and their ids.
            name: the encoding's name (default: the file name without extension).

        Raises:
            ValueError: the file is malformed (the message names the line), the family is
                unknown, or a special token collides with the vocabulary.
        """
        with open(path, "rb") as f:
            data = f.read()
        specials = dict(special_tokens or {})
        name = name if name is not None else os.path.basename(os.fspath(path)).split(".")[0]
        enc = cls(name, data=data, family=family, special_tokens=specials)
        enc._source = (data, family, specials)
        return enc

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self) -> tuple[object, ...]:
        source = getattr(self, "_source", None)
        if source is None:
            return (get_encoding, (self.name,))
        data, family, specials = source
        return (_rebuild, (self.name, data, family, specials))

    @property
    def special_tokens_set(self) -> set[str]:
        """The texts of the special tokens."""
        return set(self._special_tokens)

    @property
    def eot_token(self) -> int:
        """The id of ``<|endoftext|>``."""
        return self._special_tokens["<|endoftext|>"]

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[int]:
        """Encode ``text`` into token ids, exactly as tiktoken does.

        Special-token text listed in ``allowed_special`` becomes its special token; text of a
        special token in ``disallowed_special`` (by default every one not allowed) raises;
        anything else is ordinary text.

        Raises:
            ValueError: ``text`` holds a special token that is disallowed.

        >>> get_encoding("o200k_base").encode("hello world")
        [24912, 2375]
        >>> get_encoding("o200k_base").encode("<|endoftext|>", allowed_special="all")
        [199999]
        """
        allowed = self._check_specials(text, allowed_special, disallowed_special)
        return self._encode(text, allowed)

    def encode_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: AllowedSpecial = frozenset(),
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[list[int]]:
        """Encode every text of ``text`` as :meth:`encode` would, on up to ``num_threads`` threads.

        Raises:
            ValueError: a text holds a special token that is disallowed.
        """
        allowed, disallowed = self._special_sets(allowed_special, disallowed_special)
        # The texts are searched for disallowed special tokens on the worker threads too.
        return self._encode_batch(list(text), allowed, num_threads=num_threads, disallowed=disallowed or None)

    def stream(
        self, *, allowed_special: AllowedSpecial = frozenset(), max_open_bytes: int | None = None
    ) -> _native.StreamCounter:
        """Start an exact running count of text that arrives in deltas.

        Special tokens in ``allowed_special`` count as one token even when a delta splits
        their text; all other text is ordinary, so a stream never raises on special-token text.
        ``max_open_bytes`` bounds the text a counter holds while no piece boundary comes
        (default 8 MiB): a push past it raises ``ValueError`` and changes nothing.

        >>> counter = get_encoding("o200k_base").stream()
        >>> counter.push("Hello, wor")
        3
        >>> counter.push("ld!")
        4
        >>> counter.finish()
        4
        """
        return _native.StreamCounter(self, allowed_special=allowed_special, max_open_bytes=max_open_bytes)

    def stream_encoder(
        self, *, allowed_special: AllowedSpecial = frozenset(), max_open_bytes: int | None = None
    ) -> _native.StreamEncoder:
        """Start a stream that hands out token ids as they become final (``max_open_bytes`` as
        for :meth:`stream`).

        >>> encoder = get_encoding("o200k_base").stream_encoder()
        >>> encoder.push("hello wor")
        [24912]
        >>> encoder.push("ld")
        []
        >>> encoder.pending()
        [2375]
        >>> encoder.finish()
        [2375]
        """
        return _native.StreamEncoder(self, allowed_special=allowed_special, max_open_bytes=max_open_bytes)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decode token ids into text; bytes that are not UTF-8 follow ``errors``.

        >>> get_encoding("o200k_base").decode([24912, 2375])
        'hello world'
        """
        return self.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """Decode each list of token ids of ``batch``."""
        return [self.decode(tokens, errors=errors) for tokens in batch]

    def _check_specials(
        self,
        text: str,
        allowed_special: AllowedSpecial,
        disallowed_special: DisallowedSpecial,
    ) -> str | AbstractSet[str]:
        """Raise if ``text`` holds a disallowed special token; return what the core allows."""
        allowed, disallowed = self._special_sets(allowed_special, disallowed_special)
        if disallowed:
            pattern = _special_pattern(frozenset(disallowed))
            if not isinstance(text, str):
                raise TypeError(f"'{type(text).__name__}' object is not an instance of 'str'")
            found = pattern.search(text)
            if found:
                _raise_disallowed(found.group())
        return allowed

    def _special_sets(
        self,
        allowed_special: AllowedSpecial,
        disallowed_special: DisallowedSpecial,
    ) -> tuple[str | AbstractSet[str], AbstractSet[str]]:
        """What the core allows, and the special tokens whose text must raise."""
        allowed: AbstractSet[str] = (
            self.special_tokens_set if allowed_special == "all" else allowed_special
        )
        if disallowed_special == "all":
            disallowed_special = self.special_tokens_set - allowed
        return ("all" if allowed_special == "all" else allowed), frozenset(disallowed_special)


def _rebuild(name: str, data: bytes, family: str, specials: dict[str, int]) -> Encoding:
    enc = Encoding(name, data=data, family=family, special_tokens=specials)
    enc._source = (data, family, specials)
    return enc


# Patterns of the special-token sets seen so far (a plain dict: functools would cost import time).
_PATTERNS: dict[frozenset[str], re.Pattern[str]] = {}


def _special_pattern(tokens: frozenset[str]) -> re.Pattern[str]:
    pattern = _PATTERNS.get(tokens)
    if pattern is None:
        import re  # only encode's special-token check needs it: keep it out of import time

        pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        if len(_PATTERNS) >= 128:
            _PATTERNS.clear()
        _PATTERNS[tokens] = pattern
    return pattern


def _raise_disallowed(token: str) -> NoReturn:
    # The message is tiktoken's, word for word: callers match on it.
    raise ValueError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        f"If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )


_ENCODINGS: dict[str, Encoding] = {}
_LOCK = _thread.allocate_lock()  # threading's Lock, without importing threading


def get_encoding(encoding_name: str) -> Encoding:
    """Return the built-in encoding ``encoding_name``, shared per process.

    Raises:
        ValueError: there is no such encoding.

    >>> get_encoding("cl100k_base").name
    'cl100k_base'
    """
    enc = _ENCODINGS.get(encoding_name)
    if enc is not None:
        return enc
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    if encoding_name not in _native.ENCODING_NAMES:
        raise ValueError(
            f"Unknown encoding {encoding_name}. Plugins found: []\n"
            f"Known encodings: {list_encoding_names()}"
        )
    with _LOCK:
        enc = _ENCODINGS.get(encoding_name)
        if enc is None:
            enc = _ENCODINGS[encoding_name] = Encoding(encoding_name)
    return enc


def _resolve(name: str) -> Encoding:
    """The encoding that ``name`` names: an encoding name first, else a model name."""
    if not isinstance(name, str):
        raise TypeError(
            f"expected an Encoding, an encoding name or a model name, got {type(name).__name__}"
        )
    if name in _native.ENCODING_NAMES:
        return get_encoding(name)
    return encoding_for_model(name)


def list_encoding_names() -> list[str]:
    """Names of the built-in encodings."""
    return list(_native.ENCODING_NAMES)


def encoding_for_model(model_name: str) -> Encoding:
    """Return the encoding that ``model_name`` uses.

    Raises:
        KeyError: the model is not known.

    >>> encoding_for_model("gpt-4o").name
    'o200k_base'
    """
    return get_encoding(encoding_name_for_model(model_name))
