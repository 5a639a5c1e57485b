"""SCIM Bulk (RFC 7644 §3.7): many operations on Users and Groups in one request.

Each operation is validated as the single request it stands for and written through the same
services as the single-resource routes: runs of consecutive User operations are handed to
user_writes.save_many / users.remove_many as one batch (one upsert, one offboarding
transaction, audit entries through the chain's batch path), Group operations one at a time.
Batching keeps the client's intent (§3.7: "the same stateful result"): a run stops before an
operation that touches a resource already in it or needs a bulkId the run would create.

`bulkId:<id>` references (in a path or anywhere in data) are resolved once the operation that
creates the resource has run; operations are ordered so that a creation runs before what refers
to it, a circular reference fails its operations with 409, an unknown one with 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from scim2_models import Context, Error, Group, PatchOp, SCIMException
from sqlalchemy import inspect, select

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations.scim import bulk_plan, discovery, groups, resources, user_writes, users
from app.integrations.scim.bulk_plan import Operation
from app.integrations.scim.resources import POLICY, ScimUser
from app.integrations.scim.users import ScimError
from app.integrations.tokens import Caller
from app.models.user import User

MAX_OPERATIONS = discovery.MAX_OPERATIONS
MAX_PAYLOAD_SIZE = discovery.MAX_PAYLOAD_SIZE
RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
_DATA_CONTEXT = {
    "POST": Context.RESOURCE_CREATION_REQUEST,
    "PUT": Context.RESOURCE_REPLACEMENT_REQUEST,
}


def error_of(exc: Exception) -> ScimError:
    """The SCIM error an exception stands for (services, scim2-models, pydantic)."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, SCIMException):
        err = exc.to_error()
        return ScimError(int(err.status or 400), str(err.detail), err.scim_type)
    if isinstance(exc, ValidationError):
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        return ScimError(400, detail or "The payload is not valid.", "invalidValue")
    raise exc


@dataclass
class Run:
    """One bulk request being carried out: who asks, what is resolved, what is answered."""

    caller: Caller
    client: ClientInfo
    base_url: str
    fail_on_errors: int | None
    created: dict[str, str] = field(default_factory=dict)  # bulkId -> id
    failed: set[str] = field(default_factory=set)  # bulkIds whose creation failed
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    errors: int = 0
    patches: dict[str, Any] = field(default_factory=dict)  # validated PATCH bodies, by JSON

    @property
    def stopped(self) -> bool:
        """failOnErrors reached: nothing more is done."""
        return self.fail_on_errors is not None and self.errors >= self.fail_on_errors

    def done(self, op: Operation, status: int, resource_id: str | None, version: str | None):
        """Record a success."""
        result: dict[str, Any] = {"method": op.method, "status": str(status)}
        if op.bulk_id:
            result["bulkId"] = op.bulk_id
        if resource_id is not None:
            result["location"] = f"{self.base_url}{op.endpoint}/{resource_id}"
        if version:
            result["version"] = version
        self.results[op.index] = result
        if op.bulk_id and op.method == "POST":
            self.created[op.bulk_id] = resource_id or ""

    def fail(self, op: Operation, problem: ScimError) -> None:
        """Record a failed operation (its creation, if any, cannot be referred to)."""
        result: dict[str, Any] = {
            "method": op.method or "",
            "status": str(problem.status),
            "response": Error(
                status=problem.status, detail=problem.detail, scim_type=problem.scim_type
            ).model_dump(),
        }
        if op.bulk_id:
            result["bulkId"] = op.bulk_id
            self.failed.add(op.bulk_id)
        if op.method != "POST" and op.path and op.resource_id and not op.refers_to_path():
            result["location"] = f"{self.base_url}{op.path}"
        self.results[op.index] = result
        self.errors += 1


def run(body: Any, *, caller: Caller, client: ClientInfo, base_url: str) -> dict[str, Any]:
    """Carry out a BulkRequest; the BulkResponse (raises ScimError when the request as a whole
    is refused: not a BulkRequest, or more than MAX_OPERATIONS operations: 413)."""
    plan = bulk_plan.parse(body, MAX_OPERATIONS)
    state = Run(caller, client, base_url, plan.fail_on_errors)
    for batch in bulk_plan.batches(plan.ordered):
        if state.stopped:
            break
        _run_batch(state, batch)
    answered = [state.results[i] for i in sorted(state.results)]
    audit.record(
        AuditAction.SCIM_BULK,
        actor=caller.actor(),
        target_type="api_token",
        target_id=caller.token_id,
        details={
            "operations": len(plan.ordered),
            "answered": len(answered),
            "errors": state.errors,
            "api_token_id": caller.token_id,
            "via": "scim",
        },
        client=client,
    )
    db.session.commit()
    return {"schemas": [RESPONSE_SCHEMA], "Operations": answered}


def _run_batch(state: Run, batch: list[Operation]) -> None:
    """Resolve the references of a batch and run it (User writes together); an operation whose
    references fail splits it, so that failOnErrors counts in request order."""
    ready: list[Operation] = []
    for op in batch:
        problem = op.problem or bulk_plan.resolve(op, state.created, state.failed)
        if problem is None:
            ready.append(op)
            continue
        _run_ready(state, ready)
        ready = []
        if state.stopped:
            return
        state.fail(op, problem)
        if state.stopped:
            return
    _run_ready(state, ready)


def _run_ready(state: Run, ready: list[Operation]) -> None:
    if not ready:
        return
    if ready[0].endpoint == "/Groups":
        for op in ready:
            if state.stopped:
                return
            _group(state, op)
    elif ready[0].method == "DELETE":
        _delete_users(state, ready)
    else:
        _write_users(state, ready)


def _people(state: Run, ops: list[Operation]) -> dict[str, User]:
    """The people a batch's paths name, loaded at once (SCIM's visibility rules apply)."""
    ids = sorted({int(op.resource_id) for op in ops if op.resource_id and op.resource_id.isdigit()
                  and len(op.resource_id) < 12})  # fmt: skip
    found: dict[str, User] = {}
    for start in range(0, len(ids), 900):
        query = users.visible(state.caller).where(User.id.in_(ids[start : start + 900]))
        found.update((str(p.id), p) for p in db.session.scalars(query))
    return found


def _current(state: Run, op: Operation, people: dict[str, User]) -> User:
    person = people.get(op.resource_id or "")
    if person is None:
        raise ScimError(404, "No user has this id.")
    if op.version and op.version != resources.version_of(person.updated_at):
        raise ScimError(412, "The resource changed since this version.")
    return person


def _write_users(state: Run, ops: list[Operation]) -> None:
    """POST, PUT and PATCH on Users: prepared one by one, written together. An operation
    refused as read splits the run, so that failOnErrors stops exactly where it would have
    stopped one operation at a time."""
    people = _people(state, ops)
    pending: list[tuple[Operation, user_writes.Change]] = []
    for op in ops:
        try:
            change = _user_change(state, op, people)
        except (ScimError, SCIMException, ValidationError) as exc:
            _save(state, pending)
            pending = []
            if state.stopped:
                return
            state.fail(op, error_of(exc))
            if state.stopped:
                return
            continue
        if change is None:  # a PATCH that changes nothing
            person = people[op.resource_id or ""]
            state.done(op, 200, str(person.id), resources.version_of(person.updated_at))
        else:
            pending.append((op, change))
    _save(state, pending)


def _save(state: Run, pending: list[tuple[Operation, user_writes.Change]]) -> None:
    """One user_writes.save_many for the prepared changes, within the error budget."""
    if not pending:
        return
    budget = None if state.fail_on_errors is None else state.fail_on_errors - state.errors
    outcomes = user_writes.save_many(
        [change for _op, change in pending],
        caller=state.caller,
        client=state.client,
        max_errors=budget,
    )
    # The ids without reading the expired people again (one query per person otherwise).
    written: dict[int, int] = {
        i: inspect(o).identity[0] for i, o in enumerate(outcomes) if isinstance(o, User)
    }
    versions = _versions(list(written.values()))
    for index, ((op, _change), outcome) in enumerate(zip(pending, outcomes, strict=True)):
        if isinstance(outcome, ScimError):
            state.fail(op, outcome)
        elif index in written:
            user_id = written[index]
            state.done(op, 201 if op.method == "POST" else 200, str(user_id), versions[user_id])


def _user_change(state: Run, op: Operation, people: dict[str, User]) -> Any:
    data = resources.normalise_payload(op.data, state.base_url)
    if op.method == "PATCH":
        person = _current(state, op, people)
        # A directory sends the same PATCH to many people (deactivations above all): it is
        # validated once per request. Applying it does not change it.
        key = json.dumps(data, sort_keys=True)
        patch = state.patches.get(key)
        if patch is None:
            patch = state.patches[key] = PatchOp[ScimUser].model_validate(
                data, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
            )
        resource = resources.user_resource(person, state.base_url)
        changed = resources.apply_simple_patch(patch, resource)
        if not (patch.patch(resource, POLICY) if changed is None else changed):
            return None
        return user_writes.Change(resource, person, whole=True)
    current = _current(state, op, people) if op.method == "PUT" else None
    resource = ScimUser.model_validate(data, scim_ctx=_DATA_CONTEXT[op.method], scim_policy=POLICY)
    return user_writes.Change(resource, current)


def _versions(ids: list[int]) -> dict[int, str]:
    """The ETags of people just written (one query per 900)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        rows = db.session.execute(
            select(User.id, User.updated_at).where(User.id.in_(ids[start : start + 900]))
        )
        found.update((user_id, resources.version_of(moment)) for user_id, moment in rows)
    return found


def _delete_users(state: Run, ops: list[Operation]) -> None:
    """DELETE on Users: one offboarding batch."""
    people = _people(state, ops)
    leaving: list[tuple[Operation, User]] = []
    for op in ops:
        try:
            leaving.append((op, _current(state, op, people)))
        except ScimError as exc:
            state.fail(op, exc)
            if state.stopped:
                return
    if not leaving:
        return
    try:
        users.remove_many([p for _op, p in leaving], caller=state.caller, client=state.client)
    except ScimError as exc:
        for op, _person in leaving:
            state.fail(op, exc)
        return
    for op, _person in leaving:
        state.done(op, 204, op.resource_id, None)


def _group(state: Run, op: Operation) -> None:
    """One Group operation, through the groups service as its single route."""
    caller = state.caller
    try:
        group = None
        if op.method != "POST":
            group = groups.find(op.resource_id or "")
            if group is None:
                raise ScimError(404, "No group has this id.")
            if op.version and op.version != resources.version_of(group.updated_at):
                raise ScimError(412, "The resource changed since this version.")
        if op.method == "DELETE":
            assert group is not None  # noqa: S101 - found above
            groups.remove(
                group, actor=caller.actor(), client=state.client, token_id=caller.token_id
            )
            state.done(op, 204, op.resource_id, None)
            return
        data = resources.normalise_payload(op.data, state.base_url)
        if op.method == "PATCH":
            assert group is not None  # noqa: S101 - found above
            patch = PatchOp[Group].model_validate(
                data, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
            )
            resource = resources.group_resource(group, groups.members(group), state.base_url)
            if not patch.patch(resource, POLICY):
                state.done(op, 200, str(group.id), resources.version_of(group.updated_at))
                return
        else:
            resource = Group.model_validate(
                data, scim_ctx=_DATA_CONTEXT[op.method], scim_policy=POLICY
            )
        saved = groups.save_resource(group, resource, caller=caller, client=state.client)
    except (ScimError, SCIMException, ValidationError) as exc:
        db.session.rollback()
        state.fail(op, error_of(exc))
        return
    state.done(op, 201 if op.method == "POST" else 200, str(saved.id),
               resources.version_of(saved.updated_at))  # fmt: skip
