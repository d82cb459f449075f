import datetime as dt

import pytest

from bpr.errors import InputError
from bpr.io.calendar_file import read_work_calendar
from bpr.model import WorkCalendar


def test_national_day_2025_with_make_up_saturday():
    # State Council notice for 2025: 10-01..10-08 off, Sun 09-28 and Sat 10-11 are working days.
    cal = WorkCalendar()
    assert cal.is_workday(dt.date(2025, 9, 28))
    assert not cal.is_workday(dt.date(2025, 10, 3))
    assert cal.is_workday(dt.date(2025, 10, 11))
    # after 09-30: 10-09, 10-10, 10-11 (make-up), 10-13 -> 4 working days up to 10-13
    assert cal.working_days_in(dt.date(2025, 9, 30), dt.date(2025, 10, 13)) == 4
    assert cal.add_working_days(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)


def test_a_plain_weekday_count_would_be_wrong():
    cal = WorkCalendar()
    start, end = dt.date(2025, 9, 30), dt.date(2025, 10, 13)
    weekdays = sum((start + dt.timedelta(d)).weekday() < 5 for d in range(1, (end - start).days + 1))
    assert weekdays == 9 and cal.working_days_in(start, end) == 4


def test_office_hours_and_fractional_days():
    cal = WorkCalendar()  # 9:00-12:00 and 13:30-17:30 = 7 h
    monday = dt.datetime(2025, 3, 3, 9, 0)
    assert cal.working_hours_between(monday, monday.replace(hour=17, minute=30)) == pytest.approx(7)
    assert cal.working_hours_between(monday.replace(hour=12), monday.replace(hour=13, minute=30)) == 0
    # Friday 16:30 to Monday 10:00: 1 h + 1 h
    friday = dt.datetime(2025, 3, 7, 16, 30)
    assert cal.working_hours_between(friday, dt.datetime(2025, 3, 10, 10)) == pytest.approx(2)
    assert cal.working_days_between(monday, dt.datetime(2025, 3, 4, 17, 30)) == pytest.approx(2)


def test_user_file_covers_years_the_package_does_not(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("date,type\n2031-01-01,holiday\n2031-01-04,workday\n", encoding="utf-8")
    cal = read_work_calendar(str(path))
    assert not cal.is_workday(dt.date(2031, 1, 1))  # a Wednesday declared a holiday
    assert cal.is_workday(dt.date(2031, 1, 4))  # a Saturday declared a working day
    yaml_path = tmp_path / "cal.yaml"
    yaml_path.write_text("holidays: [2031-01-02]\nworkdays: []\n", encoding="utf-8")
    assert not read_work_calendar(str(yaml_path)).is_workday(dt.date(2031, 1, 2))


def test_uncovered_year_falls_back_to_weekdays_and_says_so():
    cal = WorkCalendar()
    assert cal.is_workday(dt.date(2035, 1, 1))  # a Monday; no holiday data for 2035
    assert 2035 in cal.uncovered_years


def test_bad_calendar_file_names_row(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("date,type\n2031-01-01,maybe\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_work_calendar(str(path))
    assert "row 2" in str(err.value) and "cal.csv" in str(err.value)


def test_calendar_saved_by_chinese_excel_is_read_and_binary_is_refused(tmp_path):
    path = tmp_path / "节假日.csv"
    path.write_bytes("date,type\n2031-01-01,放假\n2031-01-04,补班\n".encode("gbk"))
    cal = read_work_calendar(str(path))
    assert not cal.is_workday(dt.date(2031, 1, 1)) and cal.is_workday(dt.date(2031, 1, 4))
    path.write_bytes(bytes(range(128, 256)) * 8)
    with pytest.raises(InputError, match="neither UTF-8 nor GBK") as err:
        read_work_calendar(str(path))
    assert err.value.file.name == "节假日.csv"
