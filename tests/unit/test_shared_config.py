"""Config loading: `${VAR:default}` anywhere in a string."""
from shared.config import expand, load_config


def test_default_used_when_variable_unset():
    assert expand("${NOPE_HPF:amqp://guest:guest@h:5672/}", {}) == "amqp://guest:guest@h:5672/"


def test_environment_wins_over_default():
    assert expand("${HPF_X:a}", {"HPF_X": "b"}) == "b"


def test_whole_value_integers_and_booleans_are_typed():
    assert expand("${N:30}", {}) == 30
    assert expand("${FLAG:true}", {}) is True
    assert expand("${N}", {"N": "007a"}) == "007a"


def test_several_variables_in_one_string():
    assert expand("${H:127.0.0.1}:${P:8000}", {"P": "9001"}) == "127.0.0.1:9001"


def test_missing_without_default_is_empty():
    assert expand("x${NOPE_HPF}y", {}) == "xy"


def test_project_config_resolves_every_service_database(tmp_path):
    config = load_config(environ={"ACCOUNTS_DB_URL": "postgresql://h/acc"})
    assert config["DB_URIS"]["accounts"] == "postgresql://h/acc"
    assert config["DB_URIS"]["auth"] == "sqlite:///var/auth.db"
    assert config["AUTH"]["session_minutes"] == 30


def test_nested_lists_are_expanded(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("A:\n  - ${V:1}\n  - {b: '${W:x}'}\n", encoding="utf-8")
    assert load_config(path, environ={"W": "y"}) == {"A": [1, {"b": "y"}]}
