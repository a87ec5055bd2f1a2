"""glassnet.doctor: one test per finding (each makes the mistake and sees it flagged), silence
on a correct MNIST model, advisories, anomaly detection and explain_step."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import doctor, keras
from glassnet.errors import GlassnetWarning


@pytest.fixture(scope="module")
def mnist_batch():
    (x, y), _ = glassnet.datasets.load_mnist()
    images = (x[:64].reshape(64, 1, 28, 28) / np.float32(255)).astype(np.float32)
    return glassnet.tensor(images), glassnet.tensor(y[:64]), x[:64]


def mlp(*tail, hidden=(128, 64)):
    glassnet.manual_seed(0)
    layers, width = [nn.Flatten()], 784
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10), *tail)


def codes(findings):
    return [f.code for f in findings]


def test_quiet_on_a_correct_mnist_model(mnist_batch):
    x, y, _ = mnist_batch
    model = mlp()
    optimizer = glassnet.optim.Adam(model.parameters(), lr=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        assert doctor.check(model, nn.CrossEntropyLoss(), (x, y), optimizer) == []
        for _ in range(3):  # a correct training loop gives no advisory either
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(model(x), y).backward()
            optimizer.step()
        model.eval()
        with glassnet.no_grad():
            model(x)


def test_check_restores_everything_it_touched(mnist_batch):
    x, y, _ = mnist_batch
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(32, 10))
    before = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    rng_before = glassnet.rand(1)  # draw, then compare the next draw with and without check
    glassnet.manual_seed(5)
    expected = glassnet.rand(3).tolist()
    glassnet.manual_seed(5)
    doctor.check(model, nn.CrossEntropyLoss(), (x, y))
    assert glassnet.rand(3).tolist() == expected and rng_before is not None
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.detach().numpy(), before[key])
    assert all(p.grad is None for p in model.parameters()) and model.training


def test_finding_softmax_before_cross_entropy(mnist_batch):
    x, y, _ = mnist_batch
    found = doctor.check(mlp(nn.Softmax(dim=1)), nn.CrossEntropyLoss(), (x, y))
    assert "softmax_before_cross_entropy" in codes(found)
    assert "double softmax" in str(found[0])


def test_finding_log_softmax_before_cross_entropy(mnist_batch):
    x, y, _ = mnist_batch
    found = doctor.check(mlp(nn.LogSoftmax(dim=1)), nn.CrossEntropyLoss(), (x, y))
    assert "softmax_before_cross_entropy" in codes(found)


def test_finding_sigmoid_before_bce_with_logits():
    glassnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    x, y = glassnet.randn(16, 4), glassnet.randint(0, 2, (16, 1)).float()
    assert "sigmoid_before_bce_with_logits" in codes(
        doctor.check(model, nn.BCEWithLogitsLoss(), (x, y)))


def test_finding_eval_mode_with_dropout(mnist_batch):
    x, y, _ = mnist_batch
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(32, 10)).eval()
    assert "eval_mode_in_training" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_finding_batchnorm_with_a_batch_of_one(mnist_batch):
    x, y, _ = mnist_batch
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.BatchNorm1d(32), nn.ReLU(),
                          nn.Linear(32, 10))
    assert "batchnorm_batch_of_one" in codes(
        doctor.check(model, nn.CrossEntropyLoss(), (x[:1], y[:1])))


def test_finding_float_labels(mnist_batch):
    x, y, _ = mnist_batch
    assert "float_labels" in codes(doctor.check(mlp(), nn.CrossEntropyLoss(), (x, y.float())))


def test_finding_label_shape(mnist_batch):
    x, y, _ = mnist_batch
    assert "label_shape" in codes(doctor.check(mlp(), nn.CrossEntropyLoss(),
                                               (x, y.reshape(-1, 1))))


def test_finding_labels_out_of_range_and_output_units(mnist_batch):
    x, y, _ = mnist_batch
    glassnet.manual_seed(0)
    five_outputs = nn.Sequential(nn.Flatten(), nn.Linear(784, 5))
    found = doctor.check(five_outputs, nn.CrossEntropyLoss(), (x, y))
    assert "labels_out_of_range" in codes(found)
    assert "5 output units" in str(found[codes(found).index("labels_out_of_range")])


def test_finding_unscaled_inputs(mnist_batch):
    _, y, raw = mnist_batch
    pixels = glassnet.tensor(raw.reshape(64, 1, 28, 28).astype(np.float32))  # 0..255
    assert "unscaled_inputs" in codes(doctor.check(mlp(), nn.CrossEntropyLoss(), (pixels, y)))


def test_finding_dead_relus(mnist_batch):
    x, y, _ = mnist_batch
    model = mlp()
    with glassnet.no_grad():
        model[1].bias.fill_(-100.0)  # every first-layer unit negative: dead
    assert "dead_relus" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_finding_vanishing_gradients():
    glassnet.manual_seed(0)
    layers = []
    for _ in range(12):
        layers += [nn.Linear(16, 16), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(16, 3))
    x, y = glassnet.randn(32, 16), glassnet.randint(0, 3, (32,))
    assert "vanishing_gradients" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_finding_exploding_gradients():
    glassnet.manual_seed(0)
    layers = []
    for _ in range(8):
        linear = nn.Linear(32, 32)
        nn.init.normal_(linear.weight, 0, 1.0)  # far too large
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(32, 3))
    x, y = glassnet.randn(32, 32), glassnet.randint(0, 3, (32,))
    assert "exploding_gradients" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_finding_identical_initial_weights(mnist_batch):
    x, y, _ = mnist_batch
    model = mlp()
    nn.init.constant_(model[3].weight, 0.01)
    assert "identical_weights" in codes(doctor.check(model, nn.CrossEntropyLoss(), (x, y)))


def test_gradient_report_table_and_flags(mnist_batch):
    x, y, _ = mnist_batch
    model = mlp()
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    nn.CrossEntropyLoss()(model(x), y).backward()
    optimizer.step()
    report = doctor.gradient_report(model, optimizer)
    assert [row["name"] for row in report.parameters][:2] == ["1.weight", "1.bias"]
    assert [layer["name"] for layer in report.layers] == ["1", "3", "5"]
    assert all(0 < row["update_ratio"] < 1 for row in report.parameters)
    assert not report.flags and "‖grad‖" in str(report)


def test_activation_report_counts_dead_and_saturated_units():
    glassnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Sigmoid())
    with glassnet.no_grad():
        model[0].bias[:4] = -100.0
        model[2].weight.mul_(100)
    rows = doctor.activation_report(model, glassnet.randn(32, 4)).layers
    assert rows[0]["dead_fraction"] == pytest.approx(0.5, abs=0.13)
    assert rows[1]["saturated_fraction"] > 0.5


def test_advisory_forgotten_zero_grad_and_declared_accumulation():
    model = nn.Linear(3, 1)
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.1)
    x = glassnet.randn(4, 3)
    for _ in range(2):
        model(x).sum().backward()
    with pytest.warns(GlassnetWarning, match="added up over 2 backward passes"):
        optimizer.step()
    doctor.expect_accumulation(optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        model(x).sum().backward()
        optimizer.step()


def test_no_false_alarm_with_zeroed_gradients_kept_as_tensors():
    model = nn.Linear(3, 1)
    optimizer = glassnet.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        for _ in range(3):
            optimizer.zero_grad(set_to_none=False)
            model(glassnet.randn(4, 3)).sum().backward()
            optimizer.step()
            for p in model.parameters():
                p.grad.zero_()  # zeroing by hand is clearing too


def test_advisory_probabilities_given_to_cross_entropy():
    probabilities = glassnet.softmax(glassnet.randn(8, 3), dim=1)
    with pytest.warns(GlassnetWarning, match="look like probabilities"):
        nn.CrossEntropyLoss()(probabilities, glassnet.randint(0, 3, (8,)))


def test_advisory_dropout_or_batchnorm_training_under_no_grad():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    with pytest.warns(GlassnetWarning, match="training mode inside no_grad.*model.eval"):
        with glassnet.no_grad():
            model(glassnet.randn(8, 3))


def test_advisory_nan_loss_names_likely_causes():
    w = glassnet.tensor([1e30], requires_grad=True)
    with pytest.warns(GlassnetWarning, match="learning rate.*not scaled"):
        ((w * 1e30) ** 2).sum().backward()


def test_quiet_silences_advisories():
    probabilities = glassnet.softmax(glassnet.randn(8, 3), dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GlassnetWarning)
        with doctor.quiet():
            nn.CrossEntropyLoss()(probabilities, glassnet.randint(0, 3, (8,)))
    assert glassnet.advice.Advice.enabled


def test_detect_anomaly_names_the_op_and_the_line():
    x = glassnet.tensor([1.0, 0.0], requires_grad=True)
    with glassnet.autograd.detect_anomaly():
        with pytest.raises(glassnet.autograd.AnomalyError,
                           match=r"Log produced inf in the forward pass.*test_doctor.py:\d+"):
            with np.errstate(divide="ignore"):
                x.log()
        y = x.sqrt().sum()
        with pytest.raises(glassnet.autograd.AnomalyError,
                           match=r"SqrtBackward0 produced inf in the backward pass.*"
                                 r"y = x.sqrt\(\).sum\(\)"):
            with np.errstate(divide="ignore"):
                y.backward()


def test_explain_step_for_adam_and_momentum():
    w = glassnet.tensor([1.0, -2.0], dtype=glassnet.float64, requires_grad=True)
    adam = glassnet.optim.Adam([w], lr=0.1)
    w.grad = glassnet.tensor([0.5, -1.0], dtype=glassnet.float64)
    before = w.detach().numpy().copy()
    adam.step()
    explanation = doctor.explain_step(adam)
    terms = explanation.rows[0]["terms"]
    np.testing.assert_allclose(terms["step"], before - w.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(terms["m_hat"], [0.5, -1.0])
    assert "m̂" in str(explanation) and "v̂" in str(explanation)
    v = glassnet.tensor([1.0], requires_grad=True)
    sgd = glassnet.optim.SGD([v], lr=0.1, momentum=0.9)
    for g in (1.0, 1.0):
        v.grad = glassnet.tensor([g])
        sgd.step()
    text = str(doctor.explain_step(sgd))
    assert "velocity" in text or "v = 1.9" in text


def test_keras_doctor_callback_and_fit_stops_on_nan(capsys):
    keras.utils.set_random_seed(0)
    x = np.random.randint(0, 256, (64, 20)).astype(np.float32)  # unscaled
    y = np.random.randint(0, 5, 64)
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])  # 3 < 5 classes
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    doc = keras.callbacks.Doctor(x, y)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\] for 3 classes"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[doc])
    assert {"unscaled_inputs", "softmax_with_from_logits", "labels_out_of_range"} <= set(
        codes(doc.findings))
    assert "doctor:" in capsys.readouterr().out
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e3), loss="mse")
    with pytest.warns(GlassnetWarning, match="loss became .* training stops.*learning rate"):
        with np.errstate(all="ignore"):
            history = model.fit(x * 1e3, x[:, :1] * 1e3, epochs=20, batch_size=8, verbose=0)
    assert len(history.history["loss"]) < 20
