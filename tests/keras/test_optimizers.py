"""Keras optimizers follow Keras 3's update rules (checked against the formulas written out
here by hand) and accept schedules and a positional learning rate."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import keras

GRADS = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1]),
         np.array([1.0, -0.5])]


def run(optimizer, start=(1.0, -2.0)):
    w = glassnet.tensor(np.array(start), requires_grad=True)
    optimizer.build([w])
    for g in GRADS:
        w.grad = glassnet.tensor(g)
        optimizer.step()
    return w.detach().numpy()


def test_sgd_momentum_keras_form():
    lr, mu = 0.1, 0.9
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    for g in GRADS:
        v = mu * v - lr * g
        w = w + v
    np.testing.assert_allclose(run(keras.optimizers.SGD(lr, momentum=mu)), w)
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    for g in GRADS:
        v = mu * v - lr * g
        w = w + mu * v - lr * g
    np.testing.assert_allclose(run(keras.optimizers.SGD(lr, momentum=mu, nesterov=True)), w)


def adam_reference(lr=1e-3, b1=0.9, b2=0.999, eps=1e-7, decay=0.0):
    w, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate(GRADS, start=1):
        w = w - w * decay * lr
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v) + eps)
    return w


def test_adam_and_adamw_keras_form():
    np.testing.assert_allclose(run(keras.optimizers.Adam(0.01)), adam_reference(0.01))
    np.testing.assert_allclose(run(keras.optimizers.AdamW(0.01, weight_decay=0.1)),
                               adam_reference(0.01, decay=0.1))


def test_rmsprop_keras_form():
    lr, rho, eps = 0.01, 0.9, 1e-7
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        w = w - lr * g / np.sqrt(v + eps)
    np.testing.assert_allclose(run(keras.optimizers.RMSprop(lr)), w)


def test_schedules():
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert decay(0) == 0.1 and decay(2) == pytest.approx(0.05) and decay(1) == pytest.approx(
        0.1 * 0.5**0.5)
    stair = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True)
    assert stair(1) == 0.1 and stair(3) == pytest.approx(0.05)
    cosine = keras.optimizers.schedules.CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert cosine(0) == 1.0 and cosine(10) == pytest.approx(0.1) and cosine(20) == \
        pytest.approx(0.1)
    optimizer = keras.optimizers.SGD(learning_rate=decay)
    w = glassnet.tensor([1.0], requires_grad=True)
    optimizer.build([w])
    for _ in range(2):
        w.grad = glassnet.tensor([1.0])
        optimizer.step()
    assert w.item() == pytest.approx(1.0 - 0.1 - 0.1 * 0.5**0.5)
    assert optimizer.iterations == 2 and optimizer.learning_rate == pytest.approx(0.05)
