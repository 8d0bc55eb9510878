"""--fields: only the named top-level keys of grad's JSON, in the schema's order."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bpcalc.cli import cli
from helpers import grad

SEED = ["(a+b)*(b+1)", "a=2", "b=1"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_fields_keep_only_the_named_keys_in_schema_order():
    r = run("grad", *SEED, "--fields", "gradient,value")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == '{"value": 6, "gradient": {"a": 2, "b": 5}}'


def test_fields_match_the_full_object():
    full = json.loads(run("grad", *SEED, "--mode", "paths").output)
    part = json.loads(run("grad", *SEED, "--mode", "paths", "--fields",
                          "nodes,path_count,paths").output)
    assert part == {k: full[k] for k in ("nodes", "path_count", "paths")}


def test_fields_names_what_to_dict_writes():
    for mode in ("reverse", "forward", "paths"):
        r = grad("c = x*y; d = x + y", {"x": "1", "y": "2"}, mode=mode, outputs=["c", "d"])
        assert list(r.to_dict()) == r.fields()
        r = grad("x*y", {"x": "1", "y": "2"}, mode=mode)
        assert list(r.to_dict()) == r.fields()


def test_fields_with_check_keeps_the_check():
    data = json.loads(run("grad", *SEED, "--check", "--fields", "check").output)
    assert list(data) == ["check"] and data["check"]["passed"] is True


def test_unknown_field_is_a_usage_error_listing_the_fields():
    r = run("grad", *SEED, "--fields", "value,grad")
    assert r.exit_code == 2
    assert "grad" in r.output and "gradient" in r.output
    assert r.stdout == ""  # nothing of the JSON on stdout


def test_fields_need_json():
    r = run("grad", *SEED, "--fields", "value", "--format", "table")
    assert r.exit_code == 2


def test_a_bare_name_last_keeps_its_name_as_the_output_key():
    data = json.loads(run("grad", "y = x*2; z = y; z", "x=1", "--fields", "outputs").output)
    assert data == {"outputs": ["z"]}
    data = json.loads(run("grad", "y = x; y", "x=1", "--fields", "outputs,gradient").output)
    assert data == {"outputs": ["y"], "gradient": {"x": 1}}
