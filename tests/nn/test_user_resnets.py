"""A convnet nobody here wrote: kuangliu/pytorch-cifar's ResNet (models/resnet.py), the model
most CIFAR-10 learners copy. Built from the same source with torch or glassnet as the library;
with PyTorch's weights copied in, glassnet must give PyTorch's outputs, gradients and
BatchNorm running statistics (float64, training mode)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet


def resnet_source(torch, nn, F):
    """The repository's classes, unchanged but for the library passed in."""

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, in_planes, planes, stride=1):
            super(BasicBlock, self).__init__()  # noqa: UP008 - as the repository writes it
            self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1,
                                   bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1,
                                   bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != self.expansion * planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride,
                              bias=False),
                    nn.BatchNorm2d(self.expansion * planes)
                )

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += self.shortcut(x)
            out = F.relu(out)
            return out

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, in_planes, planes, stride=1):
            super(Bottleneck, self).__init__()  # noqa: UP008
            self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1,
                                   bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, self.expansion * planes, kernel_size=1, bias=False)
            self.bn3 = nn.BatchNorm2d(self.expansion * planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != self.expansion * planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride,
                              bias=False),
                    nn.BatchNorm2d(self.expansion * planes)
                )

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = F.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            out += self.shortcut(x)
            out = F.relu(out)
            return out

    class ResNet(nn.Module):
        def __init__(self, block, num_blocks, num_classes=10):
            super(ResNet, self).__init__()  # noqa: UP008
            self.in_planes = 64
            self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
            self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
            self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
            self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
            self.linear = nn.Linear(512 * block.expansion, num_classes)

        def _make_layer(self, block, planes, num_blocks, stride):
            strides = [stride] + [1] * (num_blocks - 1)
            layers = []
            for stride in strides:
                layers.append(block(self.in_planes, planes, stride))
                self.in_planes = planes * block.expansion
            return nn.Sequential(*layers)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer1(out)
            out = self.layer2(out)
            out = self.layer3(out)
            out = self.layer4(out)
            out = F.avg_pool2d(out, 4)
            out = out.view(out.size(0), -1)
            out = self.linear(out)
            return out

    return {"ResNet18": lambda: ResNet(BasicBlock, [2, 2, 2, 2]),
            "ResNet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3]),
            "small bottleneck ResNet": lambda: ResNet(Bottleneck, [1, 1, 1, 1])}


def models(lib):
    return resnet_source(lib, lib.nn, lib.nn.functional)


def test_resnet18_and_resnet50_have_pytorchs_parameter_counts_and_state_dict_keys():
    ours = models(glassnet)
    # the counts PyTorch gives for the same source (ResNet18 11,173,962; ResNet50 23,520,842)
    for name, count, keys in (("ResNet18", 11_173_962, 122), ("ResNet50", 23_520_842, 320)):
        net = ours[name]()
        assert sum(p.numel() for p in net.parameters()) == count
        assert len(net.state_dict()) == keys


@pytest.mark.parametrize("name", ["ResNet18", "small bottleneck ResNet"])
def test_resnets_agree_with_pytorch_in_training_mode(name):
    torch = pytest.importorskip("torch")
    theirs, ours = models(torch)[name]().double(), models(glassnet)[name]().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: glassnet.from_numpy(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3, 32, 32))
    out_t, out_g = theirs(torch.from_numpy(x)), ours(glassnet.from_numpy(x))
    out_t.pow(2).sum().backward()
    out_g.pow(2).sum().backward()
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    for (key, p), q in zip(theirs.named_parameters(), ours.parameters()):
        scale = np.abs(p.grad.numpy()).max()
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=0, atol=1e-10 * scale,
                                   err_msg=key)
    for (key, a), b in zip(theirs.state_dict().items(), ours.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=key)  # running statistics moved the same way
