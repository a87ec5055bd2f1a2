"""PyTorch's DCGAN tutorial: its Generator (ConvTranspose2d / BatchNorm2d / ReLU / Tanh) and
Discriminator (strided Conv2d / BatchNorm2d / LeakyReLU(inplace=True) / Sigmoid), weights_init
applied by class name through ``.data``, BCELoss, Adam(betas=(0.5, 0.999)) and its training
step with real and fake batches (the discriminator's two backward passes summed on purpose).
Smaller feature maps (16 instead of 64) keep it quick; random images stand in for CelebA. Both
libraries start from the same weights and must report the same losses, step after step."""

from __future__ import annotations

import warnings

import numpy as np

nc, nz, ngf, ndf = 3, 100, 16, 16


def networks(torch):
    nn = torch.nn

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 8),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh()
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 4),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 8),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
                nn.Sigmoid()
            )

        def forward(self, input):
            return self.main(input)

    device = torch.device("cpu")
    netG = Generator(0).to(device)
    netG.apply(weights_init)
    netD = Discriminator(0).to(device)
    netD.apply(weights_init)
    return netG, netD


def same_start(torch, net, seed):
    """Replace the random initialisation with the same draw on both libraries (the tutorial's
    distributions: N(0, 0.02) for convolutions, N(1, 0.02) for BatchNorm scales)."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, value in net.state_dict().items():
            if value.dtype != torch.float32:
                continue
            draw = rng.normal(0.0, 0.02, tuple(value.shape))
            if value.ndim == 1 and name.endswith("weight"):
                draw += 1.0
            elif value.ndim == 1:
                draw = np.zeros(tuple(value.shape)) if "running_var" not in name else \
                    np.ones(tuple(value.shape))
            value.copy_(torch.from_numpy(draw.astype("float32")))


def train(torch, steps=3):
    nn, optim = torch.nn, torch.optim
    netG, netD = networks(torch)
    same_start(torch, netG, 1)
    same_start(torch, netD, 2)
    rng = np.random.default_rng(0)
    criterion = nn.BCELoss()
    fixed_noise = torch.from_numpy(rng.standard_normal((4, nz, 1, 1)).astype("float32"))
    real_label, fake_label = 1., 0.
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    real_cpu = torch.from_numpy(rng.uniform(-1, 1, (4, nc, 64, 64)).astype("float32"))
    device = torch.device("cpu")
    log = []
    for _ in range(steps):
        netD.zero_grad()
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.from_numpy(rng.standard_normal((b_size, nz, 1, 1)).astype("float32"))
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        log.append((errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    with torch.no_grad():
        images = netG(fixed_noise).detach().numpy()
    return np.array(log), images


def test_dcgan_trains_as_in_pytorch(torch):
    with warnings.catch_warnings():
        # the discriminator's gradient is the sum of two backward passes, as the tutorial
        # means; glassnet's doctor says so once, which is right here
        warnings.simplefilter("ignore")
        log, images = train(torch)
    assert images.shape == (4, nc, 64, 64) and np.abs(images).max() <= 1.0
    assert np.isfinite(log).all()
    import glassnet

    if torch is not glassnet:
        return
    try:
        import torch as pytorch
    except ImportError:
        return
    pytorch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, their_images = train(pytorch)
    # float32 rounding differs between the libraries' kernels; Adam's first steps, whose update
    # is close to lr·sign(g), carry it along: 5e-4 apart after three steps
    np.testing.assert_allclose(log[0], theirs[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(log, theirs, rtol=2e-3, atol=1e-5)
    # weights whose gradient is tiny move by ±lr whichever way rounding tips it, so the
    # generated images drift further (3.5e-3 after three steps) though they stay alike
    np.testing.assert_allclose(images, their_images, atol=1e-2)
