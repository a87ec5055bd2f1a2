"""``compile_config``: the optimizer, loss(es), loss weights and metrics a model was compiled
with, in Keras 3's form (``{"optimizer": {module, class_name, config, registered_name},
"loss": ..., "loss_weights": ..., "metrics": ..., "weighted_metrics": ..., ...}``).

Losses and metrics are written as Keras writes them: by name when given by name, as
``{module, class_name, config}`` for built-in objects, and lists / dicts of those for several
outputs. Loading restores what glassnet has (SGD, Adam, AdamW, RMSprop; its losses and
metrics); anything else leaves the model uncompiled with a warning naming what was missing, as
Keras does when ``compile_from_config`` fails: the layers and weights load either way.
"""

from __future__ import annotations

import inspect
import warnings

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .registry import GLOBAL_CUSTOM_NAMES, resolve_class, resolve_function
from .serialization import keras_object

# options every Keras optimizer writes, at the value that means "off" (what glassnet does)
_OPTIMIZER_OFF = {"clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}
_OPTIMIZER_IGNORED = {"ema_momentum", "ema_overwrite_frequency"}  # only used when use_ema
_SCHEDULES = ("ExponentialDecay", "CosineDecay")


class _Unnamed(ValueError):
    """A loss or metric the file cannot name (a plain Python function)."""


# ----- writing -----------------------------------------------------------------------------
def serialize_compile(model) -> dict:
    """The Keras ``compile_config`` of a compiled glassnet model ({} when not compiled, or,
    with a warning, when a custom loss or metric has no name a file can hold)."""
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return {}
    try:
        loss = _structure(model.loss, _loss_entry)
        metrics = _structure(getattr(model, "compiled_metrics", None) or None, _metric_entry)
        weighted = _structure(getattr(model, "compiled_weighted_metrics", None), _metric_entry)
    except _Unnamed as error:
        warnings.warn(f"{model.name}: the file will load uncompiled: {error}; register it with "
                      f"@keras.saving.register_keras_serializable() to save it by name",
                      stacklevel=4)
        return {}
    return {"optimizer": _optimizer_entry(model.optimizer), "loss": loss,
            "loss_weights": getattr(model, "loss_weights", None), "metrics": metrics,
            "weighted_metrics": weighted, "run_eagerly": False, "steps_per_execution": 1,
            "jit_compile": False}


def _structure(value, entry):
    if value is None:
        return None
    if isinstance(value, dict) and "class_name" not in value:  # one entry per output
        return {key: _structure(item, entry) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_structure(item, entry) for item in value]
    return entry(value)


def _optimizer_entry(optimizer) -> dict:
    config = {"name": optimizer.name, **optimizer.get_config()}
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        config["learning_rate"] = keras_object("keras.optimizers.schedules",
                                               rate["class_name"], rate["config"])
    config.update(_OPTIMIZER_OFF)
    return keras_object("keras.optimizers", type(optimizer).__name__, config)


def _registered_function(fn):
    """Keras 3's form of a registered function: its registered name as the config."""
    try:
        registered = GLOBAL_CUSTOM_NAMES.get(fn)
    except TypeError:  # an unhashable object is no registered function
        return None
    if registered is None or isinstance(fn, type):
        return None
    return {"module": "builtins", "class_name": "function", "config": registered,
            "registered_name": "function"}


def _registered_object(obj):
    """An instance of a registered Loss or Metric subclass, as Keras writes it."""
    cls = type(obj)
    if cls not in GLOBAL_CUSTOM_NAMES or not hasattr(obj, "get_config"):
        return None
    return {"module": cls.__module__, "class_name": cls.__name__, "config": obj.get_config(),
            "registered_name": GLOBAL_CUSTOM_NAMES[cls]}


def _loss_entry(loss):
    if isinstance(loss, str):
        return loss
    named = _registered_object(loss) or losses_module.serialize(loss)
    if named is None:
        named = _registered_function(getattr(loss, "fn", loss))
    if named is None:
        raise _Unnamed(f"the loss {loss!r} has no name a file can hold")
    if isinstance(named, dict) and "module" not in named:
        named = keras_object("keras.losses", named["class_name"], named["config"])
    return named


def _metric_entry(metric):
    if isinstance(metric, str):
        return metric
    cls = type(metric)
    if getattr(metrics_module, cls.__name__, None) is cls and hasattr(metric, "get_config"):
        return keras_object("keras.metrics", cls.__name__, metric.get_config())
    named = _registered_object(metric) or _registered_function(metric)
    if named is None:
        raise _Unnamed(f"the metric {metric!r} has no name a file can hold")
    return named


# ----- reading -----------------------------------------------------------------------------
def compile_from_keras(model, config: dict, custom_objects: dict | None = None) -> bool:
    """Compile ``model`` as ``config`` says; False (with a warning) if glassnet lacks a part."""
    try:
        optimizer = _optimizer(config.get("optimizer", "rmsprop"))
        loss = _structure(config.get("loss"), lambda s: _loss(s, custom_objects))
        metrics = _structure(config.get("metrics"), lambda s: _metric(s, custom_objects))
        weighted = _structure(config.get("weighted_metrics"),
                              lambda s: _metric(s, custom_objects))
        model.compile(optimizer=optimizer, loss=loss, loss_weights=config.get("loss_weights"),
                      metrics=metrics, weighted_metrics=weighted)
    except (ValueError, KeyError, TypeError, NotImplementedError) as error:
        model.compiled = False
        warnings.warn(f"the model was loaded uncompiled: its compile_config could not be "
                      f"restored ({error}); call model.compile(...) yourself", stacklevel=3)
        return False
    return True


def _optimizer(spec):
    if isinstance(spec, str):
        return optimizers_module.get(spec)
    classes = {cls.__name__: cls for cls in optimizers_module.ALL.values()}
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in classes:
        raise ValueError(f"optimizer {name or spec!r} is not one glassnet has "
                         f"({', '.join(classes)})")
    cls = classes[name]
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
    options = {}
    for key, value in (spec.get("config") or {}).items():
        if key in accepted:
            options[key] = value
        elif key in _OPTIMIZER_OFF:
            if value != _OPTIMIZER_OFF[key]:
                raise ValueError(f"{name}: {key}={value!r} is not supported")
        elif key not in _OPTIMIZER_IGNORED:
            raise ValueError(f"{name}: the option {key}={value!r} is not supported")
    rate = options.get("learning_rate")
    if isinstance(rate, dict):
        if rate.get("class_name") not in _SCHEDULES:
            raise ValueError(f"learning-rate schedule {rate.get('class_name')!r} is not one "
                             f"glassnet has ({', '.join(_SCHEDULES)})")
        schedule = getattr(optimizers_module, rate["class_name"])
        allowed = set(inspect.signature(schedule.__init__).parameters) - {"self", "kwargs"}
        options["learning_rate"] = schedule(**{k: v for k, v in rate["config"].items()
                                               if k in allowed})
    return cls(**options)


def _custom(spec: dict, custom_objects):
    """A registered function, or an instance of a registered class from its config; None
    for Keras' own objects."""
    if spec.get("class_name") == "function":
        return resolve_function(spec, custom_objects)
    if spec.get("registered_name") in (None, spec.get("class_name")) and not (
            custom_objects and spec.get("class_name") in custom_objects):
        return None
    cls = resolve_class(str(spec.get("class_name")), spec.get("registered_name"),
                        spec.get("module"), custom_objects, {})
    config = spec.get("config") or {}
    return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)


def _loss(spec, custom_objects):
    if not isinstance(spec, dict):
        return spec
    found = _custom(spec, custom_objects)
    return found if found is not None else losses_module.deserialize(spec)


def _metric(spec, custom_objects):
    if not isinstance(spec, dict):
        return spec
    found = _custom(spec, custom_objects)
    if found is not None:
        return found
    cls = getattr(metrics_module, str(spec.get("class_name")), None)
    if not isinstance(cls, type) or not hasattr(cls, "from_config"):
        raise ValueError(f"metric {spec.get('class_name')!r} is not one glassnet has")
    return cls.from_config(spec.get("config") or {})
