"""Visual wake words (person / no person) for the week 0x03 person-detection lab: a split by scene, training
with augmentation, accuracy per condition, what a camera frame holds, and the figures and explorer.

Data: `course.data.images` (scenes with their own residents, lighting conditions as metadata); model:
`course.models.person_cnn`. Heavy lifting lives here so the lab's cells stay short.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from course.data import Dataset, group_split
from course.data.images import LIGHTING, augment
from course.notebook.explorer import explorer, html_table
from course.notebook.figures import new_figure
from course.notebook.language import _

EPOCHS = 20
BATCH_SIZE = 32
TEST_FRACTION = 0.25
RESOLUTIONS = (96, 64, 48, 32, 16, 8)  # square frames an explorer offers, in pixels per side


def split_by_scene(data: Dataset, test_fraction: float = TEST_FRACTION, seed: int = 0) -> tuple[Dataset, Dataset]:
    """(train, test): whole scenes, with the people who live in them, on one side only."""
    train, test = group_split(data.meta["scene"], test_fraction, seed=seed)
    return data.take(train), data.take(test)


def as_float(x: np.ndarray) -> np.ndarray:
    """uint8 pixels → float32 in [0, 1], the models' input."""
    return (np.asarray(x, dtype=np.float32) / 255.0).astype(np.float32)


def train_person_detector(train: Dataset, model=None, epochs: int = EPOCHS, augmented: bool = True, seed: int = 0):
    """Train `model` (default: a new `course.models.person_cnn`) on `train`, with a fresh `augment`ed copy
    of the images every epoch (flips, crops, brightness) unless `augmented` is False. Returns the model.

    Seeds everything with `seed` first; CPU training is not bit-for-bit repeatable, so accuracies may move by
    about a point from run to run.
    """
    from course.models import person_cnn
    from course.notebook.seeding import seed_everything

    seed_everything(seed)
    model = person_cnn(train.x.shape[1:]) if model is None else model
    rng = np.random.default_rng(seed)
    for _epoch in range(epochs):
        x = augment(train.x, rng) if augmented else train.x
        model.fit(as_float(x), train.y, batch_size=BATCH_SIZE, epochs=1, verbose=0, shuffle=True)
    return model


def accuracy_by(groups: np.ndarray, correct: np.ndarray) -> dict[str, float]:
    """Share of `correct` (booleans) in each group, in the order the groups first appear sorted."""
    groups, correct = np.asarray(groups), np.asarray(correct, dtype=bool)
    if len(groups) != len(correct):
        raise ValueError(_("groups and correct need one entry per example"))
    return {str(g): float(correct[groups == g].mean()) for g in np.unique(groups)}


def camera_frame(scene: np.ndarray, size: int, exposure: float = 1.0, noise: float = 0.0,
                 seed: int = 0) -> np.ndarray:
    """What a camera makes of a scene: uint8 (size, size) from a uint8 square `scene` (side a multiple of size).

    Light is multiplied by `exposure` (longer exposure or more gain), each photosite sums the light of its
    block of the scene (the frame's resolution), the sensor adds Gaussian noise of `noise` × full scale, and
    the result is clipped and rounded to 8 bits: too much light saturates at 255.
    """
    scene = np.asarray(scene, dtype=np.float64).squeeze()
    side = scene.shape[0]
    if scene.shape != (side, side) or side % size:
        raise ValueError(_("scene must be square with a side that is a multiple of {size}, got {shape}").format(
            size=size, shape=scene.shape))
    block = side // size
    light = (scene / 255.0 * exposure).reshape(size, block, size, block).mean(axis=(1, 3))
    light = light + np.random.default_rng(seed).normal(0, noise, light.shape)
    return np.clip(np.round(light * 255), 0, 255).astype(np.uint8)


def frame_stats(frame: np.ndarray) -> dict[str, float | int]:
    """Pixels, bytes (8-bit grayscale; RGB would be 3×), mean brightness and the shares of clipped pixels."""
    frame = np.asarray(frame)
    return {"pixels": int(frame.size), "bytes": int(frame.size), "mean": float(frame.mean() / 255),
            "saturated": float(np.mean(frame == 255)), "black": float(np.mean(frame == 0))}


def plot_frames_by_lighting(data: Dataset, per_condition: int = 4) -> Figure:
    """A grid of frames: one row per lighting condition, empty scenes and people alternating, spread over the data
    (so over many scenes)."""
    conditions = [c for c in LIGHTING if np.any(data.meta["lighting"] == c)]
    fig = new_figure((1.4 * per_condition, 1.6 * len(conditions)))
    axes = fig.subplots(len(conditions), per_condition, squeeze=False)
    brightness = []
    for row, condition in zip(axes, conditions):
        shown = []
        for column in range(per_condition):
            matches = np.flatnonzero((data.meta["lighting"] == condition) & (data.y == column % 2))
            shown.append(matches[(column * len(matches)) // per_condition])
        for ax, i in zip(row, shown):
            ax.imshow(data.x[i, :, :, 0], cmap="gray", vmin=0, vmax=255)
            ax.set_title(f"{condition}: {data.classes[data.y[i]]}", fontsize=7)
            ax.set_xticks([]), ax.set_yticks([])
        brightness.append(f"{condition} {data.x[shown].mean() / 255:.0%}")
    height, width = data.x.shape[1:3]
    fig.suptitle(_("{height}×{width} grayscale frames (0-255) per lighting condition").format(
        height=height, width=width), fontsize=9)
    fig.alt = " ".join([
        _("A grid of {height}×{width} grayscale frames: one row per lighting condition ({n} rows), {per_condition} "
          "frames per row, alternating {first} and {second}.").format(
            height=height, width=width, n=len(conditions), per_condition=per_condition,
            first=data.classes[0], second=data.classes[1]),
        _("Mean brightness of the frames shown: {brightness}.").format(brightness=", ".join(brightness)),
    ])
    return fig


def plot_accuracy_by(accuracy: dict[str, dict[str, float]], counts: dict[str, int],
                     title: str | None = None) -> Figure:
    """Grouped bars: for each model (outer keys, e.g. float and int8) its accuracy (%) per group.

    `title` defaults to "Accuracy per lighting condition" (in the learner's language)."""
    title = _("Accuracy per lighting condition") if title is None else title
    groups = list(counts)
    fig = new_figure((7, 3))
    ax = fig.subplots()
    width = 0.8 / len(accuracy)
    per_model = []
    for k, (model, values) in enumerate(accuracy.items()):
        bars = ax.bar(np.arange(len(groups)) + k * width, [100 * values[g] for g in groups], width, label=model)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
        per_model.append(f"{model}: " + ", ".join(f"{g} {100 * values[g]:.1f} %" for g in groups))
    ax.set_xticks(np.arange(len(groups)) + width * (len(accuracy) - 1) / 2,
                  [_("{group}\n({n} frames)").format(group=g, n=counts[g]) for g in groups])
    ax.set_ylabel(_("accuracy (%)"))
    ax.set_ylim(50, 100)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    lowest_model, lowest_group = min(((m, g) for m in accuracy for g in groups), key=lambda mg: accuracy[mg[0]][mg[1]])
    fig.alt = " ".join([
        _("{title}: bars of the accuracy (%) of {n_models} models in {n_groups} groups.").format(
            title=title, n_models=len(accuracy), n_groups=len(groups)),
        _("Accuracy per group: {values}.").format(values="; ".join(per_model)),
        _("The lowest bar: {model} in {group} ({accuracy:.1f} %).").format(
            model=lowest_model, group=lowest_group, accuracy=100 * accuracy[lowest_model][lowest_group]),
    ])
    return fig


def camera_explorer(scene: np.ndarray) -> widgets.VBox:
    """Resolution, exposure and sensor-noise controls → the frame a camera makes of `scene` (uint8, 96×96),
    its histogram, and what it costs (pixels, bytes) and loses (saturated or black pixels)."""
    size = widgets.ToggleButtons(options=[(f"{s}×{s}", s) for s in RESOLUTIONS], value=32, description=_("resolution"))
    exposure = widgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description=_("exposure ×"),
                                   continuous_update=False)
    noise = widgets.FloatSlider(value=0.02, min=0.0, max=0.15, step=0.01, description=_("noise"),
                                continuous_update=False)

    def draw(size: int, exposure: float, noise: float) -> tuple[Figure, str]:
        frame = camera_frame(scene, size, exposure, noise)
        stats = frame_stats(frame)
        fig = new_figure((7, 3))
        left, right = fig.subplots(1, 2)
        left.imshow(frame, cmap="gray", vmin=0, vmax=255)
        left.set_title(_("the frame: {size}×{size} pixels").format(size=size))
        left.set_xticks([]), left.set_yticks([])
        right.hist(frame.ravel(), bins=32, range=(0, 255), color="grey")
        right.set_xlabel(_("pixel value (0-255)"))
        right.set_ylabel(_("pixels"))
        right.set_title(_("histogram"))
        fig.alt = _("The scene as a {size}×{size} grayscale frame (exposure ×{exposure:.1f}, noise {noise:.2f}) and "
                    "the histogram of its pixel values: mean brightness {mean:.0%}, {saturated:.1%} of the pixels "
                    "saturated (255) and {black:.1%} black (0).").format(
            size=size, exposure=exposure, noise=noise, mean=stats["mean"], saturated=stats["saturated"],
            black=stats["black"])
        summary = html_table({_("pixels (= bytes, 8-bit grayscale)"): f"{stats['pixels']:,}",
                              _("bytes as RGB"): f"{3 * stats['bytes']:,}",
                              _("mean brightness"): f"{stats['mean']:.0%}",
                              _("saturated pixels (255)"): f"{stats['saturated']:.1%}",
                              _("black pixels (0)"): f"{stats['black']:.1%}"})
        return fig, summary

    return explorer({"size": size, "exposure": exposure, "noise": noise}, draw)
