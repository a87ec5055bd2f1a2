"""Inline display: what Jupyter shows for glassnet's pictures and reports (their ``_repr_*_``
methods, and IPython's formatter where installed), with ``str``/``print`` left as they were."""

from __future__ import annotations

import base64
import io
import re
import sys

import numpy as np
import pytest

import glassnet
import glassnet.nn as nn
from glassnet import doctor, viz
from glassnet.app.progress import EpochProgress
from glassnet.datasets import toy
from glassnet.viz import _display, graph

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def plt():
    from glassnet.viz._mpl import pyplot

    plt = pyplot()
    before = set(plt.get_fignums())
    yield plt
    for number in set(plt.get_fignums()) - before:
        plt.close(number)


@pytest.fixture
def no_graphviz(monkeypatch):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)


def png_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    assert data.startswith(PNG)
    return Image.open(io.BytesIO(data)).size


def small_graph():
    x = glassnet.tensor(2.0)
    w = glassnet.tensor(0.5, requires_grad=True)
    loss = (x * w - 3.0) ** 2
    loss.backward()
    return viz.draw_graph(loss, params={"w": w})


def formatted(obj) -> dict:
    """What Jupyter would receive for ``obj`` as a cell's last value."""
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(obj)
    return data


# ----- graphs ---------------------------------------------------------------------------------
def test_graph_without_graphviz_shows_as_png_drawn_by_matplotlib(no_graphviz, plt):
    before = plt.get_fignums()
    picture = small_graph()
    assert picture._repr_svg_() is None  # Jupyter skips it and takes the PNG
    width, height = png_size(picture._repr_png_())
    assert width > 100 and height > 50
    assert plt.get_fignums() == before  # the drawing was closed, nothing shows twice


def test_graph_with_graphviz_shows_as_svg_and_skips_the_png(monkeypatch):
    calls = []

    def fake_dot(command, input, capture_output, check):
        calls.append((command, input.decode()))
        return type("Done", (), {"stdout": b"<svg>drawn by dot</svg>"})()

    monkeypatch.setattr(graph.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(graph.subprocess, "run", fake_dot)
    picture = small_graph()
    assert picture._repr_svg_() == "<svg>drawn by dot</svg>"
    assert calls[0][0] == ["dot", "-Tsvg"] and "MulBackward0" in calls[0][1]
    assert picture._repr_png_() is None


def test_graph_svg_from_a_real_graphviz_when_installed():
    import shutil

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    svg = small_graph()._repr_svg_()
    assert "<svg" in svg and "MulBackward0" in svg


def test_draw_model_shows_inline_and_its_text_is_unchanged(no_graphviz):
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    picture = viz.draw_model(model, input_shape=(1, 2))
    assert png_size(picture._repr_png_())[0] > 100
    assert repr(picture).startswith("Graph(nodes=[GraphNode(id='input'")
    assert "12 params" in picture.source


def test_jupyter_gets_a_png_for_a_graph(no_graphviz):
    data = formatted(small_graph())
    assert data["image/png"].startswith(PNG) and "image/svg+xml" not in data


# ----- training curves ------------------------------------------------------------------------
HISTORY = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.5]}


def test_plot_history_still_unpacks_and_prints_as_a_pair(plt):
    result = viz.plot_history(HISTORY)
    figure, reading = result
    assert isinstance(result, tuple) and result.figure is figure and result.reading == reading
    assert repr(result) == repr((figure, reading))
    assert reading.startswith("learning")


def test_plot_history_shows_its_reading_and_leaves_the_open_figure_to_the_notebook(plt):
    result = viz.plot_history(HISTORY)
    assert result._repr_markdown_() == f"**reading:** {result.reading}"
    assert result._repr_html_() is None  # the inline backend draws the open figure itself
    plt.close(result.figure)  # closed (or saved): nothing else would show it
    html = result._repr_html_()
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert png_size(base64.b64decode(encoded))[0] > 100
    assert "learning: training loss fell" in html


def test_plot_history_saved_to_a_path_shows_the_picture_inline(tmp_path):
    result = viz.plot_history(HISTORY, path=tmp_path / "curves.png")
    assert (tmp_path / "curves.png").exists()
    assert "data:image/png;base64," in result._repr_html_()


def test_jupyter_gets_markdown_for_the_curves(plt):
    data = formatted(viz.plot_history(HISTORY))
    assert data["text/markdown"].startswith("**reading:** learning")


# ----- the playground -------------------------------------------------------------------------
def test_playground_shows_its_untrained_boundary_then_its_snapshots(plt):
    glassnet.manual_seed(0)
    X, y = toy.xor(60)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    playground = viz.Playground(model, X, y, epochs=20, every=10)
    before = plt.get_fignums()
    one = png_size(playground._repr_png_())
    playground.run()
    assert len(playground.frames) == 3  # epochs 1, 10 and 20
    sheet = png_size(playground._repr_png_())
    assert sheet[0] == 3 * one[0] and sheet[1] == one[1]  # three frames side by side
    assert plt.get_fignums() == before


# ----- the doctor's reports -------------------------------------------------------------------
def trained_tanh_model():
    glassnet.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    X, y = toy.moons(64)
    optimizer = glassnet.optim.Adam(model.parameters(), lr=0.01)
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(glassnet.tensor(X)), glassnet.tensor(y)).backward()
    optimizer.step()
    return model, optimizer, X, y


def test_gradient_report_shows_as_markdown_tables_and_prints_as_before():
    model, optimizer, _, _ = trained_tanh_model()
    report = doctor.gradient_report(model, optimizer)
    text = str(report)
    assert text.splitlines()[0].split() == ["parameter", "shape", "‖w‖", "‖grad‖", "‖Δw‖/‖w‖"]
    markdown = report._repr_markdown_()
    assert markdown.startswith("**gradient report**\n\n| parameter | shape | ‖w‖ | ‖grad‖ |")
    assert "| `0.weight` | (4, 2) |" in markdown and "| `2` | Linear |" in markdown
    norm = next(r["grad_norm"] for r in report.parameters if r["name"] == "0.weight")
    assert f"| {norm:.4g} |" in markdown


def test_gradient_report_flags_are_bold_in_markdown():
    model = nn.Sequential(nn.Linear(2, 2))
    report = doctor.gradient_report(model)  # no backward yet
    assert "- **no parameter has a gradient: run loss.backward() first**" in \
        report._repr_markdown_()


def test_activation_report_shows_as_a_markdown_table():
    model, _, X, _ = trained_tanh_model()
    report = doctor.activation_report(model, X)
    markdown = report._repr_markdown_()
    assert markdown.splitlines()[2] == "| layer | after | kind | mean | std | dead | saturated |"
    row = report.layers[0]
    assert f"| `1` | `0` (Linear) | tanh | {row['mean']:.3f} | {row['std']:.3f} | - |" in markdown
    assert str(report).splitlines()[0].split()[:3] == ["layer", "after", "kind"]


def test_relu_report_counts_dead_units_in_markdown():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with glassnet.no_grad():
        model[0].bias.fill_(-100.0)  # every unit dead
    report = doctor.activation_report(model, np.ones((4, 2), np.float32))
    assert "| relu |" in report._repr_markdown_() and "| 100% | - |" in report._repr_markdown_()


def test_explain_step_shows_the_rule_and_a_row_per_parameter():
    model, optimizer, _, _ = trained_tanh_model()
    explanation = doctor.explain_step(optimizer, model)
    markdown = explanation._repr_markdown_()
    assert markdown.startswith("**Adam: m̂ = m/(1-β₁ᵗ)") and "(t = 1, η = 0.01)" in markdown
    assert markdown.count("| `") == 4  # 0.weight, 0.bias, 2.weight, 2.bias
    assert str(explanation).splitlines()[0] == markdown.splitlines()[0].strip("*")
    empty = doctor.explain_step(glassnet.optim.SGD(model.parameters(), lr=0.1))
    assert "no step yet" in empty._repr_markdown_() and "no step yet" in str(empty)


def test_check_findings_are_a_list_that_shows_as_markdown():
    model = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))
    X, y = toy.moons(16)
    findings = doctor.check(model, nn.CrossEntropyLoss(), (X, y))
    assert isinstance(findings, list) and findings[0].code == "softmax_before_cross_entropy"
    markdown = findings._repr_markdown_()
    assert markdown.startswith("**doctor found:**\n\n- `softmax_before_cross_entropy`: the model")
    assert findings[0]._repr_markdown_().startswith("`softmax_before_cross_entropy`: ")
    healthy = doctor.check(nn.Sequential(nn.Linear(2, 2)), nn.CrossEntropyLoss(), (X, y))
    assert healthy == [] and healthy._repr_markdown_() == "**doctor:** no problems found\n"


def test_jupyter_gets_markdown_for_the_doctors_reports():
    model, optimizer, X, _ = trained_tanh_model()
    for report in (doctor.gradient_report(model), doctor.activation_report(model, X),
                   doctor.explain_step(optimizer, model)):
        data = formatted(report)
        assert data["text/markdown"] == report._repr_markdown_()
        assert "text/plain" in data  # the terminal's view is still there


# ----- the notebook test and matplotlib's backend ---------------------------------------------
def test_in_notebook_is_false_in_a_terminal_and_true_with_a_kernel(monkeypatch):
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", None)
    assert not _display.in_notebook()  # pytest runs no IPython kernel
    IPython = pytest.importorskip("IPython")
    shell = type("Shell", (), {"kernel": object()})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert _display.in_notebook()
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Console", (), {})())
    assert not _display.in_notebook()  # a terminal IPython has no kernel
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", False)
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not _display.in_notebook()


def test_pictures_keep_a_notebooks_backend_and_use_agg_elsewhere(monkeypatch):
    import matplotlib

    from glassnet.viz._mpl import pyplot

    chosen = []
    monkeypatch.setattr(matplotlib, "use", lambda name, force=True: chosen.append(name))
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", True)
    pyplot()
    assert chosen == []  # the inline backend stays, so the notebook's own plots still show
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", False)
    pyplot()
    assert chosen == ["Agg"]


# ----- progress bars --------------------------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_in_a_notebook_is_tqdm_auto_and_stays(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", True)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    bar = EpochProgress(1, 2, 8)
    assert isinstance(bar.bar, tqdm_auto.tqdm) and bar.bar.leave
    for step in range(1, 9):
        bar.update(step, 0.5)
    bar.close()


def test_progress_on_a_terminal_is_unchanged(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(_display, "FORCE_NOTEBOOK", False)
    terminal = Terminal()
    bar = EpochProgress(1, 2, 8, terminal)
    assert bar.bar is not None and not bar.bar.leave
    bar.close()
    log = io.StringIO()  # not a terminal, not a notebook: four plain lines
    bar = EpochProgress(1, 2, 8, log)
    for step in range(1, 9):
        bar.update(step, 0.25)
    bar.close()
    assert log.getvalue().splitlines() == [f"epoch 1/2: {s}/8 batches, loss 0.2500"
                                           for s in (2, 4, 6, 8)]
