import pytest

from course.energy import average_current_ma, battery_life_hours, energy_mj

pytestmark = pytest.mark.unit


def test_average_current_weights_active_and_sleep_time():
    assert average_current_ma(10.0, 0.01, 0.0) == pytest.approx(0.01)
    assert average_current_ma(10.0, 0.01, 1.0) == pytest.approx(10.0)
    assert average_current_ma(10.0, 0.0, 0.1) == pytest.approx(1.0)


@pytest.mark.parametrize("duty", [-0.1, 1.5])
def test_duty_cycle_outside_0_1_is_rejected(duty):
    with pytest.raises(ValueError, match="duty_cycle"):
        average_current_ma(1.0, 0.1, duty)


def test_negative_currents_are_rejected():
    with pytest.raises(ValueError):
        average_current_ma(-1.0, 0.1, 0.5)


def test_coin_cell_battery_life():
    # a 225 mAh CR2032 at 0.1 mA lasts 2,250 hours (about 94 days) on an ideal battery
    assert battery_life_hours(225, 0.1) == pytest.approx(2250)


@pytest.mark.parametrize("capacity, current", [(0, 1), (100, 0), (-5, 1)])
def test_battery_life_needs_positive_inputs(capacity, current):
    with pytest.raises(ValueError):
        battery_life_hours(capacity, current)


def test_energy_is_power_times_time():
    assert energy_mj(20.0, 0.05) == pytest.approx(1.0)
