"""Each training limit and default is declared once, in the configs: the validators, the Train page's inputs and
the CLI's flags read the same ``LIMITS`` bounds and field defaults, and ``RunMethod`` is the one method enum."""

from __future__ import annotations

import ast
import dataclasses

import pytest
from conftest import ROOT

from embedlab import training
from embedlab.cli import _parser
from embedlab.errors import EmbedLabError
from embedlab.records import STATIC_METHODS, RunMethod
from embedlab.training import REPLICAS, Bound, FinetuneConfig, TrainConfig, field_default
from embedlab.ui.widgets import config_input_arguments

CONFIGS = (TrainConfig, FinetuneConfig)
BOUNDED = [(config, name) for config in CONFIGS for name in config.LIMITS]
# what a setting needs beside itself to be valid: a lock other than 1 applies to pretrained vectors only
CONTEXT = {(TrainConfig, "lock_pretrained"): {"init": "run-20260101-120000-abc123"}}


def _step(bound: Bound) -> int | float:
    return bound.step or (1 if bound.whole else 0.01)  # Streamlit's default steps


def _config(config: type, name: str, value: object) -> object:
    return config(**{**CONTEXT.get((config, name), {}), name: value})


@pytest.mark.parametrize("config, name", BOUNDED, ids=[f"{c.__name__}.{n}" for c, n in BOUNDED])
def test_the_validator_and_the_input_accept_the_same_edges(config, name):
    bound = config.LIMITS[name]
    widget = config_input_arguments(config, name)
    assert (widget["min_value"], widget["max_value"]) == (bound.low, bound.high)
    assert widget["value"] == field_default(config, name) and bound.low <= widget["value"] <= bound.high
    assert {type(widget[key]) for key in ("min_value", "max_value", "value")} == {int if bound.whole else float}
    for edge in (bound.low, bound.high):
        assert getattr(_config(config, name, edge), name) == edge
    kind = "a whole number" if bound.whole else "a number"
    for outside in (bound.low - _step(bound), bound.high + _step(bound)):
        with pytest.raises(EmbedLabError, match=f"^{name}.* must be {kind} from .* got {outside!r}$"):
            _config(config, name, outside)


@pytest.mark.parametrize(
    "config, kwargs, message",
    [
        (TrainConfig, {"dim": 1}, "dim must be a whole number from 2 to 2000, got 1"),
        (TrainConfig, {"lock_pretrained": -0.05}, "lock_pretrained must be a number from 0 (pretrained vectors stay"),
        (FinetuneConfig, {"max_minutes": 1441}, "max_minutes must be a number from 0 (no limit) to 1440, got 1441"),
        (FinetuneConfig, {"learning_rate": 0.1}, "learning_rate must be a number from 1e-06 to 0.001, got 0.1"),
        (
            FinetuneConfig,
            {"learning_rate": float("nan")},
            "learning_rate must be a number from 1e-06 to 0.001, got nan",
        ),
        (FinetuneConfig, {"batch_size": 16.0}, "batch_size must be a whole number from 2 to 4096, got 16.0"),
        (FinetuneConfig, {"held_out_share": True}, "held_out_share must be a number from 0.01 to 0.5, got True"),
    ],
)
def test_out_of_bounds_messages_say_the_range(config, kwargs, message):
    with pytest.raises(EmbedLabError) as caught:
        config(**kwargs)
    assert str(caught.value).startswith(message)


def test_a_real_valued_setting_given_a_whole_number_is_stored_as_a_float():
    assert FinetuneConfig(max_minutes=5).to_dict()["max_minutes"] == 5.0
    assert isinstance(FinetuneConfig(max_minutes=5).max_minutes, float)
    assert TrainConfig(sample=0) == TrainConfig(sample=0.0)


def test_every_bounded_setting_is_a_field_with_a_default_of_the_bounds_type():
    for config in CONFIGS:
        kinds = {field.name: field.type for field in dataclasses.fields(config)}
        for name, bound in config.LIMITS.items():
            assert kinds[name] == ("int" if bound.whole else "float"), f"{config.__name__}.{name}"
            assert type(bound.low) is type(bound.high), f"{config.__name__}.{name}"
    assert REPLICAS.whole and REPLICAS.low == 1  # the default: one node


def test_old_runs_parameters_still_load_with_the_one_method_enum():
    static = TrainConfig.from_dict({"method": "fasttext", "dim": 8, "window": 5})
    assert static.method is RunMethod.FASTTEXT and static.to_dict()["method"] == "fasttext"
    tuned = FinetuneConfig.from_dict({"method": "sentence-transformer", "max_pairs": 16, "batch_size": 8})
    assert tuned.max_pairs == 16 and tuned.to_dict()["method"] == "sentence-transformer"
    assert FinetuneConfig.from_dict(tuned.to_dict()) == tuned and TrainConfig.from_dict(static.to_dict()) == static
    assert [method.value for method in STATIC_METHODS] == ["word2vec", "fasttext"]


def test_a_static_config_refuses_the_fine_tuning_method_with_a_clear_message():
    with pytest.raises(EmbedLabError) as caught:
        TrainConfig(method=RunMethod.SENTENCE_TRANSFORMER)
    assert str(caught.value) == (
        "method must be one of ['word2vec', 'fasttext'], got 'sentence-transformer': fine-tuning takes a FinetuneConfig"
    )


def test_there_is_one_method_enum():
    assert not hasattr(training, "METHOD") and not hasattr(training, "Method")
    assert not hasattr(training.configs, "METHOD") and not hasattr(training.configs, "Method")
    assert field_default(TrainConfig, "method") is RunMethod.WORD2VEC


def _train_parser():
    commands = next(a for a in _parser()._actions if a.dest == "command")
    return commands.choices["train"]


def test_the_cli_train_flags_take_their_defaults_types_and_choices_from_the_configs():
    flags = {action.dest: action for action in _train_parser()._actions}
    assert flags["method"].choices == [method.value for method in RunMethod]
    assert flags["method"].default == field_default(TrainConfig, "method")
    shared = {"epochs", "seed", "dim"}  # epochs and dim default by method or --init; the two seeds are one bound
    for config, name in BOUNDED:
        if name in flags and name not in shared:
            bound = config.LIMITS[name]
            assert flags[name].default == field_default(config, name), name
            assert flags[name].type is (int if bound.whole else float), name
            assert bound.range_text in flags[name].help, name
    assert flags["seed"].default == field_default(TrainConfig, "seed") == field_default(FinetuneConfig, "seed")
    assert TrainConfig.LIMITS["seed"] is FinetuneConfig.LIMITS["seed"]
    assert flags["replicas"].default == REPLICAS.low and REPLICAS.range_text in flags["replicas"].help


def _page_inputs() -> dict[str, tuple[str, str]]:
    """The Train page's config inputs: widget key -> (config class name, setting)."""
    tree = ast.parse((ROOT / "pages" / "train.py").read_text(encoding="utf-8"))
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"config_number_input", "config_slider"}:
            config, name = node.args[1], node.args[2]
            key = next(k.value for k in node.keywords if k.arg == "key")
            assert isinstance(config, ast.Name) and isinstance(name, ast.Constant) and isinstance(key, ast.Constant)
            found[key.value] = (config.id, name.value)
    return found


def test_every_train_page_input_is_bounded_by_its_config_and_keeps_its_key():
    inputs = _page_inputs()
    assert inputs == {
        "train_lock": ("TrainConfig", "lock_pretrained"),
        "train_dim": ("TrainConfig", "dim"),
        "train_window": ("TrainConfig", "window"),
        "train_min_count": ("TrainConfig", "min_count"),
        "train_epochs": ("TrainConfig", "epochs"),
        "train_negative": ("TrainConfig", "negative"),
        "train_sample": ("TrainConfig", "sample"),
        "train_seed": ("TrainConfig", "seed"),
        "train_seeds": ("TrainConfig", "seeds"),
        "ft_max_pairs": ("FinetuneConfig", "max_pairs"),
        "ft_max_minutes": ("FinetuneConfig", "max_minutes"),
        "ft_batch": ("FinetuneConfig", "batch_size"),
        "ft_epochs": ("FinetuneConfig", "epochs"),
        "ft_lr": ("FinetuneConfig", "learning_rate"),
        "ft_seed": ("FinetuneConfig", "seed"),
    }
    configs = {config.__name__: config for config in CONFIGS}
    for config_name, name in inputs.values():
        assert name in configs[config_name].LIMITS  # config_input_arguments would raise KeyError otherwise
