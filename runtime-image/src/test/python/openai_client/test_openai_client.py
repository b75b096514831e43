"""The server driven by the official OpenAI Python client, as users drive vLLM.

Run by OpenAiPythonClientTest against a server on a random-weight model (one token per byte, Qwen3's
chat template), with OPENAI_BASE_URL and OPENAI_API_KEY set. The model's free text is noise; what
is checked is the API: shapes the client parses, structured outputs that validate, tool calls,
streaming, logprobs and errors.
"""

import json
import os

import jsonschema
import openai
import pytest

MODEL = os.environ.get("MODELFORGE_MODEL", "tiny")

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 8},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "pets": {"type": "array", "items": {"enum": ["cat", "dog"]}, "maxItems": 2},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city now",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "maxLength": 10},
                "unit": {"enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


@pytest.fixture(scope="module")
def client():
    return openai.OpenAI(max_retries=0, timeout=120)


def test_models_list_names_the_served_model(client):
    ids = [m.id for m in client.models.list()]
    assert MODEL in ids
    assert client.models.retrieve(MODEL).id == MODEL


def test_completion_with_n_seed_and_logprobs(client):
    r = client.completions.create(
        model=MODEL,
        prompt="Once upon",
        max_tokens=5,
        n=2,
        seed=3,
        logprobs=2,
        temperature=1.0,
        extra_body={"ignore_eos": True},
    )
    assert len(r.choices) == 2
    assert r.usage.completion_tokens == 10
    for c in r.choices:
        assert c.finish_reason == "length"
        assert len(c.logprobs.token_logprobs) == 5
        assert all(lp <= 0 for lp in c.logprobs.token_logprobs)
    again = client.completions.create(
        model=MODEL,
        prompt="Once upon",
        max_tokens=5,
        n=2,
        seed=3,
        temperature=1.0,
        extra_body={"ignore_eos": True},
    )
    assert [c.text for c in again.choices] == [c.text for c in r.choices]


def test_best_of_and_beam_search(client):
    best = client.completions.create(
        model=MODEL,
        prompt="Once upon",
        max_tokens=4,
        best_of=3,
        seed=5,
        temperature=1.0,
        extra_body={"ignore_eos": True},
    )
    assert len(best.choices) == 1
    assert best.usage.completion_tokens == 12  # all three choices ran
    beams = client.completions.create(
        model=MODEL,
        prompt="Once upon",
        max_tokens=4,
        n=3,
        extra_body={"use_beam_search": True, "length_penalty": 0.0, "ignore_eos": True},
    )
    assert [c.index for c in beams.choices] == [0, 1, 2]
    assert len({c.text for c in beams.choices}) == 3  # three different beams
    with pytest.raises(openai.BadRequestError) as refused:
        client.completions.create(
            model=MODEL, prompt="x", max_tokens=2, top_p=0.5, extra_body={"use_beam_search": True}
        )
    assert "top_p" in str(refused.value)


def test_echo_with_logprobs_scores_the_prompt(client):
    r = client.completions.create(model=MODEL, prompt="score it", max_tokens=0, echo=True, logprobs=1)
    lp = r.choices[0].logprobs
    assert r.choices[0].text == "score it"
    assert lp.token_logprobs[0] is None
    assert all(x <= 0 for x in lp.token_logprobs[1:])
    assert len(lp.tokens) == len(lp.text_offset)


def test_chat_json_schema_output_validates(client):
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Describe a person."}],
        n=3,
        seed=5,
        max_tokens=300,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": PERSON, "strict": True},
        },
    )
    for c in r.choices:
        assert c.finish_reason == "stop"
        jsonschema.validate(json.loads(c.message.content), PERSON)


def test_chat_json_object_and_vllm_guided_fields_through_extra_body(client):
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Pick one."}],
        max_tokens=10,
        extra_body={"guided_choice": ["left", "right"]},
    )
    assert r.choices[0].message.content in ("left", "right")
    r = client.completions.create(
        model=MODEL,
        prompt="code:",
        max_tokens=12,
        extra_body={"guided_regex": "[A-F0-9]{4}-[a-z]{2}"},
    )
    import re

    assert re.fullmatch("[A-F0-9]{4}-[a-z]{2}", r.choices[0].text)


def test_streamed_chat_concatenates_to_valid_json(client):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "A person, please."}],
        max_tokens=300,
        seed=9,
        stream=True,
        stream_options={"include_usage": True},
        response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": PERSON}},
    )
    text, finish, usage = "", None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for c in chunk.choices:
            text += c.delta.content or ""
            finish = c.finish_reason or finish
    assert finish == "stop"
    jsonschema.validate(json.loads(text), PERSON)
    assert usage.completion_tokens > 0


def test_required_tool_choice_gives_parsed_tool_calls(client):
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER],
        tool_choice="required",
        parallel_tool_calls=False,
        max_tokens=400,
        seed=2,
    )
    c = r.choices[0]
    assert c.finish_reason == "tool_calls"
    assert len(c.message.tool_calls) == 1
    call = c.message.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), WEATHER["function"]["parameters"])


def test_streamed_tool_calls_arrive_as_deltas(client):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Weather in Rome?"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
        max_tokens=400,
        stream=True,
    )
    calls, finish = {}, None
    for chunk in stream:
        for c in chunk.choices:
            finish = c.finish_reason or finish
            for d in c.delta.tool_calls or []:
                calls.setdefault(d.index, {"name": "", "arguments": ""})
                calls[d.index]["name"] += d.function.name or ""
                calls[d.index]["arguments"] += d.function.arguments or ""
    assert finish == "tool_calls"
    assert list(calls) == [0] and calls[0]["name"] == "get_weather"
    jsonschema.validate(json.loads(calls[0]["arguments"]), WEATHER["function"]["parameters"])


def test_tool_results_render_back_through_the_template(client):
    r = client.chat.completions.create(
        model=MODEL,
        max_tokens=2,
        tools=[WEATHER],
        messages=[
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": json.dumps({"city": "Oslo", "unit": "celsius"}),
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "-3 and snowing"},
        ],
    )
    assert r.choices[0].message.role == "assistant"


def test_chat_logprobs(client):
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=3,
        logprobs=True,
        top_logprobs=2,
        extra_body={"ignore_eos": True},  # a random model may otherwise end before 3 tokens
    )
    content = r.choices[0].logprobs.content
    assert len(content) == 3
    assert all(len(t.top_logprobs) == 2 for t in content)


def test_embeddings_decode_in_the_client(client):
    r = client.embeddings.create(model=MODEL, input=["a cat", "a dog"])
    assert [d.index for d in r.data] == [0, 1]
    for d in r.data:
        assert abs(sum(x * x for x in d.embedding) - 1.0) < 1e-4
    assert r.usage.prompt_tokens == 10
    floats = client.embeddings.create(model=MODEL, input="a cat", encoding_format="float")
    assert all(abs(a - b) < 1e-6 for a, b in zip(floats.data[0].embedding, r.data[0].embedding))


def test_errors_are_the_clients_exceptions(client):
    with pytest.raises(openai.NotFoundError) as e:
        client.completions.create(model="no-such-model", prompt="x", max_tokens=1)
    assert "does not exist" in str(e.value)
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "x"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "string", "not": {"const": "a"}}},
            },
        )
    assert "'not' is not supported" in str(e.value)
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model=MODEL, prompt="x", max_tokens=1, extra_body={"bogus": 1})
