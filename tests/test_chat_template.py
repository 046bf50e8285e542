"""``ChatTemplate`` renders and encodes a conversation exactly as ``transformers`` does.

The reference: ``AutoTokenizer.from_pretrained(folder, local_files_only=True)`` on a folder
holding a real ``tokenizer.json`` (Llama 3.2's, DeepSeek V3's) and a ``tokenizer_config.json``
with a chat template, then ``apply_chat_template(messages, tokenize=True)``. Neither package
that ships these files ships a chat template, so the templates are ours
(``tests/chat_templates``), written in each model's prompt format with the constructs real
templates use: block tags indented on lines of their own (``trim_blocks`` and ``lstrip_blocks``
decide the whitespace), ``strftime_now``, ``tojson`` with its arguments, ``namespace``, loop
controls, ``raise_exception``, tools, documents, the generation tag, special and non-special
added tokens. Conversations come from hypothesis: hard text, corpus text in many scripts, and
special tokens and their near misses inside the messages.
"""

from __future__ import annotations

import doctest
import functools
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
import strategies
from hypothesis import given, settings
from hypothesis import strategies as hs
from support import DATA_DIR
from test_tokenizer_json import DEEPSEEK, LLAMA, needs_llama

import streamtok
import streamtok._chat_template
from streamtok import ChatTemplate

# transformers must never reach the network: the files are local and the hub is off.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
transformers = pytest.importorskip("transformers")

TEMPLATES = Path(__file__).resolve().parent / "chat_templates"
# The special tokens each template writes, and tokens a message may hold to look like them.
LLAMA_TOKENS = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|end_of_text|>"]
DEEPSEEK_TOKENS = ["<｜begin▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜end▁of▁sentence｜>", "<｜tool▁sep｜>", "<think>", "</think>"]
MODELS = {
    "llama": (LLAMA, "llama3_tools.jinja", LLAMA_TOKENS),
    "deepseek": (DEEPSEEK, "deepseek_v3.jinja", DEEPSEEK_TOKENS),
}
REAL = [pytest.param("llama", marks=needs_llama), "deepseek"]


def model_folder(tmp: Path, which: str, template: str | None = None) -> Path:
    """A folder as a model ships it: its tokenizer.json and its tokenizer_config.json with
    ``chat_template`` set to one of ours."""
    tokenizer_json, name, _ = MODELS[which]
    assert tokenizer_json is not None, f"{which}'s tokenizer.json is missing"
    folder = tmp / which
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(tokenizer_json, folder / "tokenizer.json")
    config = json.loads((tokenizer_json.parent / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["chat_template"] = template if template is not None else (TEMPLATES / name).read_text(encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return folder


@functools.cache
def pair(which: str) -> tuple[ChatTemplate, Any]:
    """Ours and transformers' for one model, loaded once."""
    import tempfile

    folder = model_folder(Path(tempfile.mkdtemp(prefix="streamtok-chat-")), which)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    return ChatTemplate.from_tokenizer_config(folder), reference


def reference_ids(reference: Any, messages: list[Any], **options: Any) -> list[int]:
    ids = reference.apply_chat_template(messages, tokenize=True, return_dict=False, **options)
    assert isinstance(ids, list) and all(isinstance(i, int) for i in ids)
    return ids


def assert_same(which: str, messages: list[Any], **options: Any) -> None:
    ours, reference = pair(which)
    text = reference.apply_chat_template(messages, tokenize=False, **options)
    assert ours.render(messages, **options) == text
    ids = reference_ids(reference, messages, **options)
    assert ours.encode(messages, **options) == ids
    assert ours.count(messages, **options) == len(ids)


# --- conversations -----------------------------------------------------------------------------

CORPUS = sorted(p for p in DATA_DIR.iterdir() if p.suffix == ".txt")


@functools.cache
def corpus_text(index: int) -> str:
    return CORPUS[index].read_text(encoding="utf-8")


# A slice of a corpus file: real text in many scripts.
corpus_slice = hs.tuples(hs.integers(0, len(CORPUS) - 1), hs.integers(0, 5000), hs.integers(0, 300)).map(
    lambda t: corpus_text(t[0])[t[1] : t[1] + t[2]]
)


def content(tokens: list[str]) -> hs.SearchStrategy[str]:
    return hs.one_of(strategies.text, corpus_slice, strategies.text_with_specials(tokens))


def conversation(tokens: list[str]) -> hs.SearchStrategy[list[dict[str, str]]]:
    """An optional system message, then turns of user and assistant, ending with either."""
    turn = hs.tuples(content(tokens), content(tokens)).map(
        lambda t: [{"role": "user", "content": t[0]}, {"role": "assistant", "content": t[1]}]
    )
    return hs.tuples(
        hs.one_of(hs.none(), content(tokens)),
        hs.lists(turn, max_size=3),
        hs.one_of(hs.none(), content(tokens)),
    ).map(
        lambda t: ([{"role": "system", "content": t[0]}] if t[0] is not None else [])
        + [m for pair in t[1] for m in pair]
        + ([{"role": "user", "content": t[2] or ""}] if t[2] is not None or not t[1] else [])
    )


tool_name = hs.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)
tool = hs.builds(
    lambda name, description, props: {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {k: {"type": "string", "description": d} for k, d in props.items()}},
        },
    },
    tool_name,
    strategies.text,
    hs.dictionaries(tool_name, strategies.text, max_size=3),
)
roomy = settings(max_examples=max(25, settings().max_examples // 2), deadline=None)


@roomy
@pytest.mark.parametrize("which", REAL)
@given(data=hs.data(), add_generation_prompt=hs.booleans())
def test_conversations_encode_as_transformers_does(which: str, data: hs.DataObject, add_generation_prompt: bool) -> None:
    messages = data.draw(conversation(MODELS[which][2]))
    assert_same(which, messages, add_generation_prompt=add_generation_prompt)


@roomy
@pytest.mark.parametrize("which", REAL)
@given(data=hs.data(), add_generation_prompt=hs.booleans(), tools=hs.lists(tool, min_size=1, max_size=3))
def test_conversations_with_tools_encode_as_transformers_does(
    which: str, data: hs.DataObject, add_generation_prompt: bool, tools: list[Any]
) -> None:
    messages = data.draw(conversation(MODELS[which][2]))
    assert_same(which, messages, add_generation_prompt=add_generation_prompt, tools=tools)


@pytest.mark.parametrize("which", REAL)
def test_tool_calls_results_reasoning_and_documents(which: str) -> None:
    call = {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Zürich"}'}}
    messages = [
        {"role": "system", "content": "  You are terse.  "},
        {"role": "user", "content": "Wetter in Zürich? 天気は？"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "content": "sunny, 21 °C"},
        {"role": "assistant", "content": "<think>It said sunny.</think>Sunny, 21 °C.", "reasoning": "It said sunny."},
        {"role": "user", "content": "Danke <|eot_id|> <｜User｜>"},
    ]
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather now.", "parameters": {}}}]
    documents = [{"title": "Alps", "text": "Föhn winds."}, {"title": "二", "text": "テキスト"}]
    for options in [{}, {"add_generation_prompt": True}, {"tools": tools, "documents": documents}]:
        assert_same(which, messages, **options)
    # The last turn's reasoning, given as "reasoning", reaches the template as reasoning_content.
    assert_same(which, messages[:5])
    # A date from the caller, and today's from strftime_now.
    assert_same(which, messages, date_string="29 Feb 2028")
    if which == "deepseek":
        assert_same(which, messages, add_generation_prompt=True, thinking=False)


@pytest.mark.parametrize("which", REAL)
def test_continue_final_message(which: str) -> None:
    messages = [{"role": "user", "content": "Count to three."}, {"role": "assistant", "content": "One, two,  "}]
    assert_same(which, messages, continue_final_message=True)


@pytest.mark.parametrize("which", REAL)
def test_message_objects_and_none_fields_as_transformers_sees_them(which: str) -> None:
    # The openai SDK's message objects (pydantic) are dumped to dicts, None fields dropped (the
    # Llama template renders tool calls when the field is defined at all).
    from openai.types.chat import ChatCompletionMessage

    message = ChatCompletionMessage(role="assistant", content="Hi <think>", tool_calls=None)
    messages = [{"role": "user", "content": "Hello", "name": None}, message]
    assert_same(which, messages)


def test_the_template_refuses_as_transformers_does() -> None:
    ours, reference = pair("deepseek" if LLAMA is None else "llama")
    if LLAMA is None:
        pytest.skip("the refusing template is Llama's")
    messages = [{"role": "user", "content": "x"}, {"role": "critic", "content": "y"}]
    with pytest.raises(jinja2.TemplateError, match="unknown role: critic") as theirs:
        reference.apply_chat_template(messages, tokenize=False)
    with pytest.raises(jinja2.TemplateError) as mine:
        ours.render(messages)
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("messages", [[], [["a"]], ["user: hi"]], ids=["empty", "batch", "str"])
def test_bad_conversations_raise_the_type_transformers_raises(messages: list[Any]) -> None:
    ours, reference = pair("deepseek")
    with pytest.raises((ValueError, TypeError)) as theirs:
        reference.apply_chat_template(messages, tokenize=False)
    with pytest.raises(theirs.type):
        ours.render(messages)


def test_bad_options_raise() -> None:
    ours, _ = pair("deepseek")
    messages = [{"role": "user", "content": "x"}]
    with pytest.raises(ValueError, match="do not go together"):
        ours.render(messages, add_generation_prompt=True, continue_final_message=True)
    with pytest.raises(ValueError, match="no chat template named 'rag'"):
        ours.render(messages, template_name="rag")
    # Not dicts: the types transformers raises.
    _, reference = pair("deepseek")
    for options, error in [({"tools": ["get_weather"]}, ValueError), ({"documents": ["text"]}, TypeError)]:
        with pytest.raises(error):
            reference.apply_chat_template(messages, tokenize=False, **options)
        with pytest.raises(error, match="JSON schema|documents"):
            ours.render(messages, **options)


# --- templates hypothesis writes ----------------------------------------------------------------

# Whitespace around tags is where Jinja's options (trim_blocks, lstrip_blocks, "-" and "+") act.
gap = hs.sampled_from(["", " ", "  ", "\t", "\n", " \n", "\n  ", "\n\n", "x ", " y\n", "\r\n"])
control = hs.sampled_from(["", "-", "+"])
expression = hs.sampled_from(
    [
        "{{ bos_token }}",
        "{{ eos_token }}",
        "{{ messages[0].content }}",
        "{{ messages[-1].role | upper }}",
        "{{ messages | length }}",
        "{{ messages[0] | tojson }}",
        "{{ messages | tojson(indent=2) }}",
        "{{ {'k': 'ü', 'a': [1, none]} | tojson(separators=(',', ':'), sort_keys=true) }}",
        "{{ messages[0].content | trim }}",
        "{{ add_generation_prompt }}",
        "{{ 'x' ~ tools | length if tools else 'no tools' }}",
    ]
)


def tag(body: str, left: str, right: str) -> str:
    return "{%" + left + " " + body + " " + right + "%}"


@hs.composite
def template_source(draw: hs.DrawFn, depth: int = 0) -> str:
    """Text, expressions, comments and nested if / for / set blocks, each tag with its own
    whitespace control and the whitespace around it drawn."""
    parts = []
    for _ in range(draw(hs.integers(0, 4))):
        kind = draw(hs.sampled_from(["gap", "expr", "comment", "if", "for", "set"] if depth < 2 else ["gap", "expr"]))
        if kind == "gap":
            parts.append(draw(gap))
        elif kind == "expr":
            parts.append(draw(gap) + draw(expression) + draw(gap))
        elif kind == "comment":
            parts.append(draw(gap) + "{#" + draw(control) + " note " + draw(control) + "#}" + draw(gap))
        elif kind == "set":
            parts.append(draw(gap) + tag("set n = namespace(k=1)", draw(control), draw(control)) + draw(gap))
        else:
            head = "if messages | length > 1" if kind == "if" else "for m in messages"
            end = "endif" if kind == "if" else "endfor"
            inner = draw(template_source(depth + 1)) + ("{{ m.role }}{% if loop.last %}{% break %}{% endif %}" if kind == "for" else "")
            parts.append(
                draw(gap) + tag(head, draw(control), draw(control)) + inner + draw(gap) + tag(end, draw(control), draw(control)) + draw(gap)
            )
    return "".join(parts)


@roomy
@given(source=template_source(), data=hs.data(), add_generation_prompt=hs.booleans())
def test_templates_hypothesis_writes_render_as_transformers_renders_them(
    source: str, data: hs.DataObject, add_generation_prompt: bool
) -> None:
    ours, reference = pair("deepseek")
    messages = data.draw(conversation(DEEPSEEK_TOKENS))
    theirs = reference.apply_chat_template(
        messages, chat_template=source, tokenize=False, add_generation_prompt=add_generation_prompt
    )
    mine = ChatTemplate(source, ours.encoding, special_tokens=ours.special_tokens)
    assert mine.render(messages, add_generation_prompt=add_generation_prompt) == theirs
    ids = reference.apply_chat_template(
        messages, chat_template=source, tokenize=True, return_dict=False, add_generation_prompt=add_generation_prompt
    )
    assert mine.encode(messages, add_generation_prompt=add_generation_prompt) == ids


# --- several templates, template files, loading --------------------------------------------------


def test_named_templates_are_chosen_as_transformers_chooses(tmp_path: Path) -> None:
    templates = [
        {"name": "default", "template": "{% for m in messages %}{{ m.content }}{% endfor %}<｜end▁of▁sentence｜>"},
        {"name": "tool_use", "template": "{{ tools | tojson(indent=2, sort_keys=true) }}{{ messages[0].content }}"},
    ]
    folder = model_folder(tmp_path, "deepseek", template=templates)  # type: ignore[arg-type]
    ours = ChatTemplate.from_tokenizer_config(folder)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    messages = [{"role": "user", "content": "Zähle <｜User｜>"}]
    tools = [{"type": "function", "function": {"name": "f", "description": "ü"}}]
    for options in [{}, {"tools": tools}]:
        assert ours.encode(messages, **options) == reference_ids(reference, messages, **options)
    assert sorted(ours.templates) == ["default", "tool_use"]


def test_a_chat_template_file_replaces_the_configs(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, "deepseek", template="config's {{ messages[0].content }}")
    # (Jinja drops the file's one trailing newline.)
    (folder / "chat_template.jinja").write_text("{{ bos_token }}file's {{ messages[0].content }}\n", encoding="utf-8")
    ours = ChatTemplate.from_tokenizer_config(folder)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    messages = [{"role": "user", "content": "x"}]
    assert ours.render(messages) == reference.apply_chat_template(messages, tokenize=False) == "<｜begin▁of▁sentence｜>file's x"
    assert ours.encode(messages) == reference_ids(reference, messages)


def test_an_older_special_tokens_map_names_the_tokens_as_in_transformers(tmp_path: Path) -> None:
    # DeepSeek's config has no added_tokens_decoder: transformers then reads special_tokens_map.json.
    folder = model_folder(tmp_path, "deepseek", template="{{ bos_token }}|{{ eos_token }}|{{ messages[0].content }}")
    (folder / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": {"content": "<｜User｜>", "lstrip": False}, "eos_token": "<think>"}), encoding="utf-8"
    )
    ours = ChatTemplate.from_tokenizer_config(folder)
    reference = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    messages = [{"role": "user", "content": "x"}]
    assert ours.render(messages) == reference.apply_chat_template(messages, tokenize=False) == "<｜User｜>|<think>|x"
    assert ours.encode(messages) == reference_ids(reference, messages)


def test_the_config_as_a_path_text_or_dict(tmp_path: Path) -> None:
    folder = model_folder(tmp_path, "deepseek")
    config = folder / "tokenizer_config.json"
    messages = [{"role": "user", "content": "Hi"}]
    expected = ChatTemplate.from_tokenizer_config(folder).encode(messages)
    assert ChatTemplate.from_tokenizer_config(config).encode(messages) == expected
    assert ChatTemplate.from_tokenizer_config(str(config)).encode(messages) == expected
    enc = streamtok.Encoding.from_tokenizer_json(folder / "tokenizer.json")
    text = config.read_text(encoding="utf-8")
    assert ChatTemplate.from_tokenizer_config(text, enc).encode(messages) == expected
    assert ChatTemplate.from_tokenizer_config(json.loads(text), folder / "tokenizer.json").encode(messages) == expected
    with pytest.raises(ValueError, match="pass encoding="):
        ChatTemplate.from_tokenizer_config(text)
    no_template = json.loads(text)
    del no_template["chat_template"]
    with pytest.raises(ValueError, match="no chat template"):
        ChatTemplate.from_tokenizer_config(no_template, enc)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ValueError, match="no tokenizer.json"):
        ChatTemplate.from_tokenizer_config(folder)


def test_jinja2_missing_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(ImportError, match=r'pip install "streamtok\[chat\]"'):
        ChatTemplate("{{ messages }}", "o200k_base")


def test_the_sandbox_holds() -> None:
    escape = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(jinja2.exceptions.SecurityError):
        ChatTemplate(escape, "o200k_base").render([{"role": "user", "content": "x"}])
    with pytest.raises(jinja2.exceptions.SecurityError):
        ChatTemplate("{% set ns = namespace(_x=1) %}", "o200k_base").render([{"role": "user", "content": "x"}])


def test_docstring_examples() -> None:
    result = doctest.testmod(streamtok._chat_template, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
