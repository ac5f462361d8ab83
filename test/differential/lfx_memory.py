"""`lfx run` with chat memory: LangFlow's message table kept in a JSON file.

Standalone lfx has no database, so its message store is a no-op and a flow's history is always
empty; LangFlow's server keeps messages in its database. This runs lfx's own CLI with the two
store functions backed by the file named in FLOWC_LFX_MEMORY, filtered as LangFlow's database
query filters them (session, sender, sender name, flow, context; newest first, limited), so
Message History and the Agent's memory read what Chat Input and Chat Output stored, across runs.

    python lfx_memory.py run flow.json "input" --session-id s1 [lfx run options]
"""

import json
import os
import sys

from lfx.memory import stubs
from lfx.schema.message import Message

STORE = os.environ["FLOWC_LFX_MEMORY"]
FIELDS = ("id", "text", "sender", "sender_name", "session_id", "context_id", "flow_id", "timestamp")
_store_message = stubs.astore_message


def _rows() -> list[dict]:
    if not os.path.exists(STORE):
        return []
    with open(STORE, encoding="utf-8") as f:
        return json.load(f)


async def astore_message(message, flow_id=None, run_id=None, user_id=None):
    stored = await _store_message(message, flow_id=flow_id, run_id=run_id, user_id=user_id)
    rows = _rows()
    for m in stored:
        row = {k: str(getattr(m, k)) if getattr(m, k, None) is not None else None for k in FIELDS}
        # The id is the table's key: storing a message again updates its row.
        rows = [r for r in rows if r["id"] != row["id"]] + [row]
    with open(STORE, "w", encoding="utf-8") as f:
        json.dump(rows, f)
    return stored


async def aget_messages(
    sender=None,
    sender_name=None,
    session_id=None,
    context_id=None,
    order_by="timestamp",
    order="DESC",
    flow_id=None,
    limit=None,
    user_id=None,
):
    wanted = {"sender": sender, "sender_name": sender_name, "session_id": session_id, "context_id": context_id, "flow_id": flow_id}
    rows = [r for r in _rows() if all(v in (None, "") or r.get(k) == str(v) for k, v in wanted.items())]
    rows.sort(key=lambda r: r.get(order_by) or "", reverse=order == "DESC")
    if limit:
        rows = rows[:limit]
    return [Message(**{k: v for k, v in r.items() if v is not None and k != "flow_id"}) for r in rows]


stubs.astore_message = astore_message
stubs.aget_messages = aget_messages

if __name__ == "__main__":
    from lfx.__main__ import main

    sys.argv = ["lfx", *sys.argv[1:]]
    sys.exit(main())
