"""Behaviour of compiled flows (run by test/codegen/behaviour.test.ts in one pytest run).

FLOWS_DIR holds flow_<id>.py files compiled from test/fixtures/flows/*.json.
"""

import importlib.util
import json
import os
import pathlib
import sys

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

FLOWS = pathlib.Path(os.environ["FLOWS_DIR"])
# The flows import the tenant runtime beside them; its helpers are checked directly too.
sys.path.insert(0, str(FLOWS))
import flowc_runtime as rt  # noqa: E402


def load(flow_id):
    path = FLOWS / f"flow_{flow_id}.py"
    spec = importlib.util.spec_from_file_location(f"behaviour_{flow_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RecordingChat(BaseChatModel):
    """Answers from a script and records every conversation it was sent."""

    answers: list = []
    seen: list = []

    @property
    def _llm_type(self):
        return "recording"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append([(m.type, m.content) for m in messages])
        text = self.answers[min(len(self.seen) - 1, len(self.answers) - 1)]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def patch(monkeypatch, module, answers):
    model = RecordingChat(answers=answers, seen=[])
    built = []

    def fake(node_id, provider, model_name, **params):
        built.append((node_id, provider, model_name, params))
        return model

    monkeypatch.setattr(module, "make_chat_model", fake)
    return model, built


def test_prompt_fstring_and_mustache_with_variables_from_edges_and_fields():
    flow = load("prompt_variants")
    out = flow.runnable.invoke({"input_value": "why?"})["outputs"]
    assert out["ChatOutput-o1"] == "Q: why? | lit {braces} | topic=graphs"
    assert out["ChatOutput-o2"] == "Hi Ada, you asked: why? {single}"
    # No input: the Chat Input's own text is used.
    out = flow.runnable.invoke({})["outputs"]
    assert out["ChatOutput-o1"].startswith("Q: default question |")


def test_memory_is_session_scoped_history_written_by_chat_input_and_output(monkeypatch):
    flow = load("memory_chat")
    model, built = patch(monkeypatch, flow, ["first answer", "second answer", "other"])
    r1 = flow.runnable.invoke({"input_value": "my name is Ada", "session_id": "s1"})
    assert r1["text"] == "first answer"
    r2 = flow.runnable.invoke({"input_value": "what is my name?", "session_id": "s1"})
    assert r2["text"] == "second answer"
    system = model.seen[1][0]
    assert system[0] == "system"
    assert "User: my name is Ada" in system[1]
    assert "AI: first answer" in system[1]
    assert "User: what is my name?" in system[1]
    assert model.seen[1][1] == ("human", "what is my name?")
    flow.runnable.invoke({"input_value": "hello", "session_id": "s2"})
    other = model.seen[2][0][1]
    assert "Ada" not in other and "User: hello" in other
    assert built[0][:3] == ("LanguageModelComponent-l1", "openai", "gpt-4o-mini")
    assert built[0][3]["temperature"] == 0.1


def test_structured_output_as_data_and_table_through_parsers(monkeypatch):
    flow = load("structured_both")
    model, built = patch(
        monkeypatch, flow, ['{"objects": [{"name": "Ada", "age": 36}]}']
    )
    out = flow.runnable.invoke({"input_value": "Ada is 36"})["outputs"]
    assert out["ChatOutput-s3"] == "Name: Ada, age 36"
    assert out["ChatOutput-s4"] == "| name | age |\n|---|---|\n| Ada | 36 |"
    assert built[0][:3] == ("StructuredOutput-s2", "openai", "gpt-4o")
    # Both outputs come from one model call, and the schema went to the model.
    assert len(model.seen) == 1
    assert "Extract people." in model.seen[0][0][1]
    assert '"age"' in model.seen[0][0][1]


def test_legacy_model_nodes_and_17_provider_fields(monkeypatch):
    flow = load("legacy_models")
    model, built = patch(monkeypatch, flow, ["ok"])
    out = flow.runnable.invoke({"input_value": "hi"})["outputs"]
    assert out == {"ChatOutput-g3": "ok", "ChatOutput-g5": "ok", "ChatOutput-g7": "ok"}
    by_node = {b[0]: b for b in built}
    _, provider, name, params = by_node["OpenAIModel-g2"]
    assert (provider, name) == ("openai", "gpt-4o")
    assert params["temperature"] == 0.5 and params["max_tokens"] == 256
    monkeypatch.setenv("MY_OPENAI_KEY", "sk-from-env")
    assert params["api_key"]() == "sk-from-env"
    assert by_node["LanguageModelComponent-g4"][1:3] == (
        "anthropic",
        "claude-3-5-sonnet-latest",
    )
    _, provider, name, params = by_node["OllamaModel-g6"]
    assert (provider, name) == ("ollama", "llama3.1")
    assert params["base_url"] == "http://127.0.0.1:11434"
    assert "api_key" not in params
    assert ("system", "Be brief.") in model.seen[0] or any(
        ("system", "Be brief.") in s for s in model.seen
    )


def test_text_flow_uses_run_input_and_skips_unused_nodes():
    flow = load("text_only")
    out = flow.runnable.invoke({"input_value": "the data"})["outputs"]
    assert out["TextOutput-t3"] == "Summarize: the data"
    assert out["TextOutput-side"] == "the data"
    # A node nothing reads is left out of the graph.
    assert "prompt_dangling" not in flow.graph.nodes
    assert flow.runnable.invoke({})["outputs"]["TextOutput-t3"] == (
        "Summarize: default text"
    )


def test_no_model_selected_is_chosen_from_the_environment(monkeypatch):
    flow = load("memory_chat")
    for name in (
        "FLOWC_MODEL",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "GOOGLE_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="selects no model"):
        rt.model_from_env("LanguageModelComponent-x")
    monkeypatch.setenv("FLOWC_MODEL", "anthropic:claude-x")
    assert rt.model_from_env("n") == ("anthropic", "claude-x")
    monkeypatch.delenv("FLOWC_MODEL")
    monkeypatch.setenv("GOOGLE_API_KEY", "g")
    assert rt.model_from_env("n") == ("google", "gemini-2.0-flash")
    monkeypatch.setenv("FLOWC_GOOGLE_MODEL", "gemini-pro")
    assert rt.model_from_env("n") == ("google", "gemini-pro")


def test_runnable_declares_its_types():
    flow = load("prompt_variants")
    schema = flow.runnable.get_input_jsonschema()
    assert set(schema["properties"]) >= {"input_value", "session_id"}
    assert "text" in flow.runnable.get_output_jsonschema()["properties"]


def test_outputs_show_values_as_langflow_does():
    flow = load("prompt_variants")
    data = rt.Data(data={"name": "Ada", "tags": ["x"]})
    shown = rt.display_text(data)
    assert shown.startswith("```json\n{\n") and shown.endswith("\n```")
    assert '"name": "Ada"' in shown
    table = rt.Table([{"a": "x|y", "b": "line1\nline2"}, {"a": "", "b": None}])
    assert rt.display_text(table) == (
        "| a | b |\n|---|---|\n| x\\|y | line1<br/>line2 |\n|  |  |"
    )
    assert rt.display_text(table, clean_data=True).count("\n") == 2
    assert rt.display_text("a\n\n\n\nb\n   \n") == "a\n\nb\n"  # LangFlow's regexes
    message = rt.Message(text="kept\n\n\n as is")
    assert rt.display_text(message) == "kept\n\n\n as is"
    # Prompt variables take Data's text, as LangFlow's prompt does.
    assert rt.text_of(rt.Data(data={"text": "hello"})) == "hello"


def test_edge_fed_session_and_sender_fields_are_text(monkeypatch, tmp_path):
    flow = load("prompt_variants")
    run = {"input_value": "x"}
    monkeypatch.setenv("FLOWC_DATA_DIR", str(tmp_path))
    shown = rt.chat_output(
        run,
        "hi",
        sender="Machine",
        sender_name=rt.Message(text="Bot"),
        session_id=rt.Message(text="s9"),
        store=True,
        clean_data=True,
    )
    assert (shown.sender_name, shown.session_id) == ("Bot", "s9")
    got = rt.history_messages(
        run, rt.Message(text="s9"), "Machine and User", "", 5, "Ascending"
    )
    assert [m.text for m in got] == ["hi"]


class ScriptedToolCaller(BaseChatModel):
    """Calls the scripted tools in turn, then answers with what they returned."""

    script: list = []
    seen: list = []
    bound: list = []

    @property
    def _llm_type(self):
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        self.bound.append(sorted(t.name for t in tools))
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        from langchain_core.messages import ToolMessage

        self.seen.append(messages)
        done = [m for m in messages if isinstance(m, ToolMessage)]
        if len(done) < len(self.script):
            name, args = self.script[len(done)]
            call = {"name": name, "args": args, "id": f"call_{len(done)}"}
            message = AIMessage(content="", tool_calls=[call])
        else:
            message = AIMessage(content=" | ".join(m.content for m in done))
        return ChatResult(generations=[ChatGeneration(message=message)])


class Page(__import__("http.server").server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"<html><title>T</title><body><p>page {self.path}</p></body></html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_agent_calls_tool_mode_components_and_plain_components_run(monkeypatch):
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("FLOWC_URL_BASE", f"http://127.0.0.1:{server.server_port}")
    flow = load("agent_tools")
    model = ScriptedToolCaller(
        script=[
            ("calc", {"expression": "6*7"}),
            ("fetch_content", {"urls": ["https://anything.example/x"]}),
        ],
        seen=[],
        bound=[],
    )
    monkeypatch.setattr(flow, "make_chat_model", lambda *a, **k: model)
    try:
        out = flow.runnable.invoke({"input_value": "compute", "session_id": "t"})
    finally:
        server.shutdown()
        server.server_close()
    answer = out["outputs"]["ChatOutput-a2"]
    assert '"result": "42"' in answer and "page /x" in answer
    # Tool names and descriptions come from tools_metadata; no built-in tools asked for.
    assert {tuple(names) for names in model.bound} == {("calc", "fetch_content")}
    system = model.seen[0][0]
    assert system.type == "system" and "you are gpt-4o." in system.content
    assert "{current_date}" not in system.content
    assert out["outputs"]["TextOutput-x2"] == '```json\n{\n  "result": "1024"\n}\n```'
    assert out["outputs"]["TextOutput-x3"] == "T page /a"


def test_calculator_refuses_anything_but_arithmetic():
    flow = load("agent_tools")
    assert flow.calculate("2 + 3 * 4").data == {"result": "14"}
    assert flow.calculate("1/0").data["error"] == "Error: Division by zero"
    bad = flow.calculate("__import__('os').system('true')").data
    assert bad["error"].startswith("Invalid expression")


def test_router_runs_only_the_taken_branch(monkeypatch):
    flow = load("router")
    model, built = patch(monkeypatch, flow, ["a brief answer"])
    urgent = flow.runnable.invoke({"input_value": "URGENT: server down"})
    assert urgent["outputs"] == {"ChatOutput-yes": "ESCALATE: URGENT: server down"}
    assert built == [] and model.seen == []
    calm = flow.runnable.invoke({"input_value": "what time is it?"})
    assert calm["outputs"] == {"ChatOutput-no": "a brief answer"}
    assert [b[0] for b in built] == ["LanguageModelComponent-no"]
    assert flow.route_condition("7", "greater than", "10", True) is False
    assert flow.route_condition("ABC", "equals", "abc", False) is True
    assert flow.route_condition("abc", "regex", "[", True) is False


def test_loop_runs_its_body_once_per_item_and_collects_done(monkeypatch):
    flow = load("loop")
    model, built = patch(
        monkeypatch,
        flow,
        [
            '{"objects": [{"topic": "cats"}, {"topic": "dogs"}, {"topic": "owls"}]}',
            "Cats purr.",
            "Dogs bark.",
            "Owls hoot.",
        ],
    )
    out = flow.runnable.invoke({"input_value": "cats, dogs and owls"})
    assert out["outputs"]["ChatOutput-d2"] == "- Cats purr.\n- Dogs bark.\n- Owls hoot."
    asked = [seen[-1][1] for seen in model.seen[1:]]
    assert asked == [
        "Write one line about cats.",
        "Write one line about dogs.",
        "Write one line about owls.",
    ]
    assert [b[0] for b in built].count("LanguageModelComponent-b2") == 3
    assert rt.loop_items(rt.Message(text="x"))[0].data == {"text": "x"}


class FirstToolCaller(BaseChatModel):
    """In each conversation: calls the first bound tool once, then answers with its result."""

    tool_names: list = []
    conversations: list = []

    @property
    def _llm_type(self):
        return "first-tool"

    def bind_tools(self, tools, **kwargs):
        return self.model_copy(update={"tool_names": [t.name for t in tools]})

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        from langchain_core.messages import ToolMessage

        self.conversations.append(messages)
        results = [m.content for m in messages if isinstance(m, ToolMessage)]
        if self.tool_names and not results:
            name = self.tool_names[0]
            args = {"expression": "6*7"} if name == "evaluate_expression" else {}
            if name == "math_agent":
                args = {"input_value": "what is 6*7?"}
            call = {"name": name, "args": args, "id": "call_1"}
            message = AIMessage(content="", tool_calls=[call])
        else:
            message = AIMessage(content=f"answer from {results}")
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_an_agent_is_another_agents_tool(monkeypatch):
    flow = load("agent_as_tool")
    model = FirstToolCaller(conversations=[])
    monkeypatch.setattr(flow, "make_chat_model", lambda *a, **k: model)
    out = flow.runnable.invoke({"input_value": "delegate the sum"})
    answer = out["outputs"]["ChatOutput-m9"]
    # The coordinator asked the math agent, which used the calculator: 42 came back up.
    assert "42" in answer
    first_questions = [
        c[-1].content for c in model.conversations if c[-1].type == "human"
    ]
    assert "what is 6*7?" in first_questions


class Shouter(BaseChatModel):
    """Answers the user's text in capitals (order-independent, as batch runs concurrently)."""

    seen: list = []

    @property
    def _llm_type(self):
        return "shouter"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append([(m.type, m.content) for m in messages])
        message = AIMessage(content=messages[-1].content.upper())
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_split_text_then_batch_run_over_the_rows(monkeypatch):
    flow = load("split_batch")
    model = Shouter(seen=[])
    monkeypatch.setattr(flow, "make_chat_model", lambda *a, **k: model)
    out = flow.runnable.invoke({})["outputs"]["TextOutput-s4"]
    assert out == (
        "alpha beta -> ALPHA BETA\n"
        "gamma delta -> GAMMA DELTA\n"
        "epsilon zeta. -> EPSILON ZETA."
    )
    assert sorted(c[1][1] for c in model.seen) == [
        "alpha beta",
        "epsilon zeta.",
        "gamma delta",
    ]
    assert all(c[0] == ("system", "Shout it.") for c in model.seen)
    chunks = rt.split_text(
        rt.Message(text="aaaa\nbbbb\ncccc\ndddd"), 10, 5, "\\n", "False", "text"
    )
    assert [c["text"] for c in chunks] == ["aaaa\nbbbb", "bbbb\ncccc", "cccc\ndddd"]


def test_memory_store_mode_and_agent_history(monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWC_DATA_DIR", str(tmp_path))
    flow = load("memory_chat")
    run = {"input_value": "hi", "session_id": "store-test"}
    stored = rt.store_message(run, "remember me", "", rt.Message(text="Bot"), "")
    assert (stored.sender, stored.sender_name, stored.session_id) == (
        "Machine",
        "Bot",
        "store-test",
    )
    shown = rt.history_messages(run, "", "Machine", "Bot", 10, "Descending")
    assert [m.text for m in shown] == ["remember me"]
    # Agents read the same (tenant-wide) history.
    flow = load("agent_tools")
    run = {"input_value": "hi", "session_id": "agent-test"}
    rt.store_message(run, "remember me", "", rt.Message(text="Bot"), "")
    current = rt.chat_input(run, "", "User", "User", "", True)
    history = rt.agent_history(run, current, 10)
    # The message being answered is not repeated as history.
    assert [(m.type, m.content) for m in history] == [("ai", "remember me")]


class ServiceStandIn(__import__("http.server").server.BaseHTTPRequestHandler):
    """Stands in for the hosted services; records every request it gets."""

    requests = []
    polls = []

    def answer(self, body, kind="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", kind)
        self.end_headers()
        self.wfile.write(data)

    def record(self):
        from urllib.parse import parse_qs, urlsplit

        size = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(size) if size else b""
        parts = urlsplit(self.path)
        entry = {
            "method": self.command,
            "path": parts.path,
            "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "raw": raw,
        }
        self.requests.append(entry)
        return entry

    def do_GET(self):
        r = self.record()
        path, query = r["path"], r["query"]
        if path == "/v1/finance/search":
            news = [
                {"title": f"news {i}", "link": f"https://n.example/{i}"}
                for i in range(5)
            ]
            return self.answer({"news": news})
        if path.startswith("/v10/finance/quoteSummary/"):
            return self.answer(
                {"quoteSummary": {"result": [{"price": {"ticker": "MSFT"}}]}}
            )
        if path == "/youtube/v3/commentThreads":
            page = query.get("pageToken", "")
            items = [comment_thread(f"{page}c{i}", replies=(i == 0)) for i in range(2)]
            return self.answer(
                {"items": items, **({} if page else {"nextPageToken": "p2"})}
            )
        if path == "/watch":
            return self.answer(
                b'<script>"INNERTUBE_API_KEY":"k1"</script>', "text/html"
            )
        if path == "/api/timedtext":
            texts = [(0, "one"), (4, "two &amp; a half"), (12, "three")]
            body = "".join(f'<text start="{s}" dur="3">{t}</text>' for s, t in texts)
            return self.answer(f"<transcript>{body}</transcript>".encode(), "text/xml")
        if path == "/v2/transcript/job-1":
            self.polls.append(path)
            if len(self.polls) == 1:
                return self.answer({"id": "job-1", "status": "processing"})
            return self.answer(
                {
                    "id": "job-1",
                    "status": "completed",
                    "text": "hello meeting",
                    "words": [],
                }
            )
        self.send_response(404)
        self.end_headers()

    def do_POST(self):
        r = self.record()
        path = r["path"]
        if path == "/v1/searchscraper":
            return self.answer(
                {"result": {"answer": "pizza place"}, "reference_urls": []}
            )
        if path.startswith("/v2/acts/"):
            item = {"text": "crawled", "metadata": {"title": "Doc A", "lang": "en"}}
            return self.answer([item, {"text": "second"}])
        if path == "/api/v1/collections/col-1/search":
            return self.answer({"result": [{"content": "Total due: 42 EUR"}]})
        if path == "/youtubei/v1/player":
            track = {
                "baseUrl": "https://www.youtube.com/api/timedtext?v=vid123&fmt=srv3"
            }
            tracks = {"captionTracks": [{**track, "languageCode": "en"}]}
            return self.answer(
                {"captions": {"playerCaptionsTracklistRenderer": tracks}}
            )
        if path == "/v2/upload":
            return self.answer({"upload_url": "https://cdn.example/audio-1"})
        if path == "/v2/transcript":
            return self.answer({"id": "job-1", "status": "queued"})
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def comment_thread(comment_id, replies=False):
    snippet = {
        "authorDisplayName": f"author {comment_id}",
        "textDisplay": f"text {comment_id}",
        "publishedAt": "2025-01-01",
        "updatedAt": "2025-01-02",
        "likeCount": 3,
    }
    thread = {
        "snippet": {
            "topLevelComment": {"id": comment_id, "snippet": snippet},
            "totalReplyCount": 1 if replies else 0,
        }
    }
    if replies:
        reply = {
            "id": f"{comment_id}r",
            "snippet": {**snippet, "textDisplay": "a reply"},
        }
        thread["replies"] = {"comments": [reply]}
    return thread


SERVICE_URLS = (
    "SCRAPEGRAPH_API_URL",
    "APIFY_API_URL",
    "NEEDLE_API_URL",
    "YAHOO_FINANCE_API_URL",
    "ASSEMBLYAI_API_URL",
    "YOUTUBE_API_URL",
    "YOUTUBE_URL",
)


@pytest.fixture
def stand_in(monkeypatch):
    import http.server
    import threading

    ServiceStandIn.requests, ServiceStandIn.polls = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ServiceStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in SERVICE_URLS:
        monkeypatch.setenv(name, f"http://127.0.0.1:{server.server_port}")
    yield ServiceStandIn.requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def services_run(monkeypatch, stand_in):
    monkeypatch.setenv("FLOWC_TEST_SGAI_KEY", "sgai-key")
    monkeypatch.setenv("APIFY_API_TOKEN", "apify-token")
    monkeypatch.setenv("NEEDLE_API_KEY", "needle-key")
    flow = load("services")
    model = ScriptedToolCaller(
        script=[
            ("web_search", {"user_prompt": "best pizza"}),
            (
                "apify_actor_apify_website-content-crawler",
                {"run_input": '{"startUrls": [{"url": "https://agent.example"}]}'},
            ),
            ("run", {"query": "total due?"}),
            ("fetch_content_dataframe", {"symbol": "aapl"}),
        ],
        seen=[],
        bound=[],
    )
    monkeypatch.setattr(flow, "make_chat_model", lambda *a, **k: model)
    out = flow.runnable.invoke({"input_value": "go", "session_id": "svc"})["outputs"]
    return out, stand_in, model


def sent(requests, path_start, method="POST"):
    found = [
        r
        for r in requests
        if r["method"] == method and r["path"].startswith(path_start)
    ]
    assert found, f"no {method} {path_start}"
    return found


def test_scrapegraph_search_as_an_agent_tool(services_run):
    out, requests, model = services_run
    [call] = sent(requests, "/v1/searchscraper")
    assert call["headers"]["sgai-apikey"] == "sgai-key"
    assert json.loads(call["raw"]) == {"user_prompt": "best pizza"}
    assert '"answer": "pizza place"' in out["ChatOutput-s3"]
    assert "web_search" in model.bound[0]


def test_apify_actor_runs_as_a_tool_and_as_data(services_run):
    out, requests, model = services_run
    calls = sent(
        requests, "/v2/acts/apify~website-content-crawler/run-sync-get-dataset-items"
    )
    assert {c["headers"]["authorization"] for c in calls} == {"Bearer apify-token"}
    bodies = [json.loads(c["raw"]) for c in calls]
    assert {
        "startUrls": [{"url": "https://agent.example"}]
    } in bodies  # the agent's input
    assert {
        "startUrls": [{"url": "https://docs.example/a"}]
    } in bodies  # the node's input
    # Tool: every item as compact JSON; output: only the chosen fields, dots as underscores.
    assert (
        '{"text":"crawled","metadata":{"title":"Doc A","lang":"en"}}'
        in out["ChatOutput-s3"]
    )
    shown = out["TextOutput-p2"]
    assert '"metadata_title": "Doc A"' in shown and '"lang"' not in shown
    assert '"metadata_title": null' in shown


def test_needle_searches_the_collection_with_at_least_20_results(services_run):
    out, requests, model = services_run
    [call] = sent(requests, "/api/v1/collections/col-1/search")
    assert call["headers"]["x-api-key"] == "needle-key"
    assert json.loads(call["raw"]) == {"text": "total due?", "top_k": 20}
    assert (
        "Question: total due?\n\nContext:\nDocument 1:\nTotal due: 42 EUR"
        in out["ChatOutput-s3"]
    )


def test_yahoo_finance_news_tool_and_info_table(services_run):
    out, requests, model = services_run
    [news] = sent(requests, "/v1/finance/search", "GET")
    assert news["query"]["q"] == "AAPL" and news["query"]["newsCount"] == "2"
    assert "news 1: https://n.example/1" in out["ChatOutput-s3"]
    assert "news 2" not in out["ChatOutput-s3"]
    [info] = sent(requests, "/v10/finance/quoteSummary/MSFT", "GET")
    assert "assetProfile" in info["query"]["modules"]
    assert "'ticker': 'MSFT'" in out["TextOutput-y3"]


@pytest.fixture
def media_run(monkeypatch, stand_in, tmp_path):
    audio = tmp_path / "meeting.mp3"
    audio.write_bytes(b"ID3 stand-in audio")
    monkeypatch.setenv("FLOWC_FILE", str(audio))
    monkeypatch.setenv("FLOWC_FILES_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "aai-key")
    monkeypatch.setenv("YOUTUBE_API_KEY", "yt-key")
    flow = load("media_files")
    url = "https://www.youtube.com/watch?v=abc123&t=5"
    first = flow.runnable.invoke({"input_value": url})["outputs"]
    second = flow.runnable.invoke({"input_value": "second run"})["outputs"]
    return first, second, stand_in, tmp_path


def test_youtube_comments_pages_until_max_results(media_run):
    first, _, requests, _ = media_run
    pages = sent(requests, "/youtube/v3/commentThreads", "GET")[:2]
    assert [p["query"].get("pageToken") for p in pages] == [None, "p2"]
    assert (
        pages[0]["query"]["videoId"] == "abc123"
        and pages[0]["query"]["key"] == "yt-key"
    )
    assert [p["query"]["maxResults"] for p in pages] == ["3", "1"]
    shown = first["TextOutput-c2"].split("\n")
    assert shown[0].startswith(
        "| video_id | video_url | comment_id | parent_comment_id |"
    )
    assert shown[0].endswith("| like_count | reply_count |")
    # 3 threads (2 + 1 from the second page) and the replies of each first thread.
    assert [line.split(" | ")[2] for line in shown[2:]] == [
        "c0",
        "c0r",
        "c1",
        "p2c0",
        "p2c0r",
    ]


def test_youtube_transcripts_in_chunks_and_as_text(media_run):
    first, _, requests, _ = media_run
    player = sent(requests, "/youtubei/v1/player")[0]
    assert (
        player["query"]["key"] == "k1"
        and json.loads(player["raw"])["videoId"] == "vid123"
    )
    captions = sent(requests, "/api/timedtext", "GET")[0]
    assert captions["query"] == {"v": "vid123"}  # the XML format, not srv3
    assert first["TextOutput-t3"] == "one two & a half three"
    assert first["TextOutput-t2"].split("\n")[2:] == [
        "| 00:00 | one two & a half |",
        "| 00:12 | three |",
    ]


def test_assemblyai_uploads_starts_and_polls_the_transcript(media_run):
    first, _, requests, _ = media_run
    upload = sent(requests, "/v2/upload")[0]
    assert upload["raw"] == b"ID3 stand-in audio"
    assert upload["headers"]["authorization"] == "aai-key"
    job = json.loads(sent(requests, "/v2/transcript")[0]["raw"])
    assert job["audio_url"] == "https://cdn.example/audio-1"
    assert (job["language_code"], job["speakers_expected"], job["speech_model"]) == (
        "en",
        2,
        "best",
    )
    assert "language_detection" in job and job["speaker_labels"] is True
    assert len(ServiceStandIn.polls) >= 2  # "processing", then "completed"
    shown = first["TextOutput-a3"]
    assert (
        shown.index('"text": "hello meeting"')
        < shown.index('"id": "job-1"')
        < shown.index('"status"')
    )


def test_save_to_file_writes_locally_and_appends(media_run):
    first, second, _, tmp_path = media_run
    saved = tmp_path / "store" / "out" / "notes.markdown"
    assert first["TextOutput-f2"].startswith(f"Message saved successfully as '{saved}'")
    assert second["TextOutput-f2"].startswith(f"Message appended to '{saved}'")
    text = saved.read_text(encoding="utf-8")
    assert text == (
        "**Message:**\n\nhttps://www.youtube.com/watch?v=abc123&t=5"
        "\n\n**Message:**\n\nsecond run"
    )


class WordEmbeddings:
    """Bag-of-words vectors (crc32 slots): texts sharing words are close. Records its calls."""

    def __init__(self):
        self.documents, self.queries = [], []

    def vector(self, text):
        import re
        import zlib

        vector = [0.0] * 256
        for word in re.findall(r"\w+", text.lower()):
            vector[zlib.crc32(word.encode()) % 256] += 1.0
        return vector

    def embed_documents(self, texts):
        self.documents.extend(texts)
        return [self.vector(t) for t in texts]

    def embed_query(self, text):
        self.queries.append(text)
        return self.vector(text)


HANDBOOK = [
    "Refunds are accepted within 30 days of purchase.",
    "Shipping takes five business days.",
    "Support answers email within one day.",
    "Gift cards never expire.",
]


@pytest.fixture
def rag(monkeypatch, tmp_path):
    flow = load("rag_faiss")
    model, _ = patch(monkeypatch, flow, ["the answer"])
    embeddings = WordEmbeddings()
    made = []

    def fake_embeddings(node_id, provider, model_name, **params):
        made.append((node_id, provider, model_name))
        return embeddings

    monkeypatch.setattr(flow, "make_embeddings", fake_embeddings)
    monkeypatch.setenv("FLOWC_DATA_DIR", str(tmp_path / "data"))
    document = tmp_path / "handbook.txt"
    document.write_text("\n".join(HANDBOOK), encoding="utf-8")
    monkeypatch.setenv("FLOWC_FILE", str(document))
    return flow, model, embeddings, made, document, tmp_path / "data"


def handbook_lines(model):
    prompt = model.seen[-1][-1][1]
    return prompt.split("Handbook:\n")[1].split("\nQuestion:")[0].split("\n")


def test_rag_ingestion_is_its_own_entry_point_and_chat_retrieves_the_closest(rag):
    flow, model, embeddings, made, document, data = rag
    # Searching before anything was ingested says what to do.
    with pytest.raises(
        RuntimeError, match=r"FAISS-r6: FAISS index 'handbook' not found"
    ) as err:
        flow.runnable.invoke({"input_value": "refunds?"})
    assert "run the flow's ingestion first (POST /<endpoint>/ingest)" in str(err.value)
    made.clear()
    out = flow.ENTRY_POINTS["ingest"].invoke({"input_value": ""})
    assert out["outputs"] == {"FAISS-r3": "FAISS index handbook: 4 documents"}
    assert out["text"] == "FAISS index handbook: 4 documents"
    # Ingestion embedded each chunk (Split Text: one per line at 60 characters), asked no model.
    assert embeddings.documents == HANDBOOK and not model.seen
    assert [m[0] for m in made] == ["OpenAIEmbeddings-r4"]
    assert (data / "rag" / "handbook.faiss").is_file()

    made.clear()
    result = flow.runnable.invoke(
        {"input_value": "How many days for refunds of a purchase?"}
    )
    assert result["outputs"] == {"ChatOutput-r11": "the answer"}
    # The chat turn embedded only the question (nothing re-ingested); the two closest
    # chunks (number_of_results) reached the prompt, the closest first.
    assert embeddings.documents == HANDBOOK
    assert embeddings.queries == ["How many days for refunds of a purchase?"]
    assert [m[0] for m in made] == ["OpenAIEmbeddings-r7"]
    assert handbook_lines(model) == [
        "- Refunds are accepted within 30 days of purchase.",
        "- Shipping takes five business days.",
    ]


def test_rag_reingestion_replaces_the_index_and_the_next_query_sees_it(rag):
    flow, model, embeddings, made, document, data = rag
    flow.ENTRY_POINTS["ingest"].invoke({})
    flow.runnable.invoke({"input_value": "gift cards expire?"})
    assert handbook_lines(model)[0] == "- Gift cards never expire."
    document.write_text("Gift cards expire after one year.", encoding="utf-8")
    out = flow.ENTRY_POINTS["ingest"].invoke({})
    assert out["text"] == "FAISS index handbook: 1 documents"
    flow.runnable.invoke({"input_value": "gift cards expire?"})
    assert handbook_lines(model) == ["- Gift cards expire after one year."]
    # One file, replaced atomically: no temp file is left beside it.
    assert sorted(p.name for p in (data / "rag").iterdir()) == ["handbook.faiss"]


def test_a_store_outside_the_data_dir_and_an_empty_query_are_handled(rag):
    flow, model, embeddings, *_ = rag
    with pytest.raises(RuntimeError, match="is outside FLOWC_DATA_DIR"):
        rt.FaissStore("FAISS-x", embeddings, "../../escape", "index")
    store = rt.FaissStore("FAISS-x", embeddings, "", "empty")
    assert store.search("   ", 3) == [] and not store.exists()
    with pytest.raises(ValueError, match="FAISS-x: there are no documents to ingest"):
        store.ingest([])


class AlwaysCalls(BaseChatModel):
    """Calls `tool` on every turn, never answering; records what it was sent."""

    tool: str = "boom"
    seen: list = []

    @property
    def _llm_type(self):
        return "always-calls"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(messages)
        call = {"name": self.tool, "args": {"x": "1"}, "id": f"call_{len(self.seen)}"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="", tool_calls=[call]))])


def test_agent_stops_at_max_iterations_and_tool_errors_go_back_to_the_model(monkeypatch):
    from langchain_core.messages import ToolMessage
    from langchain_core.tools import StructuredTool

    def boom(x: str) -> str:
        """Always fails."""
        raise ValueError("the service is down")

    # LangFlow's retry middleware waits between attempts; not in a test.
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    model = AlwaysCalls(seen=[])
    tool = StructuredTool.from_function(boom)
    answer = rt.run_agent(
        {},
        model,
        [tool],
        system_prompt="s",
        input_value="go",
        model_name="m",
        n_messages=0,
        max_iterations=2,
    )
    # The run ends cleanly after max_iterations model calls (LangFlow's call limit) ...
    assert isinstance(answer, rt.Message)
    assert len(model.seen) == 2
    # ... and the failing tool's error reached the model as the tool's answer.
    errors = [m.content for m in model.seen[1] if isinstance(m, ToolMessage)]
    assert errors and "the service is down" in errors[0]
