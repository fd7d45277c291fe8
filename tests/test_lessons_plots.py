from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polib  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import course  # noqa: E402,F401
from course import features  # noqa: E402
from course.lessons import plots  # noqa: E402
from course.notebook.figures import PALETTE  # noqa: E402
from course.notebook.language import catalog_file  # noqa: E402
from course.quantization import dequantize, quantization_params, quantize  # noqa: E402

pytestmark = pytest.mark.unit

BOARDS = {
    "small": SimpleNamespace(name="Small board", flash_bytes=256 * 1024, ram_bytes=32 * 1024),
    "big": SimpleNamespace(name="Big board", flash_bytes=2048 * 1024, ram_bytes=512 * 1024),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_training_curves_from_dict_and_history_object():
    logs = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.8]}
    fig = plots.plot_training_curves(logs)
    loss_ax, metric_ax = fig.axes
    assert (loss_ax.get_xlabel(), loss_ax.get_ylabel()) == ("epoch", "loss")
    assert metric_ax.get_ylabel() == "accuracy"
    assert [line.get_ydata().tolist() for line in metric_ax.lines] == [logs["accuracy"], logs["val_accuracy"]]
    assert loss_ax.lines[0].get_xdata().tolist() == [1, 2, 3]
    only_loss = plots.plot_training_curves(SimpleNamespace(history={"loss": [3.0, 2.0]}))
    assert len(only_loss.axes) == 1 and len(only_loss.axes[0].lines) == 1
    with pytest.raises(ValueError):
        plots.plot_training_curves({"accuracy": [0.1]})


def test_confusion_matrix_counts_and_normalisation():
    y_true, y_pred = [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 2, 2]
    fig = plots.plot_confusion_matrix(y_true, y_pred, ["yes", "no", "up"])
    ax = fig.axes[0]
    image = [a for a in ax.get_children() if isinstance(a, AxesImage)][0]
    np.testing.assert_array_equal(image.get_array(), [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    assert texts(ax) == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["yes", "no", "up"]
    normalized = plots.plot_confusion_matrix(y_true, y_pred, ["yes", "no", "up"], normalize="true").axes[0]
    assert texts(normalized)[3:6] == ["0.00", "0.67", "0.33"]
    assert "normalized" in normalized.get_title()
    by_name = plots.plot_confusion_matrix(["a", "b", "b"], ["a", "a", "b"], ["a", "b"]).axes[0]
    assert texts(by_name) == ["1", "0", "1", "1"]


def test_roc_curve_auc_and_threshold_marker():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9])
    fig = plots.plot_roc(labels, scores, threshold=0.5)
    ax = fig.axes[0]
    curve, chance, marker = ax.lines
    assert "AUC = 0.938" in curve.get_label()  # 15 of 16 positive-negative pairs ranked right
    assert chance.get_xdata().tolist() == [0, 1]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (0.25, 0.75)  # 1/4 false alarms, 3/4 recall
    assert "false positive rate" in ax.get_xlabel() and "recall" in ax.get_ylabel()
    assert len(plots.plot_roc(labels, scores).axes[0].lines) == 2


def test_waveform_and_spectrogram():
    audio = (np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000) * 10000).astype(np.int16)
    fig = plots.plot_waveform_and_spectrogram(audio, 16000, title="a tone")
    wave_ax, spec_ax = fig.axes[:2]
    assert fig.get_suptitle() == "a tone"
    assert wave_ax.lines[0].get_xdata()[-1] == pytest.approx(15999 / 16000)
    assert np.abs(wave_ax.lines[0].get_ydata()).max() == pytest.approx(10000 / 32768, rel=1e-3)
    assert (spec_ax.get_xlabel(), spec_ax.get_ylabel()) == ("time (s)", "mel bin")
    image = spec_ax.images[0]
    np.testing.assert_allclose(image.get_array(), features.log_mel_spectrogram(audio).T)
    assert image.get_extent() == [0, pytest.approx(0.98), -0.5, 39.5]
    given = np.zeros((10, 20))
    assert plots.plot_waveform_and_spectrogram(audio, features=given).axes[1].images[0].get_array().shape == (20, 10)


def test_memory_budget_bars_match_items_and_boards():
    items = {"model": (100 * 1024, 0), "arena": (0, 24 * 1024), "runtime": (50 * 1024, 16 * 1024)}
    fig = plots.plot_memory_budget(items, BOARDS)
    flash_ax, ram_ax = fig.axes
    assert flash_ax.get_xlabel() == "flash (KiB)" and ram_ax.get_xlabel() == "RAM (KiB)"
    assert [t.get_text() for t in flash_ax.get_yticklabels()] == ["Small board", "Big board"]
    bars = [p for p in ram_ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(BOARDS) * (len(items) + 1)
    widths = sorted({round(b.get_width(), 6) for b in bars})
    assert widths == [0, 16, 24, 32, 512]  # items in KiB, then each board's capacity
    assert texts(ram_ax) == [" 125.0%", " 7.8%"]
    assert ram_ax.texts[0].get_color() == PALETTE[3]  # over capacity (vermillion)
    assert "150.0 KiB used" in flash_ax.get_title()
    as_list = plots.plot_memory_budget(items, list(BOARDS.values()))
    assert len(as_list.axes[0].patches) == len(bars)


def test_quantization_plot_shows_values_and_errors():
    values = np.array([-1.0, -0.3, 0.0, 0.42, 2.0, 5.0])
    scale, zero_point = quantization_params(-1.0, 2.0)
    fig = plots.plot_quantization(values, scale, zero_point)
    map_ax, err_ax = fig.axes
    restored = dequantize(quantize(values, scale, zero_point), scale, zero_point)
    np.testing.assert_allclose(map_ax.lines[2].get_ydata(), restored)
    np.testing.assert_allclose(err_ax.lines[0].get_ydata(), restored - values)
    assert err_ax.lines[0].get_ydata()[-1] < -2.9  # 5.0 is clipped to about 2.0
    assert [line.get_ydata()[0] for line in err_ax.lines[1:]] == [-scale / 2, scale / 2]
    assert f"zero point = {zero_point}" in map_ax.get_title()
    assert map_ax.get_xlabel() == "float value"


def spanish(message: str) -> str:
    """The Spanish catalog's translation of a library message (course/locale/es.po)."""
    return polib.pofile(str(catalog_file("es"))).find(message).msgstr


def test_figures_speak_spanish_when_the_course_language_is_spanish(monkeypatch):
    labels, scores = [0, 0, 0, 0, 1, 1, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9]
    english = plots.plot_roc(labels, scores, threshold=0.5)
    assert "AUC) is 0.938" in english.alt and "75% of the positives" in english.alt
    monkeypatch.setenv("COURSE_LANGUAGE", "es")
    spanish_fig = plots.plot_roc(labels, scores, threshold=0.5)
    ax, english_ax = spanish_fig.axes[0], english.axes[0]
    assert ax.get_title() == spanish("ROC curve") != english_ax.get_title()
    assert ax.get_xlabel() == spanish("false positive rate (false alarms / negatives)") != english_ax.get_xlabel()
    assert ax.get_ylabel() == spanish("true positive rate (recall)") != english_ax.get_ylabel()
    assert spanish_fig.alt.startswith(spanish("ROC curve")) and spanish_fig.alt != english.alt
    assert "0.938" in spanish_fig.alt
