"""Tiny Keras reference models for the course, ready to `fit` and to convert for TensorFlow Lite Micro.

Every model is built with a fixed batch of 1 (``keras.Input(shape, batch_size=1)``): the converted
model then has no dynamic-shape ops. Keras still trains it with ``fit(x, y, batch_size=64)`` and
predicts on any batch size. Layers are limited to what converts to TFLite Micro int8 builtins:
Dense → FULLY_CONNECTED, Conv2D → CONV_2D, DepthwiseConv2D → DEPTHWISE_CONV_2D, MaxPooling2D →
MAX_POOL_2D, GlobalAveragePooling2D → MEAN, Flatten → RESHAPE, softmax → SOFTMAX; ReLU is fused
into the layer before it. No BatchNormalization, so the parameter counts below are exactly the
numbers stored in the deployed model.

Parameter counts (with default arguments), checked by the tests against these docstrings:
sine_model 321, digits_cnn 1,898, kws_cnn 8,456, image_cnn 6,914, person_cnn 8,226,
wand_cnn 2,148, dense_autoencoder 65·n + 584.
"""
import keras

LEARNING_RATE = 1e-3


def _compile_classifier(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def sine_model(learning_rate: float = LEARNING_RATE) -> keras.Model:
    """Regressor x → sin(x): Dense 1→16→16→1 with ReLU. 321 parameters. Loss MSE, metric MAE."""
    inputs = keras.Input((1,), batch_size=1, name="x")
    x = keras.layers.Dense(16, activation="relu")(inputs)
    x = keras.layers.Dense(16, activation="relu")(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs, name="sine")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"])
    return model


def digits_cnn(
    input_shape: tuple[int, int, int] = (8, 8, 1), n_classes: int = 10, learning_rate: float = 3e-3
) -> keras.Model:
    """Small CNN for 8×8 digits: Conv 8 → MaxPool → Conv 16 → MaxPool → Flatten → Dense softmax.

    1,898 parameters with the defaults. Labels are integers (sparse categorical cross-entropy).
    """
    inputs = keras.Input(input_shape, batch_size=1, name="image")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return _compile_classifier(keras.Model(inputs, outputs, name="digits_cnn"), learning_rate)


def kws_cnn(
    input_shape: tuple[int, int, int] = (49, 40, 1),
    n_classes: int = 8,
    channels: int = 32,
    n_blocks: int = 5,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Depthwise-separable CNN for keyword spotting on log-mel spectrograms (frames × mels × 1).

    Conv 10×4 stride 2 (``channels``) → ``n_blocks`` × [depthwise 3×3 + pointwise 1×1, ReLU]
    → global average pooling → Dense softmax. 8,456 parameters with the defaults
    (int8: 8.5 KB of weights, a ≈20 KB .tflite file as converted); about 3.9 M multiply-accumulates
    per 49×40 input. On the course's synthetic keywords (300 clips per class, unseen speakers) it
    reached about 90% float accuracy after 25 epochs.
    """
    inputs = keras.Input(input_shape, batch_size=1, name="log_mels")
    # Without BatchNorm, activations must keep their scale through 11 ReLU layers: He initialisation.
    # Keras counts a depthwise kernel's fan-in as 9 * channels, but each output sees only 9 inputs:
    # its "fan_out" (9 * depth multiplier 1) is the right count here.
    he = "he_uniform"
    he_depthwise = keras.initializers.VarianceScaling(2.0, mode="fan_out", distribution="uniform")
    x = keras.layers.Conv2D(channels, (10, 4), strides=2, padding="same", activation="relu", kernel_initializer=he)(inputs)
    for _ in range(n_blocks):
        x = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu", depthwise_initializer=he_depthwise)(x)
        x = keras.layers.Conv2D(channels, 1, activation="relu", kernel_initializer=he)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return _compile_classifier(keras.Model(inputs, outputs, name="kws_cnn"), learning_rate)


def image_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 1), n_classes: int = 2, learning_rate: float = 3e-3
) -> keras.Model:
    """CNN for small grayscale images: 3 × [Conv 3×3 ReLU → MaxPool 2] (8, 16, 32 filters)
    → Flatten → Dense softmax. 6,914 parameters with the defaults.

    Flatten keeps where features are (a person is a layout of parts); on the course's person /
    no-person scenes (1,600 for training) it beat global average pooling: about 80% vs 70%
    accuracy after 25 epochs.
    """
    inputs = keras.Input(input_shape, batch_size=1, name="image")
    x = inputs
    for filters in (8, 16, 32):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return _compile_classifier(keras.Model(inputs, outputs, name="image_cnn"), learning_rate)


def person_cnn(
    input_shape: tuple[int, int, int] = (32, 32, 1),
    n_classes: int = 2,
    channels: tuple[int, ...] = (16, 32, 64, 64),
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Depthwise-separable CNN for person / no person on small grayscale frames (visual wake words).

    Conv 3×3 stride 2 (``channels[0]``) → one block per further entry of ``channels``: depthwise 3×3
    (stride 2 in the first two blocks) + pointwise 1×1 to that many channels, ReLU → global average
    pooling → Dense softmax. 8,226 parameters with the defaults, about 0.19 M multiply-accumulates per
    32×32 frame (int8: a 19.6 KB .tflite file, a 10.5 KB tensor arena). On the course's proxy scenes
    (1,500 per class, 25 % of the scenes held out with their people) it reached about 94 % float accuracy
    after 20 epochs with flips, crops and brightness changes.
    """
    inputs = keras.Input(input_shape, batch_size=1, name="image")
    he = "he_uniform"  # no BatchNorm: keep the activations' scale (see kws_cnn)
    he_depthwise = keras.initializers.VarianceScaling(2.0, mode="fan_out", distribution="uniform")
    x = keras.layers.Conv2D(channels[0], 3, strides=2, padding="same", activation="relu", kernel_initializer=he)(inputs)
    for block, width in enumerate(channels[1:]):
        x = keras.layers.DepthwiseConv2D(3, strides=2 if block < 2 else 1, padding="same", activation="relu",
                                         depthwise_initializer=he_depthwise)(x)
        x = keras.layers.Conv2D(width, 1, activation="relu", kernel_initializer=he)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return _compile_classifier(keras.Model(inputs, outputs, name="person_cnn"), learning_rate)


def wand_cnn(
    input_shape: tuple[int, int, int] = (128, 1, 3),
    n_classes: int = 4,
    filters: tuple[int, ...] = (8, 16, 16),
    kernel: int = 5,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """1-D CNN for motion-sensor windows (time steps × 1 × axes, e.g. 128 accelerometer samples × 3 axes).

    One block per entry of ``filters``: a 1-D convolution over time (``kernel`` steps × all axes or
    channels, written as Conv2D ``(kernel, 1)`` so that it converts to TFLite Micro's CONV_2D), ReLU,
    then max pooling 2 over time → global average pooling over time (a gesture may start anywhere)
    → Dense softmax. 2,148 parameters with the defaults, about 0.1 M multiply-accumulates per window.
    `course.lessons.motion` trains it (centred windows, rotated and scaled copies) on the course's gestures.
    """
    inputs = keras.Input(input_shape, batch_size=1, name="imu_window")
    x = inputs
    for width in filters:
        x = keras.layers.Conv2D(width, (kernel, 1), padding="same", activation="relu", kernel_initializer="he_uniform")(x)
        x = keras.layers.MaxPooling2D((2, 1))(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    return _compile_classifier(keras.Model(inputs, outputs, name="wand_cnn"), learning_rate)


def dense_autoencoder(
    n_features: int, bottleneck: int = 8, hidden: int = 32, learning_rate: float = LEARNING_RATE
) -> keras.Model:
    """Autoencoder for anomaly detection: n_features → hidden → bottleneck → hidden → n_features.

    ReLU hidden layers, linear bottleneck and output; trained to reproduce its input (loss MSE), so
    a large reconstruction error flags an anomaly. With the defaults it has 65·n_features + 584
    parameters (3,184 for n_features=40).
    """
    inputs = keras.Input((n_features,), batch_size=1, name="features")
    x = keras.layers.Dense(hidden, activation="relu")(inputs)
    x = keras.layers.Dense(bottleneck)(x)
    x = keras.layers.Dense(hidden, activation="relu")(x)
    outputs = keras.layers.Dense(n_features)(x)
    model = keras.Model(inputs, outputs, name="dense_autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def count_params(model: keras.Model) -> int:
    """Total number of weights (trainable and not) in a Keras model."""
    return int(model.count_params())


def model_bytes_estimate(n_params: int, bits: int = 8) -> int:
    """Bytes to store ``n_params`` weights at ``bits`` each (8, 16 or 32), rounded up.

    Weights only: an int8 .tflite file adds int32 biases, per-channel quantization parameters,
    tensor names and the flatbuffer structure (2-13 KB for the course's models, growing with the
    number of layers); RAM for activations comes on top.
    """
    if bits not in (8, 16, 32):
        raise ValueError(f"bits must be 8, 16 or 32, got {bits}")
    if n_params < 0:
        raise ValueError(f"n_params must be non-negative, got {n_params}")
    return (n_params * bits + 7) // 8
