"""Prompt tokens from a model's own chat template, as ``transformers`` renders and encodes it.

An open-weight model's ``tokenizer_config.json`` (or a ``chat_template.jinja`` beside it) holds the
Jinja template that turns a message list into the text the model reads. :class:`ChatTemplate`
renders it the way ``transformers``' ``apply_chat_template`` does - the same sandboxed Jinja
environment, globals, filters and variables - and encodes the text with the special tokens it
holds, so its counts equal ``len(tokenizer.apply_chat_template(messages, tokenize=True))``.

jinja2 is imported on first use only: it is the optional ``streamtok[chat]`` extra.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from streamtok._encoding import Encoding, _as_encoding

__all__ = ["ChatTemplate"]

# The named special tokens a tokenizer passes to its template as variables (transformers'
# SPECIAL_TOKENS_ATTRIBUTES): a template writes ``{{ bos_token }}``.
_SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")

# The names a message's reasoning goes by; templates read the first (transformers fills it in).
_REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")

_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "


def _jinja() -> Any:
    try:
        import jinja2
    except ImportError:
        raise ImportError(
            'chat templates need jinja2, an optional dependency: pip install "streamtok[chat]"'
        ) from None
    import re

    version = tuple(int(n) for n in re.findall(r"\d+", jinja2.__version__)[:3])
    if version < (3, 1, 6):
        # Earlier versions have known sandbox escapes, and chat templates are code from elsewhere.
        raise ImportError(
            f'chat templates need jinja2 >= 3.1.6, found {jinja2.__version__}: pip install -U "streamtok[chat]"'
        )
    return jinja2


def _environment() -> Any:
    """The Jinja environment transformers renders chat templates in (its ``chat_template_utils``):
    sandboxed and immutable, ``trim_blocks`` and ``lstrip_blocks``, loop controls, a
    ``{% generation %}`` tag, its ``tojson`` and its globals."""
    jinja2 = _jinja()
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        # ``{% generation %}...{% endgeneration %}`` marks the assistant's text for masks; it
        # renders its body unchanged.
        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

        def _body(self, caller: Any) -> str:
            return caller()

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False) -> str:
        # Not Jinja's own filter, which escapes HTML characters.
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format: str) -> str:  # noqa: A002 - transformers' name
        return datetime.now().strftime(format)

    class TemplateDict:
        # ``dict(...)`` without the attributes of the type itself.
        def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict(*args, **kwargs)

        def fromkeys(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(jinja2.utils.Namespace):  # type: ignore[misc,name-defined]
        # A namespace that refuses underscore names, as transformers' does.
        def __init__(*args: Any, **kwargs: Any) -> None:
            self, rest = args[0], args[1:]
            attrs = dict(*rest, **kwargs)
            for name in attrs:
                TemplateNamespace._check(name)
            jinja2.utils.Namespace.__init__(self, attrs)

        def __setitem__(self, name: str, value: Any) -> None:
            TemplateNamespace._check(name)
            jinja2.utils.Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check(name: Any) -> None:
            if isinstance(name, str) and name.startswith("_"):
                raise jinja2.exceptions.SecurityError(
                    f"chat templates cannot store underscore-prefixed attributes on a namespace, got {name!r}"
                )

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    env.globals["dict"] = TemplateDict()
    env.globals["namespace"] = TemplateNamespace
    return env


def _dicts(value: Any) -> Any:
    """Messages as dicts: mappings, dataclasses and pydantic models (the ``openai`` SDK's messages)
    turned into dicts and lists, recursively."""
    if isinstance(value, Mapping):
        return {key: _dicts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dicts(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_dicts(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dicts(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)):
        return _dicts(value.model_dump())
    return value


def _plain(value: Any) -> Any:
    """What a template may see: JSON types only, anything else a ``<TypeName>`` placeholder, as
    transformers hands it (a sandboxed template must not reach an object's methods)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        return _plain(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)):
        return _plain(value.model_dump())
    return f"<{type(value).__name__}>"


def _token_text(value: Any, what: str) -> str | None:
    """A special token of tokenizer_config.json: a str, or an AddedToken dict with its content."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("content"), str):
        return value["content"]
    raise ValueError(f"tokenizer_config.json: {what} must be a str or an AddedToken with a 'content', got {value!r}")


def _templates_of(value: Any, where: str) -> dict[str, str]:
    """``chat_template`` as a dict by name: a str is the ``default``; a list of
    ``{"name", "template"}`` entries names each."""
    if isinstance(value, str):
        return {"default": value}
    if isinstance(value, Mapping):
        templates = dict(value)
    elif isinstance(value, list):
        try:
            templates = {t["name"]: t["template"] for t in value}
        except (TypeError, KeyError):
            raise ValueError(f"{where}: chat_template must be a str or a list of {{'name', 'template'}}") from None
    else:
        raise ValueError(f"{where}: chat_template must be a str or a list of templates, got {type(value).__name__}")
    if not templates or not all(isinstance(k, str) and isinstance(v, str) for k, v in templates.items()):
        raise ValueError(f"{where}: chat_template must name at least one template, each a str")
    return templates


class ChatTemplate:
    """A model's chat template with its encoding: the prompt text and tokens of a conversation.

    Renders ``tokenizer_config.json``'s ``chat_template`` exactly as ``transformers``'
    ``apply_chat_template`` does (the same sandboxed Jinja environment with ``trim_blocks`` and
    ``lstrip_blocks``, its ``tojson``, ``raise_exception``, ``strftime_now``, ``namespace`` and
    ``dict``, the named special tokens as variables, ``add_generation_prompt``, ``tools``,
    ``documents`` and ``continue_final_message``), then encodes the text with every special token
    it holds allowed, as ``transformers`` does (``add_special_tokens=False``). So
    ``count(messages)`` equals ``len(tokenizer.apply_chat_template(messages, tokenize=True))`` on
    the same files. Needs jinja2 (``pip install "streamtok[chat]"``).

    Get one with :meth:`from_tokenizer_config`, or make one from a template string:

    >>> from streamtok import ChatTemplate
    >>> harmony = ChatTemplate(
    ...     "{% for m in messages %}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{% endfor %}"
    ...     "{% if add_generation_prompt %}<|start|>assistant{% endif %}",
    ...     "o200k_harmony",
    ... )
    >>> messages = [{"role": "user", "content": "Hi"}]
    >>> harmony.render(messages, add_generation_prompt=True)
    '<|start|>user<|message|>Hi<|end|><|start|>assistant'
    >>> harmony.encode(messages, add_generation_prompt=True)
    [200006, 1428, 200008, 12194, 200007, 200006, 173781]
    >>> harmony.count(messages, add_generation_prompt=True)
    7
    """

    def __init__(
        self,
        template: str | Mapping[str, str],
        encoding: Encoding | str | os.PathLike[str] | dict[str, Any],
        *,
        special_tokens: Mapping[str, str | None] | None = None,
    ) -> None:
        """Wrap a chat template and the encoding that counts its text.

        Args:
            template: the Jinja source, or several by name (``{"default": ..., "tool_use": ...}``).
            encoding: an :class:`Encoding`, a built-in encoding's name, or what
                :meth:`Encoding.from_tokenizer_json` takes.
            special_tokens: the variables ``bos_token``, ``eos_token``, ... the template sees
                (``None`` values are left out, as transformers leaves out unset tokens).

        Raises:
            ImportError: jinja2 is not installed (or older than 3.1.6).
            ValueError: the template is empty or a name maps to no str.
            jinja2.TemplateSyntaxError: the template does not parse.
        """
        self.templates: dict[str, str] = _templates_of(template, "template")
        self.encoding: Encoding = _as_encoding(encoding)
        self.special_tokens: dict[str, str] = {
            k: v for k, v in (special_tokens or {}).items() if v is not None
        }
        env = _environment()
        self._compiled = {name: env.from_string(source) for name, source in self.templates.items()}

    @classmethod
    def from_tokenizer_config(
        cls,
        config: str | os.PathLike[str] | dict[str, Any],
        encoding: Encoding | str | os.PathLike[str] | dict[str, Any] | None = None,
    ) -> ChatTemplate:
        """Load the chat template of a Hugging Face tokenizer, as ``AutoTokenizer`` finds it.

        ``config`` is a model's directory, the path of its ``tokenizer_config.json``, that file's
        text, or its dict. From a directory, a ``chat_template.jinja`` (and
        ``additional_chat_templates/*.jinja``) replaces the config's ``chat_template``, as in
        transformers. The special tokens the template sees are the config's ``bos_token``,
        ``eos_token``, ``unk_token``, ``sep_token``, ``pad_token``, ``cls_token`` and
        ``mask_token`` (a ``special_tokens_map.json`` beside a config without
        ``added_tokens_decoder`` overrides them, as transformers reads that older layout).

        Args:
            config: the directory, the file's path, its text, or its dict.
            encoding: an :class:`Encoding`, a built-in encoding's name, or what
                :meth:`Encoding.from_tokenizer_json` takes; default: the ``tokenizer.json`` in
                the directory or beside the file.

        Raises:
            ValueError: no chat template is there, or no ``tokenizer.json`` to go with it.
            OSError: a file cannot be read.
            ImportError: jinja2 is not installed.

        >>> import json, os, tempfile
        >>> from streamtok import ChatTemplate
        >>> folder = tempfile.mkdtemp()
        >>> with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        ...     json.dump({"eos_token": "<|endoftext|>",
        ...                "chat_template": "{% for m in messages %}{{ m.content + eos_token }}{% endfor %}"}, f)
        >>> template = ChatTemplate.from_tokenizer_config(folder, encoding="cl100k_base")
        >>> template.render([{"role": "user", "content": "Hi"}])
        'Hi<|endoftext|>'
        >>> template.encode([{"role": "user", "content": "Hi"}])
        [13347, 100257]
        """
        folder: str | None = None
        if isinstance(config, dict):
            data = config
        elif isinstance(config, str) and config.lstrip().startswith("{"):
            data = json.loads(config)
        else:
            path = os.fspath(config)
            if os.path.isdir(path):
                folder, path = path, os.path.join(path, "tokenizer_config.json")
            else:
                folder = os.path.dirname(path) or "."
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError(f"tokenizer_config.json must hold a JSON object, got {type(data).__name__}")
        template: Any = data.get("chat_template")
        if folder is not None:
            template = _template_files(folder) or template
        if template is None:
            raise ValueError(
                "no chat template: tokenizer_config.json has no 'chat_template'"
                + ("" if folder is None else f" and {folder!r} no chat_template.jinja")
            )
        if encoding is None:
            if folder is None:
                raise ValueError("pass encoding= (a tokenizer_config.json given as text or a dict has no tokenizer.json beside it)")
            encoding = os.path.join(folder, "tokenizer.json")
            if not os.path.isfile(encoding):
                raise ValueError(f"no tokenizer.json in {folder!r}: pass encoding=")
        named = dict(data)
        legacy = None if folder is None else os.path.join(folder, "special_tokens_map.json")
        if legacy is not None and "added_tokens_decoder" not in data and os.path.isfile(legacy):
            # An older layout: transformers then reads the named tokens from this file, over the config's.
            with open(legacy, encoding="utf-8") as f:
                named.update(json.load(f))
        specials = {name: _token_text(named.get(name), name) for name in _SPECIAL_TOKEN_NAMES}
        return cls(_templates_of(template, "tokenizer_config.json"), encoding, special_tokens=specials)

    def render(
        self,
        messages: Iterable[Any],
        *,
        add_generation_prompt: bool = False,
        continue_final_message: bool | str = False,
        tools: Iterable[Mapping[str, Any]] | None = None,
        documents: Iterable[Mapping[str, Any]] | None = None,
        template_name: str | None = None,
        **kwargs: Any,
    ) -> str:
        """The prompt text of a conversation, as ``apply_chat_template(..., tokenize=False)``.

        Messages are dicts or objects (dataclasses, pydantic models such as the ``openai`` SDK's);
        fields that are ``None`` are dropped, and a message's ``reasoning`` or ``thinking`` also
        appears as ``reasoning_content`` (and the other way round for ``thinking``), as
        transformers passes them.

        Args:
            messages: one conversation, in order.
            add_generation_prompt: end with the header of an assistant reply.
            continue_final_message: leave the last message open for the model to continue (the
                field to continue when a str: ``"reasoning_content"``); not with
                ``add_generation_prompt``.
            tools: tool definitions as JSON schemas (``{"type": "function", "function": {...}}``).
            documents: documents for retrieval-augmented templates, dicts (``title``, ``text``).
            template_name: which of several templates; default ``"tool_use"`` when tools are
                given and the tokenizer has one, else ``"default"``.
            **kwargs: further variables for the template (``date_string=...``,
                ``enable_thinking=False``); they override the special tokens of the same name.

        Raises:
            ValueError: an empty conversation, a bad combination of options, a template name
                the tokenizer lacks, or a tool that is not a dict (a JSON schema).
            TypeError: a message or document is not a dict.
            jinja2.TemplateError: the template refused the conversation (``raise_exception``).
        """
        template = self._select(template_name, tools)
        chat = _dicts(getattr(messages, "messages", messages))
        if isinstance(chat, (str, bytes, Mapping)) or not isinstance(chat, Iterable):
            raise TypeError(f"messages must be a list of messages, got {type(chat).__name__}")
        chat = list(chat)
        if not chat:
            raise ValueError("cannot apply a chat template to an empty conversation")
        for message in chat:
            if not isinstance(message, dict):
                raise TypeError(f"a message must be a dict or a message object, got {message!r}")
        chat = [{k: v for k, v in m.items() if v is not None} for m in chat]
        if continue_final_message and add_generation_prompt:
            raise ValueError("continue_final_message and add_generation_prompt do not go together")
        tool_schemas = None
        if tools is not None:
            tool_schemas = []
            for tool in tools:
                if not isinstance(tool, Mapping):
                    # ValueError, as transformers raises it; its conversion of Python functions
                    # to schemas is not here.
                    raise ValueError(f"a tool must be a JSON schema (a dict), got {type(tool).__name__}")
                tool_schemas.append(tool)
        if documents is not None:
            documents = list(documents)
            for document in documents:
                if not isinstance(document, Mapping):
                    raise TypeError("documents must be a list of dicts with 'title' and 'text' keys")
        chat = [_with_reasoning_aliases(m) for m in _plain(chat)]
        variables = _plain({**self.special_tokens, **kwargs})
        final = None
        if continue_final_message:
            final = _tag_final(chat, continue_final_message, self.templates[template])
        text = self._compiled[template].render(
            messages=chat,
            tools=_plain(tool_schemas),
            documents=_plain(documents),
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
        if final is not None:
            text = _cut_at_tag(text, final)
        return text

    def encode(self, messages: Iterable[Any], **options: Any) -> list[int]:
        """The prompt's token ids: :meth:`render`'s text encoded with its special tokens, as
        ``apply_chat_template(..., tokenize=True)`` gives them. Takes :meth:`render`'s options."""
        return self.encoding.encode(self.render(messages, **options), allowed_special="all")

    def count(self, messages: Iterable[Any], **options: Any) -> int:
        """The prompt's token count, ``len(self.encode(messages, **options))``. Takes
        :meth:`render`'s options.

        >>> from streamtok import ChatTemplate
        >>> t = ChatTemplate("{% for m in messages %}{{ m.role }}: {{ m.content }}\\n{% endfor %}", "o200k_base")
        >>> t.count([{"role": "user", "content": "hello world"}])
        5
        """
        return len(self.encode(messages, **options))

    def _select(self, name: str | None, tools: Any) -> str:
        """The template to render, by transformers' rule (``get_chat_template``)."""
        if name is not None:
            if name not in self.templates:
                raise ValueError(f"no chat template named {name!r}; the tokenizer has {sorted(self.templates)}")
            return name
        if tools is not None and "tool_use" in self.templates:
            return "tool_use"
        if "default" in self.templates:
            return "default"
        raise ValueError(f"several chat templates and no default: pass template_name=, one of {sorted(self.templates)}")

    def __repr__(self) -> str:
        return f"<ChatTemplate {sorted(self.templates)} of {self.encoding.name!r}>"


def _template_files(folder: str) -> Any:
    """The templates a directory holds in files, which replace the config's (transformers)."""
    templates: dict[str, str] = {}
    single = os.path.join(folder, "chat_template.jinja")
    if os.path.isfile(single):
        with open(single, encoding="utf-8") as f:
            templates["default"] = f.read()
    extra = os.path.join(folder, "additional_chat_templates")
    if os.path.isdir(extra):
        for entry in sorted(os.listdir(extra)):
            if entry.endswith(".jinja"):
                with open(os.path.join(extra, entry), encoding="utf-8") as f:
                    templates[entry[: -len(".jinja")]] = f.read()
    return templates or None


def _with_reasoning_aliases(message: Any) -> Any:
    """A message whose reasoning goes by another name also carries it as ``reasoning_content``
    and ``thinking``, as transformers hands messages to templates."""
    if isinstance(message, dict):
        reasoning = next((message[k] for k in _REASONING_FIELDS if message.get(k) is not None), None)
        if reasoning is not None:
            return {"thinking": reasoning, **message, "reasoning_content": reasoning}
    return message


def _tag_final(chat: list[Any], key: bool | str, source: str) -> str:
    """Mark the end of the last message's text so the rendering can be cut there; returns the
    marked text (transformers' ``continue_final_message``)."""
    key = key if isinstance(key, str) else "content"
    final = chat[-1].get(key)
    if final is None:
        raise ValueError(f'continue_final_message is set but the final message has no "{key}" to continue')
    fields = [key]
    if key in _REASONING_FIELDS:
        fields = [f for f in _REASONING_FIELDS if chat[-1].get(f) == final]
    if not any(f in source for f in fields):
        raise ValueError(f'continue_final_message is set to "{key}", a field the chat template does not read')
    if isinstance(final, (list, tuple)):
        for block in reversed(final):
            if "text" in block:
                final = block["text"]
                block["text"] = block["text"] + _CONTINUE_TAG
                return final
        raise ValueError("continue_final_message is set but the final message has no text to continue")
    for f in fields:
        chat[-1][f] = chat[-1][f] + _CONTINUE_TAG
    return final


def _cut_at_tag(text: str, final: str) -> str:
    tag = _CONTINUE_TAG.strip()
    if final.strip() not in text or tag not in text:
        raise ValueError(
            "continue_final_message is set but the final message does not appear in the rendered chat "
            "(the template changes it)"
        )
    at = text.rindex(tag)
    if text[at : at + len(_CONTINUE_TAG)] == _CONTINUE_TAG:
        return text[:at]
    return text[:at].rstrip()
