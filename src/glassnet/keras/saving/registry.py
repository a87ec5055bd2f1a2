"""Which classes a saved file may name: glassnet's own layers and models, and the classes the
user registered with ``keras.saving.register_keras_serializable``.

Loading a file never imports a module named in it (a file naming ``os.system`` must not run it);
a class is found only in this registry, in ``custom_objects`` given to ``load_model``, or among
glassnet's built-in layers, and anything else is one error saying how to register it.
"""

from __future__ import annotations

import inspect

# "package>name" → the object, and back, as Keras keeps them (object_registration.py)
GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
GLOBAL_CUSTOM_NAMES: dict[object, str] = {}


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: make a class (or function) loadable by its registered name
    ``"package>name"`` (``name`` defaults to the class's own name), as in Keras.

    Example:
        >>> @register_keras_serializable(package="my_package")
        ... class Scale(keras.layers.Layer):
        ...     def get_config(self):
        ...         return super().get_config()
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(f"register_keras_serializable: {arg.__name__} has no get_config() "
                             f"method; add one returning the arguments of its __init__ so it "
                             f"can be rebuilt from a saved file")
        if registered_name in GLOBAL_CUSTOM_OBJECTS and \
                GLOBAL_CUSTOM_OBJECTS[registered_name] is not arg:
            previous = GLOBAL_CUSTOM_OBJECTS.pop(registered_name)
            GLOBAL_CUSTOM_NAMES.pop(previous, None)
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` was registered under ("package>name"), else its own ``__name__``."""
    return GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object registered as ``name``, else the one in ``custom_objects`` or
    ``module_objects``, else None (Keras' lookup order)."""
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects() -> dict:
    """The live registry (``{"package>name": object}``); adding to it registers, as in Keras."""
    return GLOBAL_CUSTOM_OBJECTS


def builtin_layers() -> dict:
    """glassnet's own layer classes by Keras class name (read now, so layers other files add
    to ``layers.LAYERS`` later are included)."""
    from .. import layers

    return dict(layers.LAYERS)


def resolve_class(class_name: str, registered_name: str | None, module: str | None,
                  custom_objects: dict | None, builtins: dict):
    """The class a serialised object names, or a ValueError saying how to make it loadable.

    Registered names win (a user class registered as "my_package>Dense" is not glassnet's
    Dense); then ``custom_objects`` by plain class name; then, only for objects that Keras
    itself names (module ``keras...``), glassnet's built-ins."""
    if registered_name:
        found = get_registered_object(registered_name, custom_objects)
        if found is not None:
            return found
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    if _is_keras(module) and class_name in builtins and registered_name in (None, class_name):
        return builtins[class_name]
    where = f" from module {module!r}" if module else ""
    shown = registered_name or class_name
    raise ValueError(
        f"cannot load {class_name!r}{where} (registered name {shown!r}): glassnet only builds "
        f"its own layers and classes registered with keras.saving.register_keras_serializable; "
        f"it never imports a module named in a file. If this is your class, import it and "
        f"decorate it with @keras.saving.register_keras_serializable(package=..., name=...) "
        f"so that its registered name is {shown!r}, or pass custom_objects={{{shown!r}: "
        f"{class_name}}} to load_model. glassnet's layers are: {', '.join(sorted(builtins))}")


def _is_keras(module: str | None) -> bool:
    return module is None or module == "keras" or str(module).startswith("keras.")


def resolve_function(spec: dict, custom_objects: dict | None):
    """The function a Keras ``{"class_name": "function", ...}`` dict names. Keras 3 writes a
    registered function as ``config="package>name", registered_name="function"``; older files
    (and glassnet's before) as ``config="name", registered_name="package>name"``: both load."""
    name = str(spec.get("config"))
    registered = spec.get("registered_name")
    if registered in (None, "function"):
        registered = name
    return resolve_class(name.rsplit(">", 1)[-1], registered, spec.get("module"),
                         custom_objects, {})
