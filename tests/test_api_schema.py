"""Schemathesis against the OpenAPI schema: no generated input may make the API fail with a 500.

Schemathesis' pytest plugin does not support this pytest version, so each
operation's Hypothesis strategy is driven directly.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from zhengce.web.app import create_app


@pytest.fixture(scope="module")
def operations(ingested_db, tmp_path_factory):
    import shutil

    from zhengce.rules.model import rules_dir

    rules = tmp_path_factory.mktemp("schema") / "rules"  # a copy: review decisions must never touch the bundled rules
    shutil.copytree(rules_dir(), rules)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(ingested_db, admin_token="t0ken", rules_path=rules))
    return [op.ok() for op in schema.get_all_operations()]


def test_every_operation_is_covered(operations):
    paths = {op.path for op in operations}
    assert {"/api/documents", "/api/documents/{doc_id}", "/api/search", "/api/facts", "/api/match", "/api/departments",
            "/api/review/queue", "/api/review/{rule_id}"} <= paths  # fmt: skip


def test_no_server_errors(operations):
    checked = 0
    for op in operations:
        if op.path.startswith("/api/admin"):
            continue  # re-ingest/extract write the database: exercised in test_web with a copy

        @given(case=op.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            case.call_and_validate(checks=[not_a_server_error])

        run()
        checked += 1
    assert checked >= 10  # documents, search, facts, match, departments, the review queue, a rule, a decision
