"""Bad constructor arguments fail at once with one line naming the argument and what it takes,
not later inside NumPy (issue 13, point 3: the neighbours of the reported cases)."""

import math

import pytest

import glassnet
from glassnet import nn, optim


def _model():
    return nn.Linear(2, 2)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.Linear(-1, 3), "in_features must be an int >= 0"),
    (lambda: nn.Linear(2.5, 3), "in_features must be an int >= 0"),
    (lambda: nn.Linear(2, True), "out_features"),
    (lambda: nn.Conv2d(1, 2, 0), "kernel_size must be a positive int"),
    (lambda: nn.Conv2d(1, 2, 3, stride=0), "stride must be a positive int"),
    (lambda: nn.Conv2d(1, 2, 3, dilation=(1, 0)), "dilation must be a positive int"),
    (lambda: nn.Conv2d(1, 2, 3, padding=-1), "padding must be an int >= 0"),
    (lambda: nn.Conv1d(-2, 2, 3), "in_channels must be an int >= 0"),
    (lambda: nn.MaxPool2d(0), "kernel_size must be a positive int"),
    (lambda: nn.AvgPool2d(2, stride=0), "stride must be a positive int"),
    (lambda: nn.Embedding(-3, 2), "num_embeddings must be an int >= 0"),
    (lambda: nn.BatchNorm1d(-4), "num_features must be an int >= 0"),
    (lambda: nn.BatchNorm2d(4, eps=math.nan), "eps must be a finite number"),
    (lambda: nn.BatchNorm1d(4, momentum=-0.1), "momentum must be a finite number >= 0"),
    (lambda: optim.SGD(_model().parameters(), lr=math.nan), "lr=nan is not a finite number"),
    (lambda: optim.Adam(_model().parameters(), lr=math.inf), "lr=inf is not a finite number"),
    (lambda: optim.Adam(_model().parameters(), betas=(0.9, math.nan)), "betas=(0.9, nan)"),
    (lambda: optim.SGD(_model().parameters(), lr=0.1, momentum=math.nan), "momentum=nan"),
    (lambda: optim.lr_scheduler.StepLR(optim.SGD(_model().parameters(), lr=0.1), step_size=0),
     "step_size must be a positive int"),
    (lambda: optim.lr_scheduler.CosineAnnealingLR(optim.SGD(_model().parameters(), lr=0.1),
                                                  T_max=0), "T_max must be a positive int"),
    (lambda: nn.utils.clip_grad_norm_(_model().parameters(), math.nan),
     "max_norm must be a number >= 0"),
])
def test_bad_arguments_fail_with_one_line(make, words):
    with pytest.raises(ValueError) as raised:
        make()
    message = str(raised.value)
    assert words in message
    assert "\n" not in message


def test_a_container_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match="'0' must be a Module .* got int 3"):
        nn.Sequential(3)
    with pytest.raises(TypeError, match="must be a Module"):
        nn.Sequential(nn.Linear(2, 2), glassnet.relu)


def test_the_good_neighbours_still_work():
    with pytest.warns(UserWarning, match="zero-element"):
        nn.Linear(0, 3)  # empty layers are legal in PyTorch
    nn.Conv2d(1, 2, (3, 1), stride=(2, 1), padding=1)
    nn.MaxPool2d(2, stride=None, padding=0)
    optim.SGD(_model().parameters(), lr=0.1, momentum=0.9)
    nn.utils.clip_grad_norm_(_model().parameters(), math.inf)
    nn.Sequential(nn.Linear(2, 2))
