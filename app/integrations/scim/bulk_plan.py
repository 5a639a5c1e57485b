"""The plan of a SCIM bulk request (RFC 7644 §3.7): its operations checked one by one, put in
an order where every `bulkId` reference comes after the creation it names, and cut into runs
that can be written together without changing the result.

Nothing here touches the database: bulk.py carries the plan out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from app.integrations.scim.users import ScimError

REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
ENDPOINTS = ("/Users", "/Groups")
PREFIX = "bulkId:"
BATCH = 1000  # User operations written together at most


@dataclass
class Operation:
    """One operation of the request, as read (its data is resolved in place before it runs)."""

    index: int
    method: str = ""
    path: str = ""
    bulk_id: str | None = None
    version: str | None = None
    data: Any = None
    endpoint: str = ""
    resource_id: str | None = None
    refs: set[str] = field(default_factory=set)
    keys: set[tuple[str, str]] = field(default_factory=set)
    problem: ScimError | None = None

    def refers_to_path(self) -> bool:
        """Whether the path still names a resource by bulkId (not yet created)."""
        return bool(self.resource_id and self.resource_id.startswith(PREFIX))

    @property
    def kind(self) -> str:
        """What may be written together: User writes, User deletions; Groups one at a time."""
        if self.endpoint == "/Groups":
            return f"group-{self.index}"
        return "user-delete" if self.method == "DELETE" else "user-write"


@dataclass
class Plan:
    """The operations in the order to run them (those refused as read included), and the
    error budget."""

    ordered: list[Operation]
    fail_on_errors: int | None


def _ref(text: str) -> str | None:
    """The bulkId a string names: `bulkId:x`, or a URL ending in `/bulkId:x`."""
    if text.startswith(PREFIX):
        return text[len(PREFIX) :]
    if "/" + PREFIX in text:
        return text.rsplit("/" + PREFIX, 1)[1]
    return None


def _refs(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, str):
        ref = _ref(value)
        if ref:
            found.add(ref)
    elif isinstance(value, dict):
        for item in value.values():
            _refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _refs(item, found)
    return found


def _substitute(value: Any, created: dict[str, str]) -> Any:
    if isinstance(value, str):
        ref = _ref(value)
        if ref is None or ref not in created:
            return value
        return value[: len(value) - len(PREFIX) - len(ref)] + created[ref]
    if isinstance(value, dict):
        return {k: _substitute(v, created) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, created) for v in value]
    return value


def _keys(op: Operation) -> set[tuple[str, str]]:
    """What a User operation touches: two of them sharing a key must not be written together."""
    keys = {("id", op.resource_id)} if op.resource_id else set()
    if op.bulk_id:
        keys.add(("bulk", op.bulk_id))
    data = op.data if isinstance(op.data, dict) else {}
    if isinstance(data.get("userName"), str):
        keys.add(("name", data["userName"].strip().lower()))
    if isinstance(data.get("externalId"), str):
        keys.add(("external", data["externalId"]))
    for email in data.get("emails") or [] if isinstance(data.get("emails"), list) else []:
        if isinstance(email, dict) and isinstance(email.get("value"), str):
            keys.add(("name", email["value"].strip().lower()))
    return keys


def _read(index: int, raw: Any) -> Operation:
    op = Operation(index)
    if not isinstance(raw, dict):
        op.problem = ScimError(400, "An operation must be a JSON object.", "invalidSyntax")
        return op
    method, path = raw.get("method"), raw.get("path")
    op.method = method.upper() if isinstance(method, str) else ""
    op.path = path.strip() if isinstance(path, str) else ""
    bulk_id, version = raw.get("bulkId"), raw.get("version")
    op.bulk_id = bulk_id if isinstance(bulk_id, str) and bulk_id else None
    op.version = version if isinstance(version, str) and version else None
    op.data = raw.get("data")
    op.endpoint, _sep, rest = ("/" + op.path.lstrip("/")).partition("/")[2].partition("/")
    op.endpoint = "/" + op.endpoint
    op.resource_id = rest or None
    if op.method not in METHODS:
        op.problem = ScimError(400, "method must be POST, PUT, PATCH or DELETE.", "invalidSyntax")
    elif op.endpoint not in ENDPOINTS or "/" in (op.resource_id or ""):
        op.problem = ScimError(400, "path must name /Users or /Groups.", "invalidPath")
    elif op.method == "POST" and (op.resource_id or not op.bulk_id):
        op.problem = ScimError(400, "A POST names an endpoint and has a bulkId.", "invalidValue")
    elif op.method != "POST" and not op.resource_id:
        op.problem = ScimError(400, f"A {op.method} names a resource.", "invalidPath")
    elif op.method != "DELETE" and not isinstance(op.data, dict):
        op.problem = ScimError(400, "data must be a JSON object.", "invalidSyntax")
    if op.problem is None:
        op.refs = _refs(op.data, set())
        if op.resource_id and op.resource_id.startswith(PREFIX):
            op.refs.add(op.resource_id[len(PREFIX) :])
        op.keys = _keys(op)
    return op


def parse(body: Any, max_operations: int) -> Plan:
    """Read a BulkRequest (ScimError when it is refused as a whole, 413 when too long)."""
    if not isinstance(body, dict) or REQUEST_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"The body must be a {REQUEST_SCHEMA}.", "invalidSyntax")
    raw_ops = body.get("Operations")
    if not isinstance(raw_ops, list):
        raise ScimError(400, "Operations must be a list.", "invalidSyntax")
    if len(raw_ops) > max_operations:
        raise ScimError(
            413, f"The bulk request holds {len(raw_ops)} operations: at most {max_operations}."
        )
    fail = body.get("failOnErrors")
    if fail is not None and (isinstance(fail, bool) or not isinstance(fail, int) or fail < 1):
        raise ScimError(400, "failOnErrors must be a positive integer.", "invalidValue")
    ops = [_read(i, raw) for i, raw in enumerate(raw_ops)]
    creators: dict[str, Operation] = {}
    for op in ops:
        if op.problem is None and op.method == "POST" and op.bulk_id:
            if op.bulk_id in creators:
                op.problem = ScimError(400, f"bulkId {op.bulk_id} is used twice.", "invalidValue")
            else:
                creators[op.bulk_id] = op
    return Plan(_order(ops, creators), fail)


def _order(ops: list[Operation], creators: dict[str, Operation]) -> list[Operation]:
    """Operations in request order, except that a creation comes before what refers to it;
    a circular reference fails its operations (409), an unknown one fails (400)."""
    placed: list[Operation] = []
    state: dict[int, str] = {}  # index -> visiting | done

    def visit(op: Operation) -> None:
        state[op.index] = "visiting"
        for ref in sorted(op.refs):
            creator = creators.get(ref)
            if creator is None:
                op.problem = ScimError(
                    400, f"No operation of this request has bulkId {ref}.", "invalidValue"
                )
            elif state.get(creator.index) == "visiting":
                op.problem = ScimError(409, f"bulkId {ref} is part of a circular reference.")
            elif creator.index not in state:
                visit(creator)
        state[op.index] = "done"
        placed.append(op)

    for op in ops:
        if op.problem is not None:
            placed.append(op)  # failed where it stands, so that failOnErrors counts in order
        elif op.index not in state:
            visit(op)
    return placed


def batches(ordered: list[Operation]) -> Iterator[list[Operation]]:
    """Runs of operations to write together: same kind, no key shared, no reference to a
    creation of the same run (its references are resolved when the run starts)."""
    batch: list[Operation] = []
    keys: set[tuple[str, str]] = set()
    bulk_ids: set[str] = set()
    for op in ordered:
        if op.problem is not None:  # alone: it fails when its turn comes
            if batch:
                yield batch
                batch, keys, bulk_ids = [], set(), set()
            yield [op]
            continue
        if batch and (
            op.kind != batch[0].kind or len(batch) >= BATCH or op.keys & keys or op.refs & bulk_ids
        ):
            yield batch
            batch, keys, bulk_ids = [], set(), set()
        batch.append(op)
        keys |= op.keys
        if op.bulk_id:
            bulk_ids.add(op.bulk_id)
    if batch:
        yield batch


def resolve(op: Operation, created: dict[str, str], failed: set[str]) -> ScimError | None:
    """Put the ids of earlier creations in place of the bulkIds the operation names; the error
    when one of them failed or was not carried out."""
    for ref in sorted(op.refs):
        if ref in failed or ref not in created:
            return ScimError(409, f"The operation with bulkId {ref} did not create a resource.")
    if op.refs:
        op.data = _substitute(op.data, created)
        if op.resource_id and op.resource_id.startswith(PREFIX):
            op.resource_id = created[op.resource_id[len(PREFIX) :]]
            op.path = f"{op.endpoint}/{op.resource_id}"
    return None
