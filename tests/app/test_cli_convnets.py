"""The glassnet command with convnets: LeNet-5 on (a slice of) MNIST, CIFAR-10 end to end on
tiny files in the official binary format, old mlp runs, batch augmentation and the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet
from glassnet.app.recipe import CIFAR10_CLASSES, Recipe
from glassnet.app.trainer import augment, to_inputs
from glassnet.cli import main
from tests.app.photos import photograph

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("safetensors")

# one pure colour per class (R, G, B), so a tiny network learns the synthetic CIFAR-10 quickly
COLOURS = np.array([[230, 30, 30], [30, 230, 30], [30, 30, 230], [230, 230, 30],
                    [230, 30, 230], [30, 230, 230], [240, 240, 240], [20, 20, 20],
                    [128, 64, 0], [0, 128, 64]], dtype=np.float64)


def cifar_images(labels: np.ndarray, seed: int) -> np.ndarray:
    """(N, 32, 32, 3) uint8: each image its class's colour, with noise."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 25, (len(labels), 32, 32, 3))
    return np.clip(COLOURS[labels][:, None, None, :] + noise, 0, 255).astype(np.uint8)


def write_cifar_batch(path, images: np.ndarray, labels: np.ndarray) -> None:
    """The official binary format: per image 1 label byte, then 1024 R, 1024 G, 1024 B."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)
    path.write_bytes(np.concatenate([labels[:, None].astype(np.uint8), planes], axis=1)
                     .tobytes())


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    """A CIFAR-10 folder with 5 x 80 training and 100 test images."""
    root = tmp_path_factory.mktemp("cifar")
    folder = root / "cifar-10-batches-bin"
    folder.mkdir()
    for i in range(1, 6):
        labels = np.arange(80) % 10
        write_cifar_batch(folder / f"data_batch_{i}.bin", cifar_images(labels, i), labels)
    labels = np.arange(100) % 10
    write_cifar_batch(folder / "test_batch.bin", cifar_images(labels, 0), labels)
    (folder / "batches.meta.txt").write_text("\n".join(CIFAR10_CLASSES) + "\n\n")
    return root


@pytest.fixture(scope="module")
def lenet_run(tmp_path_factory):
    """LeNet-5 for one epoch on the first 2000 MNIST training images (about 30 steps)."""
    out = tmp_path_factory.mktemp("runs") / "lenet5"
    assert main(["train", "--model", "lenet5", "--epochs", "1", "--limit", "2000", "--out",
                 str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def cifar_run(tmp_path_factory, cifar_root):
    out = tmp_path_factory.mktemp("runs") / "cifar"
    assert main(["train", "--dataset", "cifar10", "--augment", "--epochs", "3",
                 "--batch-size", "32", "--data", str(cifar_root), "--out", str(out)]) == 0
    return out


def test_lenet5_run_records_its_model_and_learns(lenet_run):
    names = sorted(p.name for p in lenet_run.iterdir())
    assert names == ["config.json", "confusion.png", "curves.png", "history.csv",
                     "metrics.json", "model.safetensors"]
    recipe = json.loads((lenet_run / "config.json").read_text())["recipe"]
    assert recipe["model"] == "lenet5" and recipe["dataset"] == "mnist"
    assert recipe["augment"] is False
    metrics = json.loads((lenet_run / "metrics.json").read_text())
    assert metrics["training_images"] == 2000 and metrics["test_images"] == 2000
    assert metrics["test_accuracy"] > 0.6  # chance is 0.1
    model, recipe = glassnet.app.runs.load_run(lenet_run)
    assert type(model[0]).__name__ == "Conv2d" and recipe.model == "lenet5"


def test_evaluate_a_lenet5_run(lenet_run, capsys):
    assert main(["evaluate", str(lenet_run)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "(" in out and "/10000)" in out
    assert "7 - seven" in out
    assert (lenet_run / "mistakes.png").stat().st_size > 1000


def test_predict_with_a_lenet5_run_reads_photographed_digits(lenet_run, tmp_path, capsys):
    (_, _), (xt, _) = glassnet.datasets.load_mnist()
    paths = []
    for i in range(3):
        path = tmp_path / f"digit{i}.png"
        photograph(xt[i], path, seed=i)
        paths.append(str(path))
    assert main(["predict", str(lenet_run), *paths, "--json", "--show",
                 str(tmp_path / "seen.png")]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["image"] for r in results] == paths
    assert all(len(r["probabilities"]) == 10 and 0 <= r["label"] < 10 for r in results)
    assert (tmp_path / "seen.png").stat().st_size > 1000


def test_cifar10_trains_with_augmentation_from_the_binary_files(cifar_run):
    recipe = json.loads((cifar_run / "config.json").read_text())["recipe"]
    assert recipe["dataset"] == "cifar10" and recipe["model"] == "lenet5"
    assert recipe["augment"] is True and recipe["inputs"] == 3072
    assert np.allclose(recipe["input_mean"], [0.4914, 0.4822, 0.4465])
    metrics = json.loads((cifar_run / "metrics.json").read_text())
    assert metrics["training_images"] == 400 and metrics["test_images"] == 100
    assert metrics["test_accuracy"] >= 0.5  # one colour per class; chance is 0.1
    model, _ = glassnet.app.runs.load_run(cifar_run)
    assert model[0].in_channels == 3


def test_evaluate_a_cifar10_run_names_the_classes(cifar_run, cifar_root, capsys):
    assert main(["evaluate", str(cifar_run), "--data", str(cifar_root)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out and "/100)" in out
    assert "airplane" in out and "truck" in out
    assert (cifar_run / "mistakes.png").stat().st_size > 1000


def test_predict_resizes_a_colour_photo_for_cifar10(cifar_run, tmp_path, capsys):
    from PIL import Image

    path = tmp_path / "green.jpg"
    photo = np.broadcast_to(COLOURS[1].astype(np.uint8), (150, 200, 3))
    Image.fromarray(np.ascontiguousarray(photo)).save(path, "JPEG")
    assert main(["predict", str(cifar_run), str(path), "--show",
                 str(tmp_path / "seen.png")]) == 0
    line = capsys.readouterr().out.strip()
    said = line.split(": ")[1].split(" (p=")[0]
    assert line.startswith(f"{path}: ") and said in CIFAR10_CLASSES
    assert (tmp_path / "seen.png").stat().st_size > 1000
    main(["predict", str(cifar_run), str(path), "--json"])
    result = json.loads(capsys.readouterr().out)[0]
    assert result["class"] == said == CIFAR10_CLASSES[result["label"]]


def test_photos_for_cifar10_keep_colour_at_32x32(tmp_path):
    from PIL import Image

    from glassnet.app.photos import prepare

    path = tmp_path / "photo.png"
    photo = np.zeros((90, 120, 3), dtype=np.uint8)
    photo[:, :60] = (255, 0, 0)  # left half red, right half blue: the whole photo is kept
    photo[:, 60:] = (0, 0, 255)
    Image.fromarray(photo).save(path)
    image = prepare(path, "cifar10")
    assert image.shape == (32, 32, 3) and image.dtype == np.float32
    assert np.allclose(image[:, 0], [1, 0, 0]) and np.allclose(image[:, -1], [0, 0, 1])


def test_runs_without_a_model_entry_still_load_and_evaluate_as_mlp(tmp_path, capsys):
    """Run folders written before --model existed have no "model" nor "augment"."""
    from glassnet.app import runs
    from glassnet.app.recipe import build_model

    recipe = Recipe(hidden=[16])
    folder = tmp_path / "old"
    folder.mkdir()
    runs.save_model(folder, build_model(recipe), recipe)
    runs.write_json(folder / runs.MARKER, {})  # complete runs have metrics.json (issue 13)
    config = json.loads((folder / "config.json").read_text())
    for key in ("model", "augment"):
        del config["recipe"][key]
    (folder / "config.json").write_text(json.dumps(config))
    model, loaded = runs.load_run(folder)
    assert loaded.model == "mlp" and [type(m).__name__ for m in model] == \
        ["Flatten", "Linear", "ReLU", "Linear"]
    assert main(["evaluate", str(folder)]) == 0
    assert "test accuracy" in capsys.readouterr().out


def test_default_model_is_mlp_for_digits_and_lenet5_for_cifar10():
    assert Recipe().model == "mlp" and Recipe(dataset="fashion-mnist").model == "mlp"
    cifar = Recipe(dataset="cifar10")
    assert cifar.model == "lenet5" and cifar.inputs == 3072
    assert cifar.image_shape == (3, 32, 32) and Recipe().inputs == 784


def test_augment_is_one_crop_and_flip_per_image():
    images = np.random.default_rng(0).integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    out = augment(images, np.random.default_rng(7))
    rng = np.random.default_rng(7)  # the same draws, in the same order
    top, left = rng.integers(0, 9, size=40), rng.integers(0, 9, size=40)
    flip = rng.random(40) < 0.5
    assert 0 < flip.sum() < 40
    for i in range(40):
        window = np.pad(images[i], [(4, 4), (4, 4), (0, 0)])[top[i]:top[i] + 32,
                                                              left[i]:left[i] + 32]
        assert np.array_equal(out[i], window[:, ::-1] if flip[i] else window)


def test_cifar_inputs_are_nchw_standardised_per_channel():
    images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    inputs = to_inputs(images, Recipe(dataset="cifar10"))._data
    assert inputs.shape == (4, 3, 32, 32) and inputs.dtype == np.float32
    mean = np.array([0.4914, 0.4822, 0.4465])
    std = np.array([0.2470, 0.2435, 0.2616])
    expected = (images / 255 - mean) / std
    assert np.allclose(inputs, expected.transpose(0, 3, 1, 2), atol=1e-5)
    gray = to_inputs(images[..., 0], Recipe())._data
    assert gray.shape == (4, 1, 32, 32)


def test_train_help_says_what_applies_to_which(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--model {mlp,lenet5,convnet}" in text and "mlp only" in text
    assert "99.0% or more on MNIST in 5 epochs" in text and "cifar10 only" in text


@pytest.mark.parametrize("args,expected", [
    (["train", "--model", "lenet5", "--hidden", "32"],
     "--hidden shape(s) the mlp, but the model is lenet5"),
    (["train", "--dataset", "cifar10", "--batchnorm", "--activation", "tanh"],
     "--activation, --batchnorm shape(s) the mlp, but the model is lenet5"),
    (["train", "--augment"], "--augment (random crop + flip) is for cifar10, not mnist"),
    (["train", "--dataset", "fashion-mnist", "--model", "convnet", "--augment"],
     "is for cifar10, not fashion-mnist"),
    (["train", "--model", "lenet5", "--limit", "5"], "--limit must be at least 20"),
])
def test_impossible_combinations_are_one_line(tmp_path, capsys, args, expected):
    out = tmp_path / "run"
    assert main([*args, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("glassnet: error: ") and expected in err and "\n" not in err
    assert not out.exists() and not (tmp_path / "run.partial").exists()


def test_an_unknown_model_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "resnet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "invalid choice: 'resnet'" in err and "\n" not in err


def test_missing_cifar10_is_one_line(tmp_path, monkeypatch, capsys):
    import urllib.request

    from glassnet.datasets import mnist

    def offline(url, timeout=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(mnist, "REPO_DATA", tmp_path / "none")
    monkeypatch.setattr(mnist, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    out = tmp_path / "run"
    # no --data: an explicit missing --data is refused before any search (issue 13)
    assert main(["train", "--dataset", "cifar10", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("glassnet: error: cifar-10: could not download") and "\n" not in err
    assert not out.exists() and not (tmp_path / "run.partial").exists()


def test_lenet5_defaults_to_lr_2e_3_with_adam_only():
    assert Recipe(model="lenet5").lr == 2e-3 and Recipe(dataset="cifar10").lr == 2e-3
    assert Recipe().lr == 1e-3 and Recipe(model="convnet").lr == 1e-3
    assert Recipe(model="lenet5", optimizer="sgd").lr == 0.01
    assert Recipe(model="lenet5", lr=0.05).lr == 0.05
