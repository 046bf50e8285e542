"""The tiktoken-compatible ``Encoding`` and the registry of built-in encodings."""

from __future__ import annotations

import _thread
import os

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at run time
if TYPE_CHECKING:
    import re
    from collections.abc import Collection, Iterable, Sequence
    from typing import AbstractSet, Literal, NoReturn, TypeAlias

    import numpy as np
    import numpy.typing as npt

    AllowedSpecial: TypeAlias = Literal["all"] | AbstractSet[str]
    DisallowedSpecial: TypeAlias = Literal["all"] | Collection[str]

from streamtok import _native
from streamtok._models import encoding_name_for_model


if TYPE_CHECKING:
    from functools import cached_property as _lazy
else:

    class _lazy:  # noqa: N801 - named as the functools.cached_property it stands for
        """An attribute computed on first use, then kept on the instance (functools'
        ``cached_property`` without importing functools)."""

        def __init__(self, compute):
            self.compute = compute
            self.name = compute.__name__

        def __get__(self, obj, owner=None):
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.compute(obj)
            return value


def _thread_count(num_threads: int, items: int) -> int:
    """Threads for a batch of ``items``: ``num_threads`` checked as tiktoken's batches check it
    (they run on ``ThreadPoolExecutor(num_threads)``), then no more than the items or the CPUs
    this process may use can keep busy."""
    if num_threads is None:  # ThreadPoolExecutor's default: more than the CPUs
        num_threads = _cpus()
    if num_threads <= 0:  # a str raises TypeError here, as in ThreadPoolExecutor
        raise ValueError("max_workers must be greater than 0")
    if num_threads != num_threads:  # NaN: ThreadPoolExecutor would start no thread and hang
        raise ValueError("max_workers must be greater than 0, got nan")
    n = min(num_threads, items, _cpus())
    return max(1, -int(-n // 1))  # a fraction of a thread rounds up, as in ThreadPoolExecutor


_CPUS: list[int] = []


def _cpus() -> int:
    """The CPUs this process may run on."""
    if not _CPUS:
        count = getattr(os, "process_cpu_count", None)
        if count is not None:
            n = count()
        elif hasattr(os, "sched_getaffinity"):
            n = len(os.sched_getaffinity(0))
        else:
            n = os.cpu_count()
        _CPUS.append(n or 1)
    return _CPUS[0]


class Encoding(_native.Encoding):
    """A tokenizer that encodes and counts exactly as tiktoken's encoding of the same name.

    Get one with :func:`get_encoding` or :func:`encoding_for_model`; built-in encodings are
    shared per process, load in milliseconds and never touch the network. As in tiktoken,
    ``Encoding(name, pat_str=..., mergeable_ranks=..., special_tokens=...)`` makes a new one,
    for instance a built-in encoding with chat special tokens added, or an open-weight model's
    tiktoken file with its own pattern:

    >>> enc = get_encoding("o200k_base")
    >>> enc.encode("hello world")
    [24912, 2375]
    >>> enc.count("hello world")
    2
    >>> base = get_encoding("cl100k_base")
    >>> chatml = Encoding(
    ...     "cl100k_im",
    ...     pat_str=base._pat_str,
    ...     mergeable_ranks=base._mergeable_ranks,
    ...     special_tokens={**base._special_tokens, "<|im_start|>": 100264, "<|im_end|>": 100265},
    ... )
    >>> chatml.encode("<|im_start|>user", allowed_special="all")
    [100264, 882]
    """

    # The .tiktoken data it was made from (`from_tiktoken_file`), so that it pickles by content.
    _source: tuple[bytes, str, dict[str, int]] | None = None  # data, pattern, specials
    # Whether tiktoken's constructor made it, so that it pickles by its parts.
    _by_parts = False
    # The tokenizer.json it was made from (`from_tokenizer_json`), so that it pickles by it.
    _tokenizer_json: bytes | None = None

    def __new__(
        cls,
        name: str,
        *,
        pat_str: str | None = None,
        mergeable_ranks: dict[bytes, int] | None = None,
        special_tokens: dict[str, int] | None = None,
        explicit_n_vocab: int | None = None,
        data: bytes | None = None,
        family: str | None = None,
    ) -> Encoding:
        if mergeable_ranks is None and explicit_n_vocab is None and (data is not None or pat_str is None):
            if data is None and (special_tokens is not None or family is not None):
                raise TypeError(
                    "special_tokens and family need data (a .tiktoken file's bytes), or "
                    "tiktoken's pat_str and mergeable_ranks; a built-in encoding takes its name only"
                )
            made = super().__new__(
                cls, name, data=data, family=family, pattern=pat_str, special_tokens=special_tokens
            )
            if data is not None:
                made._source = (bytes(data), made.pattern, dict(special_tokens or {}))
            return made
        if data is not None or family is not None:
            raise TypeError(
                "pass either data and family, or tiktoken's pat_str and mergeable_ranks, not both"
            )
        if pat_str is None or mergeable_ranks is None or special_tokens is None:
            missing = "pat_str" if pat_str is None else "mergeable_ranks" if mergeable_ranks is None else "special_tokens"
            raise TypeError(f"Encoding() missing required keyword-only argument: {missing!r}")
        _check_ranks(mergeable_ranks)
        if explicit_n_vocab:
            _check_vocab_size(mergeable_ranks, special_tokens, explicit_n_vocab)
        from streamtok.load import _data_of

        enc = super().__new__(
            cls, name, data=_data_of(mergeable_ranks), pattern=pat_str, special_tokens=dict(special_tokens)
        )
        # The caller's objects, as tiktoken keeps them.
        enc._pat_str = pat_str
        enc._mergeable_ranks = mergeable_ranks
        enc._special_tokens = special_tokens  # type: ignore[misc]  # the base's is read-only
        enc._by_parts = True
        return enc

    @classmethod
    def from_tiktoken_file(
        cls,
        path: str | os.PathLike[str],
        *,
        family: Literal["gpt2", "cl100k", "o200k"] | None = None,
        pat_str: str | None = None,
        special_tokens: dict[str, int] | None = None,
        name: str | None = None,
    ) -> Encoding:
        """Load a ``.tiktoken`` rank file, with the pattern that splits its text into pieces.

        Args:
            path: the file, one ``<base64 token> <rank>`` pair a line.
            family: a built-in pattern family: ``"gpt2"`` (r50k/p50k), ``"cl100k"``, ``"o200k"``.
            pat_str: or the pattern itself, as tiktoken's ``pat_str`` (an open-weight model's,
                say Qwen's); a family's own pattern takes that family's scanner.
            special_tokens: special token texts and their ids.
            name: the encoding's name (default: the file name without extension).

        Raises:
            ValueError: the file is malformed (the message names the line), the family is
                unknown, the pattern does not parse or holds what streamtok cannot run exactly
                (the message names it), or a special token collides with the vocabulary.
            TypeError: neither or both of ``family`` and ``pat_str``.
        """
        if (family is None) == (pat_str is None):
            raise TypeError("from_tiktoken_file needs one of family and pat_str")
        with open(path, "rb") as f:
            data = f.read()
        name = name if name is not None else os.path.basename(os.fspath(path)).split(".")[0]
        return cls(name, data=data, family=family, pat_str=pat_str, special_tokens=dict(special_tokens or {}))

    @classmethod
    def from_tokenizer_json(
        cls,
        path_or_json: str | os.PathLike[str] | dict[str, object],
        *,
        name: str | None = None,
    ) -> Encoding:
        """Load a Hugging Face ``tokenizer.json`` whose model is byte-level BPE (Llama 3, Qwen,
        DeepSeek, GPT-2 and others): ids exactly as ``tokenizers`` gives them for
        ``Tokenizer.encode(text, add_special_tokens=False)``.

        Added tokens with ``"special": true`` are the encoding's special tokens, recognised as
        tiktoken recognises them (``allowed_special``, ``disallowed_special``); the other added
        tokens are split out of every text, as ``tokenizers`` does. The merges follow the order
        of the file's merges list. Streams work unless the file normalizes text (NFC), puts a
        space before it (``add_prefix_space``), splits it with more than four ``Split`` steps, or
        has an added token matched after normalization that overlaps one matched before it;
        those files encode and count in one-shot calls, and a stream of one raises
        ``ValueError`` saying why.

        Args:
            path_or_json: the file's path, its text, or the dict ``json.load`` made of it.
            name: the encoding's name (default: the file name without extension, or
                ``"tokenizer"``).

        Raises:
            ValueError: the file is malformed, or holds a component that streamtok does not run
                exactly (the message names it: a Metaspace or WordPiece, a normalizer other than
                NFC, BPE dropout, byte fallback...).
            OSError: the file cannot be read.

        >>> import json, tokenizers
        >>> from tokenizers import models, pre_tokenizers, decoders, trainers
        >>> hf = tokenizers.Tokenizer(models.BPE())
        >>> hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        >>> hf.decoder = decoders.ByteLevel()
        >>> trainer = trainers.BpeTrainer(
        ...     vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
        ... )
        >>> hf.train_from_iterator(["hello world, hello streams"] * 10, trainer)
        >>> enc = Encoding.from_tokenizer_json(hf.to_str())
        >>> enc.encode("hello world") == hf.encode("hello world", add_special_tokens=False).ids
        True
        """
        if isinstance(path_or_json, dict):
            import json

            data = json.dumps(path_or_json).encode()
            default = "tokenizer"
        elif isinstance(path_or_json, str) and path_or_json.lstrip().startswith("{"):
            data = path_or_json.encode()
            default = "tokenizer"
        else:
            # Bytes as they are: the core parses UTF-8 JSON (no decoding to str and back).
            with open(path_or_json, "rb") as f:
                data = f.read()
            default = os.path.basename(os.fspath(path_or_json)).split(".")[0]
        made = _native.Encoding.__new__(cls, name if name is not None else default, tokenizer_json=data)
        made._tokenizer_json = data
        return made

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self) -> tuple[object, ...]:
        if self._tokenizer_json is not None:
            return (_from_tokenizer_json, (self.name, self._tokenizer_json))
        if self._by_parts:
            return (_from_parts, (self.name, self._pat_str, self._mergeable_ranks, self._special_tokens))
        if self._source is None:
            return (get_encoding, (self.name,))
        data, pattern, specials = self._source
        return (_rebuild, (self.name, data, pattern, specials))

    # --- tiktoken's attributes --------------------------------------------------------------

    @_lazy
    def _pat_str(self) -> str:
        """The pattern that splits text into pieces, as tiktoken spells it."""
        # A tokenizer.json's is its last Split's, in a Sequence.
        return self.pattern

    @_lazy
    def _special_tokens(self) -> dict[str, int]:
        """Special token texts and their ids."""
        return super()._special_tokens

    @_lazy
    def _mergeable_ranks(self) -> dict[bytes, int]:
        """Every mergeable token's bytes and rank."""
        if self._tokenizer_json is not None:
            return dict(super()._mergeable_items())
        if self._source is not None:
            from streamtok.load import _parse

            return _parse(self._source[0], self.name)
        # The built-in encodings rank their mergeable tokens 0, 1, 2, ... skipping only ids of
        # special tokens (p50k's <|endoftext|> sits among them); a gap would raise KeyError here.
        count = len(super().token_byte_values())
        specials = set(self._special_tokens.values())
        ids = [i for i in range(count + len(specials)) if i not in specials][:count]
        return dict(zip(self.decode_tokens_bytes(ids), ids))

    @_lazy
    def _sorted_token_bytes(self) -> list[bytes]:
        return sorted(self._mergeable_ranks)

    @_lazy
    def _special_texts(self) -> frozenset[str]:
        return frozenset(self._special_tokens)

    @property
    def special_tokens_set(self) -> set[str]:
        """The texts of the special tokens."""
        return set(self._special_texts)

    @property
    def eot_token(self) -> int:
        """The id of ``<|endoftext|>``."""
        return self._special_tokens["<|endoftext|>"]

    def token_byte_values(self) -> list[bytes]:
        """The bytes of every mergeable token, sorted (as tiktoken sorts them)."""
        return list(self._sorted_token_bytes)

    # --- encoding -----------------------------------------------------------------------------

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

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),
        disallowed_special: DisallowedSpecial = "all",
    ) -> npt.NDArray[np.uint32]:
        """:meth:`encode` as a numpy ``uint32`` array (numpy is imported on this call only).

        >>> get_encoding("o200k_base").encode_to_numpy("hello world").tolist()
        [24912, 2375]
        """
        import numpy as np

        ids = self.encode(text, allowed_special=allowed_special, disallowed_special=disallowed_special)
        return np.array(ids, dtype=np.uint32)

    def encode_ordinary_batch(
        self, text: Iterable[str], *, num_threads: int = 8
    ) -> list[list[int]]:
        """Encode every text of ``text`` as :meth:`encode_ordinary` would, on up to
        ``num_threads`` threads (no more than the texts and the CPUs can keep busy).

        Raises:
            ValueError: ``num_threads`` is not positive (as tiktoken).
        """
        texts = text if isinstance(text, list) else list(text)
        return super().encode_ordinary_batch(texts, num_threads=_thread_count(num_threads, len(texts)))

    def encode_batch(
        self,
        text: Iterable[str],
        *,
        num_threads: int = 8,
        allowed_special: AllowedSpecial = frozenset(),
        disallowed_special: DisallowedSpecial = "all",
    ) -> list[list[int]]:
        """Encode every text of ``text`` as :meth:`encode` would, on up to ``num_threads`` threads.

        Raises:
            ValueError: a text holds a special token that is disallowed, or ``num_threads`` is
                not positive.
        """
        texts = text if isinstance(text, list) else list(text)
        threads = _thread_count(num_threads, len(texts))
        allowed, disallowed = self._special_sets(allowed_special, disallowed_special)
        # The texts are searched for disallowed special tokens on the worker threads too.
        return self._encode_batch(texts, allowed, num_threads=threads, disallowed=disallowed or None)

    def count_batch(self, texts: Iterable[str], *, num_threads: int = 8) -> list[int]:
        """The token count of every text of ``texts`` (as :meth:`count`), on up to
        ``num_threads`` threads without the GIL.

        Raises:
            ValueError: ``num_threads`` is not positive.

        >>> get_encoding("o200k_base").count_batch(["hello world", "hi"])
        [2, 1]
        """
        texts = texts if isinstance(texts, list) else list(texts)
        return super().count_batch(texts, num_threads=_thread_count(num_threads, len(texts)))

    def encode_with_unstable(
        self,
        text: str,
        *,
        allowed_special: AllowedSpecial = frozenset(),
        disallowed_special: DisallowedSpecial = "all",
    ) -> tuple[list[int], list[list[int]]]:
        """tiktoken's stable tokens of ``text`` and the token sequences that may complete them.

        The first list holds the tokens of a prefix of ``text`` that no continuation changes;
        each sequence of the second, after them, covers the rest of ``text``. The result is
        tiktoken's, heuristics included (the order of the sequences is not defined); for exact
        tokens of a growing text use :meth:`stream_encoder`.

        Raises:
            ValueError: ``text`` holds a special token that is disallowed.
        """
        from streamtok._unstable import encode_with_unstable

        allowed = self._check_specials(text, allowed_special, disallowed_special)
        return encode_with_unstable(self, text, allowed)

    def _encode_single_piece(self, text_or_bytes: str | bytes) -> list[int]:
        """Tokens of one piece merged whole, without the pattern's split (tiktoken's private
        call of the same name); special tokens are not recognised."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        return super()._encode_single_piece(text_or_bytes)

    def _encode_bytes(self, text: bytes) -> list[int]:
        """Tokens of bytes that need not be UTF-8, as tiktoken's ``_encode_bytes`` gives them."""
        from streamtok._unstable import encode_bytes

        return encode_bytes(self, text)

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

    # --- decoding -----------------------------------------------------------------------------

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """Decode token ids into text; bytes that are not UTF-8 follow ``errors``.

        Raises:
            KeyError: an id is no token (``Invalid token for decoding: <id>``, as tiktoken).

        >>> get_encoding("o200k_base").decode([24912, 2375])
        'hello world'
        """
        return self.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text of ``tokens`` and, for each token, the index in it of the first character
        that holds a byte of the token.

        Raises:
            UnicodeDecodeError: the tokens' bytes are not UTF-8 (as tiktoken).
            KeyError: an id is no token.

        >>> get_encoding("o200k_base").decode_with_offsets([24912, 2375])
        ('hello world', [0, 5])
        """
        parts = self.decode_tokens_bytes(tokens)
        offsets = []
        chars = 0
        for part in parts:
            # A token that starts inside a character belongs to that character.
            offsets.append(max(0, chars - (0x80 <= part[0] < 0xC0)))
            chars += sum(1 for b in part if not 0x80 <= b < 0xC0)
        return b"".join(parts).decode("utf-8", errors="strict"), offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """Decode each list of token ids of ``batch``."""
        _thread_count(num_threads, 1)  # checked as tiktoken checks it; decoding needs no threads
        return [self.decode(tokens, errors=errors) for tokens in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        """The bytes of each list of token ids of ``batch``."""
        _thread_count(num_threads, 1)
        return [self.decode_bytes(tokens) for tokens in batch]

    # --- special tokens -----------------------------------------------------------------------

    def _check_specials(
        self,
        text: str,
        allowed_special: AllowedSpecial,
        disallowed_special: DisallowedSpecial,
    ) -> str | AbstractSet[str]:
        """Raise if ``text`` holds a disallowed special token; return what the core allows."""
        allowed, disallowed = self._special_sets(allowed_special, disallowed_special)
        if disallowed:
            pattern = _special_pattern(disallowed)
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
    ) -> tuple[str | AbstractSet[str], frozenset[str]]:
        """What the core allows, and the special tokens whose text must raise."""
        if allowed_special == "all":
            if disallowed_special == "all":
                return "all", frozenset()
            return "all", frozenset(disallowed_special)
        if disallowed_special == "all":
            # The same frozenset each call when nothing is allowed: its pattern is found at once.
            if not allowed_special:
                return allowed_special, self._special_texts
            return allowed_special, self._special_texts - allowed_special
        return allowed_special, frozenset(disallowed_special)


def _check_ranks(mergeable_ranks: dict[bytes, int]) -> None:
    """Refuse ranks that streamtok cannot hold, with a message about the dict."""
    if not mergeable_ranks:
        raise ValueError("mergeable_ranks is empty")
    ranks = mergeable_ranks.values()
    if not set(map(type, ranks)) <= {int}:
        bad = next(r for r in ranks if type(r) is not int)
        raise TypeError(f"mergeable_ranks: a rank must be an int, got {type(bad).__name__}")
    if min(ranks) < 0 or max(ranks) > _MAX_RANK:
        bad = min(ranks) if min(ranks) < 0 else max(ranks)
        raise ValueError(f"mergeable_ranks: rank {bad} is outside 0..{_MAX_RANK}")
    if len(set(ranks)) != len(ranks):
        seen: set[int] = set()
        for rank in ranks:
            if rank in seen:
                raise ValueError(f"mergeable_ranks: two tokens have rank {rank}")
            seen.add(rank)


# The highest rank of a mergeable token that the core's tables hold.
_MAX_RANK = (1 << 24) - 2


def _check_vocab_size(
    mergeable_ranks: dict[bytes, int], special_tokens: dict[str, int], n: int
) -> None:
    """tiktoken's ``explicit_n_vocab`` check (its asserts), with messages."""
    size = len(mergeable_ranks) + len(special_tokens)
    if size != n:
        raise AssertionError(
            f"explicit_n_vocab is {n}, but there are {size} mergeable and special tokens"
        )
    top = max(max(mergeable_ranks.values()), max(special_tokens.values(), default=0))
    if top != n - 1:
        raise AssertionError(f"explicit_n_vocab is {n}, but the highest token id is {top}")


def _from_parts(
    name: str, pat_str: str, mergeable_ranks: dict[bytes, int], special_tokens: dict[str, int]
) -> Encoding:
    return Encoding(
        name, pat_str=pat_str, mergeable_ranks=mergeable_ranks, special_tokens=special_tokens
    )


def _from_tokenizer_json(name: str, data: bytes) -> Encoding:
    made = _native.Encoding.__new__(Encoding, name, tokenizer_json=data)
    made._tokenizer_json = data
    return made


# Encodings unpickled from their content, by that content: a stream pickled again and again (a
# checkpoint, a worker's task) takes its encoding from here instead of building it anew.
_REBUILT: dict[tuple[object, ...], Encoding] = {}


def _rebuild(name: str, data: bytes, pattern: str, specials: dict[str, int]) -> Encoding:
    import hashlib

    key = (name, hashlib.sha256(data).digest(), pattern, tuple(sorted(specials.items())))
    made = _REBUILT.get(key)
    # The bytes compared too: a hit is the same content, not only the same digest.
    if made is None or made._source is None or made._source[0] != data:
        made = Encoding(name, data=data, pat_str=pattern, special_tokens=specials)
        if len(_REBUILT) >= 8:
            _REBUILT.pop(next(iter(_REBUILT)))
        _REBUILT[key] = made
    return made


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


def _as_encoding(encoding: object) -> Encoding:
    """The encoding an ``encoding=`` argument names: an :class:`Encoding` as it is, a built-in
    encoding's name, or what :meth:`Encoding.from_tokenizer_json` takes (a path, the file's text,
    its dict)."""
    if isinstance(encoding, Encoding):
        return encoding
    if isinstance(encoding, str) and encoding in _native.ENCODING_NAMES:
        return get_encoding(encoding)
    if isinstance(encoding, dict) or (isinstance(encoding, str) and encoding.lstrip().startswith("{")):
        return Encoding.from_tokenizer_json(encoding)
    if isinstance(encoding, (str, os.PathLike)):
        if not os.path.isfile(encoding):
            raise ValueError(
                f"encoding {os.fspath(encoding)!r} is neither a built-in encoding "
                f"({', '.join(list_encoding_names())}) nor a tokenizer.json file"
            )
        return Encoding.from_tokenizer_json(encoding)
    raise TypeError(
        "encoding must be an Encoding, a built-in encoding's name, or a tokenizer.json "
        f"(its path, its text or its dict), got {type(encoding).__name__}"
    )


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
