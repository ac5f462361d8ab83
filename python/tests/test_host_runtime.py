"""Host runtime behaviour in process (no Node, no uvicorn): templates/server.py.liquid rendered by
substituting its two values, driven through httpx's ASGI transport.

Covers what the uvicorn e2e tests (test/e2e/host*.test.ts) do not: serving without a lifespan
(`--lifespan off`), the old generation's app still answering after a swap, and the module-name
freshness of every reload.
"""

import importlib.util
import re
import sys
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "server.py.liquid"

ECHO = """
from langchain_core.runnables import RunnableLambda
from pydantic import BaseModel

FLOW_ID = "echo"
SLUG = "acme"
NAME = "Echo"
ENDPOINT = "echo"
PREFIX = "PREFIX"


class FlowInput(BaseModel):
    input_value: str = ""
    session_id: str = ""


runnable = RunnableLambda(lambda d: PREFIX + d["input_value"]).with_types(
    input_type=FlowInput, output_type=str
)
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def render(slug: str, flows_dir: str) -> str:
    text = TEMPLATE.read_text()
    liquid = re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text)
    # A new template variable must be added here too; fail loudly rather than render half.
    expected = ["{{ collectors | py: 4 }}", "{{ flows_dir | py }}", "{{ slug | py }}"]
    assert sorted(liquid) == expected, liquid
    return (
        text.replace("{{ slug | py }}", repr(slug))
        .replace("{{ flows_dir | py }}", repr(flows_dir))
        .replace("{{ collectors | py: 4 }}", "[]")
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app" / "flows" / "acme").mkdir(parents=True)
    (tmp_path / "app" / "server.py").write_text(render("acme", "app/flows/acme"))
    write_flow(tmp_path, "Hello, ")
    return tmp_path


def write_flow(repo: Path, prefix: str) -> None:
    path = repo / "app" / "flows" / "acme" / "flow_echo.py"
    path.write_text(ECHO.replace('"PREFIX"', repr(prefix)))


def load_server(repo: Path):
    name = f"flowc_test_server_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, repo / "app" / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    )


async def invoke(http: httpx.AsyncClient, text: str) -> str:
    reply = await http.post("/echo/invoke", json={"input": {"input_value": text}})
    assert reply.status_code == 200, reply.text
    return reply.json()["output"]


def test_refuses_to_import_without_a_token(repo, monkeypatch):
    monkeypatch.delenv("LANGSERVE_RESTART_TOKEN", raising=False)
    with pytest.raises(SystemExit, match="LANGSERVE_RESTART_TOKEN is not set"):
        load_server(repo)


@pytest.mark.anyio
async def test_without_lifespan_the_first_request_starts_generation_1(
    repo, monkeypatch
):
    monkeypatch.setenv("LANGSERVE_RESTART_TOKEN", "t0k")
    server = load_server(repo)
    assert server.host.current is None
    async with client(server.app) as http:
        health = (await http.get("/healthz")).json()
        assert health["generation"] == 1
        assert [r["path"] for r in health["routes"]] == ["/echo"]
        assert await invoke(http, "you") == "Hello, you"


@pytest.mark.anyio
async def test_the_old_app_keeps_answering_after_a_swap_and_modules_are_fresh(
    repo, monkeypatch
):
    monkeypatch.setenv("LANGSERVE_RESTART_TOKEN", "t0k")
    server = load_server(repo)
    await server.host.start()
    old = server.host.current
    old_name = old.flows[0].module.__name__
    write_flow(repo, "Bye, ")
    status, body = await server.host.reload(None)
    assert (status, body["generation"]) == (200, 2)
    new = server.host.current
    assert new.flows[0].module.__name__ != old_name
    # The old generation's module left sys.modules, yet its app still serves (in-flight work).
    assert old_name not in sys.modules
    async with client(old.app) as http:
        assert await invoke(http, "old") == "Hello, old"
    async with client(server.app) as http:
        assert await invoke(http, "new") == "Bye, new"


@pytest.mark.anyio
async def test_restart_needs_the_bearer_token(repo, monkeypatch):
    monkeypatch.setenv("LANGSERVE_RESTART_TOKEN", "t0k")
    server = load_server(repo)
    async with client(server.app) as http:
        assert (await http.post("/restart")).status_code == 401
        wrong = {"authorization": "Bearer t0k0"}
        assert (await http.post("/restart", headers=wrong)).status_code == 401
        ok = await http.post("/restart", headers={"authorization": "Bearer t0k"})
        assert ok.status_code == 200
        assert ok.json()["generation"] == 2


ENTRIES = """
ENTRY_POINTS = {
    "ingest": RunnableLambda(lambda d: "ingested " + d["input_value"]).with_types(
        input_type=FlowInput, output_type=str
    ),
}
"""


@pytest.mark.anyio
async def test_entry_points_are_served_under_the_flow_and_checked_on_reload(
    repo, monkeypatch
):
    monkeypatch.setenv("LANGSERVE_RESTART_TOKEN", "t0k")
    flow = repo / "app" / "flows" / "acme" / "flow_echo.py"
    flow.write_text(flow.read_text() + ENTRIES)
    server = load_server(repo)
    await server.host.start()
    async with client(server.app) as http:
        health = (await http.get("/healthz")).json()
        assert [r["path"] for r in health["routes"]] == ["/echo", "/echo/ingest"]
        reply = await http.post(
            "/echo/ingest/invoke", json={"input": {"input_value": "docs"}}
        )
        assert reply.json()["output"] == "ingested docs"
        assert await invoke(http, "you") == "Hello, you"
    # An entry point that is no Runnable is refused: 422 naming the file, old generation serves.
    flow.write_text(flow.read_text() + '\nENTRY_POINTS = {"ingest": 42}\n')
    status, body = await server.host.reload(None)
    assert status == 422
    assert "entry point 'ingest' is not a LangChain Runnable" in str(body)
    assert "app/flows/acme/flow_echo.py" in str(body)
    assert server.host.current.number == 1
