"""Make notebooks/images/photographed_digit.png: an MNIST test digit "photographed" the way the
test suite does it (tests/app/photos.py: enlarged, dark ink on light paper, off-centre, RGB,
uneven light and noise), for 01_mnist_pytorch_style.ipynb's inference section.

    .venv/bin/python notebooks/images/make_photo.py
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.app.photos import photograph  # noqa: E402

from glassnet.datasets import load_mnist  # noqa: E402

INDEX = 0  # the first test image, a 7
(_, _), (test_images, test_labels) = load_mnist()
target = Path(__file__).resolve().parent / "photographed_digit.png"
photograph(test_images[INDEX], target, seed=INDEX, size=(240, 180))
print(f"wrote {target} (test image {INDEX}, label {int(test_labels[INDEX])}, "
      f"{target.stat().st_size // 1024} KB)")
