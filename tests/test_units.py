"""course.units: memory units and the one int16 audio convention."""
import numpy as np
import pytest

from course.units import GIB, INT16_FULL_SCALE, KIB, MIB, audio_as_float, audio_as_int16

pytestmark = pytest.mark.unit


def test_memory_units():
    assert (KIB, MIB, GIB) == (2 ** 10, 2 ** 20, 2 ** 30)


def test_int16_to_float_and_back():
    samples = np.array([-32768, -1, 0, 1, 16384, 32767], np.int16)
    as_float = audio_as_float(samples)
    assert as_float.dtype == np.float32 and audio_as_float(samples, np.float64).dtype == np.float64
    np.testing.assert_array_equal(as_float, samples / INT16_FULL_SCALE)
    assert as_float.min() == -1.0 and as_float.max() < 1.0
    np.testing.assert_array_equal(audio_as_int16(as_float), samples)


def test_float_to_int16_clips_instead_of_wrapping():
    out = audio_as_int16(np.array([-2.0, -1.0, 0.5, 0.99999, 1.0, 3.0]))
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, [-32768, -32768, 16384, 32767, 32767, 32767])


def test_float_audio_passes_through_and_other_integers_are_refused():
    x = np.array([0.25, -0.5], np.float64)
    np.testing.assert_array_equal(audio_as_float(x), x.astype(np.float32))
    with pytest.raises(TypeError, match="int16 or float"):
        audio_as_float(np.array([1, 2], np.int32))
